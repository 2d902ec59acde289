"""Chunked time-series files: `<layer>/ts/<chunk>.json.gz`, one processing unit per chunk.

Row k of chunk c is feature id `first_id + k`. Values are integers in 0.1 mm (the CSV's own
precision, so they stay exact) and `null` where the file has no value. The JSON text is made by
pyarrow kernels, not per-value Python, and stored gzip-compressed (the viewer inflates it with
`DecompressionStream`, which needs no server configuration).
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .egms import iso_date
from .reader import MISSING
from .unit import StagedUnit, read_rows

CHUNK_SIZE = 256  # points per chunk: ~50-70 KB gzip at ~210 dates (≤ 256 KB on the wire)
CHUNK_SUFFIX = ".json.gz"
GZIP_LEVEL = 6


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


def write_unit_chunks(
    unit: StagedUnit, order: np.ndarray, first_id: int, spec: ChunkSpec
) -> list[list[float | int]]:
    """Write the unit's rows, in `order`, as chunks from `first_id` (a chunk boundary).

    Returns the chunk index rows: [chunk, unit, west, south, east, north, points].
    """
    assert first_id % spec.size == 0, "a processing unit must start a new chunk"
    dates = [iso_date(column) for column in unit.source.dates]
    pids = unit.pid.take(pa.array(order))
    lon, lat = unit.lon[order], unit.lat[order]
    velocity = unit.static.get("mean_velocity", np.full(unit.rows, np.nan))[order]
    index_rows: list[list[float | int]] = []
    fd = os.open(unit.series_path, os.O_RDONLY)
    try:
        for start in range(0, len(order), spec.size):
            part = slice(start, start + spec.size)
            block = read_rows(fd, order[part], unit.row_bytes, len(dates))
            chunk = (first_id + start) // spec.size
            columns = {"lon": (lon[part], 6), "lat": (lat[part], 6), "v": (velocity[part], 1)}
            text = chunk_json(spec, first_id + start, dates, pids[part], columns, block)
            write_gzip(spec.directory / f"{chunk}{CHUNK_SUFFIX}", text)
            index_rows.append([chunk, spec.unit, *box(lon[part], lat[part]), len(block)])
    finally:
        os.close(fd)
    return index_rows


def box(lon: np.ndarray, lat: np.ndarray) -> list[float]:
    return [
        round(float(np.nanmin(lon)), 6), round(float(np.nanmin(lat)), 6),
        round(float(np.nanmax(lon)), 6), round(float(np.nanmax(lat)), 6),
    ]  # fmt: skip


def chunk_json(
    spec: ChunkSpec,
    first_id: int,
    dates: list[str],
    pids: pa.Array,
    columns: dict[str, tuple[np.ndarray, int]],
    block: np.ndarray,
) -> bytes:
    head = json.dumps(
        {"layer": spec.layer, "unit": spec.unit, "first_id": first_id, "dates": dates,
         "pid": pids.to_pylist()},
        separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip
    parts = [head[:-1]]
    for name, (values, decimals) in columns.items():
        parts.append(f',"{name}":[{numbers_json(values, decimals)}]')
    parts.append(',"d":[' + rows_json(block) + "]}")
    return "".join(parts).encode()


def numbers_json(values: np.ndarray, decimals: int) -> str:
    """'1.5,null,-2' for floats rounded to `decimals`, NaN written as null."""
    if len(values) == 0:
        return ""
    array = pa.array(values, mask=~np.isfinite(values))
    text = pc.cast(pc.round(array, decimals), pa.string()).fill_null("null")
    return ",".join(text.to_pylist())


def rows_json(block: np.ndarray) -> str:
    """'[v,v,null],[...]' for an int32 matrix, MISSING written as null."""
    rows, columns = block.shape
    if rows == 0:
        return ""
    flat = block.ravel()
    text = pc.cast(pa.array(flat, mask=flat == MISSING), pa.string()).fill_null("null")
    offsets = pa.array(np.arange(0, rows * columns + 1, columns, dtype=np.int32))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, text), ",")
    return "[" + "],[".join(joined.to_pylist()) + "]"


def write_gzip(path: Path, data: bytes) -> None:
    """Deterministic gzip (no name, mtime 0) so identical builds give identical bytes."""
    path.write_bytes(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
