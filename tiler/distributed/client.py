"""The build on Dask distributed (`--dask-local N`, `--scheduler ADDRESS`): one layer's stages
as tasks on a cluster's workers, with the same output as the single-machine build.

Per input file, on workers: read the static columns (`read_unit_points`). On the client, in the
single-machine order of units: first ids and the outlines of earlier units (counts and
outlines only; with --dedupe a short chain of worker tasks). Per file, on workers: ids, chunks
and the unit's tile features (`write_unit`). Per layer: the units' feature files joined in
unit order (the single-machine build's files, byte for byte) and its zooms chosen from them,
then the single-machine build's own tippecanoe runs (tiler/tiles/runs.py: the same runs,
regions, merge and fallback), planned and run as tasks. The client writes the layer's indexes
(tiler/layer/passes.py) and the site, and publishes atomically.

Workers must run the same egms-tiler version and see the inputs, OUT's parent directory and
the shared directory at the same paths (a shared filesystem); both are checked first.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import shapely

from tiler import __version__
from tiler.distributed.tasks import (
    Failed,
    PointsRead,
    UnitDone,
    UnitPlan,
    dedupe_unit,
    guarded,
    join_features,
    layer_pyramid,
    pid_file,
    read_unit_points,
    unit_features,
    worker_view,
    write_unit,
)
from tiler.distributed.workers import kill_working_in, stop_tiling
from tiler.errors import BuildError, TilerError
from tiler.inputs.egms import ATTRIBUTION
from tiler.layer.epochs import EPOCH_TILE_BYTES
from tiler.layer.passes import LayerJob, LayerResult, LayerState, tiling_subject
from tiler.layer.pidindex import bucket_count, bucket_groups, pid_manifest, write_pid_group
from tiler.layer.serieschunks import chunks_needed
from tiler.model import Source
from tiler.tiles import tippecanoe
from tiler.tiles.features import SOURCE_LAYER
from tiler.tiles.runs import (
    Pyramid,
    Run,
    limits,
    merge_runs,
    plan_runs,
    pooled,
    spread,
    step_size,
    tile_run,
    zoom_ranges,
)

EXTRA = "pip install 'egms-tiler[distributed]'"
RETRIES = 2  # a task that raised (not a TilerError) runs again this many times
LOCAL_ALLOWED_FAILURES = 2  # a task whose worker died more often than this fails the build
STEPS = {  # the progress display's name of each task's step
    "read_unit_points": "reading files", "dedupe_unit": "--dedupe", "write_unit": "writing units",
    "write_pid_group": "pid index", "join_features": "joining features",
    "layer_pyramid": "choosing zooms", "plan_runs": "planning tile runs",
    "tile_run": "tile runs", "merge_runs": "merging tiles",
}  # fmt: skip
UNCHANGED = "the build stopped and the previous site is unchanged"
STOP_SECONDS = 10  # a stopped build waits this long at most for a remote worker's running task
WORKER_SETUP = "tiler.distributed.workers"  # preloaded into --dask-local workers: Ctrl-C
CONNECT_SECONDS = 3  # then an unreachable scheduler is an error (Dask's default: 30 s)


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    scheduler: str | None = None  # tcp://host:port of a running Dask scheduler
    local_workers: int | None = None  # or a LocalCluster of this many worker processes
    shared_dir: Path | None = None  # scratch every worker sees [default: the build's own]
    log: Callable[[str], None] = print  # one line per layer: the wall time of its phases
    steps: StepProgress | None = None  # a progress display of the tasks


class StepProgress(Protocol):
    """Counts a build's tasks by step (tiler.progress.Reporter)."""

    def step_added(self, step: str) -> None: ...
    def step_done(self, step: str) -> None: ...


@contextmanager
def cluster(options: ClusterOptions, scratch: Path) -> Iterator[Cluster]:
    """A client of the scheduler (or of a new LocalCluster), checked, for the whole build."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise BuildError(f"--dask-local and --scheduler need Dask distributed: {EXTRA}") from None
    root = scratch_root(options.shared_dir or scratch)
    try:
        if options.scheduler is not None:
            with connected(Client, options.scheduler) as client:
                yield from stopped_on_exit(Cluster(client, options, root), STOP_SECONDS)
            return
        settings = {"distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES,
                    "distributed.worker.preload": [*dask.config.get("distributed.worker.preload"),
                                                   WORKER_SETUP]}  # fmt: skip
        with dask.config.set(settings), LocalCluster(
            n_workers=options.local_workers, threads_per_worker=1, processes=True,
            dashboard_address=":0", silence_logs=logging.ERROR,
        ) as local, Client(local) as client:  # fmt: skip
            # closing the cluster ends its workers: no running task to wait for
            yield from stopped_on_exit(Cluster(client, options, root), 0)
    finally:
        kill_working_in(root)
        shutil.rmtree(root, ignore_errors=True)


def stopped_on_exit(cluster: Cluster, wait: float) -> Iterator[Cluster]:
    """The cluster, whose tasks stop when the build does (failed or interrupted)."""
    try:
        yield cluster
    except BaseException:
        cluster.stop(wait)
        raise


def scratch_root(base: Path) -> Path:
    """This build's own directory in the shared scratch space."""
    try:
        base.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="dask-", dir=base))
    except OSError as exc:
        raise BuildError(
            f"cannot write into {base}: {exc.strerror}; choose another --shared-dir"
        ) from None


