"""The build: the only module that knows the order of the stages.

discover → scan headers → group into layers → per layer (in parallel): stream, chunk, tile →
manifest → site → atomic publish.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Any

from tiler import basemap, releases
from tiler.assets.source import AssetOptions, check_options
from tiler.assets.step import FOLDER as ASSETS_FOLDER
from tiler.assets.step import asset_step, step_key
from tiler.basemap.background import BasemapAhead, union
from tiler.errors import BuildError, InputWarning, printable
from tiler.inputs.clip import inside, load_area
from tiler.inputs.discover import discover
from tiler.inputs.header import scan
from tiler.inputs.opening import check_stamp, file_stamp
from tiler.layer import seriespack
from tiler.layer.epochs import epoch_dates
from tiler.layer.passes import LayerJob, LayerResult, build_layer, tile_zooms
from tiler.layer.processing_unit import PointFilter
from tiler.layer.serieschunks import CHUNK_SIZE
from tiler.limits import DEFAULT_LIMITS, InputLimits
from tiler.memory import map_big_blocks
from tiler.model import LayerKey, Source
from tiler.pipeline.atomic import output_path, own_site, refuse_inside_output, staging
from tiler.pipeline.cache import (
    file_digest,
    layer_key,
    previous_basemap,
    previous_layers,
    previous_manifest,
    reuse,
)
from tiler.progress import Reporter, human_size
from tiler.stop import Stop
from tiler.viewer import manifest, singlefile
from tiler.viewer.render import render_site

DEFAULT_TITLE = "EGMS ground motion"


@dataclass(frozen=True, slots=True)
class BuildResult:
    output: Path
    manifest: dict[str, Any]
    seconds: float

    @property
    def points(self) -> int:
        return sum(layer["points"] for layer in self.manifest["layers"])


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Everything `build` can be told besides its inputs and output (CLI flags map 1:1)."""

    jobs: int | None = None
    title: str | None = None
    force: bool = False
    quiet: bool = False
    chunk_size: int = CHUNK_SIZE
    clip: str | os.PathLike[str] | None = None
    strict: bool = False
    dedupe: bool = False  # drop burst-overlap duplicates (kept and marked `overlap` otherwise)
    rebuild: bool = False  # ignore the previous site's layers (no incremental build)
    # the viewer's extras: `--basemap` (see tiler/basemap.py) and `--description`
    basemap: str | Sequence[str] | None = None
    description: str | None = None
    single_file: bool = False  # also write OUT/site.html, the whole site in one file
    # `--series-files`: each layer's series chunks as files, or packed into a few files read
    # with HTTP Range (layer/seriespack.py); `auto` packs the large layers
    series_files: str = seriespack.DEFAULT_MODE
    # the build on Dask distributed (tiler/distributed/client.py): a scheduler's address, or a local
    # cluster of N worker processes; scratch every worker sees
    scheduler: str | None = None
    dask_local: int | None = None
    shared_dir: str | os.PathLike[str] | None = None
    # the bounds inputs are read under (tiler/limits.py): `--max-csv-size`, `--max-zip-ratio`
    max_csv_size: int | None = None
    max_zip_ratio: float | None = None
    # what the build derives from the series for the viewer: the displacement about every
    # quarter in the tiles (--epochs: the map through time, layer/epochs.py) and the trend-change
    # screening (on unless --no-trend: layer/trendchange.py)
    epochs: bool = False
    trend: bool = True
    # `--assets FILE`: statistics of the points in each of the user's assets (tiler/assets/);
    # lines and points are buffered by `assets_buffer` metres; `assets_id` names them
    assets: str | os.PathLike[str] | None = None
    assets_buffer: float = 10.0
    assets_id: str | None = None

    @property
    def asset_options(self) -> AssetOptions | None:
        if self.assets is None:
            return None
        return AssetOptions(Path(self.assets), self.assets_buffer, self.assets_id)

    @property
    def limits(self) -> InputLimits:
        limits = DEFAULT_LIMITS
        if self.max_csv_size is not None:
            limits = replace(limits, csv_bytes=self.max_csv_size)
        if self.max_zip_ratio is not None:
            limits = replace(limits, zip_ratio=self.max_zip_ratio)
        return limits

    def check(self) -> None:
        if self.chunk_size < 1:
            raise BuildError(f"chunk size must be at least 1, not {self.chunk_size}")
        if self.jobs is not None and self.jobs < 1:
            raise BuildError(f"--jobs must be at least 1, not {self.jobs}")
        if self.series_files not in seriespack.MODES:
            raise BuildError(f"--series-files must be one of {', '.join(seriespack.MODES)}, "
                             f"not {self.series_files!r}")  # fmt: skip
        check_text("--title", self.title)
        check_text("--description", self.description)
        if self.asset_options is not None:
            check_options(self.asset_options)
        elif self.assets_id is not None or self.assets_buffer != 10.0:
            raise BuildError("--assets-id and --assets-buffer need --assets FILE")
        self.check_limits()
        self.check_cluster()

    def check_limits(self) -> None:
        if self.max_csv_size is not None and self.max_csv_size < 1:
            raise BuildError(f"--max-csv-size must be at least 1 byte, not {self.max_csv_size}")
        ratio = self.max_zip_ratio
        if ratio is not None and not (math.isfinite(ratio) and ratio > 1):
            raise BuildError(f"--max-zip-ratio must be a number above 1 (e.g. 200), not {ratio}")

    @property
    def distributed(self) -> bool:
        return self.scheduler is not None or self.dask_local is not None

    def check_cluster(self) -> None:
        if self.scheduler is not None and self.dask_local is not None:
            raise BuildError("give --scheduler ADDRESS or --dask-local N, not both")
        if self.dask_local is not None and self.dask_local < 1:
            raise BuildError(f"--dask-local must be at least 1, not {self.dask_local}")
        if self.shared_dir is not None and not self.distributed:
            raise BuildError("--shared-dir is for --scheduler or --dask-local builds")


