"""How dense a layer's points are, for its zoom choice (tiler/tiles/zoomchoice.py), read from its
feature files' line indexes with memory bounded whatever the layer's size.

The choice needs two things of the points in tippecanoe's quadkey order: the spacing of
neighbours (the log-gaps between sorted quadkeys, for `-zg`) and the most points in one tile of
each zoom. Both come from an external sort by buckets: a first pass counts the points of each
tile of PREFIX_ZOOM; runs of neighbouring tiles (in quadkey order) holding at most
BUCKET_POINTS together form buckets, each written to its own scratch file in a second pass,
then sorted and summarised alone. A tile of PREFIX_ZOOM or deeper lies in one bucket; the
shallower zooms' counts come from the first pass. A bucket is bigger than BUCKET_POINTS only
where one tile of PREFIX_ZOOM (~10 km) holds more: EGMS holds ~0.5M at most there.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tiler.tiles.features import line_index_blocks
from tiler.tiles.grid import world_quadkeys
from tiler.tiles.zoomchoice import spacing_zoom
from tiler.valuecounts import ValueCounts

PREFIX_ZOOM = 12
BUCKET_POINTS = 1 << 20  # 8 MB of quadkeys: a bucket's sort holds ~5 times that
LINES_AT_ONCE = 1 << 18
UNBOUNDED = 1 << 62  # tiles of PREFIX_ZOOM are never merged into coarser bins
QUADKEY_BITS = 64


@dataclass(slots=True)
class LogGaps:
    """Count, mean and sum of squared deviations of the log-gaps (Chan et al.'s merge)."""

    count: int = 0
    mean: float = 0.0
    squares: float = 0.0

    def add(self, gaps: np.ndarray) -> None:
        positive = gaps[gaps > 0]
        if positive.size == 0:
            return
        logs = np.log(positive.astype(np.float64))
        mean = float(logs.mean())
        self.merge(LogGaps(len(logs), mean, float(((logs - mean) ** 2).sum())))

    def merge(self, other: LogGaps) -> None:
        total = self.count + other.count
        if other.count == 0:
            return
        delta = other.mean - self.mean
        self.squares += other.squares + delta * delta * self.count * other.count / total
        self.mean += delta * other.count / total
        self.count = total

    @property
    def std(self) -> float:
        return math.sqrt(self.squares / self.count) if self.count else 0.0


@dataclass(frozen=True, slots=True)
class Density:
    gaps: LogGaps  # between neighbours in quadkey order
    densest: list[int]  # points in the fullest tile of each zoom 0..max_zoom

    @property
    def guessed_zoom(self) -> int:
        """tippecanoe's `-zg` guess from the spacing of the points."""
        return spacing_zoom(self.gaps.mean, self.gaps.std) if self.gaps.count else 0


def layer_density(features: Iterable[Path], max_zoom: int, scratch: Path) -> Density:
    """The density of the points of the feature files (their line indexes), using `scratch`
    (a directory made and removed here) for the buckets."""
    paths = list(features)
    prefixes = ValueCounts(limit=UNBOUNDED)
    for quadkeys in _blocks(paths):
        prefixes.add(_prefix(quadkeys, PREFIX_ZOOM))
    densest = [_densest_prefix(prefixes, zoom) for zoom in range(min(PREFIX_ZOOM, max_zoom + 1))]
    deep = [0] * max(0, max_zoom + 1 - PREFIX_ZOOM)
    gaps, last = LogGaps(), None
    for bucket in _buckets(paths, prefixes, scratch):
        bucket.sort()
        if last is not None:
            gaps.add(np.array([bucket[0] - last], dtype=np.uint64))
        gaps.add(np.diff(bucket))
        last = bucket[-1]
        for position, zoom in enumerate(range(PREFIX_ZOOM, max_zoom + 1)):
            deep[position] = max(deep[position], _longest_run(_prefix(bucket, zoom)))
    return Density(gaps, densest + deep)


def _blocks(paths: list[Path]) -> Iterator[np.ndarray]:
    """The quadkeys of every line, a block at a time."""
    for path in paths:
        for index in line_index_blocks(path, LINES_AT_ONCE):
            yield world_quadkeys(index["x"].astype(np.uint64), index["y"].astype(np.uint64))


def _prefix(quadkeys: np.ndarray, zoom: int) -> np.ndarray:
    """The tile of `zoom` of each quadkey, as its quadkey prefix (int64)."""
    return (quadkeys >> np.uint64(QUADKEY_BITS - 2 * zoom)).astype(np.int64)


def _densest_prefix(prefixes: ValueCounts, zoom: int) -> int:
    """The most points in one tile of `zoom` (at most PREFIX_ZOOM), from the first pass."""
    if prefixes.total == 0:
        return 0
    _, parent = np.unique(prefixes.values >> (2 * (PREFIX_ZOOM - zoom)), return_inverse=True)
    return int(np.bincount(parent, weights=prefixes.counts).max())


def _longest_run(sorted_keys: np.ndarray) -> int:
    if sorted_keys.size == 0:
        return 0
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return int(np.diff(np.r_[starts, len(sorted_keys)]).max())


def _buckets(paths: list[Path], prefixes: ValueCounts, scratch: Path) -> Iterator[np.ndarray]:
    """Each bucket's quadkeys (unsorted), in quadkey order of the buckets."""
    firsts = _bucket_starts(prefixes)
    if len(firsts) <= 1:
        parts = list(_blocks(paths))
        yield from [np.concatenate(parts)] if parts else []
        return
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        files = [scratch / f"b{number}.u64" for number in range(len(firsts))]
        for quadkeys in _blocks(paths):
            owner = np.searchsorted(firsts, _prefix(quadkeys, PREFIX_ZOOM), side="right") - 1
            order = np.argsort(owner, kind="stable")
            cuts = np.searchsorted(owner[order], np.arange(len(firsts) + 1))
            for number in np.flatnonzero(np.diff(cuts)):
                with open(files[number], "ab") as out:
                    out.write(quadkeys[order[cuts[number] : cuts[number + 1]]].tobytes())
        for path in files:
            if path.exists():
                yield np.fromfile(path, dtype=np.uint64)
                path.unlink()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bucket_starts(prefixes: ValueCounts) -> np.ndarray:
    """The first prefix of each bucket: runs of prefixes holding at most BUCKET_POINTS."""
    starts, held = [], BUCKET_POINTS
    for value, count in zip(prefixes.values.tolist(), prefixes.counts.tolist(), strict=True):
        if held + count > BUCKET_POINTS:
            starts.append(value)
            held = 0
        held += count
    return np.array(starts, dtype=np.int64)
