"""Tile features: the per-point attributes that go into the vector tiles, as GeoJSON lines.

Built with pyarrow compute (no per-point Python) and fed to tippecanoe as newline-delimited
GeoJSON, which it can read in parallel (-P) and where a missing value is simply left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tiler.files import copy_range
from tiler.tiles.grid import world_xy

# the trend-change screening (tiler/layer/trendchange.py), computed from the series. The tiles
# carry what the map colours and filters by, and only where it found something at p < 0.05 (the
# loosest level the viewer offers): each attribute on every point costs tippecanoe ~12 % more
# CPU. The chunks carry every value
TREND_TILE_FIELDS = (
    ("break_date", "tile_break_date", 2),  # decimal year
    ("break_p", "tile_break_p", 4),
    ("accel_p", "tile_accel_p", 4),
)
TREND_CHUNK_FIELDS = (
    ("break_date", "break_date", 2),
    ("velocity_before", "velocity_before", 2),
    ("velocity_before_std", "velocity_before_std", 2),
    ("velocity_after", "velocity_after", 2),
    ("velocity_after_std", "velocity_after_std", 2),
    ("break_value", "break_value", 2),  # mm: the two segments meet at (break_date, break_value)
    ("residual_rho", "residual_rho", 2),  # lag-1 autocorrelation the p-values and σ allow for
    ("break_p", "break_p", 5),
    ("accel_p", "accel_p", 5),
)
# tile attribute, internal column name, decimals written by EGMS
TILE_FIELDS = (
    ("velocity", "mean_velocity", 1),
    ("velocity_std", "mean_velocity_std", 1),
    ("coherence", "temporal_coherence", 2),
    ("height", "height", 1),
    ("acceleration", "acceleration", 2),
    ("seasonality", "seasonality", 1),
    ("rmse", "rmse", 1),
    ("overlap", "overlap", 0),  # 1 where an earlier burst of the layer covers the ground
    *TREND_TILE_FIELDS,
)
# Per-point values a time-series chunk carries beside pid, lon, lat and v (the velocity): the
# tile attributes, and L2's incidence and track angles (the line of sight: its unit vector is
# derived from them, to 0.001 of the files' los_east/north/up), so that every point of a drawn
# area can be exported with them without its tiles, and a point's panel names its geometry.
CHUNK_FIELDS = (
    *((attr, column, decimals) for attr, column, decimals in TILE_FIELDS
      if attr not in ("velocity", "overlap") and (attr, column, decimals) not in TREND_TILE_FIELDS),
    *TREND_CHUNK_FIELDS,
    ("incidence_angle", "incidence_angle", 2),
    ("track_angle", "track_angle", 2),
)  # fmt: skip
# the columns computed from the series, not read from the files
TREND_COLUMNS = tuple(dict.fromkeys(column for _, column, _ in (*TREND_TILE_FIELDS,
                                                                *TREND_CHUNK_FIELDS)))  # fmt: skip
EPOCHS_ATTRIBUTE = "displacement_epochs"  # the displacement at epochs (tiler/layer/epochs.py)
STRING_ATTRIBUTES = (EPOCHS_ATTRIBUTE,)  # made from the series
COORD_DECIMALS = 7
TEXT_TABLE_LIMIT = 1 << 17
SOURCE_LAYER = "points"


def tile_attributes(available: set[str]) -> list[str]:
    """Attribute names the tiles of a layer carry, given the internal columns its files have
    (and the string attributes made from its series: `texts` of geojson_lines)."""
    names = ["pid"] + [attr for attr, column, _ in TILE_FIELDS if column in available]
    return [*names, *(name for name in STRING_ATTRIBUTES if name in available), "unit"]


def number_text(values: np.ndarray, decimals: int) -> pa.Array:
    """The values rounded to `decimals` as text (null where not finite): tiles and chunks.

    Looked up in a table of every text up to ±TEXT_TABLE_LIMIT units of the last decimal (a
    gather, not formatting: 3x faster), else formatted.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.rint(values * 10.0**decimals)
    finite = np.isfinite(scaled)
    if decimals > 2 or np.abs(scaled[finite]).max(initial=0) >= TEXT_TABLE_LIMIT:
        return _formatted(values, decimals)
    index = np.where(finite, scaled + TEXT_TABLE_LIMIT, 0).astype(np.int64)
    index[(scaled == 0) & np.signbit(scaled)] = 2 * TEXT_TABLE_LIMIT  # "-0", as formatted
    return _number_texts(decimals).take(pa.array(index, mask=~finite))


