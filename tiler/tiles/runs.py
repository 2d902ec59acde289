"""Tile a point layer: the maximum zoom over every point, each lower zoom over its sample.

Each zoom shows the files of its nested sample (tiler/tiles/sampling.py), with no `*-as-needed`
check (they cost ~35 %). tippecanoe passes every feature of its input through every zoom of
its run, so the runs are cut by zoom and place; their archives hold disjoint tiles and are
merged byte for byte (tiler/tiles/merge.py):
- the maximum zoom and every zoom whose sample is big (or every point: from the base zoom
  up, see zooms.tile_max_zoom) run together over all points, each feature tagged with the
  first zoom that shows it (a separate run would read the sample's points again: 1M points at
  zooms 13-15 took 97 CPU s in one run, 137 in three), cut into regions (tiler/tiles/grid.py) so
  that each run starts near the zooms it writes, grouped or cut into runs of about the same
  points (tiler/tiles/balance.py);
- the lowest zooms, whose samples are small, share one tagged run: a tippecanoe process costs
  ~0.05 s of start-up whatever its input;
- the zooms between run alone over their sample.
The runs go two at a time, biggest first, in parallel with the chunk writer. If any run fails
(a tile over tippecanoe's limits), the layer is tiled again with tippecanoe's documented recipe.

A Dask build (tiler/distributed/client.py) runs the same plan: `zoom_ranges`, then `plan_runs`,
`tile_run` and `merge_runs` as tasks instead of the local pool, so its tiles are these.
"""

from __future__ import annotations

import heapq
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from tiler.errors import ToolError
from tiler.stop import Stop
from tiler.tiles import balance, tippecanoe
from tiler.tiles.features import line_count, with_min_zoom
from tiler.tiles.grid import TileFilter
from tiler.tiles.merge import Part, combined_metadata, merge
from tiler.tiles.regioninputs import count_tiles, write_run_files
from tiler.tiles.sampling import FileKey, files_for_zoom

NO_STATS = "--no-tile-stats"  # the manifest has its own attribute statistics
SHARED_RUN_BYTES = 2_000_000  # the lowest zooms whose samples fit this share one run
TAGGED = "--drop-rate=1"  # a shared run drops nothing: each feature has its first zoom
WORKERS = 2  # tippecanoe runs at a time, each using ~1.3 cores
REGION_RUN_BYTES = 20_000_000  # a zoom whose features pass this is tiled by region, with the
# maximum zoom
REGIONS_FOLDER = "-regions"
REGION_THREADS = 1  # the pool keeps both cores busy; each thread costs ~20 MB (1M points: 1 thread
# 83 CPU s and 112 MB at most a run, 4 threads 88 s and 142 MB)


@dataclass(frozen=True, slots=True)
class RunLimits:
    """How big a run's input may grow before it is cut into regions, and the points of each
    region run: read where the build is driven (`limits()`), so that one value holds on every
    worker."""

    region_bytes: int
    target_points: int


def limits() -> RunLimits:
    return RunLimits(REGION_RUN_BYTES, balance.TARGET_POINTS)


@dataclass(frozen=True, slots=True)
class Pyramid:
    """What to tile: the feature files by key, the maximum zoom and each lower zoom's band."""

    files: dict[FileKey, Path]
    max_zoom: int
    first_bands: list[int]  # per zoom 0..max_zoom-1

    @property
    def base_zoom(self) -> int:
        """The first zoom that shows every point (band 0; the maximum zoom at the latest)."""
        return next((z for z, band in enumerate(self.first_bands) if band == 0), self.max_zoom)

    @property
    def min_zoom(self) -> int:
        """The first zoom that shows any point."""
        return next(z for z in range(self.max_zoom + 1) if self.sources(z))

    def sources(self, zoom: int) -> list[Path]:
        if zoom == self.max_zoom:
            keys = sorted(self.files)
        else:
            keys = files_for_zoom(sorted(self.files), zoom, self.first_bands[zoom])
        return [self.files[key] for key in keys]

    def first_zooms(self, top: int) -> dict[Path, int]:
        """Each file zoom `top` tiles, with the lowest zoom that shows it (the samples nest)."""
        first: dict[Path, int] = {}
        for zoom in range(top, -1, -1):
            first.update((path, zoom) for path in self.sources(zoom))
        return first


