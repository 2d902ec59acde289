"""The tasks of a distributed build: what runs on the Dask workers (see distributed/client.py).

Each task is a pure function of its arguments and writes only its own files, under a temporary
name renamed into place (or a directory named by its process), so a task lost with its worker
can run again anywhere. Per unit (input file): `read_unit_points` reads the static columns,
`dedupe_unit` (with --dedupe, one unit after another) finds the points earlier units cover,
`write_unit` assigns the ids, writes the chunks and the unit's tile features by file key (the
single-machine code, layer/passes.py, given the ids it would have assigned). Per layer:
`join_features` concatenates the units' feature files in unit order, the files the
single-machine build holds, and `layer_pyramid` chooses the zooms from them; the tippecanoe
runs are then the single-machine build's (tiles/runs.py), each one a task.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import shapely

from tiler import __version__
from tiler.errors import InputError, InputWarning, TilerError
from tiler.files import atomic
from tiler.layer import passes
from tiler.layer.chunkindex import index_part, save_rows
from tiler.layer.outlines import unit_outline
from tiler.layer.passes import LayerJob, LayerState, add_unit
from tiler.layer.pidindex import save_pairs
from tiler.layer.processing_unit import (
    PointFilter,
    StaticArrays,
    UnitPoints,
    read_points,
    spool_series,
)
from tiler.layer.serieschunks import ChunkSpec, write_spooled_chunks
from tiler.memory import map_big_blocks
from tiler.model import LayerKey, Source
from tiler.tiles import sampling
from tiler.tiles.features import FeatureFiles, join_feature_files
from tiler.tiles.runs import Pyramid
from tiler.tiles.sampling import FileKey
from tiler.tiles.zoomchoice import MAX_POINTS_PER_TILE, MAX_ZOOM

STATIC_PREFIX = "static:"


@dataclass(frozen=True, slots=True)
class Failed:
    """A TilerError raised on a worker, carried back as a value (no retry: it would fail again)."""

    kind: type[TilerError]
    message: str
    fields: dict[str, Any]

    def error(self) -> TilerError:
        error = self.kind.__new__(self.kind)
        Exception.__init__(error, self.message)
        error.__dict__.update(self.fields)
        return error


def guarded(task: Callable[..., Any], *args: Any) -> Any:
    """Run `task` on a worker; a TilerError comes back as `Failed`, anything else is raised.
    The worker gives freed memory back as a single-machine build does, whoever started it."""
    map_big_blocks()
    try:
        return task(*args)
    except TilerError as exc:
        return Failed(type(exc), str(exc), dict(vars(exc)))


def worker_view(folder: str) -> tuple[str, bool]:
    """What the client checks on every worker: the egms-tiler version, and the shared dir."""
    return __version__, os.access(folder, os.W_OK)


# --- per unit --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointsRead:
    rows: int
    outline: shapely.Geometry | None  # of every point read
    warnings: list[InputWarning]


def read_unit_points(source: Source, keep: PointFilter | None, path: Path) -> PointsRead:
    """Pass 1's reading: the static columns of one file, saved to `path` (file order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    unit = read_points(source, path.with_name(f"{path.name}.{os.getpid()}.static"), None, keep)
    try:
        if not unit.rows:
            return PointsRead(0, None, unit.warnings)
        columns: dict[str, Any] = {"pid": unit.pid, "lon": unit.lon, "lat": unit.lat,
                                   "file_rows": unit.file_rows}  # fmt: skip
        static = unit.static.rows(np.arange(unit.rows))
        columns.update({STATIC_PREFIX + name: values for name, values in static.items()})
        with atomic(path) as temporary:
            feather.write_feather(pa.table(columns), temporary, compression="uncompressed")
        return PointsRead(unit.rows, unit_outline(unit.lon, unit.lat), unit.warnings)
    finally:
        unit.close()


def load_unit(source: Source, path: Path) -> UnitPoints:
    table = feather.read_table(path, memory_map=True)
    names = table.column_names

    def column(name: str) -> np.ndarray:
        return np.asarray(table.column(name).to_numpy())

    return UnitPoints(
        source=source,
        pid=table.column("pid").combine_chunks(),
        static=StaticArrays(
            {n[len(STATIC_PREFIX) :]: column(n) for n in names if n.startswith(STATIC_PREFIX)}
        ),
        lon=column("lon"),
        lat=column("lat"),
        file_rows=column("file_rows"),
    )


