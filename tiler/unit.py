"""One processing unit (a burst or an L3 tile), read in two passes.

Pass 1 (`stage`) reads only the small per-point columns (pid, coordinates, velocity, ...): fast,
and enough to assign ids and start tiling. Pass 2 (`spool_series`) reads the displacement
series, the bulk of the file, while tippecanoe runs, row by row into a scratch file of int32 so
chunks can be written in space-filling-curve order without holding the series in memory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError, InputWarning
from .features import TILE_FIELDS
from .model import Source
from .reader import Batch, iter_batches, iter_series, position_fields
from .spatial import hilbert_order

SERIES_DTYPE = np.dtype("<i4")


@dataclass(slots=True)
class StagedUnit:
    source: Source
    pid: pa.Array
    static: dict[str, np.ndarray]
    lon: np.ndarray
    lat: np.ndarray
    file_rows: np.ndarray  # the file's data-row number (0-based) of each staged point
    warnings: list[InputWarning] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.pid)

    def curve_order(self) -> np.ndarray:
        """Row indices along a Hilbert curve: consecutive ids are neighbours on the ground."""
        return hilbert_order(self.lon, self.lat)

    def reorder(self, order: np.ndarray) -> None:
        """Keep the rows `order` names, in that order; one column at a time, so a burst's
        columns are never all held twice."""
        self.pid = self.pid.take(pa.array(order))
        for name in list(self.static):
            self.static[name] = self.static[name][order]
        self.lon, self.lat, self.file_rows = (
            self.lon[order], self.lat[order], self.file_rows[order]
        )  # fmt: skip


TILE_COLUMNS = tuple(column for _, column, _ in TILE_FIELDS)  # what pass 1 keeps of a unit
PointFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (lon, lat) -> keep mask


def stage(
    source: Source,
    on_rows: Callable[[int], None] | None = None,
    keep: PointFilter | None = None,
) -> StagedUnit:
    """Pass 1: the static columns of `source` in memory (no series).

    `keep` drops the points it returns false for (the --clip area).
    """
    parts: dict[str, list[np.ndarray]] = {"lon": [], "lat": [], "file_rows": []}
    pids: list[pa.Array] = []
    static: dict[str, list[np.ndarray]] = {}
    bad_places = BadCoordinates(source)
    seen = 0
    position = position_fields(source)
    for read in iter_batches(source, series=False, fields=(*position, *TILE_COLUMNS)):
        mask = bad_places.keep(read)
        if keep is not None:
            mask &= keep(read.lon, read.lat)
        batch = read.select(mask)
        pids.append(batch.pid)
        for name, values in batch.static.items():
            if name not in position:  # kept as lon and lat
                static.setdefault(name, []).append(values)
        parts["lon"].append(batch.lon)
        parts["lat"].append(batch.lat)
        parts["file_rows"].append(seen + np.flatnonzero(mask))
        seen += read.rows
        if on_rows:
            on_rows(read.rows)
    unit = StagedUnit(
        source=source,
        pid=pa.concat_arrays(pids) if pids else pa.array([], pa.string()),
        static=_joined(static),
        lon=_concat(parts.pop("lon")),
        lat=_concat(parts.pop("lat")),
        file_rows=_concat(parts.pop("file_rows")).astype(np.int64),
    )
    if bad_places.count and unit.rows == 0 and keep is None:
        raise InputError(source.display, "no point has valid coordinates",
                         "check the latitude/longitude (or easting/northing) columns")  # fmt: skip
    unit.warnings += bad_places.warnings() + duplicate_pids(unit)
    return unit


def _joined(parts: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    """Each column's blocks joined, a column's blocks freed before the next is joined."""
    return {name: np.concatenate(parts.pop(name)) for name in list(parts)}


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)


def spool_series(source: Source, scratch: Path, stopping: threading.Event | None = None) -> bool:
    """Pass 2: every row's series into `scratch` (int32, file order).

    False if `stopping` was set before the end (the file is then incomplete).
    """
    with open(scratch, "wb") as out:
        for block in iter_series(source):
            if stopping is not None and stopping.is_set():
                return False
            out.write(block.astype(SERIES_DTYPE, copy=False).tobytes())
    return True


class SpooledSeries:
    """A unit's spooled series, read back a chunk's rows (any order) at a time.

    Rows that follow each other in the file are read with one pread (a chunk's 256 rows are
    ~50 such runs in an EGMS burst): a memory mapping would count every page the kernel maps
    around a touched row (64 KB each) as resident until released.
    """

    def __init__(self, path: Path, columns: int) -> None:
        self.columns = columns
        self.row_bytes = columns * SERIES_DTYPE.itemsize
        self.fd = os.open(path, os.O_RDONLY)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        order = np.argsort(rows, kind="stable")
        ascending = rows[order]
        firsts = np.flatnonzero(np.diff(ascending, prepend=-2) != 1)
        block = np.empty((len(rows), self.columns), dtype=SERIES_DTYPE)
        for first, end in zip(firsts.tolist(), [*firsts[1:].tolist(), len(rows)], strict=True):
            wanted = (end - first) * self.row_bytes
            offset = int(ascending[first]) * self.row_bytes
            if os.preadv(self.fd, [block[first:end].data], offset) != wanted:
                raise OSError(f"the spooled series ended before row {ascending[end - 1]}")
        series = np.empty_like(block)
        series[order] = block
        return series

    def close(self) -> None:
        os.close(self.fd)


class BadCoordinates:
    """Drops rows whose position is missing or off the globe, remembering the first line."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.count = 0
        self.first_line: int | None = None

    def keep(self, batch: Batch) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            good = (np.abs(batch.lon) <= 180) & (np.abs(batch.lat) <= 90)
        if not good.all():
            if self.first_line is None:
                self.first_line = batch.first_line + int(np.argmin(good))
            self.count += int((~good).sum())
        return good

    def warnings(self) -> list[InputWarning]:
        if not self.count:
            return []
        problem = f"{self.count} point(s) without valid coordinates were left out"
        return [InputWarning(self.source.display, problem, "check the file", self.first_line)]


def duplicate_pids(unit: StagedUnit) -> list[InputWarning]:
    unique = pc.count_distinct(unit.pid).as_py()
    if unique == unit.rows:
        return []
    repeated = unit.rows - unique
    problem = f"{repeated} point id(s) appear more than once; each row is kept as its own point"
    return [InputWarning(unit.source.display, problem, "check the file for pasted rows")]
