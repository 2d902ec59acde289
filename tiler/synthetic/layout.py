"""Where the files lie: bursts along Sentinel-1 tracks and 100 km L3 tiles around one area.

A track is a frame in EPSG:3035: global azimuth lines run along the heading, range pixels to the
right of it (Sentinel-1 looks right). EGMS burst B covers global lines [B·STRIDE, B·STRIDE+LINES);
consecutive bursts overlap by LINES - STRIDE lines, so the same ground appears in both (with
different pids, as in real data). Numbers follow the real samples (docs/egms-format.md,
"Orbit direction" and "The bundled samples").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import dates
from .seeds import rng

# Areas a seed may pick (lon, lat): places where EGMS shows ground motion.
AREAS = (
    ("Bologna", 11.34, 44.50),
    ("Rotterdam", 4.47, 51.92),
    ("Lisbon", -9.14, 38.73),
    ("Athens", 23.73, 37.98),
    ("Katowice", 19.02, 50.26),
    ("Granada", -3.60, 37.18),
    ("Milan", 9.19, 45.46),
    ("Oslo", 10.75, 59.91),
)
STRIP = 150  # lines per strip: the unit in which points are drawn
LINES = 10 * STRIP  # azimuth lines per burst (~20.8 km)
STRIDE = 9 * STRIP  # lines from one burst to the next: one strip of overlap
LINE_SPACING = 13.9  # m on the ground, azimuth
SLANT_SPACING = 2.33  # m, range
# per sub-swath: range pixels, incidence at pixel 0 (deg), incidence change per pixel
SWATHS = {1: (20_500, 30.9, 0.000275), 2: (22_000, 36.2, 0.000239), 3: (21_000, 41.0, 0.000205)}
SIN_INCLINATION = math.sin(math.radians(98.18))
TILE = 100_000  # m


@dataclass(frozen=True, slots=True)
class Track:
    """One pass geometry: the frame shared by all bursts of a track."""

    number: int
    ascending: bool
    swath: int
    facility: int
    heading: float  # satellite heading, degrees from north, -180..360
    origin: tuple[float, float]  # EPSG:3035 of global line `first_line`, pixel 0
    along: tuple[float, float]  # unit vector of increasing line (EPSG:3035 grid)
    across: tuple[float, float]  # unit vector of increasing pixel (look direction)
    first_line: int
    pixels: int
    pixel_spacing: float  # m on the ground, range

    def ground(self, line: np.ndarray, pixel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """EPSG:3035 of global line / pixel coordinates (fractions allowed)."""
        a = (line - self.first_line) * LINE_SPACING
        p = pixel * self.pixel_spacing
        return (
            self.origin[0] + a * self.along[0] + p * self.across[0],
            self.origin[1] + a * self.along[1] + p * self.across[1],
        )

    def frame(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Global (line, pixel) of EPSG:3035 points: the inverse of `ground`."""
        dx, dy = x - self.origin[0], y - self.origin[1]
        along = dx * self.along[0] + dy * self.along[1]
        across = dx * self.across[0] + dy * self.across[1]
        return self.first_line + along / LINE_SPACING, across / self.pixel_spacing

    def incidence(self, pixel: np.ndarray) -> np.ndarray:
        _, near, slope = SWATHS[self.swath]
        return near + slope * pixel


