"""The tasks of a distributed build: what runs on the Dask workers (see distributed/client.py).

Each task is a pure function of its arguments and writes only its own files, under a temporary
name renamed into place, so a task lost with its worker can run again anywhere. Per unit (input
file): `stage_unit` reads the static columns, `dedupe_unit` (with --dedupe, one unit after
another) finds the points earlier units cover, `write_unit` assigns the ids and writes the
chunks (the single-machine code, layer/passes.py, given the ids it would have assigned) and the
unit's tile features split by partition. Per partition: `partition_stats`, `sample_partition`
and `tile_partition`; per layer: `tile_overview` and `merge_tiles`.
"""

from __future__ import annotations

import mmap
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import shapely

from tiler import __version__
from tiler.errors import InputWarning, TilerError
from tiler.layer.outlines import unit_outline
from tiler.layer.passes import LayerJob, _add_unit, _LayerState
from tiler.layer.pidindex import buckets_of, write_buckets
from tiler.layer.processing_unit import PointFilter, StagedUnit, StaticArrays, stage
from tiler.layer.serieschunks import ChunkSpec, write_unit_chunks
from tiler.model import LayerKey, Source
from tiler.tiles import partition, sampling, tippecanoe
from tiler.tiles.features import FeatureFiles, write_lines
from tiler.tiles.merge import Part, combined_metadata, merge

FAULT_ENV = "EGMS_TILER_FAULT"  # tests: "kill-once:TASK:MARKER" or "kill-always:TASK"
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
    """Run `task` on a worker; a TilerError comes back as `Failed`, anything else is raised."""
    inject_fault(task.__name__)
    try:
        return task(*args)
    except TilerError as exc:
        return Failed(type(exc), str(exc), dict(vars(exc)))


