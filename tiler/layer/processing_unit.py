"""One processing unit (a burst or an L3 tile), read in two passes.

Pass 1 (`read_points`) reads only the small per-point columns (pid, coordinates, velocity, ...):
fast, and enough to assign ids and start tiling. It keeps pids and positions in memory and spools
the tile and chunk columns to a scratch file, read back a slice of features at a time. Pass 2
(`spool_series`) reads the displacement series, the bulk of the file, while tippecanoe runs,
row by row into a scratch file of int32 so chunks can be written in space-filling-curve order
without holding the series in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tiler.errors import InputError, InputWarning
from tiler.inputs.header import position_fields, static_columns
from tiler.inputs.reader import Batch, iter_batches, iter_series
from tiler.layer.scratchmatrix import RowFile, RowWriter
from tiler.limits import DEFAULT_LIMITS
from tiler.model import Source
from tiler.spatial import hilbert_order
from tiler.tiles.features import CHUNK_FIELDS, TILE_FIELDS, TREND_COLUMNS
from tiler.tiles.grid import MERCATOR_LATITUDE

SERIES_DTYPE = np.dtype("<i4")
STATIC_DTYPE = np.dtype("<f8")


class StaticColumns(Protocol):
    """A unit's tile and chunk columns, read a set of rows at a time."""

    names: tuple[str, ...]

    def rows(self, rows: np.ndarray) -> dict[str, np.ndarray]: ...

    def close(self) -> None: ...


class StaticArrays:
    """Tile columns held in memory (a Dask worker's unit, loaded from its points table)."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self.columns = columns
        self.names = tuple(columns)

    def rows(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        return {name: values[rows] for name, values in self.columns.items()}

    def close(self) -> None:
        self.columns = {}


class SpooledStatic:
    """Tile columns spooled to a scratch file in read order (float64 rows): a burst's
    columns are never all in memory, only the rows a slice of features needs."""

    def __init__(self, path: Path, names: tuple[str, ...]) -> None:
        self.path, self.names = path, names
        self.file = RowFile(path, len(names), STATIC_DTYPE)

    def rows(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        block = self.file.rows(rows)
        return {name: np.ascontiguousarray(block[:, i]) for i, name in enumerate(self.names)}

    def close(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


@dataclass(slots=True)
class UnitPoints:
    source: Source
    pid: pa.Array
    static: StaticColumns  # by row as read; `reorder` leaves them where they are
    lon: np.ndarray
    lat: np.ndarray
    file_rows: np.ndarray  # the file's data-row number (0-based) of each point read
    warnings: list[InputWarning] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.pid)

    def curve_order(self) -> np.ndarray:
        """Row indices along a Hilbert curve: consecutive ids are neighbours on the ground."""
        return hilbert_order(self.lon, self.lat)

    def reorder(self, order: np.ndarray) -> None:
        """Keep the rows `order` names, in that order (not the static columns: read them with
        `static.rows(order[...])`)."""
        self.pid = self.pid.take(pa.array(order))
        self.lon, self.lat, self.file_rows = (
            self.lon[order], self.lat[order], self.file_rows[order]
        )  # fmt: skip

    def close(self) -> None:
        self.static.close()


# what pass 1 keeps of a unit: the columns of its tiles and chunks (not those of the series)
POINT_COLUMNS = tuple(dict.fromkeys(
    column for _, column, _ in (*TILE_FIELDS, *CHUNK_FIELDS) if column not in TREND_COLUMNS
))  # fmt: skip
PointFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (lon, lat) -> keep mask


def read_points(
    source: Source,
    scratch: Path,
    on_rows: Callable[[int], None] | None = None,
    keep: PointFilter | None = None,
) -> UnitPoints:
    """Pass 1: positions and pids of `source` in memory, its tile and chunk columns spooled to
    `scratch` (no series).

    `keep` drops the points it returns false for (the --clip area).
    """
    position = position_fields(source)
    names = tuple(name for name in static_columns(source, POINT_COLUMNS) if name not in position)
    parts: dict[str, list[np.ndarray]] = {"lon": [], "lat": [], "file_rows": []}
    pids: list[pa.Array] = []
    bad_places = BadCoordinates(source)
    seen = 0
    writer = RowWriter(scratch, len(names), STATIC_DTYPE)
    try:
        for read in iter_batches(source, series=False, fields=(*position, *POINT_COLUMNS)):
            check_pids(source, read)
            mask = bad_places.keep(read)
            if keep is not None:
                mask &= keep(read.lon, read.lat)
            batch = read.select(mask)
            pids.append(batch.pid)
            writer.append(np.column_stack([batch.static[name] for name in names])
                          if names else np.empty((batch.rows, 0)))  # fmt: skip
            parts["lon"].append(np.array(batch.lon))  # copies: not the CSV block's buffers
            parts["lat"].append(np.array(batch.lat))
            parts["file_rows"].append(seen + np.flatnonzero(mask))
            seen += read.rows
            if on_rows:
                on_rows(read.rows)
    finally:
        writer.close()
    unit = UnitPoints(
        source=source,
        pid=pa.concat_arrays(pids) if pids else pa.array([], pa.string()),
        static=SpooledStatic(scratch, names),
        lon=_concat(parts.pop("lon")),
        lat=_concat(parts.pop("lat")),
        file_rows=_concat(parts.pop("file_rows")).astype(np.int64),
    )
    if bad_places.count and unit.rows == 0 and keep is None:
        unit.close()
        raise InputError(source.display, bad_places.none_left(),
                         "check the latitude/longitude (or easting/northing) columns")  # fmt: skip
    unit.warnings += bad_places.warnings() + duplicate_pids(unit)
    return unit


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
            out.write(np.ascontiguousarray(block, dtype=SERIES_DTYPE).data)
    return True


@dataclass(slots=True)
class LeftOut:
    """Rows of one kind left out of a unit: how many, and the file line of the first."""

    count: int = 0
    first_line: int | None = None

    def add(self, rows: np.ndarray, first_line: int) -> None:
        if rows.any():
            if self.first_line is None:
                self.first_line = first_line + int(np.argmax(rows))
            self.count += int(rows.sum())


class BadCoordinates:
    """Drops rows no map can show: a position missing or off the globe, or so near a pole that
    Web Mercator cannot draw it (tippecanoe would silently leave it out of every tile)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.invalid = LeftOut()
        self.polar = LeftOut()

    @property
    def count(self) -> int:
        return self.invalid.count + self.polar.count

    def keep(self, batch: Batch) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            on_globe = (np.abs(batch.lon) <= 180) & (np.abs(batch.lat) <= 90)
            on_map = on_globe & (np.abs(batch.lat) <= MERCATOR_LATITUDE)
        self.invalid.add(~on_globe, batch.first_line)
        self.polar.add(on_globe & ~on_map, batch.first_line)
        return on_map

    def warnings(self) -> list[InputWarning]:
        found = []
        if self.invalid.count:
            problem = f"{self.invalid.count} point(s) without valid coordinates were left out"
            found.append(InputWarning(self.source.display, problem, "check the file",
                                      self.invalid.first_line))  # fmt: skip
        if self.polar.count:
            problem = (f"{self.polar.count} point(s) beyond latitude ±85.0511° (too near a pole "
                       "for a Web Mercator map) were left out")  # fmt: skip
            found.append(InputWarning(self.source.display, problem, "check the latitude column",
                                      self.polar.first_line))  # fmt: skip
        return found

    def none_left(self) -> str:
        """The problem when every row was left out."""
        if not self.invalid.count:
            return "every point lies beyond latitude ±85.0511°, too near a pole for the map"
        return "no point has valid coordinates"


