"""The region runs of a zoom range, balanced by their points (pure): both builds plan with this.

From the points per tile of each zoom (`tally`, a block of lines at a time:
regioninputs.count_tiles), the curve of runs (grid.RunCut: the regions in Z order, and each
region's tiles in Z order) is cut into runs of about the same points: a run is several sparse
neighbouring regions (reading each line once and keeping the tiles any of them owns) or a part
of a dense one, so that a city is many runs and a countryside of nearly empty regions is one.
A part of a region still starts at the region's level, as the whole region did: its input fits
the region's tile.

Splitting a dense region into its 4 children instead was tried: the tiles along the children's
edges stay with the parent (their buffer ring and tippecanoe's margin cross the children's
edges; grid.owner), and in a dense city, with the zoom below the maximum in the same run (its
tiles twice as wide), that cross held 333,000 of the city's 400,000 points.

TARGET_POINTS: 100,000 points (~25 MB of features) is about the biggest run that is not cut
into regions (runs.REGION_RUN_BYTES, 20 MB), so that the runs of a layer are of one size: ~8 CPU
s of tippecanoe at ~80 µs a point and ~60 MB with one thread (runs.REGION_THREADS). On one
machine (2 runs at a time, biggest first) a 1M-point layer is ~10 region runs and the last to
finish is a short one; on a cluster a layer is total / 100,000 tasks of a few seconds, enough
for every core from ~10M points on, each holding little. Much smaller runs cost more than they
spread: each part of a region reads its neighbours' buffer rings again, and a run holding a
coarser region (along its neighbours' edges) starts at that region's level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tiler.tiles import grid

TARGET_POINTS = 100_000
BLOCK_UP = 2  # runs start at blocks of a region's tiles of 4 × 4 tiles of the maximum zoom or
# coarser (12,000 points a tile at most)


@dataclass(frozen=True, slots=True)
class TileCounts:
    """The points of each tile of each zoom of a run: a point shown at n of its zooms counts 1/n
    in each of its tiles (once in all when its tiles are in one run). Held per occupied tile,
    whatever the number of points: ~1.3 rows a tile of the deepest zoom."""

    zooms: range
    tiles: tuple[np.ndarray, ...]  # per zoom: x << 32 | y of its occupied tiles, sorted
    points: tuple[np.ndarray, ...]  # per zoom: float64

    @staticmethod
    def added(zooms: range, parts: Sequence[Sequence[Tally]]) -> TileCounts:
        """The counts of parts (`tally` of blocks of points), a tile's added up."""
        none = tally(np.zeros(0, np.int64), np.zeros(0, np.int64), zooms[0], zooms)
        tiles, points = [], []
        for level in zip(none, *parts, strict=True):
            keys, inverse = np.unique(np.concatenate([keys for keys, _ in level]),
                                      return_inverse=True)  # fmt: skip
            tiles.append(keys)
            points.append(np.bincount(inverse, np.concatenate([part for _, part in level])))
        return TileCounts(zooms, tuple(tiles), tuple(points))


Tally = tuple[np.ndarray, np.ndarray]  # a zoom's tile keys and their points


def tally(wx: np.ndarray, wy: np.ndarray, first: int, zooms: range) -> list[Tally]:
    """For each zoom of `zooms`, the tiles of points (tippecanoe's 32-bit world x, y) shown from
    zoom `first` on, with their points: a block of lines' part of the TileCounts.

    The lines are in Hilbert order, where a tile's points follow each other: runs of equal
    tiles are counted first, so that only the runs are sorted."""
    wx, wy = wx.astype(np.int64), wy.astype(np.int64)
    weight = 1 / (zooms[-1] - max(first, zooms[0]) + 1)
    found: list[Tally] = []
    for zoom in zooms:
        if zoom < first or not len(wx):
            found.append((np.zeros(0, np.int64), np.zeros(0)))
            continue
        keys = ((wx >> (32 - zoom)) << 32) | (wy >> (32 - zoom))
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        runs = np.diff(np.r_[starts, len(keys)])
        tiles, inverse = np.unique(keys[starts], return_inverse=True)
        found.append((tiles, np.bincount(inverse, runs * weight, len(tiles))))
    return found