@contextmanager
def connected(client_class: Any, address: str) -> Iterator[Any]:
    check_scheduler(address)
    try:
        client = client_class(address, timeout=f"{CONNECT_SECONDS}s")
    except (OSError, TimeoutError):  # it answered a moment ago: gone since
        raise BuildError(unreachable(address, "it stopped answering")) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            raise BuildError(f"the Dask scheduler at {address} has no worker") from None
        yield client


def check_scheduler(address: str) -> None:
    """A one-line error within CONNECT_SECONDS when no Dask scheduler answers at `address`:
    Dask's own client waits 30 s, and forever on a port that accepts but never answers."""
    try:
        kind = scheduler_identity(address).get("type")
    except ValueError as exc:  # no port, an unknown protocol
        raise BuildError(f"--scheduler {address}: {exc}; give it as tcp://HOST:8786") from None
    except (OSError, TimeoutError):
        raise BuildError(unreachable(address, f"no answer within {CONNECT_SECONDS} s")) from None
    except Exception:  # something else answered, in another protocol (a web server)
        kind = None
    if kind != "Scheduler":
        what = f"a Dask {kind}" if kind else "something else"
        raise BuildError(
            f"{address} is not a Dask scheduler but {what}: give the scheduler's address "
            "(`dask scheduler` prints it; port 8786 by default, 8787 is its dashboard)"
        )


def unreachable(address: str, why: str) -> str:
    return (
        f"cannot reach the Dask scheduler at {address} ({why}): is `dask scheduler` running "
        "on that machine, and is that its port (8786 by default)? Or use --dask-local N"
    )


def scheduler_identity(address: str) -> dict[str, Any]:
    """What answers at `address` says it is, asked with a deadline of our own."""
    from distributed.core import rpc

    async def ask() -> dict[str, Any]:
        async with rpc(address, timeout=CONNECT_SECONDS) as server:
            answer: dict[str, Any] = await server.identity()
            return answer

    async def bounded() -> dict[str, Any]:
        return await asyncio.wait_for(ask(), CONNECT_SECONDS)

    with ThreadPoolExecutor(1) as thread:  # its own event loop, whatever the caller runs
        return thread.submit(asyncio.run, bounded()).result()


