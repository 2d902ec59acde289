"""How a distributed build cuts a layer into partitions, and what it learns from them (pure).

A partition is one tile at the partition zoom (8, ~110 km at 45°N, or finer for a small
layer so that every worker gets several partitions: `auto_zoom`): it owns that
tile and every tile below it, so no two partitions share a tile at or above the partition zoom.
Its tippecanoe run reads its own points plus its neighbours' points within MARGIN of its edge
(more than tippecanoe's 5-pixel buffer at any of those zooms), so its edge tiles get the same
buffer copies as in a single run; the merge keeps only its own tiles. The zooms above the
partition zoom come from one overview run over a thinned, deterministic sample of the points.

The maximum zoom is chosen as the single-machine build chooses it (tiler/tiles/zoomchoice.py), from
statistics each partition computes over its own points: the densest tile per zoom (exact) and
the moments of the log-gaps between sorted quadkeys (merged; partitions are quadkey ranges).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np

from tiler.tiles.zoomchoice import MAX_POINTS_PER_TILE, MAX_ZOOM, quadkeys, spacing_zoom, world_xy

PARTITION_ZOOM = 8
MARGIN = 1 / 32  # of a partition tile; tippecanoe's buffer is 5/256 of a tile
KEEP_RATE = 0.4  # tippecanoe's default drop rate (-r2.5): the share of points kept a zoom out
TileFilter = Callable[[int, int, int], bool]


def auto_zoom(
    boxes: Sequence[tuple[float, float, float, float]], workers: int, most: int = 12
) -> int:
    """The partition zoom: PARTITION_ZOOM, or finer (up to `most`) until the units' bounding
    boxes cover at least 4 partitions a worker, so every worker has tiling to do."""
    for zoom in range(PARTITION_ZOOM, most):
        tiles: set[tuple[int, int]] = set()
        for west, south, east, north in boxes:
            x0, y0 = tile_xy(np.array([west]), np.array([north]), zoom)
            x1, y1 = tile_xy(np.array([east]), np.array([south]), zoom)
            tiles.update(product(range(int(x0[0]), int(x1[0]) + 1),
                                 range(int(y0[0]), int(y1[0]) + 1)))  # fmt: skip
        if len(tiles) >= 4 * workers:
            return zoom
    return most


def tile_xy(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    wx, wy = world_xy(lon, lat)
    shift = np.uint64(32 - zoom)
    return (wx >> shift).astype(np.int64), (wy >> shift).astype(np.int64)


def own_keys(lon: np.ndarray, lat: np.ndarray, zoom: int) -> np.ndarray:
    """The partition of each point: its tile at `zoom`, as x << zoom | y."""
    x, y = tile_xy(lon, lat, zoom)
    return (x << zoom) | y


def neighbour_pairs(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """(point, partition) pairs: the other partitions whose tile lies within MARGIN of a point."""
    wx, wy = (v.astype(np.int64) for v in world_xy(lon, lat))
    margin = int(MARGIN * (1 << (32 - zoom)))
    top = (1 << 32) - 1
    own = own_keys(lon, lat, zoom)
    rows, keys = [], []
    for dx, dy in product((-margin, 0, margin), repeat=2):
        if dx == dy == 0:
            continue
        x = np.clip(wx + dx, 0, top) >> (32 - zoom)
        y = np.clip(wy + dy, 0, top) >> (32 - zoom)
        key = (x << zoom) | y
        near = np.flatnonzero(key != own)
        rows.append(near)
        keys.append(key[near])
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = np.unique(np.stack([np.concatenate(rows), np.concatenate(keys)], axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def owned_by(key: int, zoom: int) -> TileFilter:
    """The tiles partition `key` owns: its tile at `zoom` and every tile below it."""
    px, py = key >> zoom, key & ((1 << zoom) - 1)
    return lambda z, x, y: z >= zoom and (x >> (z - zoom)) == px and (y >> (z - zoom)) == py


def above(zoom: int) -> TileFilter:
    """The overview's tiles: every zoom less than the partition zoom."""
    return lambda z, x, y: z < zoom


