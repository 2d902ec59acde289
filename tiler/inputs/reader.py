"""Stream an EGMS file's rows by column name, in bounded-size batches: static values, then series.

The header was read first (`tiler/inputs/header.py`); a parse error is explained by the exact
line check (`tiler/inputs/linecheck.py`), which names the line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa

from tiler.errors import InputError
from tiler.inputs.header import STATIC_FIELDS, static_columns
from tiler.inputs.linecheck import locate_in
from tiler.inputs.opening import (
    READ_ERRORS,
    check_stamp,
    file_stamp,
    float_column,
    open_csv_bytes,
    open_reader,
)
from tiler.model import Source
from tiler.spatial import laea_to_lonlat

MAX_DISPLACEMENT_MM = 1e8  # beyond this a value cannot be a displacement (and leaves int32)
MISSING = np.iinfo(np.int32).min  # displacement sentinel for a missing value
BLOCK_SIZE = 2 << 20  # 4 MB blocks cost the same CPU and hold ~150 MB more per reader
# the series' ~300 columns, in blocks whose matrices are reused (SeriesMatrix); spooling 1M
# points took 22.3 CPU s and 115-121 MB at most; 1 MB blocks 21.9 s and 131 MB, 2 MB 22.1 s and
# 180 MB
SERIES_BLOCK_SIZE = 512 << 10


@dataclass(slots=True)
class Batch:
    """A slice of rows: static values by internal name, pids, displacement in 0.1 mm."""

    first_line: int  # file line number of the first row (the header is line 1)
    pid: pa.Array
    static: dict[str, np.ndarray]
    displacement: np.ndarray  # int32 (rows, dates), MISSING where the file has no value
    lon: np.ndarray  # WGS84 degrees (L3: converted from EPSG:3035 easting/northing)
    lat: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.pid)

    def select(self, mask: np.ndarray) -> Batch:
        """The rows where `mask` is true (line numbers no longer follow each other)."""
        if mask.all():
            return self
        return Batch(
            self.first_line,
            self.pid.filter(pa.array(mask)),
            {name: values[mask] for name, values in self.static.items()},
            self.displacement[mask],
            self.lon[mask],
            self.lat[mask],
        )


def iter_batches(
    source: Source, block_size: int = BLOCK_SIZE, series: bool = True,
    fields: Sequence[str] = STATIC_FIELDS,
) -> Iterator[Batch]:  # fmt: skip
    """Stream a source's rows: bounded memory whatever the file size.

    `series=False` reads only the static columns (no displacement): the fast first pass.
    `fields`: the static fields to read (those the file has).
    """
    statics = static_columns(source, fields)
    include = ["pid", *statics.values(), *(source.dates if series else ())]
    line = source.header_line + 1
    with unchanged(source), open_csv_bytes(source.path, source.member) as stream:
        for record in _records(source, stream, include, block_size):
            yield _to_batch(source, record, statics, line, series)
            line += record.num_rows


def iter_series(source: Source, block_size: int = SERIES_BLOCK_SIZE) -> Iterator[np.ndarray]:
    """Stream only the displacement columns: int32 (rows, dates) blocks in 0.1 mm.

    Each block is valid until the next one is asked for (its memory is reused).
    """
    line = source.header_line + 1
    matrix = SeriesMatrix(len(source.dates))
    with unchanged(source), open_csv_bytes(source.path, source.member) as stream:
        for record in _records(source, stream, list(source.dates), block_size):
            yield _series(source, record, line, matrix)
            line += record.num_rows


@contextmanager
def unchanged(source: Source) -> Iterator[None]:
    """Check that the file is the one scanned, before and after a pass over it."""
    if source.stamp == NO_STAMP:
        yield
        return
    check_stamp(source.path, source.stamp, file_stamp(source.path))
    try:
        yield
    except InputError:
        check_stamp(source.path, source.stamp, file_stamp(source.path))  # explains the damage
        raise
    check_stamp(source.path, source.stamp, file_stamp(source.path))


NO_STAMP = (0, 0, 0)


def _records(
    source: Source, stream: IO[bytes], include: list[str], block_size: int
) -> Iterator[pa.RecordBatch]:
    try:
        reader = open_reader(stream, include, block_size)
    except READ_ERRORS as exc:
        raise locate_problem(source, exc) from exc
    try:  # closed before its stream: a read ahead left running aborted the process at exit
        yield from reader
    except READ_ERRORS as exc:
        raise locate_problem(source, exc) from exc
    finally:
        reader.close()


def _to_batch(
    source: Source, record: pa.RecordBatch, statics: dict[str, str], first_line: int,
    series: bool = True,
) -> Batch:  # fmt: skip
    static = {name: float_column(record.column(column)) for name, column in statics.items()}
    for name, values in static.items():
        _check_finite(source, statics[name], values, first_line)
    if series:
        displacement = _series(source, record, first_line)
    else:
        displacement = np.zeros((record.num_rows, 0), dtype=np.int32)
    lon, lat = _lonlat(static)
    return Batch(first_line, record.column("pid"), static, displacement, lon, lat)


class SeriesMatrix:
    """The matrices a block's displacements are scaled and converted in, reused block to block.

    A block's matrices (a few MB) are over the build's 1 MB own-mapping threshold
    (tiler/memory.py): made anew for each block, their pages came fresh from the kernel every
    time (spooling 1M points: 0.9M page faults, 3.6 s of system time).
    """

    def __init__(self, columns: int) -> None:
        self.floats = np.empty((0, columns), dtype=np.float64, order="F")
        self.tenths = np.empty((0, columns), dtype=np.int32)

    def rows(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Column-major float64 and row-major int32 (count, columns) views."""
        if len(self.floats) < count:
            columns = self.floats.shape[1]
            self.floats = np.empty((count, columns), dtype=np.float64, order="F")
            self.tenths = np.empty((count, columns), dtype=np.int32)
        return self.floats[:count], self.tenths[:count]