def inject_fault(name: str) -> None:
    """Kill this worker process when $EGMS_TILER_FAULT names the task (failure tests only)."""
    spec = os.environ.get(FAULT_ENV, "").split(":", 2)
    if len(spec) < 2 or spec[1] != name:
        return
    if spec[0] == "kill-once":
        try:
            os.close(os.open(spec[2], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)


def worker_view(stage: str) -> tuple[str, bool]:
    """What the client checks on every worker: the egms-tiler version, and the shared dir."""
    return __version__, os.access(stage, os.W_OK)


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed to it when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- per unit --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Staged:
    rows: int
    outline: shapely.Geometry | None  # of every staged point
    warnings: list[InputWarning]


def stage_unit(source: Source, keep: PointFilter | None, path: Path) -> Staged:
    """Pass 1's reading: the static columns of one file, saved to `path` (file order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    unit = stage(source, path.with_name(f"{path.name}.{os.getpid()}.static"), None, keep)
    try:
        if not unit.rows:
            return Staged(0, None, unit.warnings)
        columns: dict[str, Any] = {"pid": unit.pid, "lon": unit.lon, "lat": unit.lat,
                                   "file_rows": unit.file_rows}  # fmt: skip
        static = unit.static.rows(np.arange(unit.rows))
        columns.update({STATIC_PREFIX + name: values for name, values in static.items()})
        with atomic(path) as temporary:
            feather.write_feather(pa.table(columns), temporary, compression="uncompressed")
        return Staged(unit.rows, unit_outline(unit.lon, unit.lat), unit.warnings)
    finally:
        unit.close()


def load_unit(source: Source, path: Path) -> StagedUnit:
    table = feather.read_table(path, memory_map=True)
    names = table.column_names

    def column(name: str) -> np.ndarray:
        return np.asarray(table.column(name).to_numpy())

    return StagedUnit(
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
    state = _LayerState()
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
    staged: Path
    index: int
    first_id: int
    earlier: tuple[shapely.Geometry, ...]  # outlines of the layer's earlier units
    dedupe: bool
    chunk_size: int
    layer_dir: Path
    scratch: Path
    zoom: int  # partition zoom
    buckets: int = 1  # of the layer's pid index


@dataclass(slots=True)
class UnitDone:
    state: _LayerState  # the unit's part of the layer's state (one unit, no pending series)
    partitions: list[int]  # partitions holding points of the unit
    neighbours: list[int]  # partitions given points of the unit as neighbours


def write_unit(plan: UnitPlan) -> UnitDone:
    """Ids, features by partition and chunks of one unit, as the single-machine build makes them."""
    unit = load_unit(plan.source, plan.staged)
    state = _LayerState()
    state.outlines, state.next_id = list(plan.earlier), plan.first_id
    job = LayerJob(
        key=plan.key,
        sources=[plan.source],
        data_dir=plan.layer_dir.parent,
        scratch_dir=plan.scratch,
        chunk_size=plan.chunk_size,
        dedupe=plan.dedupe,
    )
    lines = UnitLines(plan.scratch / f"u{plan.index}.{os.getpid()}.geojsonl")
    try:
        _add_unit(job, state, plan.index, unit, lines)
        del unit
        chunks = state.pending[0]
        own, near = split_features(plan, *chunks.lonlat(), state.ids[0], lines.path)
        save_pids(plan, state.pids.pop(), state.ids.pop())
        spec = ChunkSpec(plan.key.id, plan.index, plan.chunk_size, plan.layer_dir / "ts")
        series = plan.scratch / f"u{plan.index}.{os.getpid()}.series"
        state.index_rows = write_unit_chunks(chunks, spec, series)
    finally:
        lines.path.unlink(missing_ok=True)
        for unit_chunks in state.pending:
            unit_chunks.points.unlink(missing_ok=True)
        state.pending.clear()
    state.outlines = state.outlines[len(plan.earlier) :]
    return UnitDone(state, own, near)


class UnitLines(FeatureFiles):
    """Stands in for the layer's feature files in `_add_unit`: one file of the unit's lines in
    id order, to be split by partition instead."""

    def __init__(self, path: Path) -> None:
        self.paths = {}
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")

    def write(self, keys: np.ndarray, lines: pa.Array, lon: np.ndarray, lat: np.ndarray) -> None:
        with open(self.path, "ab") as out:
            write_lines(lines, out)


def part_file(scratch: Path, key: int, index: int, kind: str) -> Path:
    """A unit's share of a partition: `own.geojsonl`, `own.npz` (lon, lat, id) or `near...`."""
    return scratch / "parts" / str(key) / f"u{index}.{kind}"


def split_features(
    plan: UnitPlan, lon: np.ndarray, lat: np.ndarray, ids: np.ndarray, lines: Path
) -> tuple[list[int], list[int]]:
    """Write the unit's feature lines by partition: its own points, and neighbours' copies."""
    owners = partition.own_keys(lon, lat, plan.zoom)
    near_rows, near_keys = partition.neighbour_pairs(lon, lat, plan.zoom)
    with Lines(lines) as text:
        for key in np.unique(owners).tolist():
            rows = np.flatnonzero(owners == key)
            text.save(rows, part_file(plan.scratch, key, plan.index, "own.geojsonl"))
            path = part_file(plan.scratch, key, plan.index, "own.npz")
            with atomic(path) as temporary, open(temporary, "wb") as out:
                np.savez(out, lon=lon[rows], lat=lat[rows], id=ids[rows])
        for key in np.unique(near_keys).tolist():
            rows = near_rows[near_keys == key]
            text.save(rows, part_file(plan.scratch, key, plan.index, "near.geojsonl"))
    return np.unique(owners).tolist(), np.unique(near_keys).tolist()


class Lines:
    """The lines of a feature file, mapped, to copy some of them to another file."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as stream:
            self.data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        self.ends = np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) == ord("\n")) + 1
        self.starts = np.r_[0, self.ends[:-1]]

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.data.close()

    def copy(self, rows: np.ndarray, out: BinaryIO) -> None:
        pieces = zip(self.starts[rows].tolist(), self.ends[rows].tolist(), strict=True)
        out.write(b"".join(self.data[start:end] for start, end in pieces))

    def save(self, rows: np.ndarray, path: Path) -> None:
        with atomic(path) as temporary, open(temporary, "wb") as out:
            self.copy(rows, out)


def save_pids(plan: UnitPlan, pids: pa.Array, ids: np.ndarray) -> None:
    """The unit's (pid, id) pairs by pid-index bucket, for `write_pid_group`."""
    bucket = buckets_of(pids, plan.buckets)
    order = np.argsort(bucket, kind="stable")
    table = pa.table({"bucket": bucket[order], "pid": pids.take(pa.array(order)), "id": ids[order]})
    with atomic(pid_file(plan.scratch, plan.index)) as temporary:
        feather.write_feather(table, temporary, compression="uncompressed")


def pid_file(scratch: Path, index: int) -> Path:
    return scratch / "pids" / f"u{index}.arrow"


def write_pid_group(files: Sequence[Path], which: range, buckets: int, folder: Path) -> None:
    """Buckets `which` of the pid index, from every unit's pairs (`files` in unit order)."""
    pids, ids = [], []
    for path in files:
        table = feather.read_table(path, memory_map=True)
        lo, hi = np.searchsorted(table.column("bucket").to_numpy(), [which.start, which.stop])
        pids.append(table.column("pid").slice(lo, hi - lo).combine_chunks())
        ids.append(table.column("id").slice(lo, hi - lo).to_numpy())
    folder.mkdir(parents=True, exist_ok=True)
    write_buckets(folder, pa.concat_arrays(pids), np.concatenate(ids), which, buckets)


# --- per partition ---------------------------------------------------------------------------


def load_points(files: Sequence[Path]) -> dict[str, np.ndarray]:
    parts = [np.load(path) for path in files]
    return {name: np.concatenate([part[name] for part in parts]) for name in ("lon", "lat", "id")}


def partition_stats(key: int, files: Sequence[Path], zoom: int) -> partition.ZoomStats:
    points = load_points(files)
    return partition.zoom_stats(key, points["lon"], points["lat"], zoom)


def sample_partition(
    files: Sequence[tuple[Path, Path]], share: float, output: Path
) -> Path:  # fmt: skip
    """The overview's share of a partition's points (lines whose id ranks below `share`).

    The partition's lowest-ranked point is always kept, so no occupied tile of the overview's
    zooms is left empty.
    """
    ranks = [sampling.ranks(np.load(points)["id"]) for _, points in files]
    floor = min(float(rank.min()) for rank in ranks)
    with atomic(output) as temporary, open(temporary, "wb") as out:
        for (lines, _), rank in zip(files, ranks, strict=True):
            with Lines(lines) as text:
                text.copy(np.flatnonzero((rank < share) | (rank == floor)), out)
    return output


@dataclass(frozen=True, slots=True)
class TileJob:
    """One tippecanoe run of a distributed build: these feature files, these zooms."""

    options: tippecanoe.TileOptions  # output, names, temp dir, cwd
    sources: tuple[Path, ...]
    zooms: tuple[int, int]
    base: int  # every point from this zoom up, 1 in 2.5 fewer a zoom out below it (-B)


def tile(job: TileJob) -> Path:
    """Run tippecanoe over the sources at the job's zooms; drop densest points only if needed."""
    with atomic(job.options.output) as temporary:
        low, high = job.zooms
        zooms: tuple[str, ...] = (f"--minimum-zoom={low}", f"--maximum-zoom={high}")
        if job.base < high:  # tippecanoe's default base zoom is the maximum zoom
            zooms += (f"--base-zoom={max(job.base, low)}",)
        options = replace(job.options, source=job.sources, output=temporary)
        if tippecanoe.Tiling(replace(options, recipe=zooms)).wait() != 0:
            tippecanoe.run(replace(options, recipe=(*zooms, "--drop-densest-as-needed")))
    return job.options.output


# --- per layer -------------------------------------------------------------------------------


def merge_tiles(
    parts: Sequence[tuple[Path, int | None]], output: Path, zoom: int, top: int
) -> Path:  # fmt: skip
    """One archive from the partitions' own tiles (key) and the overview's zooms (None)."""
    metadata = combined_metadata([path for path, _ in parts], 0, top)
    metadata["generator_options"] = (
        "egms-tiler on Dask: tippecanoe per partition (a tile and the zooms below it) and once "
        "over a thinned overview for the zooms above; archives merged"
    )
    cuts = [Part(path, partition.above(zoom) if key is None else partition.owned_by(key, zoom))
            for path, key in parts]  # fmt: skip
    with atomic(output) as temporary:
        merge(cuts, temporary, metadata)
    return output