class Cluster:
    """Submits a build's tasks and turns their failures into one-line build errors."""

    def __init__(self, client: Any, options: ClusterOptions, root: Path) -> None:
        self.client = client
        self.options = options
        self.root = root
        self.log = options.log
        self.token = uuid.uuid4().hex[:8]
        self.lock = threading.Lock()
        self.futures: set[Any] = set()  # submitted and not done
        self.stopped = False
        self.check_workers()
        self.log(f"Dask dashboard: {client.dashboard_link}")

    def check_workers(self) -> None:
        """Every worker runs this egms-tiler version and can write the shared directory."""
        views = self.client.run(worker_view, str(self.root))
        for worker, (version, writable) in sorted(views.items()):
            if version != __version__:
                raise BuildError(
                    f"Dask worker {worker} runs egms-tiler {version}, not {__version__}; "
                    "install the same version on every worker"
                )
            if not writable:
                raise BuildError(
                    f"Dask worker {worker} cannot write {self.root}; workers need a shared "
                    "filesystem at the same path (--shared-dir, -o)"
                )

    def submit(self, task: Callable[..., Any], *args: Any, priority: int = 0) -> Any:
        if self.stopped:  # a layer's thread still going after an interrupt starts nothing
            raise BuildError(UNCHANGED)
        key = f"{task.__name__}-{self.token}-{uuid.uuid4().hex[:12]}"
        future = self.client.submit(
            guarded, task, *args, key=key, retries=RETRIES, pure=False, priority=priority
        )
        with self.lock:
            self.futures.add(future)
        step, steps = STEPS.get(task.__name__, task.__name__), self.options.steps
        if steps is not None:
            steps.step_added(step)
        future.add_done_callback(partial(self.finished, step))
        return future

    def finished(self, step: str, future: Any) -> None:
        with self.lock:
            self.futures.discard(future)
        if self.options.steps is not None:
            self.options.steps.step_done(step)

    def stop(self, wait: float) -> None:
        """Cancel the build's tasks and kill its tippecanoe runs; wait `wait` seconds at most
        for its running tasks, which Dask cannot stop, so none writes after the build is gone."""
        self.stopped = True
        with self.lock:
            futures = list(self.futures)
        deadline = time.monotonic() + wait
        try:
            self.client.cancel(futures)
            while self.running() and time.monotonic() < deadline:
                time.sleep(0.2)
        except Exception:  # noqa: BLE001 - stopping is best effort: the cause is reported
            logging.getLogger(__name__).debug("stopping the Dask tasks", exc_info=True)

    def running(self) -> int:
        """Kill the build's tippecanoe runs on every worker; its tasks still running."""
        counts = self.client.run(stop_tiling, str(self.root), self.token, on_error="ignore")
        return sum(counts.values())

    def value(self, future: Any, what: str) -> Any:
        """The task's result; a failure becomes a BuildError naming `what` was being done."""
        from distributed.scheduler import KilledWorker

        try:
            result = future.result()
        except KilledWorker:
            raise BuildError(f"{what}: the Dask worker running it died (killed, or out of "
                             f"memory) too many times; {UNCHANGED}") from None  # fmt: skip
        except TilerError:
            raise
        except Exception as exc:
            raise BuildError(f"{what} failed on a Dask worker ({type(exc).__name__}: {exc}); "
                             f"{UNCHANGED}") from exc  # fmt: skip
        if isinstance(result, Failed):
            raise result.error()
        return result

    def values(self, futures: list[tuple[Any, str]]) -> list[Any]:
        return [self.value(future, what) for future, what in futures]

    def build_layer(self, job: LayerJob) -> LayerResult | None:
        """The distributed twin of tiler.layer.passes.build_layer: same files, same result."""
        scratch = self.root / job.key.id
        layer_dir = job.data_dir / job.key.id
        (layer_dir / "ts").mkdir(parents=True)
        state = LayerState()
        clock = Clock()
        plans = self.plan_units(job, scratch, layer_dir, state)
        clock.mark("read")
        if not plans:
            shutil.rmtree(layer_dir)
            return None
        features = self.write_units(plans, state)
        clock.mark("ids+chunks")
        pid_index = self.pid_index(job, plans, layer_dir / "pid")
        tiles = LayerTiles(self, job, scratch, layer_dir / "tiles.pmtiles")
        state.recipe = tiles.make(features, clock)
        self.values(pid_index)
        result = state.finish(
            job, layer_dir, tiles.output, pid_manifest(job.key.id, plans[0].buckets)
        )
        clock.mark("indexes")
        self.log(f"{job.key.id} on Dask: {clock}")
        return result

    def write_units(self, plans: list[UnitPlan], state: LayerState) -> list[dict[int, Path]]:
        """Each unit's ids, features and chunks on the workers; the client adds each unit's
        state to the layer's as it comes, in unit order, and keeps only its feature files."""
        futures = [(self.submit(write_unit, plan), f"writing {plan.source.display}")
                   for plan in plans]  # fmt: skip
        features = []
        for future, what in futures:
            unit: UnitDone = self.value(future, what)
            state.absorb(unit.state)
            features.append(unit.features)
            future.release()  # its result leaves the client's memory
        return features

    def pid_index(self, job: LayerJob, plans: list[UnitPlan], folder: Path) -> list[Any]:
        """The pid index's buckets, written by groups on the workers (while tiles are made)."""
        buckets = plans[0].buckets
        files = [pid_file(plan.scratch, plan.index) for plan in plans]
        return [
            (self.submit(write_pid_group, files, which, buckets, folder),
             f"writing the pid index of {job.key.id}")
            for which in bucket_groups(buckets)
        ]  # fmt: skip

    def plan_units(
        self, job: LayerJob, scratch: Path, layer_dir: Path, state: LayerState
    ) -> list[UnitPlan]:
        """Stage every file on the workers, then place the units as build_layer would."""
        paths = [scratch / f"points-{index}.arrow" for index in range(len(job.sources))]
        read: list[PointsRead] = self.values([
            (self.submit(read_unit_points, source, job.keep, path), f"reading {source.display}")
            for source, path in zip(job.sources, paths, strict=True)
        ])  # fmt: skip
        plans: list[UnitPlan] = []
        outlines: list[shapely.Geometry | None] = []
        next_id = points = 0
        for source, path, unit in zip(job.sources, paths, read, strict=True):
            if job.on_rows:
                job.on_rows(unit.rows)
            state.warnings += unit.warnings
            if not unit.rows:
                continue
            earlier = nearby(outlines, unit.outline)
            count, outline = self.kept(job, source, path, unit, earlier)
            if count == 0:
                continue
            plans.append(UnitPlan(job.key, source, path, len(plans), next_id, earlier,
                                  job.dedupe, job.chunk_size, layer_dir, scratch,
                                  epochs=job.epochs, trend=job.trend))  # fmt: skip
            outlines.append(outline)
            next_id += chunks_needed(count, job.chunk_size) * job.chunk_size
            points += count
        return [replace(plan, buckets=bucket_count(points)) for plan in plans]

    def kept(
        self, job: LayerJob, source: Source, path: Path, unit: PointsRead,
        earlier: tuple[shapely.Geometry, ...],
    ) -> tuple[int, shapely.Geometry | None]:  # fmt: skip
        """Points the unit keeps and their outline (--dedupe drops those earlier units cover)."""
        if not job.dedupe:
            return unit.rows, unit.outline
        future = self.submit(dedupe_unit, source, path, earlier)
        found: tuple[int, shapely.Geometry | None]
        found = self.value(future, f"--dedupe of {source.display}")
        return found