@dataclass(frozen=True, slots=True)
class ZoomStats:
    """What one partition's points say about the layer's maximum zoom."""

    key: int
    count: int
    first: int  # smallest quadkey
    last: int  # largest quadkey
    gaps: int  # positive gaps between consecutive sorted quadkeys
    mean: float  # of their logs
    m2: float  # sum of squared deviations of their logs from `mean`
    densest: tuple[int, ...]  # points in the densest tile at zoom, for zoom = zoom..MAX_ZOOM


def zoom_stats(key: int, lon: np.ndarray, lat: np.ndarray, zoom: int) -> ZoomStats:
    """The statistics of one partition's points (partition zoom `zoom`)."""
    index = np.sort(quadkeys(lon, lat))
    gaps = np.diff(index)
    logs = np.log(gaps[gaps > 0].astype(np.float64))
    mean = float(logs.mean()) if logs.size else 0.0
    densest = []
    for z in range(zoom, MAX_ZOOM + 1):
        tiles = index >> np.uint64(64 - 2 * z)
        bounds = np.flatnonzero(np.r_[True, tiles[1:] != tiles[:-1], True])
        densest.append(int(np.diff(bounds).max(initial=0)))
    return ZoomStats(
        key, int(index.size), int(index[0]), int(index[-1]), int(logs.size), mean,
        float(((logs - mean) ** 2).sum()), tuple(densest),
    )  # fmt: skip


def densest_per_zoom(stats: Sequence[ZoomStats], zoom: int) -> list[int]:
    """Points in the densest tile at every zoom 0..MAX_ZOOM, over all partitions."""
    result = []
    for z in range(MAX_ZOOM + 1):
        if z >= zoom:
            result.append(max(s.densest[z - zoom] for s in stats))
            continue
        counts: dict[tuple[int, int], int] = {}
        for s in stats:
            parent = ((s.key >> zoom) >> (zoom - z), (s.key & ((1 << zoom) - 1)) >> (zoom - z))
            counts[parent] = counts.get(parent, 0) + s.count
        result.append(max(counts.values()))
    return result


def spacing(stats: Sequence[ZoomStats]) -> int:
    """tippecanoe's `-zg` over every partition's points, as zooms.guessed_zoom gives it."""
    parts = sorted(stats, key=lambda s: s.first)
    count, mean, m2 = 0, 0.0, 0.0
    between = [(1, math.log(b.first - a.last), 0.0) for a, b in zip(parts, parts[1:], strict=False)]
    for n, part_mean, part_m2 in [(s.gaps, s.mean, s.m2) for s in parts] + between:
        if n == 0:
            continue
        delta = part_mean - mean
        total = count + n
        mean += delta * n / total
        m2 += part_m2 + delta * delta * count * n / total
        count = total
    return 0 if count == 0 else spacing_zoom(mean, math.sqrt(m2 / count))


def max_zoom(stats: Sequence[ZoomStats], zoom: int) -> int:
    """The zoom the layer's points need, as zooms.point_max_zoom chooses it (the tiles' maximum
    zoom, or their base zoom when zooms.tile_max_zoom goes deeper)."""
    densest = densest_per_zoom(stats, zoom)
    density = next((z for z, n in enumerate(densest) if n <= MAX_POINTS_PER_TILE), MAX_ZOOM)
    return min(MAX_ZOOM, max(spacing(stats), density))


def overview_share(base: int, zoom: int, densest: int) -> float:
    """The share of points the overview keeps at zoom `zoom - 1` (every one, its base zoom).

    The share a single tippecanoe run would keep there (every point from the base zoom `base`
    up, 0.4 a zoom out below it, so points per area stay proportional to the input's), less
    where the densest tile would pass the tile limits.
    """
    share = KEEP_RATE ** max(0, base - zoom + 1)
    return min(share, MAX_POINTS_PER_TILE / densest) if densest else share
