"""One processing unit (a burst or an L3 tile), streamed once from its CSV.

The small per-point columns (pid, coordinates, velocity, ...) are kept in memory; the
displacement series, the bulk of the file, go row by row into a scratch file of int32 so that
chunks can later be written in space-filling-curve order without holding them in memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError, InputWarning
from .model import Source
from .reader import Batch, iter_batches
from .spatial import hilbert_order

SERIES_DTYPE = np.dtype("<i4")


@dataclass(slots=True)
class StagedUnit:
    source: Source
    pid: pa.Array
    static: dict[str, np.ndarray]
    lon: np.ndarray
    lat: np.ndarray
    series_path: Path  # rows × dates int32, little-endian, in file order
    warnings: list[InputWarning] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.pid)

    @property
    def row_bytes(self) -> int:
        return len(self.source.dates) * SERIES_DTYPE.itemsize

    def curve_order(self) -> np.ndarray:
        """Row indices along a Hilbert curve: consecutive ids are neighbours on the ground."""
        return hilbert_order(self.lon, self.lat)


PointFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (lon, lat) -> keep mask


def stage(
    source: Source,
    scratch: Path,
    on_rows: Callable[[int], None] | None = None,
    keep: PointFilter | None = None,
) -> StagedUnit:
    """Stream `source` once: static columns to memory, series to `scratch`.

    `keep` drops the points it returns false for (the --clip area).
    """
    pids: list[pa.Array] = []
    static: dict[str, list[np.ndarray]] = {}
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    bad_places = BadCoordinates(source)
    with open(scratch, "wb") as series:
        for read in iter_batches(source):
            batch = read.select(bad_places.keep(read))
            batch = batch.select(keep(batch.lon, batch.lat)) if keep else batch
            pids.append(batch.pid)
            for name, values in batch.static.items():
                static.setdefault(name, []).append(values)
            lons.append(batch.lon)
            lats.append(batch.lat)
            series.write(batch.displacement.astype(SERIES_DTYPE, copy=False).tobytes())
            if on_rows:
                on_rows(read.rows)
    unit = StagedUnit(
        source=source,
        pid=pa.concat_arrays(pids) if pids else pa.array([], pa.string()),
        static={name: np.concatenate(parts) for name, parts in static.items()},
        lon=_concat(lons),
        lat=_concat(lats),
        series_path=scratch,
    )
    if bad_places.count and unit.rows == 0 and keep is None:
        raise InputError(source.display, "no point has valid coordinates",
                         "check the latitude/longitude (or easting/northing) columns")  # fmt: skip
    unit.warnings += bad_places.warnings() + duplicate_pids(unit)
    return unit


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


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)


def read_rows(fd: int, rows: np.ndarray, row_bytes: int, columns: int) -> np.ndarray:
    """The series rows `rows` (any order) from a scratch file, by positioned reads."""
    out = np.empty((len(rows), columns), dtype=SERIES_DTYPE)
    for position, row in enumerate(rows.tolist()):
        data = os.pread(fd, row_bytes, row * row_bytes)
        out[position] = np.frombuffer(data, dtype=SERIES_DTYPE)
    return out