@dataclass(frozen=True, slots=True)
class Burst:
    track: Track
    index: int  # EGMS burst id

    @property
    def first_line(self) -> int:
        return self.index * STRIDE

    @property
    def strips(self) -> range:
        first = self.first_line // STRIP
        return range(first, first + LINES // STRIP)


@dataclass(frozen=True, slots=True)
class Tile:
    east: int  # south-west corner / 100 km
    north: int
    facility: int

    @property
    def name(self) -> str:
        return f"E{self.east:02d}N{self.north:02d}"


def area(seed: int) -> tuple[float, float]:
    """Centre (EPSG:3035 m) of the area a seed covers."""
    draw = rng(seed, "area")
    _, lon, lat = AREAS[int(draw.integers(len(AREAS)))]
    lon += float(draw.uniform(-0.15, 0.15))
    lat += float(draw.uniform(-0.1, 0.1))
    x, y = to_laea(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


def bursts(seed: int, ascending: bool, count: int) -> list[Burst]:
    """`count` consecutive bursts of one track, centred on the seed's area."""
    centre = area(seed)
    draw = rng(seed, "track", int(ascending))
    number = int(draw.integers(1, 176))
    swath = int(draw.integers(1, 4))
    facility = int(draw.integers(1, 5))
    lat = float(to_lonlat(np.array([centre[0]]), np.array([centre[1]]))[1][0])
    first = dates.burst_index(lat, ascending) - (count - 1) // 2
    track = _track(number, ascending, swath, facility, centre, first, count, lat)
    return [Burst(track, first + k) for k in range(count)]


def _track(
    number: int,
    ascending: bool,
    swath: int,
    facility: int,
    centre: tuple[float, float],
    first: int,
    count: int,
    lat: float,
) -> Track:
    heading = _heading(lat, ascending)
    along = _grid_direction(centre, heading)
    across = (along[1], -along[0])  # 90° clockwise: Sentinel-1 looks right
    pixels, near, slope = SWATHS[swath]
    spacing = SLANT_SPACING / math.sin(math.radians(near + slope * pixels / 2))
    span = (count - 1) * STRIDE + LINES  # lines from the first burst's start to the last's end
    a, p = span / 2 * LINE_SPACING, pixels / 2 * spacing
    origin = (centre[0] - a * along[0] - p * across[0], centre[1] - a * along[1] - p * across[1])
    if facility == 1 and heading > 270:  # e-GEOS writes -8.94 where others write 351.06
        heading -= 360.0
    return Track(
        number,
        ascending,
        swath,
        facility,
        heading,
        origin,
        along,
        across,
        first * STRIDE,
        pixels,
        spacing,
    )


def _heading(lat: float, ascending: bool) -> float:
    """Ground-track heading of Sentinel-1 at `lat` (≈ 351° ascending, 191° descending)."""
    skew = math.degrees(math.asin(min(1.0, 0.1423 / math.cos(math.radians(lat)))))
    return 360.0 - skew + 1.5 if ascending else 180.0 + skew + 0.9


def _grid_direction(centre: tuple[float, float], heading: float) -> tuple[float, float]:
    """Unit vector in EPSG:3035 of a true-north `heading` at `centre`."""
    lon, lat = to_lonlat(np.array([centre[0]]), np.array([centre[1]]))
    step = 0.01
    rad = math.radians(heading)
    lat2 = lat + step * math.cos(rad)
    lon2 = lon + step * math.sin(rad) / math.cos(math.radians(float(lat[0])))
    x, y = to_laea(lon2, lat2)
    dx, dy = float(x[0]) - centre[0], float(y[0]) - centre[1]
    norm = math.hypot(dx, dy)
    return dx / norm, dy / norm


def tiles(seed: int, count: int) -> list[Tile]:
    """`count` adjacent L3 tiles, row by row from the one holding the seed's area."""
    x, y = area(seed)
    columns = math.ceil(math.sqrt(count))
    first_e, first_n = int(x // TILE) - (columns - 1) // 2, int(y // TILE)
    draw = rng(seed, "tiles")
    facilities = draw.integers(1, 5, count)
    return [
        Tile(first_e + k % columns, first_n + k // columns, int(facilities[k]))
        for k in range(count)
    ]


@lru_cache(maxsize=1)
def _transformers():  # type: ignore[no-untyped-def]
    from pyproj import Transformer

    return (
        Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True),
        Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True),
    )


def to_laea(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _transformers()[0].transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _transformers()[1].transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def line_of_sight(
    heading: float | np.ndarray, incidence: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vector ground → satellite (east, north, up) of a right-looking radar.

    The satellite sees the ground to the right of its heading, so from the ground it lies
    90° to the left of the heading: ascending (heading ≈ 350°) → los_east < 0.
    """
    towards = np.radians(np.asarray(heading) - 90.0)
    sine = np.sin(np.radians(incidence))
    return sine * np.sin(towards), sine * np.cos(towards), np.cos(np.radians(incidence))


def footprint(burst: Burst) -> tuple[float, float, float, float]:
    """(west, south, east, north) in EPSG:3035 of a burst."""
    track = burst.track
    lines = np.array([0, 0, LINES, LINES], dtype=float) + burst.first_line
    pixels = np.array([0, track.pixels, 0, track.pixels], dtype=float)
    x, y = track.ground(lines, pixels)
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())