def plan(counts: TileCounts, target: int) -> tuple[grid.RunCut, tuple[int, ...]]:
    """The runs of the zooms of `counts`, and each run's points as planned (their buffer rings
    not counted)."""
    zooms = counts.zooms
    level = grid.level_for(zooms[-1])
    region, own, points = units(counts, level)
    block_points, first, regions = blocks(region, own, points, max(zooms[0], zooms[-1] - BLOCK_UP))
    cuts = first[group(block_points, target, regions)]
    sums = np.add.reduceat(points, cuts) if len(points) else np.zeros(1)
    starts = [(0, 0), *zip(region[cuts[1:]].tolist(), own[cuts[1:]].tolist(), strict=True)]
    return grid.RunCut(level, tuple(starts)), tuple(np.rint(sums).astype(np.int64).tolist())


def units(counts: TileCounts, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tiles of every zoom, in the order of the curve of runs: their places (region, own)
    and points."""
    region, own = [], []
    for zoom, tiles in zip(counts.zooms, counts.tiles, strict=True):
        found = grid.places(zoom, tiles >> 32, tiles & 0xFFFFFFFF, level)
        region.append(found[0])
        own.append(found[1])
    order = np.lexsort((np.concatenate(own), np.concatenate(region)))
    return (np.concatenate(region)[order], np.concatenate(own)[order],
            np.concatenate(counts.points)[order])  # fmt: skip


def blocks(
    region: np.ndarray, own: np.ndarray, points: np.ndarray, zoom: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The points of each block of units (a region's tiles inside one tile of `zoom`), the first
    unit of each, and whether it starts a region: a run starts only at a block, so that a point
    is read once at every zoom of its block, not by two runs."""
    corner = own >> (5 + 2 * (grid.COORD_BITS - zoom))
    new_region = np.r_[True, region[1:] != region[:-1]]
    first = np.flatnonzero(new_region | np.r_[True, corner[1:] != corner[:-1]])
    return np.add.reduceat(points, first) if len(points) else points, first, new_region[first]


def group(points: np.ndarray, target: float, regions: np.ndarray) -> list[int]:
    """Where each run starts among the units: runs of at least `target` points on average (and
    of the biggest unit), the largest as small as can be. A run is then at most its mean plus
    the biggest unit: ≤ 2x the mean. regions: whether each unit starts a region, where a run
    would rather start (a run over parts of two regions starts where both fit, further up)."""
    total = float(np.cumsum(points)[-1]) if len(points) else 0.0  # as _cuts adds them up
    biggest = float(points.max(initial=0))
    wanted = max(1, int(total // max(target, biggest, 1)))
    fill = _Fill(points, np.flatnonzero(regions), biggest)
    low, high = biggest, max(total, 1.0)
    while high - low > max(1.0, high * 1e-4):  # the smallest cap that needs at most `wanted`
        cap = (low + high) / 2
        if len(fill.cuts(cap, wanted + 1)) <= wanted:
            high = cap
        else:
            low = cap
    return fill.cuts(high, len(points) + 1)


@dataclass(frozen=True, slots=True)
class _Fill:
    points: np.ndarray
    regions: np.ndarray  # the units that start a region
    biggest: float

    def cuts(self, cap: float, most: int) -> list[int]:
        """Greedy: where each run starts when a run takes units while they fit `cap`, or ends
        at the last region start before, if the run still holds more than cap - the biggest
        unit, as the greedy run does (stopping at `most` runs)."""
        ends = np.cumsum(self.points)
        cuts = [0]
        while len(cuts) < most:
            before = float(ends[cuts[-1] - 1]) if cuts[-1] else 0.0
            end = int(np.searchsorted(ends, before + cap, side="right"))
            if end >= len(self.points):
                break
            last = np.searchsorted(self.regions, end, side="right") - 1
            region = int(self.regions[last]) if last >= 0 else 0
            if region > cuts[-1] and ends[region - 1] - before > cap - self.biggest:
                end = region
            cuts.append(max(end, cuts[-1] + 1))
        return cuts