def tile_layer(
    options: tippecanoe.TileOptions, pyramid: Pyramid, meanwhile: Callable[[], None],
    report: Callable[[str], None] | None = None, stop: Stop | None = None,
) -> str:  # fmt: skip
    """Tile into options.output while `meanwhile` runs on this thread; `report` gets how even
    the runs were (`spread`); `stop` kills the runs (and raises Stopped, not a fallback).

    Returns the recipe that made the archive: "fast", or "documented" after a fallback.
    """
    ranges = zoom_ranges(pyramid)
    steps = [
        partial(plan_runs, pooled(options), pyramid, low, high, limits()) for low, high in ranges
    ]
    pool = _Pool(steps, [step_size(pyramid, high) for _, high in ranges])
    stop = stop or Stop()
    with stop.calling(pool.halt):
        try:
            meanwhile()
        except BaseException:
            pool.stop()
            raise
        ok = pool.wait()
    stop.check()  # runs killed by the stop are no reason to tile again
    if report is not None:
        report(f"tiles: {spread(pool.planned())}")
    return merge_runs(options, pyramid, pool.planned(), ok, stop)


def pooled(options: tippecanoe.TileOptions) -> tippecanoe.TileOptions:
    """The options of the runs: several run at a time, which keeps the cores busy."""
    return replace(options, parallel_read=False)


def merge_runs(
    options: tippecanoe.TileOptions, pyramid: Pyramid, runs: Sequence[Run], ok: bool,
    stop: Stop | None = None,
) -> str:  # fmt: skip
    """Merge the runs' archives into options.output, or when a run failed (a tile over
    tippecanoe's limits) tile the layer again with tippecanoe's documented recipe (killed by
    `stop`); then remove the runs' files. Returns the recipe: "fast" or "documented"."""
    stop = stop or Stop()
    try:
        if ok:
            _merge(runs, options.output, pyramid)
            return "fast"
        everything = replace(options, source=tuple(pyramid.sources(pyramid.max_zoom)))
        tiling = tippecanoe.Tiling(replace(everything, recipe=_fallback_recipe(pyramid)))
        with stop.calling(tiling.kill):
            try:
                tiling.check()
            except ToolError:
                stop.check()  # killed by the stop (Stopped), not a failure
                raise
        return "documented"
    finally:
        for run in runs:
            run.options.output.unlink(missing_ok=True)
            for path in run.made:
                path.unlink(missing_ok=True)
        for folder in _scratch(options).glob(f"{options.output.parent.name}-z*{REGIONS_FOLDER}"):
            shutil.rmtree(folder, ignore_errors=True)  # with any input a stopped plan left


def tile_run(run: Run) -> bool:
    """One run's tippecanoe; whether it succeeded."""
    return tippecanoe.Tiling(run.options).wait() == 0


@dataclass(frozen=True, slots=True)
class Run:
    """One tippecanoe run, the tiles the merge takes from it, and the input files it made."""

    options: tippecanoe.TileOptions
    keep: TileFilter | None = None
    made: tuple[Path, ...] = ()
    points: int = 0  # features of its input

    @property
    def size(self) -> int:
        """Bytes of input: the bigger runs go first."""
        source = self.options.source
        return _size(source if isinstance(source, tuple) else (source,))


def spread(runs: Sequence[Run]) -> str:
    """How even the runs are, for the build's log: '38 runs, 25,300 points a run on average,
    the largest 1.8x'."""
    mean = sum(run.points for run in runs) / max(len(runs), 1)
    largest = max((run.points for run in runs), default=0) / mean if mean else 0
    return f"{len(runs)} runs, {mean:,.0f} points a run on average, the largest {largest:.1f}x"


