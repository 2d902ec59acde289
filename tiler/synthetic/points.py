"""Measurement points: where they are (clustered like built-up areas) and what they do.

L2 points are drawn per strip of STRIP azimuth lines of a track from the strip's own random
stream, so two overlapping bursts share the points of their common strip. L3 cells are the
densest cells of the tile's 100 m grid (Gumbel top-k: weighted sampling without replacement).
Every point gets its scatterer properties here; the displacement series is made in `series`.
"""

from __future__ import annotations

import math

import numpy as np

from . import field
from .layout import STRIP, TILE, Track
from .seeds import rng

Points = dict[str, np.ndarray]
CELL_LINES, CELL_PIXELS = 10, 40  # cells in which an L2 strip's points are counted
FILL = 0.5  # at most this share of a cell's pixels become points
L3_CELL, L3_SIDE = 100, TILE // 100


def strip_count(points_per_burst: int, strip: int) -> int:
    """Points of a strip: any LINES // STRIP consecutive strips hold exactly the burst's points."""
    per, extra = divmod(points_per_burst, 10)
    return per + (strip % 10 < extra)


def max_points(track_pixels: int) -> int:
    return int(FILL * CELL_LINES * CELL_PIXELS * (STRIP // CELL_LINES) * (track_pixels // 40)) * 10


def strip_points(seed: int, period: tuple[int, int], track: Track, strip: int, count: int,
                 towns: field.Towns) -> Points:  # fmt: skip
    """The `count` points of one strip of a track, ordered by line then pixel."""
    draw = rng(seed, *period, "strip", track.number, track.swath, strip)
    rows, columns = STRIP // CELL_LINES, track.pixels // CELL_PIXELS
    cell_line = strip * STRIP + (np.arange(rows) + 0.5) * CELL_LINES
    cell_pixel = (np.arange(columns) + 0.5) * CELL_PIXELS
    x, y = track.ground(np.repeat(cell_line, columns), np.tile(cell_pixel, rows))
    weight = field.density(towns, x, y)
    counts = _allocate(draw, count, weight / weight.sum(), int(FILL * CELL_LINES * CELL_PIXELS))
    keys = _distinct(draw, counts, CELL_LINES * CELL_PIXELS)
    cell, offset = np.divmod(keys, CELL_LINES * CELL_PIXELS)
    line = strip * STRIP + (cell // columns) * CELL_LINES + offset // CELL_PIXELS
    pixel = (cell % columns) * CELL_PIXELS + offset % CELL_PIXELS
    order = np.argsort(line * (1 << 16) + pixel, kind="stable")
    line, pixel = line[order], pixel[order]
    jitter = draw.uniform(-0.5, 0.5, (2, count))  # scatterers are not on the pixel centres
    x, y = track.ground(line + jitter[0], pixel + jitter[1])
    return {"line": line, "pixel": pixel, "x": x, "y": y,
            **scatterers(draw, seed, towns, x, y, level_sigma=(1.0, 3.7))}  # fmt: skip


def _allocate(
    draw: np.random.Generator, count: int, share: np.ndarray, capacity: int
) -> np.ndarray:
    """Points per cell: multinomial by `share`, no cell over `capacity`."""
    counts = draw.multinomial(count, share)
    while (over := counts - capacity).max(initial=0) > 0:
        counts = np.minimum(counts, capacity)
        room = share * (counts < capacity)
        counts += draw.multinomial(int(over.clip(0).sum()), room / room.sum())
    return counts


def _distinct(draw: np.random.Generator, counts: np.ndarray, size: int) -> np.ndarray:
    """Sorted distinct keys cell·size + offset, `counts[cell]` of them in each cell."""
    cells = np.arange(counts.size)
    keys = np.zeros(0, dtype=np.int64)
    need = counts
    while need.any():
        owner = np.repeat(cells, need)
        keys = np.unique(np.concatenate([keys, owner * size + draw.integers(0, size, owner.size)]))
        need = counts - np.bincount(keys // size, minlength=counts.size)
    return keys


def scatterers(draw: np.random.Generator, seed: int, towns: field.Towns, x: np.ndarray,
               y: np.ndarray, level_sigma: tuple[float, float]) -> Points:  # fmt: skip
    """Height, motion, seasonality and noise level of points at (x, y)."""
    n = x.size
    up, east = field.deformation(towns, x, y)
    built = field.density(towns, x, y) > 5 * field.BACKGROUND
    low, span = level_sigma
    outlier = draw.random(n) < 0.01
    return {
        "height": field.terrain(seed, x, y) + built * draw.lognormal(math.log(8.0), 0.6, n)
        + draw.normal(0.0, 4.0, n),
        "up": up + draw.normal(0.0, 0.45, n) + outlier * draw.normal(0.0, 4.0, n),
        "east": east + draw.normal(0.0, 0.3, n),
        "north": draw.normal(0.0, 0.2, n),
        "accel": draw.normal(0.0, 0.3, n) + 0.1 * up,
        "amplitude": np.clip(draw.lognormal(math.log(0.8), 0.6, n), 0.0, 6.0),
        "phase": draw.normal(-1.9, 0.9, n),
        "sigma": low + span * draw.beta(1.6, 1.0, n),
        "quality": draw.normal(0.0, 1.0, n),
    }  # fmt: skip


def tile_cells(seed: int, period: tuple[int, int], east: int, north: int, count: int,
               towns: field.Towns) -> np.ndarray:  # fmt: skip
    """Sorted indices (row · 1000 + column, from the south-west) of the tile's `count` cells."""
    draw = rng(seed, *period, "cells", east, north)
    keys = np.empty(L3_SIDE * L3_SIDE)
    band = 50
    column = np.arange(L3_SIDE)
    for row in range(0, L3_SIDE, band):
        rows = np.arange(row, row + band)
        x = east * TILE + (np.tile(column, band) + 0.5) * L3_CELL
        y = north * TILE + (np.repeat(rows, L3_SIDE) + 0.5) * L3_CELL
        keys[row * L3_SIDE : (row + band) * L3_SIDE] = np.log(field.density(towns, x, y))
    keys -= np.log(-np.log(draw.random(keys.size)))  # + Gumbel noise
    if count >= keys.size:
        return np.arange(keys.size)
    return np.sort(np.argpartition(-keys, count)[:count])
