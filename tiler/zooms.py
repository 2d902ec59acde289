"""The maximum zoom of a point layer, chosen before tiling (pure functions).

tippecanoe's `-zg` guess needs its `*-as-needed` checks, which cost ~35 % of the tiling, to stay
safe where points are dense. Choosing the zoom here lets the fast run go without them: the
zoom is the larger of tippecanoe's own guess (the spacing of the points, computed the same way
as tippecanoe 2.x does) and the first zoom at which the densest tile holds few enough points to
stay under tippecanoe's 500 KB tile limit.
"""

from __future__ import annotations

import math

import numpy as np

MAX_POINTS_PER_TILE = 12_000  # ~15-40 bytes a point in a compressed tile: well under 500 KB
FULL_DETAIL = 12
MAX_ZOOM = 18


def world_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tippecanoe's 32-bit world coordinates (Web Mercator, y down)."""
    lat = np.clip(lat, -85.0511, 85.0511)
    x = (lon + 180.0) / 360.0
    rad = np.radians(lat)
    y = (1.0 - np.log(np.tan(rad) + 1.0 / np.cos(rad)) / math.pi) / 2.0
    scale = float(1 << 32)
    top = (1 << 32) - 1
    return (
        np.clip(x * scale, 0, top).astype(np.uint64),
        np.clip(y * scale, 0, top).astype(np.uint64),
    )


def spread_bits(v: np.ndarray) -> np.ndarray:
    """Put the 32 bits of v at the even positions of a 64-bit number."""
    v = v & np.uint64(0xFFFFFFFF)
    for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF),
                        (4, 0x0F0F0F0F0F0F0F0F), (2, 0x3333333333333333),
                        (1, 0x5555555555555555)):  # fmt: skip
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def guessed_zoom(lon: np.ndarray, lat: np.ndarray) -> int:
    """tippecanoe 2.x `-zg` for points: from the log-spacing of the quadkey-sorted features."""
    index = np.sort(quadkeys(lon, lat))
    gaps = np.diff(index)
    gaps = gaps[gaps > 0].astype(np.float64)
    if gaps.size == 0:
        return 0
    logs = np.log(gaps)
    return spacing_zoom(float(logs.mean()), float(logs.std()))


def quadkeys(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """tippecanoe's feature index: the bits of x and y interleaved (a tile is a prefix)."""
    wx, wy = world_xy(lon, lat)
    return (spread_bits(wx) << np.uint64(1)) | spread_bits(wy)


def spacing_zoom(mean: float, std: float) -> int:
    """`-zg` from the mean and standard deviation of the log-gaps between sorted quadkeys."""
    nearby = math.exp(mean - 1.5 * std)
    want = math.sqrt(nearby) / 33 / 2
    zoom = math.ceil(math.log(360 / (0.00000274 * want)) / math.log(2) - FULL_DETAIL)
    return max(0, min(zoom, 32 - FULL_DETAIL))


def density_zoom(lon: np.ndarray, lat: np.ndarray, limit: int = MAX_POINTS_PER_TILE) -> int:
    """The first zoom at which no tile holds more than `limit` points."""
    wx, wy = world_xy(lon, lat)
    for zoom in range(MAX_ZOOM + 1):
        shift = np.uint64(32 - zoom)
        keys = ((wx >> shift) << np.uint64(zoom)) | (wy >> shift)
        if np.unique(keys, return_counts=True)[1].max(initial=0) <= limit:
            return zoom
    return MAX_ZOOM


def point_max_zoom(lon: np.ndarray, lat: np.ndarray) -> int:
    return min(MAX_ZOOM, max(guessed_zoom(lon, lat), density_zoom(lon, lat)))
