"""Chunked time-series files: `<layer>/ts/<chunk>.json.gz`, one processing unit per chunk.

Row k of chunk c is feature id `first_id + k`. Values are integers in 0.1 mm (the CSV's own
precision, so they stay exact) and `null` where the file has no value. The JSON text is made by
pyarrow kernels, not per-value Python, and stored gzip-compressed (the viewer inflates it with
`DecompressionStream`, which needs no server configuration).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tiler.files import write_gzip
from tiler.inputs.egms import iso_date
from tiler.inputs.reader import MISSING
from tiler.layer.processing_unit import SERIES_DTYPE, spool_series
from tiler.layer.scratchmatrix import RowFile, RowWriter
from tiler.memory import give_back
from tiler.model import Source
from tiler.spatial import blocks
from tiler.stop import Stop
from tiler.tiles.features import CHUNK_FIELDS, number_text

CHUNK_SIZE = 256  # points per chunk: ~50-70 KB gzip at ~210 dates (≤ 256 KB on the wire)
CHUNK_SUFFIX = ".json.gz"
# ISA-L's level 2: 8x faster than zlib's level 4 for 2 % larger chunks (307 vs 38 MB/s on
# 1M-point chunks); compressing was a quarter of the build's Python time
# give identical bytes
TABLE_LIMIT = 1 << 16  # values (0.1 mm) whose text rows_json looks up: ±6.5 m


@dataclass(frozen=True, slots=True)
class ChunkSpec:
    layer: str
    unit: int
    size: int
    directory: Path


def chunk_path_template(layer_id: str) -> str:
    """The manifest's chunk path, relative to data/."""
    return f"{layer_id}/ts/{{chunk}}{CHUNK_SUFFIX}"


