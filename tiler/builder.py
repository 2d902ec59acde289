"""The build: the only module that knows the order of the stages.

discover → scan headers → group into layers → per layer (in parallel): stream, chunk, tile →
manifest → site → atomic publish.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from . import manifest
from .clip import inside, load_area
from .discover import discover
from .errors import BuildError
from .layer import LayerJob, LayerResult, build_layer, tile_zooms
from .model import LayerKey, Source
from .progress import Reporter, human_size
from .publish import staging
from .reader import scan
from .site import render_site
from .timeseries import CHUNK_SIZE
from .unit import PointFilter

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

    def check(self) -> None:
        if self.chunk_size < 1:
            raise BuildError(f"chunk size must be at least 1, not {self.chunk_size}")
        if self.jobs is not None and self.jobs < 1:
            raise BuildError(f"--jobs must be at least 1, not {self.jobs}")


def build(
    inputs: Iterable[str | os.PathLike[str]], output: str | os.PathLike[str], **options: Any
) -> BuildResult:
    """Build a static site in `output` from EGMS files, directories and globs in `inputs`.

    Keyword options are the fields of `BuildOptions` (jobs, title, force, quiet, clip, ...).
    """
    started = time.perf_counter()
    config = BuildOptions(**options)
    config.check()
    out = Path(output)
    with Reporter(config.quiet) as reporter, staging(out, config.force) as stage:
        sources = [scan(path) for path in discover(str(item) for item in inputs)]
        groups = group_layers(sources)
        reporter.log(f"{len(sources)} file(s) in {len(groups)} layer(s)")
        results = build_layers(groups, stage, config, reporter)
        document = write_outputs(stage, results, config)
    seconds = time.perf_counter() - started
    reporter.summary(summary_rows(document, out), seconds, str(out))
    return BuildResult(out, document, seconds)


def group_layers(sources: list[Source]) -> dict[LayerKey, list[Source]]:
    """Sources by layer, layers and units in a stable order (by id, then file name)."""
    groups: dict[LayerKey, list[Source]] = {}
    for source in sorted(sources, key=lambda s: (s.stem, str(s.path))):
        groups.setdefault(source.layer, []).append(source)
    return dict(sorted(groups.items(), key=lambda item: item[0].id))


def build_layers(
    groups: dict[LayerKey, list[Source]], stage: Path, config: BuildOptions, reporter: Reporter
) -> list[LayerResult]:
    scratch = stage / ".work"
    scratch.mkdir()
    data = stage / "data"
    data.mkdir()
    keep = point_filter(config.clip)

    def one(item: tuple[LayerKey, list[Source]]) -> LayerResult | None:
        key, sources = item
        reporter.start_layer(key.id, len(sources))
        progress = partial(reporter.rows, key.id)
        return build_layer(LayerJob(key, sources, data, scratch, config.chunk_size, progress, keep))

    jobs = config.jobs or os.cpu_count() or 1
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(groups)))) as pool:
            results = [result for result in pool.map(one, groups.items()) if result is not None]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not results:
        raise BuildError(f"no point of the inputs lies inside the --clip area {config.clip}")
    return results


def point_filter(clip: str | os.PathLike[str] | None) -> PointFilter | None:
    if clip is None:
        return None
    area = load_area(Path(clip))
    return partial(inside, area)


def write_outputs(stage: Path, results: list[LayerResult], config: BuildOptions) -> dict[str, Any]:
    title = config.title or DEFAULT_TITLE
    layers = [manifest.layer_entry(result, tile_zooms(result.tiles)) for result in results]
    document = manifest.manifest(title, layers)
    manifest.write(stage / "data" / "manifest.json", document)
    render_site(stage, title)
    return document


def summary_rows(document: dict[str, Any], out: Path) -> list[tuple[str, int, int, int, str]]:
    rows = []
    for layer in document["layers"]:
        size = (out / "data" / layer["tiles"]).stat().st_size
        rows.append(
            (layer["id"], layer["points"], len(layer["units"]), layer["maxzoom"], human_size(size))
        )
    return rows
