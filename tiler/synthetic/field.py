"""The synthetic ground: towns, terrain, geoid, GNSS velocities, the towns' subsidence bowls.

Everything is a pure function of the seed and EPSG:3035 coordinates (metres), so every burst,
orbit, level and L3 tile generated from one seed sees the same towns and the same motion
(`motion` puts the motion together).
Towns (where measurement points cluster, like built-up areas) are drawn per 10 km cell from
that cell's own random stream, so any window of the ground can be built on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .seeds import rng

TOWN_CELL = 10_000.0  # m
TOWNS_PER_CELL = 3.0
BACKGROUND = 0.02  # density of scattered points between towns, relative to a town's centre
REACH = 4.0  # a town's points lie within REACH radii of its centre, its motion within REACH widths
BOWL = 1.5  # a town's motion is a Gaussian bowl BOWL radii wide
PAD = 5  # cells around a box whose towns may reach into it: REACH · BOWL · 7.5 km < 50 km


@dataclass(frozen=True, slots=True)
class Towns:
    x: np.ndarray  # centre, EPSG:3035 m
    y: np.ndarray
    radius: np.ndarray  # Gaussian radius of the built-up area, m
    weight: np.ndarray  # point density at the centre (relative)
    up: np.ndarray  # vertical motion at the centre, mm/yr (subsidence bowls)
    east: np.ndarray  # east-west motion at the centre, mm/yr


def towns_in(seed: int, west: float, south: float, east: float, north: float) -> Towns:
    """All towns within reach of the box (EPSG:3035 m): points and motion."""
    pad = PAD * TOWN_CELL
    columns = range(math.floor((west - pad) / TOWN_CELL), math.floor((east + pad) / TOWN_CELL) + 1)
    rows = range(math.floor((south - pad) / TOWN_CELL), math.floor((north + pad) / TOWN_CELL) + 1)
    parts = [_cell_towns(seed, i, j) for i in columns for j in rows]
    return Towns(*(np.concatenate([p[k] for p in parts]) for k in range(6)))


def _cell_towns(seed: int, i: int, j: int) -> tuple[np.ndarray, ...]:
    draw = rng(seed, "towns", i, j)
    count = int(draw.poisson(TOWNS_PER_CELL))
    x = (i + draw.random(count)) * TOWN_CELL
    y = (j + draw.random(count)) * TOWN_CELL
    city = draw.random(count) < 0.08
    radius = np.clip(draw.lognormal(math.log(450.0), 0.5, count), 120.0, 2500.0) * (1 + 2 * city)
    weight = draw.lognormal(0.0, 0.6, count) * (1 + city)
    sinking = draw.random(count) < 0.15
    up = np.where(sinking, -np.abs(draw.normal(1.6, 1.6, count)), draw.normal(0.0, 0.3, count))
    east = draw.normal(0.0, 0.4, count)
    return x, y, radius, weight, up, east


def density(
    towns: Towns,
    row: np.ndarray,
    column: np.ndarray,
    scale: tuple[float, float],
    shape: tuple[int, int],
) -> np.ndarray:
    """Relative density of measurement points on a grid of `shape` cells of `scale` (m along
    rows, m along columns).

    `row`, `column`: the towns' centres in cell units (cell (i, j) spans [i, i+1) × [j, j+1)).
    Each town touches only the cells within its reach; its bump is the outer product of two
    1-D Gaussians, so a 1000 × 1000 grid costs milliseconds.
    """
    grid = np.full(shape, BACKGROUND)
    reach = REACH * towns.radius
    near = (
        (row + reach / scale[0] > 0)
        & (row - reach / scale[0] < shape[0])
        & (column + reach / scale[1] > 0)
        & (column - reach / scale[1] < shape[1])
    )
    for k in np.flatnonzero(near):
        rows = _window(row[k], reach[k] / scale[0], shape[0])
        columns = _window(column[k], reach[k] / scale[1], shape[1])
        if rows.size == 0 or columns.size == 0:
            continue
        dy, dx = (rows + 0.5 - row[k]) * scale[0], (columns + 0.5 - column[k]) * scale[1]
        grid[np.ix_(rows, columns)] += towns.weight[k] * _bump(dy, dx, towns.radius[k])
    return grid


def town_motion(towns: Towns, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(east, up) velocity in mm/yr of the towns' bowls at EPSG:3035 points.

    Each bowl is a Gaussian BOWL radii wide, lowered by its value at REACH widths and cut
    there, so the sum is continuous and the same whatever box `towns` was drawn for.
    """
    east, up = np.zeros(x.shape), np.zeros(x.shape)
    if x.size == 0:
        return east, up
    wide = BOWL * towns.radius
    reach = REACH * wide
    near = np.flatnonzero(
        (towns.x + reach > x.min())
        & (towns.x - reach < x.max())
        & (towns.y + reach > y.min())
        & (towns.y - reach < y.max())
    )
    floor = math.exp(-0.5 * REACH**2)
    for k in near:
        square = ((x - towns.x[k]) ** 2 + (y - towns.y[k]) ** 2) / wide[k] ** 2
        bowl = np.maximum(np.exp(-0.5 * square) - floor, 0.0)
        east += towns.east[k] * bowl
        up += towns.up[k] * bowl
    return east, up


def _window(centre: float, reach: float, size: int) -> np.ndarray:
    return np.arange(max(0, math.floor(centre - reach)), min(size, math.ceil(centre + reach)))


def _bump(dy: np.ndarray, dx: np.ndarray, radius: float) -> np.ndarray:
    return np.outer(np.exp(-0.5 * (dy / radius) ** 2), np.exp(-0.5 * (dx / radius) ** 2))


def terrain(seed: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Orthometric ground height (m): a few smooth undulations from 4 to 60 km."""
    draw = rng(seed, "terrain")
    base = float(draw.uniform(0.0, 300.0))
    height = np.full(x.shape, base)
    for wavelength, amplitude in ((60e3, 180.0), (23e3, 90.0), (9e3, 40.0), (4e3, 12.0)):
        angle, phase = draw.uniform(0, 2 * math.pi, 2)
        along = x * math.cos(angle) + y * math.sin(angle)
        wave = np.sin(2 * math.pi * along / wavelength + phase)
        height += amplitude * draw.uniform(0.3, 1.0) * wave
    return np.maximum(height, base - 150.0)


def geoid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Geoid undulation (m) over Europe: smooth, 35-52 m (height_wgs84 - height)."""
    return 43.0 + 6.0 * np.sin(x / 700e3) + 3.0 * np.cos(y / 500e3)


def gnss(seed: int, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GNSS model velocity (north, east, up) in mm/yr, ETRF2000: small and smooth."""
    draw = rng(seed, "gnss")
    north, east, up = draw.uniform(-0.5, 2.5), draw.uniform(-1.2, 1.0), draw.uniform(-1.8, 0.6)
    gradient = draw.normal(0.0, 0.3, 3) / 100e3  # mm/yr per metre, along a random direction
    angle = draw.uniform(0, 2 * math.pi)
    along = (x - 4.3e6) * math.cos(angle) + (y - 2.9e6) * math.sin(angle)
    return north + gradient[0] * along, east + gradient[1] * along, up + gradient[2] * along