def _scratch(options: tippecanoe.TileOptions) -> Path:
    return options.temp_dir or options.output.parent


def step_size(pyramid: Pyramid, highest: int) -> int:
    """Bytes a step reads to plan its runs (the input of its deepest zoom)."""
    return _size(pyramid.sources(highest))


def zoom_ranges(pyramid: Pyramid) -> list[tuple[int, int]]:
    """The zooms of each run: the maximum zoom with every zoom big enough to be cut into
    regions, the shared lowest zooms, the others alone."""
    samples = {zoom: pyramid.sources(zoom) for zoom in range(pyramid.max_zoom)}
    lower = [zoom for zoom, paths in samples.items() if paths]
    folded = [z for z in lower if _size(samples[z]) >= REGION_RUN_BYTES or z >= pyramid.base_zoom]
    shared = [z for z in lower if _size(samples[z]) <= SHARED_RUN_BYTES and z not in folded]
    ranges = [(min(folded, default=pyramid.max_zoom), pyramid.max_zoom)]
    if shared:
        ranges.append((shared[0], shared[-1]))
    return ranges + [(zoom, zoom) for zoom in lower if zoom not in shared + folded]


def _fallback_recipe(pyramid: Pyramid) -> tuple[str, ...]:
    """tippecanoe's documented recipe, or for zooms beyond the points' own (L3 cells): those
    zooms, with every point from the base zoom up."""
    if pyramid.base_zoom == pyramid.max_zoom:
        return tippecanoe.POINT_RECIPE
    return (f"--maximum-zoom={pyramid.max_zoom}", f"--base-zoom={pyramid.base_zoom}",
            "--drop-densest-as-needed")  # fmt: skip


def _size(paths: Sequence[Path]) -> int:
    return sum(path.stat().st_size for path in paths)


def plan_runs(
    options: tippecanoe.TileOptions, pyramid: Pyramid, lowest: int, highest: int,
    limits: RunLimits,
) -> list[Run]:  # fmt: skip
    """The runs for zooms lowest..highest: one, or when the input passes `limits.region_bytes`,
    runs of regions of about `limits.target_points` points each (balance.py)."""
    scratch = _scratch(options)
    name = f"{options.output.parent.name}-z{lowest}"
    several = lowest != highest
    recipe = (f"--minimum-zoom={lowest}", f"--maximum-zoom={highest}", NO_STATS,
              *((TAGGED,) if several else ()))  # fmt: skip
    sources = tuple(pyramid.sources(highest))
    if _size(sources) < limits.region_bytes:
        output = scratch / f"{name}.pmtiles"
        if not several:
            run = replace(options, source=sources, output=output, recipe=recipe)
            return [Run(run, points=sum(map(line_count, sources)))]
        sample = _tagged_sample(pyramid, highest, scratch / f"{name}-{highest}.geojsonl")
        run = replace(options, source=(sample,), output=output, recipe=recipe)
        return [Run(run, made=(sample,), points=sum(map(line_count, pyramid.sources(highest))))]
    folder = scratch / f"{name}{REGIONS_FOLDER}"
    shutil.rmtree(folder, ignore_errors=True)  # the runs' files are appended to: a plan run
    folder.mkdir()  # again (a Dask task whose worker died) starts from none
    first = {path: max(zoom, lowest) for path, zoom in pyramid.first_zooms(highest).items()}
    zooms = range(lowest, highest + 1)
    cut, _ = balance.plan(count_tiles(first, zooms), limits.target_points)
    return [
        Run(replace(options, source=(path,), output=path.with_suffix(".pmtiles"), recipe=recipe,
                     threads=REGION_THREADS),
             keep=cut.owned_by(run, zooms), made=(path,), points=points)
        for run, (path, points) in sorted(write_run_files(first, highest, cut, folder,
                                                          several).items())
    ]  # fmt: skip