def _series(
    source: Source, record: pa.RecordBatch, first_line: int, matrix: SeriesMatrix | None = None
) -> np.ndarray:
    """The displacements as int32 tenths of a mm, MISSING where empty: (rows, dates).

    Filled a column at a time into a column-major matrix (contiguous copies) and scaled in
    place: 1M points' ~300 columns took 5.3 CPU s here against 7.7 by rows with temporaries.
    With `matrix`, the result is one of its views: valid until its next use.
    """
    floats, tenths = (matrix or SeriesMatrix(len(source.dates))).rows(record.num_rows)
    for index, name in enumerate(source.dates):
        floats[:, index] = float_column(record.column(name))
    floats *= 10.0
    np.rint(floats, out=floats)
    _check_range(source, record, floats, first_line)
    missing = np.isnan(floats)
    floats[missing] = 0
    np.copyto(tenths, floats, casting="unsafe")
    tenths[missing] = MISSING
    return tenths


def _check_range(
    source: Source, record: pa.RecordBatch, tenths: np.ndarray, first_line: int
) -> None:  # fmt: skip
    limit = MAX_DISPLACEMENT_MM * 10
    if _within(tenths, limit):
        return
    with np.errstate(invalid="ignore"):
        huge = np.abs(tenths) > limit
    if not huge.any():
        return
    row, column = (int(i[0]) for i in np.nonzero(huge))
    name = source.dates[column]
    value = float_column(record.column(name))[row]
    found = InputError(source.path, f"column {name} holds {value:g} mm, not a displacement",
                       "repair or re-download the file", line=first_line + row)  # fmt: skip
    raise found if np.isfinite(value) else locate_problem(source, found)


def _check_finite(source: Source, column: str, values: np.ndarray, first_line: int) -> None:
    if values.size == 0 or not np.isinf([np.fmin.reduce(values), np.fmax.reduce(values)]).any():
        return
    row = int(np.flatnonzero(np.isinf(values))[0])
    found = InputError(source.path, f"column {column} holds {values[row]:g}, not a finite number",
                       "repair or re-download the file", line=first_line + row)  # fmt: skip
    raise locate_problem(source, found)  # names the text as written (1e400, not inf)


def _within(values: np.ndarray, limit: float) -> bool:
    """No value beyond ±limit, NaN ignored (an all-NaN array says False), with no temporary."""
    if values.size == 0:
        return True
    return bool(
        -limit <= np.fmin.reduce(values, axis=None) and np.fmax.reduce(values, axis=None) <= limit
    )


def _lonlat(static: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if "longitude" in static and "latitude" in static:
        return static["longitude"], static["latitude"]
    return laea_to_lonlat(static["easting"], static["northing"])


def locate_problem(source: Source, cause: BaseException) -> InputError:
    """Find the first bad line with a slow exact scan (only on the error path)."""
    numeric = [*static_columns(source).values(), *source.dates]
    return locate_in(source.path, source.member, list(source.columns), numeric, cause,
                     source.header_line)  # fmt: skip