def nearby(
    outlines: list[shapely.Geometry | None], outline: shapely.Geometry | None
) -> tuple[shapely.Geometry, ...]:  # fmt: skip
    """The earlier outlines whose bounding box meets this unit's: the only ones that can cover
    its points (a unit never carries the whole layer's outlines to its worker)."""
    if outline is None:
        return ()
    box = shapely.box(*outline.bounds)
    return tuple(
        other
        for other in outlines
        if other is not None and shapely.intersects(box, shapely.box(*other.bounds))
    )


class LayerTiles:
    """A layer's tiles: the single-machine build's tippecanoe runs, each a task."""

    def __init__(self, cluster: Cluster, job: LayerJob, scratch: Path, output: Path) -> None:
        self.cluster = cluster
        self.job = job
        self.scratch = scratch
        self.output = output
        self.options = tippecanoe.TileOptions(
            source=(), output=output, layer=SOURCE_LAYER, name=f"EGMS {job.key.label}",
            attribution=ATTRIBUTION, temp_dir=scratch, cwd=scratch,
            subject=tiling_subject(job.key.id, job.sources),
            max_tile_bytes=EPOCH_TILE_BYTES if job.epochs else None,
        )  # fmt: skip

    def make(self, parts: list[dict[int, Path]], clock: Clock) -> str:
        """Tile the units' features; the recipe that made the archive ("fast", "documented")."""
        name = self.job.key.id
        cluster = self.cluster
        future = cluster.submit(join_features, parts, self.scratch / "features")
        files = cluster.value(future, f"joining the tile features of {name}")
        shutil.rmtree(unit_features(self.scratch), ignore_errors=True)
        clock.mark("join")
        future = cluster.submit(layer_pyramid, files, self.job.key.level, name)
        pyramid: Pyramid = cluster.value(future, f"choosing the zooms of {name}")
        clock.mark("zoom")
        runs, ok, planned = self.run(pyramid)
        clock.mark(f"tiles ({spread(runs)}; the maximum zoom's planned in {planned:.1f} s)")
        future = cluster.submit(merge_runs, self.options, pyramid, runs, ok)
        recipe: str = cluster.value(future, f"merging the tiles of {name}")
        clock.mark("merge")
        return recipe

    def run(self, pyramid: Pyramid) -> tuple[list[Run], bool, float]:
        """Plan every zoom range's runs and tile each as soon as its plan is made, biggest
        first; the runs in plan order, whether all succeeded, and the seconds the maximum
        zoom's plan took (one task over every feature: a part that does not spread)."""
        from distributed import as_completed

        cluster, options = self.cluster, pooled(self.options)
        what = f"tiling {self.job.key.id}"
        steps = {
            cluster.submit(plan_runs, options, pyramid, low, high, limits(),
                           priority=step_size(pyramid, high)): order
            for order, (low, high) in enumerate(zoom_ranges(pyramid))
        }  # fmt: skip
        plans: dict[int, list[Run]] = {}
        tilings = []
        started, planned = time.perf_counter(), 0.0
        for step in as_completed(steps):
            runs = plans[steps[step]] = cluster.value(step, what)
            if steps[step] == 0:  # zoom_ranges: the maximum zoom's range first
                planned = time.perf_counter() - started
            tilings += [(cluster.submit(tile_run, run, priority=run.size), what)
                        for run in runs]  # fmt: skip
        ok = all(cluster.values(tilings))
        return [run for order in sorted(plans) for run in plans[order]], ok, planned


class Clock:
    """Wall time of a layer's phases, for one log line."""

    def __init__(self) -> None:
        self.phases: list[str] = []
        self.last = time.perf_counter()

    def mark(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases.append(f"{phase} {now - self.last:.1f} s")
        self.last = now

    def __str__(self) -> str:
        return ", ".join(self.phases)