# What a title or description may not hold: bytes that are no text (argv's undecodable bytes
# arrive as lone surrogates) and control characters (a tab is fine).
NOT_TEXT = re.compile("[\ud800-\udfff]")
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def check_text(option: str, value: str | None) -> None:
    if value is None:
        return
    if NOT_TEXT.search(value):
        raise BuildError(f"{option} holds bytes that are not UTF-8 text; write it in UTF-8")
    if match := CONTROL.search(value):
        raise BuildError(f"{option} holds the control character {printable(match[0])}; "
                         "write it on one line without control characters")  # fmt: skip


def build(
    inputs: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    options: BuildOptions | None = None,
    **overrides: Any,
) -> BuildResult:
    """Build a static site in `output` from EGMS files, directories and globs in `inputs`.

    `options` (a `BuildOptions`), with `overrides` naming any of its fields (jobs, title,
    force, quiet, clip, ...): `build(inputs, out, quiet=True)` or `build(inputs, out, opts)`.
    """
    started = time.perf_counter()
    map_big_blocks()
    config = with_overrides(options or BuildOptions(), overrides)
    config.check()
    check_cluster_address(config)
    choices = basemap.parse_all(config.basemap)  # a bad --basemap fails before any work
    backdrop = basemap.local_choice(choices)
    out = Path(output)
    output_path(out)  # a name too long for its helpers fails before any work
    files, found_warnings = discover_inputs(inputs)
    refuse_inputs_inside(out, files, config, backdrop)
    if config.force and not config.rebuild and not own_site(out):
        config = replace(config, rebuild=True)  # nothing is taken from a directory not all ours
    with Reporter(config.quiet) as reporter, staging(out, config.force) as building, BasemapAhead(
        backdrop, building, None if config.rebuild else previous_basemap(out)
    ) as ahead:  # fmt: skip
        sources, digests, warnings = read_inputs(files, config.limits)
        groups = group_layers(sources)
        reporter.log(f"{len(sources)} file(s) in {len(groups)} layer(s)")
        plan = LayerPlan(groups, digests, config, out)
        layers, built_warnings = build_layers(plan, building, config, reporter, ahead)
        reused = frozenset(entry["id"] for entry in layers if entry.get("reused"))
        layers = [{key: value for key, value in entry.items() if key != "reused"}
                  for entry in layers]  # fmt: skip
        layers = releases.link_layers(building / "data", layers, reporter.log, reused)
        asset_warnings: list[InputWarning] = []
        assets = build_assets(building, layers, config, out, reporter, asset_warnings.append)
        layers = seriespack.settle(building / "data", layers, config.series_files)
        check_unchanged(sources)
        check_warnings([*found_warnings, *warnings, *built_warnings, *asset_warnings],
                       config.strict, reporter)  # fmt: skip
        document = write_outputs(building, as_text(layers), config, ahead, assets)
    seconds = time.perf_counter() - started
    reporter.summary(summary_rows(document, out), seconds, str(out))
    return BuildResult(out, document, seconds)


