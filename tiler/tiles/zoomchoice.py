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

from tiler.spatial import blocks
from tiler.tiles.grid import quadkeys, tile_keys, world_xy

MAX_POINTS_PER_TILE = 12_000  # ~15-40 bytes a point in a compressed tile: well under 500 KB
FULL_DETAIL = 12
MAX_ZOOM = 18
# L3 is a 100 m grid that the viewer draws cell by cell from the tiles' maximum zoom on (tiles
# are overzoomed beyond it, so their positions are final there). A tile holds 4096 units a side
# and tippecanoe rounds to the nearest: at zoom 13 a unit is 1.19 m at the equator (0.84 m at
# 45°N), so a cell centre is placed within 0.6 m along each axis, 0.85 m at most (~1.4 px of a
# 215 px cell at zoom 17). Zoom 12 (2.4 m a unit) can be off by 1.7 m; zoom 9, which the
# spacing of 100 m points gives, by 13 m. Zoom 14 would halve the error again for 3.8x the
# tiles and 1.4x the bytes (200,000 synthetic L3 points: 7,330 tiles and 27 MB against 1,939
# and 19.6 MB), and the viewer would draw cells only from zoom 14 (it waits for the maximum).
# A finer tile grid (-d) at zoom 9 would not do: MapLibre keeps 8192 units a tile.
CELL_TILE_ZOOM = 13
EQUATOR_M = 40_075_016.686  # the equator's length on the WGS84 ellipsoid


def guessed_zoom(lon: np.ndarray, lat: np.ndarray) -> int:
    """tippecanoe 2.x `-zg` for points: from the log-spacing of the quadkey-sorted features."""
    index = np.empty(len(lon), dtype=np.uint64)
    for part in blocks(len(lon)):
        index[part] = quadkeys(lon[part], lat[part])
    return _spacing_of(index)


def _spacing_of(index: np.ndarray) -> int:
    index.sort()
    logs = np.empty(max(len(index) - 1, 0))
    used = 0
    for part in blocks(len(logs)):
        gaps = np.diff(index[part.start : part.stop + 1])
        gaps = gaps[gaps > 0]
        logs[used : used + len(gaps)] = np.log(gaps.astype(np.float64))
        used += len(gaps)
    if used == 0:
        return 0
    return spacing_zoom(float(logs[:used].mean()), float(logs[:used].std()))


def spacing_zoom(mean: float, std: float) -> int:
    """`-zg` from the mean and standard deviation of the log-gaps between sorted quadkeys."""
    nearby = math.exp(mean - 1.5 * std)
    want = math.sqrt(nearby) / 33 / 2
    zoom = math.ceil(math.log(360 / (0.00000274 * want)) / math.log(2) - FULL_DETAIL)
    return max(0, min(zoom, 32 - FULL_DETAIL))


def density_zoom(lon: np.ndarray, lat: np.ndarray, limit: int = MAX_POINTS_PER_TILE) -> int:
    """The first zoom at which no tile holds more than `limit` points."""
    return first_zoom_within(densest_per_zoom(lon, lat, MAX_ZOOM), limit)


def first_zoom_within(densest: list[int], limit: int = MAX_POINTS_PER_TILE) -> int:
    """The first zoom whose densest tile holds at most `limit` points (else the last zoom)."""
    return next((zoom for zoom, count in enumerate(densest) if count <= limit), len(densest) - 1)


def point_max_zoom(lon: np.ndarray, lat: np.ndarray) -> int:
    return max_zoom_from(guessed_zoom(lon, lat), densest_per_zoom(lon, lat, MAX_ZOOM))


def max_zoom_from(guessed: int, densest: list[int]) -> int:
    """`point_max_zoom` from tippecanoe's guess and the densest tile of zooms 0..MAX_ZOOM."""
    return min(MAX_ZOOM, max(guessed, first_zoom_within(densest)))


def tile_max_zoom(level: str, points_zoom: int) -> int:
    """The tiles' maximum zoom of a layer whose points need zoom `points_zoom` (`max_zoom_from`).

    L3 points are drawn as their 100 m cells, whose edges meet their neighbours': their
    positions must be right to < 1 m, which the tiles give from CELL_TILE_ZOOM on (a deeper
    `points_zoom` stays). Every zoom from `points_zoom` up shows every point (tippecanoe's
    base zoom, -B); the zooms below are thinned from it as for any layer.
    """
    return min(MAX_ZOOM, max(points_zoom, CELL_TILE_ZOOM)) if level == "L3" else points_zoom


def in_densest_tile(lon: np.ndarray, lat: np.ndarray, zoom: int) -> np.ndarray:
    """Which points the tile at `zoom` that holds the most points holds (a mask)."""
    keys = np.empty(len(lon), dtype=np.uint64)
    for part in blocks(len(lon)):
        keys[part] = tile_keys(*world_xy(lon[part], lat[part]), zoom)
    unique, counts = np.unique(keys, return_counts=True)
    return keys == unique[np.argmax(counts)]


def tile_width_m(lat: float, zoom: int) -> float:
    """The ground width of a tile at `zoom` and latitude `lat` (Web Mercator), in metres."""
    return EQUATOR_M * math.cos(math.radians(lat)) / (1 << zoom)


def densest_per_zoom(lon: np.ndarray, lat: np.ndarray, max_zoom: int) -> list[int]:
    """Points in the densest tile at each zoom 0..max_zoom."""
    keys = np.empty(len(lon), dtype=np.uint64)
    for part in blocks(len(lon)):
        keys[part] = tile_keys(*world_xy(lon[part], lat[part]), max_zoom)
    return _densest(keys, max_zoom)


def _densest(keys: np.ndarray, max_zoom: int) -> list[int]:
    keys.sort()
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(keys)))
    keys = keys[starts]
    densest = [0] * (max_zoom + 1)
    for zoom in range(max_zoom, -1, -1):
        densest[zoom] = int(counts.max(initial=0))
        if zoom:
            x, y = keys >> np.uint64(zoom), keys & np.uint64((1 << zoom) - 1)
            parents = ((x >> np.uint64(1)) << np.uint64(zoom - 1)) | (y >> np.uint64(1))
            keys, inverse = np.unique(parents, return_inverse=True)
            counts = np.bincount(inverse, weights=counts).astype(np.int64)
    return densest