def chunks_needed(points: int, size: int) -> int:
    return -(-points // size)


# a unit's chunk inputs, by id
POINT_COLUMNS = ("lon", "lat", "velocity", "file_row", *(column for _, column, _ in CHUNK_FIELDS))
POINT_DTYPE = np.dtype("<f8")


@dataclass(frozen=True, slots=True)
class UnitChunks:
    """What pass 2 needs to write one unit's chunks: pids in memory (until its chunks are
    written: `written`), the rest in `points`."""

    source: Source
    first_id: int  # a chunk boundary
    count: int
    pids: pa.Array | None
    points: Path  # POINT_COLUMNS of every id, in id order (written by `PointsWriter`)
    columns: tuple[str, ...] = ()  # the unit's static columns (internal names): which
    # CHUNK_FIELDS its chunks carry

    def written(self) -> UnitChunks:
        """The unit once its chunks are written: its pids let go (a layer's would be ~25 B a
        point in memory)."""
        return replace(self, pids=None)

    def open(self) -> RowFile:
        return RowFile(self.points, len(POINT_COLUMNS), POINT_DTYPE)

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Every point's longitude and latitude."""
        lon, lat = np.empty(self.count), np.empty(self.count)
        with self.open() as points:
            for part in blocks(self.count):
                block = points.span(part.start, part.stop)
                lon[part], lat[part] = block[:, 0], block[:, 1]
        return lon, lat

    def file_rows(self) -> np.ndarray:
        """Every point's data-row number in its file (0-based)."""
        rows = np.empty(self.count, dtype=np.int64)
        column = POINT_COLUMNS.index("file_row")
        with self.open() as points:
            for part in blocks(self.count):
                rows[part] = points.span(part.start, part.stop)[:, column]
        return rows


class PointsWriter(RowWriter):
    """Writes a unit's chunk inputs (`UnitChunks.points`), a slice of ids at a time."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, len(POINT_COLUMNS), POINT_DTYPE)

    def add(
        self, lon: np.ndarray, lat: np.ndarray, static: dict[str, np.ndarray],
        file_rows: np.ndarray,
    ) -> None:  # fmt: skip
        """`static`: the points' static values by internal name (NaN where missing)."""
        missing = np.full(len(lon), np.nan)
        values = [static.get(column, missing) for column in POINT_COLUMNS[4:]]
        self.append(np.column_stack([lon, lat, static.get("mean_velocity", missing), file_rows,
                                     *values]))  # fmt: skip


def write_unit_chunks(unit: UnitChunks, spec: ChunkSpec, scratch: Path) -> list[list[float | int]]:
    """Read the unit's series (pass 2) into `scratch` and write its chunks from there."""
    try:
        spool_series(unit.source, scratch)
        return write_spooled_chunks(unit, spec, scratch)
    finally:
        scratch.unlink(missing_ok=True)


def write_spooled_chunks(
    unit: UnitChunks, spec: ChunkSpec, spooled: Path, stop: Stop | None = None
) -> list[list[float | int]]:  # fmt: skip
    """Write the unit's chunks from its spooled series (`spool_series`), `stop` checked at each.

    Returns the chunk index rows: [chunk, unit, west, south, east, north, points].
    """
    assert unit.first_id % spec.size == 0, "a processing unit must start a new chunk"
    dates = [iso_date(column) for column in unit.source.dates]
    give_back()  # the CSV blocks of the whole series
    index_rows: list[list[float | int]] = []
    unit_pids = unit.pids
    assert unit_pids is not None, "a unit's chunks are written once"
    with unit.open() as points, RowFile(spooled, len(dates), SERIES_DTYPE) as series:
        for start in range(0, unit.count, spec.size):
            if stop is not None:
                stop.check()
            end = min(start + spec.size, unit.count)
            values = points.span(start, end)
            lon, lat, velocity, file_rows = values[:, :4].T
            block = series.rows(file_rows.astype(np.int64))
            chunk = (unit.first_id + start) // spec.size
            columns = {"lon": (lon, 6), "lat": (lat, 6), "v": (velocity, 1)}
            pids = unit_pids[start:end]
            attributes = chunk_attributes(unit.columns, values)
            parts = chunk_parts(spec, unit.first_id + start, dates, pids, columns, block,
                                attributes)  # fmt: skip
            write_gzip(spec.directory / f"{chunk}{CHUNK_SUFFIX}", *parts)
            index_rows.append([chunk, spec.unit, *box(lon, lat), len(block)])
    return index_rows


def chunk_attributes(
    columns: tuple[str, ...], values: np.ndarray
) -> dict[str, tuple[np.ndarray, int]]:  # fmt: skip
    """The CHUNK_FIELDS a unit has, from its points' rows (POINT_COLUMNS)."""
    return {
        name: (values[:, POINT_COLUMNS.index(column)], decimals)
        for name, column, decimals in CHUNK_FIELDS
        if column in columns
    }


def box(lon: np.ndarray, lat: np.ndarray) -> list[float]:
    return [
        round(float(np.nanmin(lon)), 6), round(float(np.nanmin(lat)), 6),
        round(float(np.nanmax(lon)), 6), round(float(np.nanmax(lat)), 6),
    ]  # fmt: skip


def chunk_parts(
    spec: ChunkSpec,
    first_id: int,
    dates: list[str],
    pids: pa.Array,
    columns: dict[str, tuple[np.ndarray, int]],
    block: np.ndarray,
    attributes: dict[str, tuple[np.ndarray, int]] | None = None,
) -> list[bytes | memoryview]:
    """A chunk's JSON text in parts, the series rows a view of their pyarrow buffer: the text is
    ~1.2 MB, and each joined copy of it was a fresh mapping (tiler/memory.py)."""
    head = json.dumps(
        {"layer": spec.layer, "unit": spec.unit, "first_id": first_id, "dates": dates,
         "pid": pids.to_pylist()},
        separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip
    parts = [head[:-1]]
    for name, (values, decimals) in columns.items():
        parts.append(f',"{name}":[{numbers_json(values, decimals)}]')
    if attributes is not None:
        members = [f'"{name}":[{numbers_json(values, decimals)}]'
                   for name, (values, decimals) in attributes.items()]  # fmt: skip
        parts.append(f',"attributes":{{{",".join(members)}}}')
    parts.append(',"d":[')
    return ["".join(parts).encode(), *rows_json_parts(block), b"]}"]


def numbers_json(values: np.ndarray, decimals: int) -> str:
    """'1.5,null,-2' for floats rounded to `decimals`, NaN written as null."""
    if len(values) == 0:
        return ""
    return ",".join(number_text(values, decimals).fill_null("null").to_pylist())


def rows_json(block: np.ndarray) -> bytes:
    """'[v,v,null],[...]' for an int32 matrix, MISSING written as null."""
    return b"".join(rows_json_parts(block))


def rows_json_parts(block: np.ndarray) -> list[bytes | memoryview]:
    """`rows_json` in parts that need not be joined.

    Each value's text, with the comma or bracket after it, is looked up in a table of every
    value up to ±TABLE_LIMIT: a gather instead of formatting, 1.4x faster per chunk.
    """
    rows, columns = block.shape
    if rows == 0 or columns == 0:
        return []
    flat = block.ravel().astype(np.int64)
    missing = flat == MISSING
    if np.abs(flat[~missing]).max(initial=0) >= TABLE_LIMIT:
        return [_rows_json_formatted(block).encode()]
    index = np.where(missing, 2 * TABLE_LIMIT, flat + TABLE_LIMIT)
    index[columns - 1 :: columns] += 2 * TABLE_LIMIT + 1  # a row's last value: the second half
    text = _value_texts().take(pa.array(index))
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
    data = memoryview(text.buffers()[2])[offsets[0] : offsets[len(text)]]
    return [b"[", data[:-2]]  # the last row's "],[" loses its ",["


@lru_cache(maxsize=1)
def _value_texts() -> pa.Array:
    """'v,' for every value in ±TABLE_LIMIT and 'null,', then the same ending in '],['."""
    values = pc.cast(pa.array(np.arange(-TABLE_LIMIT, TABLE_LIMIT, dtype=np.int32)), pa.string())
    values = pa.concat_arrays([values, pa.array(["null"])])
    return pa.concat_arrays([
        pc.binary_join_element_wise(values, ",", ""),
        pc.binary_join_element_wise(values, "],[", ""),
    ])  # fmt: skip


def _rows_json_formatted(block: np.ndarray) -> str:
    rows, columns = block.shape
    flat = block.ravel()
    text = pc.cast(pa.array(flat, mask=flat == MISSING), pa.string()).fill_null("null")
    offsets = pa.array(np.arange(0, rows * columns + 1, columns, dtype=np.int32))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, text), ",")
    return "[" + "],[".join(joined.to_pylist()) + "]"