def with_overrides(options: BuildOptions, overrides: dict[str, Any]) -> BuildOptions:
    """`options` with the fields `overrides` names; a name that is no field is a BuildError."""
    known = {field.name for field in fields(BuildOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise BuildError(
            f"unknown build option {', '.join(unknown)}: the options are {', '.join(sorted(known))}"
        )
    return replace(options, **overrides)


def discover_inputs(
    inputs: Iterable[str | os.PathLike[str]],
) -> tuple[list[Path], list[InputWarning]]:
    """The input files (before any work, so none is found inside OUT too late) and what the
    search said about links."""
    warnings: list[InputWarning] = []
    return discover((str(item) for item in inputs), warnings.append), warnings


def refuse_inputs_inside(
    out: Path, files: list[Path], config: BuildOptions, backdrop: basemap.Basemap
) -> None:  # fmt: skip
    """No file the build reads may lie inside OUT: the swap deletes it (even with --force)."""
    refuse_inside_output(files, out)
    if config.clip is not None:
        refuse_inside_output([Path(config.clip)], out, "--clip ")
    if backdrop.kind == "pmtiles":
        refuse_inside_output([Path(backdrop.value)], out, "--basemap ")
    if config.assets is not None:
        refuse_inside_output([Path(config.assets)], out, "--assets ")


def as_text(value: Any) -> Any:
    """`value` with every string made writable as UTF-8: a unit named after a file whose name
    holds undecodable bytes (lone surrogates from os.fsdecode) is shown with escapes."""
    if isinstance(value, str):
        return printable(value) if NOT_TEXT.search(value) else value
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    return value


def read_inputs(
    inputs: Iterable[str | os.PathLike[str]], limits: InputLimits = DEFAULT_LIMITS
) -> tuple[list[Source], dict[Path, str], list[InputWarning]]:
    """Scan every input; the same content given twice is read once (with a warning)."""
    sources: list[Source] = []
    digests: dict[Path, str] = {}
    warnings: list[InputWarning] = []
    seen: dict[str, Path] = {}
    for path in discover((str(item) for item in inputs), warnings.append):
        source = scan(path, limits)
        digest = digests[path] = file_digest(path)
        warnings.extend(source.notes)
        twin = seen.get(digest) or seen.get(source.stem)
        if twin is not None:
            warnings.append(InputWarning(str(path), f"same data as {twin}; read once",
                                         "remove one of the copies"))  # fmt: skip
            continue
        seen[digest] = seen[source.stem] = path
        sources.append(source)
        if source.unknown_columns:
            names = ", ".join(source.unknown_columns[:5])
            warnings.append(InputWarning(source.display, f"unknown column(s) {names} not used",
                                         "a newer EGMS release? please report it", 1))  # fmt: skip
    return sources, digests, warnings


def check_unchanged(sources: list[Source]) -> None:
    """Stop before publishing when an input was rewritten or replaced while it was read."""
    for source in sources:
        check_stamp(source.path, source.stamp, file_stamp(source.path))


def check_warnings(warnings: list[InputWarning], strict: bool, reporter: Reporter) -> None:
    for warning in warnings:
        reporter.warn(str(warning))
    if strict and warnings:
        raise BuildError(f"--strict: {len(warnings)} warning(s), the first: {warnings[0]}")


def group_layers(sources: list[Source]) -> dict[LayerKey, list[Source]]:
    """Sources by layer, layers and units in a stable order (by id, then file name)."""
    groups: dict[LayerKey, list[Source]] = {}
    for source in sorted(sources, key=lambda s: (s.stem, str(s.path))):
        groups.setdefault(source.layer, []).append(source)
    return dict(sorted(groups.items(), key=lambda item: item[0].id))


class LayerPlan:
    """Which layers to build and which to take unchanged from the previous site."""

    def __init__(
        self, groups: dict[LayerKey, list[Source]], digests: dict[Path, str],
        config: BuildOptions, output: Path,
    ) -> None:  # fmt: skip
        options = {
            "chunk_size": config.chunk_size, "clip": clip_digest(config.clip),
            "dedupe": config.dedupe, "epochs": config.epochs, "trend": config.trend,
        }  # fmt: skip
        self.groups = groups
        self.output = output
        self.keys = {key: layer_key(sources, digests, options) for key, sources in groups.items()}
        self.previous = {} if config.rebuild else previous_layers(output)

    def reused(self, key: LayerKey, data: Path) -> dict[str, Any] | None:
        entry = self.previous.get(self.keys[key])
        if entry is None or not reuse(self.output / "data" / key.id, data / key.id):
            return None
        return entry


def layer_epochs(sources: list[Source]) -> tuple[str, ...]:
    """The epochs of a layer's time slider, from the dates of all its files."""
    return epoch_dates([date for source in sources for date in source.dates])


def clip_digest(clip: str | os.PathLike[str] | None) -> str | None:
    return None if clip is None or not Path(clip).is_file() else file_digest(Path(clip))


def build_layers(
    plan: LayerPlan, building: Path, config: BuildOptions, reporter: Reporter, ahead: BasemapAhead
) -> tuple[list[dict[str, Any]], list[InputWarning]]:
    """Manifest entries of every layer (built, or reused unchanged) and the inputs' warnings."""
    data = building / "data"
    data.mkdir()
    entries: dict[LayerKey, dict[str, Any]] = {}
    for key in plan.groups:
        if (entry := plan.reused(key, data)) is not None:
            reporter.log(f"{key.id}: inputs unchanged, layer reused")
            entries[key] = {**entry, "reused": True}
    todo = {key: sources for key, sources in plan.groups.items() if key not in entries}
    ahead.expect(set(todo), [entry["bounds"] for entry in entries.values()])
    results = run_layer_jobs(todo, building, config, reporter, ahead.reported)
    for result in results:
        entry = manifest.layer_entry(result, tile_zooms(result.tiles))
        entries[result.key] = {**entry, "build_key": plan.keys[result.key]}
    if not entries:
        raise BuildError(f"no point of the inputs lies inside the --clip area {config.clip}")
    ordered = [entries[key] for key in plan.groups if key in entries]
    return ordered, [warning for result in results for warning in result.warnings]


def run_layer_jobs(
    groups: dict[LayerKey, list[Source]], building: Path, config: BuildOptions, reporter: Reporter,
    on_bounds: Callable[[LayerKey, list[float]], None] | None = None,
) -> list[LayerResult]:  # fmt: skip
    if not groups:
        return []
    scratch = building / ".work"
    scratch.mkdir()
    keep = point_filter(config.clip)
    stop = Stop()  # Ctrl-C or a failure: the other layers stop where they are

    def one(item: tuple[LayerKey, list[Source]]) -> LayerResult | None:
        key, sources = item
        reporter.start_layer(key.id, len(sources))

        def progress(rows: int) -> None:
            stop.check()  # between blocks of a file being read
            reporter.rows(key.id, rows)

        job = LayerJob(
            key=key,
            sources=sources,
            data_dir=building / "data",
            scratch_dir=scratch,
            chunk_size=config.chunk_size,
            on_rows=progress,
            keep=keep,
            dedupe=config.dedupe,
            on_bounds=None if on_bounds is None else partial(on_bounds, key),
            epochs=layer_epochs(sources) if config.epochs else (),
            trend=config.trend,
            on_tiles=lambda line: reporter.log(f"{key.id}: {line}"),
            stop=stop,
        )
        return build_one(job)

    jobs = config.jobs or (len(groups) if config.distributed else os.cpu_count()) or 1
    try:
        # the builder closes first: on a failure or Ctrl-C a Dask cluster's tasks stop at once
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(groups)))) as pool, layer_builder(
            config, scratch, reporter
        ) as build_one:  # fmt: skip
            try:
                futures = [pool.submit(one, item) for item in groups.items()]
                return [result for result in map(awaited, futures) if result is not None]
            except BaseException:
                stop.set()
                pool.shutdown(wait=False, cancel_futures=True)  # no layer starts after this
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def awaited(future: Future[LayerResult | None]) -> LayerResult | None:
    """The future's result, waited for a second at a time: a signal the kernel hands to another
    thread sets Python's flag but does not wake a lock the main thread waits on, so a Ctrl-C
    would wait for the layer."""
    while True:
        try:
            return future.result(timeout=1)
        except TimeoutError:
            continue