MAX_PID_BYTES = DEFAULT_LIMITS.field_bytes
# C0 controls (tab, line breaks, NUL), DEL and C1 controls: a pid holding one could not be shown,
# typed into the search box or written into a CSV line as it is
CONTROL_CHARACTER = r"[\x00-\x1f\x7f-\x9f]"


def check_pids(source: Source, batch: Batch) -> None:
    """Refuse the first pid the site cannot carry byte for byte, with its line."""
    lengths = pc.binary_length(batch.pid)
    unusable = pc.or_(
        pc.or_(pc.equal(lengths, 0), pc.greater(lengths, MAX_PID_BYTES)),
        pc.match_substring_regex(batch.pid, CONTROL_CHARACTER),
    )
    if not pc.any(unusable).as_py():
        return
    row = pc.index(unusable, True).as_py()
    problem, fix = pid_problem(batch.pid[row].as_py())
    raise InputError(source.display, problem, fix, line=batch.first_line + row)


def pid_problem(pid: str) -> tuple[str, str]:
    """(problem, fix) of a pid `check_pids` refuses."""
    size = len(pid.encode())
    if size == 0:
        return "the point id (pid) is empty", "give every row its pid"
    if size > MAX_PID_BYTES:
        return (f"the point id (pid) is {size:,} bytes long, over the {MAX_PID_BYTES} allowed",
                "EGMS pids are 10 characters: repair the pid column")  # fmt: skip
    shown = pid if len(pid) <= 40 else pid[:40] + "..."
    return (f"the point id {shown!r} holds a control character",
            "pids may not hold tabs, line breaks or other control characters: repair the pid "
            "column")  # fmt: skip


def duplicate_pids(unit: UnitPoints) -> list[InputWarning]:
    unique = pc.count_distinct(unit.pid).as_py()
    if unique == unit.rows:
        return []
    repeated = unit.rows - unique
    problem = f"{repeated} point id(s) appear more than once; each row is kept as its own point"
    return [InputWarning(unit.source.display, problem, "check the file for pasted rows")]
