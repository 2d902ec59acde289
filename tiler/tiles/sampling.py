"""Which points each zoom of a point layer shows (pure functions).

The maximum zoom shows every point. Each lower zoom shows a sample nested in the next one's:
tippecanoe's own drop rate (1 point in 2.5 a zoom out, so kept points per area stay
proportional to the input's), fewer where the densest tile would pass the tile limits, and
never an occupied tile left empty (its lowest-ranked point, the "floor", stays).

A point's rank is a hash of its id, uniform in [0, 1). Its band is how many zooms below the
maximum the drop rate keeps it (rank < 0.4^band). The feature files are written per (floor
zoom, band) during the first pass, before the maximum zoom is known; a zoom then tiles the
files it needs (`files_for_zoom`), so no point is tiled at a zoom it does not show.
"""

from __future__ import annotations

import math

import numpy as np

from tiler.spatial import blocks
from tiler.tiles.grid import tile_keys, world_xy
from tiler.tiles.zoomchoice import MAX_POINTS_PER_TILE, MAX_ZOOM

DROP_RATE = 2.5  # tippecanoe's default (-r2.5)
BANDS = 32  # 0.4^32 ≈ 2e-13: nothing below it at any zoom
NO_FLOOR = MAX_ZOOM + 1  # the point is the lowest-ranked of no tile below the maximum zoom

FileKey = tuple[int, int]  # (floor zoom, band)


def ranks(ids: np.ndarray) -> np.ndarray:
    """A uniform, deterministic number in [0, 1) per feature id (splitmix64 finaliser)."""
    rank = np.empty(len(ids))
    for part in blocks(len(ids)):
        with np.errstate(over="ignore"):
            z = ids[part].astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
        rank[part] = (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return rank


def bands(rank: np.ndarray) -> np.ndarray:
    """The largest k with rank < 0.4^k (at most BANDS - 1)."""
    keep = 1 / DROP_RATE
    with np.errstate(divide="ignore"):
        levels = np.floor(np.log(rank) / math.log(keep))
    band = np.clip(np.nan_to_num(levels, posinf=BANDS - 1), 0, BANDS - 1).astype(np.int64)
    band -= (rank >= keep**band) & (band > 0)  # the logarithm's rounding, both ways
    band += (rank < keep ** (band + 1)) & (band < BANDS - 1)
    return band


def floor_zooms(lon: np.ndarray, lat: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Per point, the first zoom below MAX_ZOOM at which it is its tile's lowest-ranked point.

    The lowest-ranked point of a tile is the lowest-ranked of its children's, so the search
    goes down from MAX_ZOOM - 1 among the previous zoom's winners only.
    """
    wx, wy = np.empty(len(lon), dtype=np.uint32), np.empty(len(lon), dtype=np.uint32)
    for part in blocks(len(lon)):
        wx[part], wy[part] = world_xy(lon[part], lat[part])
    floor = np.full(len(rank), NO_FLOOR, dtype=np.int64)
    candidates = np.argsort(rank, kind="stable")
    for zoom in range(MAX_ZOOM - 1, -1, -1):
        keys = tile_keys(wx[candidates], wy[candidates], zoom)
        _, first = np.unique(keys, return_index=True)
        candidates = candidates[np.sort(first)]  # stays in rank order
        floor[candidates] = zoom
    return floor


def file_keys(lon: np.ndarray, lat: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The (floor zoom, band) of each point, packed as floor * BANDS + band."""
    rank = ranks(ids)
    keys = floor_zooms(lon, lat, rank)
    for part in blocks(len(keys)):
        keys[part] = keys[part] * BANDS + bands(rank[part])
    return keys


def zoom_bands(densest: list[int], limit: int = MAX_POINTS_PER_TILE) -> list[int]:
    """Per zoom below the maximum, the first band its sample takes (rank < 0.4^band)."""
    max_zoom = len(densest) - 1
    result = []
    for zoom in range(max_zoom):
        needed = max_zoom - zoom
        if densest[zoom] > limit:
            needed = max(needed, math.ceil(math.log(limit / densest[zoom]) / math.log(0.4)))
        result.append(min(needed, BANDS))
    return result


def files_for_zoom(keys: list[FileKey], zoom: int, first_band: int) -> list[FileKey]:
    """The feature files a lower zoom tiles: its band sample and every floor point up to it."""
    return [(floor, band) for floor, band in keys if floor <= zoom or band >= first_band]