def _formatted(values: np.ndarray, decimals: int) -> pa.Array:
    array = pa.array(values, mask=~np.isfinite(values))
    return pc.cast(pc.round(array, decimals), pa.string())


@lru_cache(maxsize=4)
def _number_texts(decimals: int) -> pa.Array:
    steps = np.arange(-TEXT_TABLE_LIMIT, TEXT_TABLE_LIMIT, dtype=np.float64) / 10.0**decimals
    return _formatted(np.append(steps, -0.0), decimals)


def json_strings(text: pa.Array) -> pa.Array:
    """Each string as a JSON string literal, quoted and escaped.

    Only the quote and the backslash are escaped: control characters, the only others JSON
    forbids raw, never reach here (pids holding them are refused in tiler/layer/processing_unit.py).
    """
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def _member(key: str, text: pa.Array) -> pa.Array:
    """'"key":value' per row; null where the value is null (so the key is left out)."""
    return pc.binary_join_element_wise(pa.scalar(f'"{key}":'), text, "")


def geojson_lines(
    ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    pid: pa.Array,
    static: dict[str, np.ndarray],
    unit: int,
    texts: Mapping[str, np.ndarray] = MappingProxyType({}),
) -> pa.Array:
    """One GeoJSON Feature per point (strings ending in a newline), in the order given.
    `texts`: string attributes (numpy bytes arrays, nothing to escape: digits)."""
    count = len(ids)
    members = [_member("pid", json_strings(pid))]
    for attr, column, decimals in TILE_FIELDS:
        if column in static:
            members.append(_member(attr, number_text(static[column], decimals)))
    for attr, text in texts.items():
        quoted = pc.binary_join_element_wise('"', pc.cast(pa.array(text), pa.string()), '"', "")
        members.append(_member(attr, quoted))
    members.append(_member("unit", pa.array(np.full(count, str(unit)))))
    properties = pc.binary_join_element_wise(*members, ",", null_handling="skip")
    coords = pc.binary_join_element_wise(
        number_text(lon, COORD_DECIMALS), number_text(lat, COORD_DECIMALS), ","
    )
    return pc.binary_join_element_wise(
        '{"type":"Feature","id":',
        pc.cast(pa.array(ids), pa.string()),
        ',"geometry":{"type":"Point","coordinates":[',
        coords,
        ']},"properties":{',
        properties,
        "}}\n",
        "",
    )


def with_min_zoom(lines: bytes, zoom: int) -> bytes:
    """Feature lines (each a JSON object) tagged for tippecanoe to show from `zoom` on."""
    if not lines:
        return lines
    start = b'{"tippecanoe":{"minzoom":%d},' % zoom
    return start + lines[1:].replace(b"\n{", b"\n" + start)