def check_cluster_address(config: BuildOptions) -> None:
    """An unreachable --scheduler fails in seconds, before the inputs are read."""
    if config.scheduler is not None:
        from tiler.distributed.client import check_scheduler

        check_scheduler(config.scheduler)


@contextmanager
def layer_builder(
    config: BuildOptions, scratch: Path, reporter: Reporter
) -> Iterator[Callable[[LayerJob], LayerResult | None]]:
    """How a layer is built: here, or on a Dask cluster (--scheduler, --dask-local)."""
    if not config.distributed:
        yield build_layer
        return
    from tiler.distributed.client import ClusterOptions, cluster

    shared = None if config.shared_dir is None else Path(config.shared_dir).absolute()
    options = ClusterOptions(config.scheduler, config.dask_local, shared, reporter.log, reporter)
    with cluster(options, scratch) as dask:
        yield dask.build_layer


def build_assets(
    building: Path, layers: list[dict[str, Any]], config: BuildOptions, out: Path,
    reporter: Reporter, warn: Callable[[InputWarning], None],
) -> dict[str, Any] | None:  # fmt: skip
    """The asset step (tiler/assets/), after the layers: its manifest entry, or None."""
    options = config.asset_options
    if options is None:
        return None
    key = step_key(options, file_digest(options.path), layers)
    old = None if config.rebuild else previous_manifest(out).get("assets")
    previous = (out / "data" / ASSETS_FOLDER, old) if isinstance(old, dict) else None
    return asset_step(options, key, building / "data", layers, previous, reporter.log, warn)