def dedupe_unit(
    source: Source, path: Path, earlier: Sequence[shapely.Geometry]
) -> tuple[int, shapely.Geometry | None]:
    """--dedupe: how many points of a unit no earlier unit covers, and their outline."""
    unit = load_unit(source, path)
    state = LayerState()
    state.outlines = list(earlier)
    kept = ~state.covered(unit.lon, unit.lat)
    if not kept.any():
        return 0, None
    return int(kept.sum()), unit_outline(unit.lon[kept], unit.lat[kept])


@dataclass(frozen=True, slots=True)
class UnitPlan:
    """One unit's place in its layer, as the client assigned it (single-machine order)."""

    key: LayerKey
    source: Source
    points_table: Path
    index: int
    first_id: int
    earlier: tuple[shapely.Geometry, ...]  # outlines of the layer's earlier units
    dedupe: bool
    chunk_size: int
    layer_dir: Path
    scratch: Path
    buckets: int = 1  # of the layer's pid index
    epochs: tuple[str, ...] = ()  # the layer's (LayerJob.epochs)
    trend: bool = True  # LayerJob.trend


@dataclass(slots=True)
class UnitDone:
    state: LayerState  # the unit's part of the layer's state (one unit, no pending series)
    features: dict[int, Path]  # the unit's feature files by key (FeatureFiles.paths)


def write_unit(plan: UnitPlan) -> UnitDone:
    """Ids, tile features and chunks of one unit, as the single-machine build makes them."""
    unit = load_unit(plan.source, plan.points_table)
    state = LayerState()
    state.outlines, state.next_id = list(plan.earlier), plan.first_id
    job = LayerJob(
        key=plan.key,
        sources=[plan.source],
        data_dir=plan.layer_dir.parent,
        scratch_dir=plan.scratch,
        chunk_size=plan.chunk_size,
        dedupe=plan.dedupe,
        epochs=plan.epochs,
        trend=plan.trend,
    )
    # a directory of this attempt's own: a killed attempt's files are never appended to
    features = FeatureFiles(unit_features(plan.scratch) / f"u{plan.index}.{uuid.uuid4().hex}")
    series = plan.scratch / f"u{plan.index}.{uuid.uuid4().hex}.series"
    try:
        spool_series(plan.source, series)  # screened for the features, then chunked
        add_unit(job, state, plan.index, unit, features, series)
        del unit
        chunks = state.pending[0]
        save_pairs(pid_file(plan.scratch, plan.index), state.pids.pop(), state.ids.pop(),
                   plan.buckets)  # fmt: skip
        spec = ChunkSpec(plan.key.id, plan.index, plan.chunk_size, plan.layer_dir / "ts")
        rows = write_spooled_chunks(chunks, spec, series)
        state.index_parts = [save_rows(index_part(plan.scratch / "index", plan.index), rows)]
    finally:
        series.unlink(missing_ok=True)
        for unit_chunks in state.pending:
            unit_chunks.points.unlink(missing_ok=True)
        state.pending.clear()
    state.outlines = state.outlines[len(plan.earlier) :]
    return UnitDone(state, features.paths)


def pid_file(scratch: Path, index: int) -> Path:
    return scratch / "pids" / f"u{index}.arrow"


# --- per layer -------------------------------------------------------------------------------


def unit_features(scratch: Path) -> Path:
    """Where the units' feature files are, until `join_features` has joined them."""
    return scratch / "units"


def join_features(parts: Sequence[dict[int, Path]], directory: Path) -> dict[FileKey, Path]:
    """The layer's feature files by (floor zoom, band), from the units' (in unit order)."""
    joined = join_feature_files(parts, directory)
    return {divmod(key, sampling.BANDS): path for key, path in joined.items()}


def layer_pyramid(files: dict[FileKey, Path], level: str, layer_id: str) -> Pyramid:
    """The layer's zooms and samples, chosen as on one machine (layer/passes.py)."""

    def crowded() -> InputError:
        problem = (f"more than {MAX_POINTS_PER_TILE:,} points in one tile at zoom {MAX_ZOOM}, "
                   "more than a map tile can hold")  # fmt: skip
        fix = "check the latitude/longitude columns: EGMS points lie metres apart, never stacked"
        return InputError(f"layer {layer_id}", problem, fix)

    return passes.layer_pyramid(files, level, crowded)
