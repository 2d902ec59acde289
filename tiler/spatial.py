"""Pure geometry helpers: Hilbert ordering of points, bounds, EPSG:3035 -> lon/lat."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import numpy as np

HILBERT_ORDER = 16
BLOCK = 1 << 18  # points at a time through elementwise steps


def hilbert_index(x: np.ndarray, y: np.ndarray, order: int = HILBERT_ORDER) -> np.ndarray:
    """Distance along the Hilbert curve of integer cells (x, y) in [0, 2**order)."""
    x = x.astype(np.int64).copy()
    y = y.astype(np.int64).copy()
    side = 1 << order
    d = np.zeros(x.shape, dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s >>= 1
    return d


def hilbert_order(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Permutation that sorts points along a Hilbert curve over their own bounding square."""
    if lon.size == 0:
        return np.zeros(0, dtype=np.int64)
    west, south = float(lon.min()), float(lat.min())
    span = max(float(lon.max()) - west, float(lat.max()) - south) or 1.0
    scale = ((1 << HILBERT_ORDER) - 1) / span
    top = (1 << HILBERT_ORDER) - 1
    distance = np.empty(lon.size, dtype=np.int64)
    for part in blocks(lon.size):  # hilbert_index's temporaries are ~50 B a point
        x = np.clip(((lon[part] - west) * scale).astype(np.int64), 0, top)
        y = np.clip(((lat[part] - south) * scale).astype(np.int64), 0, top)
        distance[part] = hilbert_index(x, y)
    return np.argsort(distance, kind="stable")


@lru_cache(maxsize=2)
def _transformer(source: str, target: str):  # type: ignore[no-untyped-def]
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


def _transform(
    source: str, target: str, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    first, second = _transformer(source, target).transform(a, b)
    return np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)


def laea_to_lonlat(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:3035 (ETRS89-LAEA) metres -> WGS84 degrees, vectorised."""
    return _transform("EPSG:3035", "EPSG:4326", easting, northing)


def lonlat_to_laea(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees -> EPSG:3035 (ETRS89-LAEA) metres, vectorised."""
    return _transform("EPSG:4326", "EPSG:3035", lon, lat)


class Bounds:
    """Running [west, south, east, north] of streamed points."""

    def __init__(self) -> None:
        self.west = self.south = float("inf")
        self.east = self.north = float("-inf")

    def add(self, lon: np.ndarray, lat: np.ndarray) -> None:
        if lon.size:
            self.west = min(self.west, float(np.nanmin(lon)))
            self.east = max(self.east, float(np.nanmax(lon)))
            self.south = min(self.south, float(np.nanmin(lat)))
            self.north = max(self.north, float(np.nanmax(lat)))

    def as_list(self, digits: int = 6) -> list[float]:
        return [round(v, digits) for v in (self.west, self.south, self.east, self.north)]


def blocks(count: int, size: int = BLOCK) -> Iterator[slice]:
    """Slices of `size` covering 0..count: elementwise steps over a layer's points a block at a
    time, so their temporaries are a block's, not the layer's."""
    return (slice(start, min(start + size, count)) for start in range(0, count, size))
