"""Tile a point layer: the maximum zoom over every point, each lower zoom over its sample.

tippecanoe passes every feature through every zoom, dropped or not, and the `*-as-needed`
checks cost ~35 % more. So the maximum zoom runs alone over all points (the big run), while
each lower zoom runs alone over the files of its nested sample (tiler/pyramid.py), in
parallel with it and with the chunk writer; the archives hold disjoint zooms and are merged
byte for byte (tiler/tilemerge.py). If any run fails (a tile over tippecanoe's limits), the
layer is tiled again with tippecanoe's documented recipe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pmtiles.reader import MmapSource, Reader

from . import tippecanoe
from .pyramid import FileKey, files_for_zoom
from .tilemerge import Part, merge

NO_STATS = "--no-tile-stats"  # the manifest has its own attribute statistics


@dataclass(frozen=True, slots=True)
class Pyramid:
    """What to tile: the feature files by key, the maximum zoom and each lower zoom's band."""

    files: dict[FileKey, Path]
    max_zoom: int
    first_bands: list[int]  # per zoom 0..max_zoom-1

    def sources(self, zoom: int) -> list[Path]:
        if zoom == self.max_zoom:
            keys = sorted(self.files)
        else:
            keys = files_for_zoom(sorted(self.files), zoom, self.first_bands[zoom])
        return [self.files[key] for key in keys]


def tile_layer(
    options: tippecanoe.TileOptions, pyramid: Pyramid, meanwhile: Callable[[], None]
) -> str:
    """Tile into options.output while `meanwhile` runs on this thread.

    Returns the recipe that made the archive: "fast", or "documented" after a fallback.
    """
    scratch = options.temp_dir or options.output.parent
    runs = {zoom: _zoom_options(options, pyramid, zoom, scratch) for zoom in _zooms(pyramid)}
    zooms = sorted(runs)
    big = tippecanoe.Tiling(runs.pop(pyramid.max_zoom))
    small = _Sequence(list(runs.values()))
    try:
        meanwhile()
    except BaseException:
        small.stop()
        big.kill()
        raise
    ok = big.wait() == 0 and small.wait()
    archives = [big.options.output, *(run.output for run in small.runs)]
    try:
        if ok:
            _merge(archives, options.output, zooms)
            return "fast"
        everything = replace(options, source=tuple(pyramid.sources(pyramid.max_zoom)))
        tippecanoe.run(replace(everything, recipe=tippecanoe.POINT_RECIPE))
        return "documented"
    finally:
        for archive in archives:
            archive.unlink(missing_ok=True)


def _zooms(pyramid: Pyramid) -> list[int]:
    """The maximum zoom first, then every lower zoom with points to show."""
    lower = [zoom for zoom in range(pyramid.max_zoom) if pyramid.sources(zoom)]
    return [pyramid.max_zoom, *lower]


def _zoom_options(
    options: tippecanoe.TileOptions, pyramid: Pyramid, zoom: int, scratch: Path
) -> tippecanoe.TileOptions:
    output = scratch / f"{options.output.parent.name}-z{zoom}.pmtiles"
    recipe = (f"--minimum-zoom={zoom}", f"--maximum-zoom={zoom}", NO_STATS)
    return replace(options, source=tuple(pyramid.sources(zoom)), output=output, recipe=recipe)


class _Sequence:
    """The lower zooms' runs, one after another on a background thread."""

    def __init__(self, runs: list[tippecanoe.TileOptions]) -> None:
        self.runs = runs
        self.failed = False
        self.stopping = threading.Event()
        self.current: tippecanoe.Tiling | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for options in self.runs:
            if self.stopping.is_set():
                return
            self.current = tippecanoe.Tiling(options)
            if self.current.wait() != 0:
                self.failed = True
                return

    def wait(self) -> bool:
        self.thread.join()
        return not self.failed

    def stop(self) -> None:
        self.stopping.set()
        if self.current is not None:
            self.current.kill()
        self.thread.join()


def _merge(archives: Sequence[Path], output: Path, zooms: list[int]) -> None:
    """Merge the runs' archives, the maximum zoom's first; its metadata describes the whole."""
    metadata = _metadata(archives[0])
    min_zoom, max_zoom = zooms[0], zooms[-1]
    layers: list[dict[str, Any]] = metadata.get("vector_layers", [])
    for layer in layers:
        layer["minzoom"] = min(min_zoom, int(layer.get("minzoom", max_zoom)))
    metadata.pop("strategies", None)
    metadata["generator_options"] = (
        f"egms-tiler: tippecanoe at zoom {max_zoom} over every point, and once for each lower "
        "zoom over a nested sample (1 point in 2.5 a zoom out, the lowest-ranked point of "
        "every occupied tile kept); archives merged"
    )
    merge([Part(path) for path in archives], output, metadata)


def _metadata(path: Path) -> dict[str, Any]:
    with open(path, "rb") as stream:
        found: dict[str, Any] = Reader(MmapSource(stream)).metadata()
    return found