def point_filter(clip: str | os.PathLike[str] | None) -> PointFilter | None:
    if clip is None:
        return None
    area = load_area(Path(clip))
    return partial(inside, area)


def write_outputs(
    building: Path, layers: list[dict[str, Any]], config: BuildOptions, ahead: BasemapAhead,
    assets: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    title = config.title or DEFAULT_TITLE
    bounds = union([layer["bounds"] for layer in layers])
    choices = basemap.parse_all(config.basemap)
    local = ahead.entry(bounds)
    viewer = {"description": config.description or "", "basemap": local,
              "basemaps": basemap.entries(choices, local),
              **({"assets": as_text(assets)} if assets else {})}  # fmt: skip
    document = manifest.manifest(title, layers, viewer)
    manifest.write(building / "data" / "manifest.json", document)
    render_site(building, title, online=basemap.origins(choices))
    if config.single_file:  # inside the building folder: a refusal leaves the site as it was
        singlefile.write(building, building / singlefile.NAME)
    return document


def summary_rows(document: dict[str, Any], out: Path) -> list[tuple[str, int, int, int, str]]:
    rows = []
    for layer in document["layers"]:
        size = (out / "data" / layer["tiles"]).stat().st_size
        rows.append(
            (layer["id"], layer["points"], len(layer["units"]), layer["maxzoom"], human_size(size))
        )
    return rows