def _tagged_sample(pyramid: Pyramid, top: int, path: Path) -> Path:
    with open(path, "wb") as out:
        for source, first_zoom in pyramid.first_zooms(top).items():
            out.write(with_min_zoom(source.read_bytes(), first_zoom))
    return path


class _Pool:
    """Plans the steps and runs their tippecanoe runs on WORKERS threads, biggest input first.

    Biggest first, so the last runs to finish are short ones and no core waits for one long run;
    a step's plan (writing its regions' inputs) counts its whole input, so it comes before its
    own runs, and one worker tiles while the other plans.
    """

    def __init__(self, steps: Sequence[Callable[[], list[Run]]], sizes: Sequence[int]) -> None:
        self.lock = threading.Condition()
        self.queue: list[tuple[int, int]] = []  # (biggest first, order)
        self.items: list[Callable[[], list[Run]] | Run] = list(steps)
        for order, size in enumerate(sizes):
            heapq.heappush(self.queue, (-size, order))
        self.plans: dict[int, list[Run]] = {}  # step -> its runs
        self.busy = 0
        self.failed = False
        self.stopping = threading.Event()
        self.current: set[tippecanoe.Tiling] = set()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(WORKERS)]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        try:
            while (found := self._next()) is not None:
                order, item = found
                if isinstance(item, Run):
                    self._tile(item)
                else:
                    self._add(order, item())
                with self.lock:
                    self.busy -= 1
                    self.lock.notify_all()
        except BaseException:
            self._fail()
            raise

    def _next(self) -> tuple[int, Callable[[], list[Run]] | Run] | None:
        with self.lock:
            while not self.queue and self.busy and not self.stopping.is_set():
                self.lock.wait()  # a step being planned may still add runs
            if not self.queue or self.stopping.is_set():
                return None
            self.busy += 1
            order = heapq.heappop(self.queue)[1]
            return order, self.items[order]

    def _add(self, step: int, runs: list[Run]) -> None:
        with self.lock:
            self.plans[step] = runs
            for run in runs:
                self.items.append(run)
                heapq.heappush(self.queue, (-run.size, len(self.items) - 1))

    def _tile(self, run: Run) -> None:
        tiling = tippecanoe.Tiling(run.options)
        with self.lock:
            self.current.add(tiling)
        if self.stopping.is_set():
            tiling.kill()
        if tiling.wait() != 0:
            self._fail()
        with self.lock:
            self.current.discard(tiling)

    def _fail(self) -> None:
        self.failed = True
        self.stopping.set()
        with self.lock:
            self.lock.notify_all()

    def planned(self) -> list[Run]:
        """Every run planned so far, in plan order (the merge's metadata comes from the first)."""
        return [run for step in sorted(self.plans) for run in self.plans[step]]

    def wait(self) -> bool:
        for thread in self.threads:
            thread.join()
        return not self.failed

    def halt(self) -> None:
        """Start no more work and kill the runs going (a plan being made ends on its own)."""
        self.stopping.set()
        with self.lock:
            for tiling in self.current:
                tiling.kill()
            self.lock.notify_all()

    def stop(self) -> None:
        self.halt()
        self.wait()


def _merge(runs: Sequence[Run], output: Path, pyramid: Pyramid) -> None:
    """Merge the runs' archives, the maximum zoom's first; its metadata describes the whole."""
    base, top = pyramid.base_zoom, pyramid.max_zoom
    metadata = combined_metadata([run.options.output for run in runs], pyramid.min_zoom, top)
    every = f"zoom {top}" if base == top else f"zooms {base}-{top}"
    metadata["generator_options"] = (
        f"egms-tiler: tippecanoe at {every} over every point, and once for each lower "
        "zoom over a nested sample (1 point in 2.5 a zoom out, the lowest-ranked point of "
        "every occupied tile kept); archives merged"
    )
    merge([Part(run.options.output, run.keep) for run in runs], output, metadata)