def write_lines(lines: pa.Array, out: BinaryIO) -> None:
    """Write a string array's bytes as they are (each element already ends in a newline)."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if len(lines) == 0:
        return
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
    out.write(memoryview(lines.buffers()[2])[start:end])


class FeatureFiles:
    """A layer's GeoJSON lines, split into one file per key (see tiler/tiles/sampling.py).

    Beside each file, its line index (`LINE_INDEX`: world x, y and byte length of every line)
    lets a zoom be cut into regions without parsing the text (tiler/tiles/grid.py).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.paths: dict[int, Path] = {}

    def write(self, keys: np.ndarray, lines: pa.Array, lon: np.ndarray, lat: np.ndarray) -> None:
        """Append each line to its key's file, keeping their order within a file."""
        order = np.argsort(keys, kind="stable")
        starts = np.flatnonzero(np.diff(keys[order])) + 1
        wx, wy = world_xy(lon, lat)
        for part in np.split(order, starts):
            if len(part) == 0:
                continue
            key = int(keys[part[0]])
            path = self.paths.setdefault(key, self.directory / f"{key}.geojsonl")
            chosen = lines.take(pa.array(part))
            with open(path, "ab") as out:
                write_lines(chosen, out)
            with open(line_index_path(path), "ab") as out:
                out.write(_line_index(wx[part], wy[part], chosen).tobytes())


LINE_INDEX = np.dtype([("x", "<u4"), ("y", "<u4"), ("length", "<u4")])


def line_index_path(path: Path) -> Path:
    return path.with_suffix(".lines")


def _line_index(wx: np.ndarray, wy: np.ndarray, lines: pa.Array) -> np.ndarray:
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    index = np.empty(len(lines), dtype=LINE_INDEX)
    index["x"], index["y"] = wx, wy
    index["length"] = np.diff(offsets[lines.offset : lines.offset + len(lines) + 1])
    return index


def read_line_index(path: Path, first: int = 0, count: int = -1) -> np.ndarray:
    """The line index of a feature file: every line, or `count` from line `first` on."""
    offset = first * LINE_INDEX.itemsize
    return np.fromfile(line_index_path(path), dtype=LINE_INDEX, count=count, offset=offset)


def line_index_blocks(path: Path, lines: int) -> Iterator[np.ndarray]:
    """The line index of a feature file, `lines` lines at a time (bounded memory)."""
    for first in range(0, line_count(path), lines):
        yield read_line_index(path, first, lines)


def line_count(path: Path) -> int:
    return line_index_path(path).stat().st_size // LINE_INDEX.itemsize


def append_spans(
    source: int, path: Path, spans: Iterator[tuple[int, int]], tag: int | None = None
) -> None:  # fmt: skip
    """Append byte spans of whole lines of `source` (a file descriptor) to `path`, each line
    tagged with min zoom `tag` if given: the one line copier of both builds.

    Untagged spans are copied in the kernel (`copy_file_range`), without passing through
    memory; tagged ones pass through memory to be tagged.
    """
    out = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.lseek(out, 0, os.SEEK_END)  # copy_file_range refuses O_APPEND
        for start, end in spans:
            if tag is None:
                copy_range(source, out, start, end - start)
            else:
                _write(out, with_min_zoom(os.pread(source, end - start, start), tag))
    finally:
        os.close(out)


def concatenate(sources: Sequence[Path], path: Path) -> None:
    """`path` made of the sources' bytes, one after the other (feature files or line indexes)."""
    path.write_bytes(b"")
    for source in sources:
        with open(source, "rb") as stream:
            append_spans(stream.fileno(), path, iter([(0, os.fstat(stream.fileno()).st_size)]))


def _write(target: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(target, view) :]


def join_feature_files(parts: Sequence[Mapping[int, Path]], directory: Path) -> dict[int, Path]:
    """The layer's feature files from its units' own (`FeatureFiles.paths`, in unit order):
    each key's lines and line index concatenated, the files one FeatureFiles would hold."""
    directory.mkdir(parents=True, exist_ok=True)
    joined: dict[int, Path] = {}
    for key in sorted({key for part in parts for key in part}):
        sources = [part[key] for part in parts if key in part]
        path = joined[key] = directory / f"{key}.geojsonl"
        concatenate(sources, path)
        concatenate([line_index_path(source) for source in sources], line_index_path(path))
    return joined
