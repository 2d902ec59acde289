"""Measurement points: where they are (clustered like built-up areas) and what they do.

L2 points are drawn per strip of STRIP azimuth lines of a track from the strip's own random
stream, so two overlapping bursts share the points of their common strip. L3 cells are drawn
from the tile's 100 m grid by weighted sampling without replacement (Gumbel top-k). Both use
the towns' density on a grid of cells; every point gets its scatterer properties (height,
noise level) here, its motion from `motion` (a function of where it is) and its series in
`series`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from . import field
from .layout import LINE_SPACING, STRIP, TILE, Track
from .seeds import rng

Points = dict[str, np.ndarray]
CELL_LINES, CELL_PIXELS = 10, 40  # cells in which an L2 strip's points are counted
CELL_SIZE = CELL_LINES * CELL_PIXELS
FILL = 0.5  # at most this share of a cell's pixels become points
BAND = 50_000  # points made at once in a strip: bounds memory for bursts of millions
L3_CELL, L3_SIDE = 100, TILE // 100
L2_SIGMA, L3_SIGMA = (1.0, 3.7), (0.5, 3.0)  # noise level ranges, mm (L3 cells average points)
GROUND = (2020, 2024)  # the streams of where points are and what they are: one ground, all releases
MISSING = 0.02  # share of a strip's scatterers that each release lacks (another one has them)
RENUMBERED = 0.02  # share of a release's points whose pid names a neighbouring pixel


def strip_count(points_per_burst: int, strip: int) -> int:
    """Points of a strip: any 10 consecutive strips (a burst) hold exactly the burst's points."""
    per, extra = divmod(points_per_burst, 10)
    return per + (strip % 10 < extra)


def strip_points(
    seed: int, period: tuple[int, int], track: Track, strip: int, count: int, towns: field.Towns
) -> Iterator[Points]:
    """The points of one strip of a track, in bands of range cells of at most about BAND points
    (memory stays flat whatever the burst size), each ordered by line then pixel.

    Every release draws the same scatterers (the `GROUND` streams): `count` + `missing(count)`
    of them, of which this release keeps `count` ("kept": the others are missing from it). A
    share RENUMBERED of them are written under the next pixel's pid ("pid_pixel") at the same
    place: the pid changed, the point did not. Positions and the local density; `scatterers`
    adds the rest per block.
    """
    pool = count + missing(count)
    absent = rng(seed, *period, "missing", track.number, track.swath, strip).choice(
        pool, pool - count, replace=False
    )
    draw = rng(seed, *GROUND, "strip", track.number, track.swath, strip)
    shape = (STRIP // CELL_LINES, track.pixels // CELL_PIXELS)
    line, pixel = track.frame(towns.x, towns.y)
    scale = (CELL_LINES * LINE_SPACING, CELL_PIXELS * track.pixel_spacing)
    density = field.density(
        towns, (line - strip * STRIP) / CELL_LINES, pixel / CELL_PIXELS, scale, shape
    )
    counts = _allocate(draw, pool, density.ravel() / density.sum()).reshape(shape)
    start = 0
    for band, (first, last) in enumerate(_bands(counts.sum(axis=0))):
        band_draw = rng(seed, *GROUND, "band", track.number, track.swath, strip, band)
        keys = _distinct(band_draw, counts[:, first:last].ravel(), CELL_SIZE)
        renumber = rng(seed, *period, "renumbered", track.number, track.swath, strip, band)
        moved = _renumbered(renumber, keys)
        cells, offset = np.divmod(keys, CELL_SIZE)
        row, column = np.divmod(cells, last - first)
        lines = strip * STRIP + row * CELL_LINES + offset // CELL_PIXELS
        pixels = (first + column) * CELL_PIXELS + offset % CELL_PIXELS
        order = np.argsort(lines * (1 << 16) + pixels, kind="stable")
        lines, pixels, cell = lines[order], pixels[order], (row * shape[1] + first + column)[order]
        jitter = band_draw.uniform(-0.5, 0.5, (2, lines.size))  # not on the pixel centres
        x, y = track.ground(lines + jitter[0], pixels + jitter[1])
        local = density.ravel()[cell]
        kept = ~np.isin(np.arange(start, start + lines.size), absent)
        start += lines.size
        yield {"line": lines, "pixel": pixels, "pid_pixel": pixels + moved[order], "x": x, "y": y,
               "density": local, "kept": kept}  # fmt: skip


def missing(count: int) -> int:
    """Scatterers of a strip beyond the `count` each release keeps."""
    return math.ceil(count * MISSING)


def _renumbered(draw: np.random.Generator, keys: np.ndarray) -> np.ndarray:
    """1 for the points (sorted distinct cell keys) written under the next pixel's pid, 0 for
    the others: a share RENUMBERED, where that pixel is in the same cell and holds no point."""
    free = ~np.isin(keys + 1, keys) & (keys % CELL_PIXELS < CELL_PIXELS - 1)
    return (free & (draw.random(keys.size) < RENUMBERED)).astype(keys.dtype)


def _bands(per_column: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive column ranges holding about BAND points each (at least one range)."""
    total = int(per_column.sum())
    cuts = np.searchsorted(np.cumsum(per_column), np.arange(BAND, total, BAND), side="right")
    edges = sorted({0, per_column.size, *(int(c) for c in cuts if 0 < c < per_column.size)})
    return list(zip(edges[:-1], edges[1:], strict=False))


def _allocate(draw: np.random.Generator, count: int, share: np.ndarray) -> np.ndarray:
    """Points per cell: multinomial by `share`, no cell over FILL of its pixels."""
    capacity = int(FILL * CELL_SIZE)
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


def scatterers(
    draw: np.random.Generator, seed: int, local: Points, sigma: tuple[float, float]
) -> Points:
    """Height, noise level (mm, σ of the series' noise: sigma[0] + sigma[1] · Beta(1.6, 1)) and
    a quality scatter of points. Their motion is the ground's (`motion`), not theirs.

    `local`: their position (x, y) and density from `field.density`.
    """
    x, y = local["x"], local["y"]
    n = x.size
    built = local["density"] > 5 * field.BACKGROUND
    return {
        "height": field.terrain(seed, x, y)
        + built * draw.lognormal(math.log(8.0), 0.6, n)
        + draw.normal(0.0, 4.0, n),
        "sigma": sigma[0] + sigma[1] * draw.beta(1.6, 1.0, n),
        "quality": draw.normal(0.0, 1.0, n),
    }


def tile_cells(
    seed: int, period: tuple[int, int], east: int, north: int, count: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The tile's `count` cells (sorted row · 1000 + column from the south-west) and their
    density. Weighted sampling without replacement (Gumbel top-k)."""
    cells, local = _tile_cells(seed, period, east, north, count)
    return cells.copy(), {name: values.copy() for name, values in local.items()}


@lru_cache(maxsize=1)  # the U and E files of a tile ask for the same cells one after the other
def _tile_cells(
    seed: int, period: tuple[int, int], east: int, north: int, count: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    west, south = east * TILE, north * TILE
    towns = field.towns_in(seed, west, south, west + TILE, south + TILE)
    density = field.density(
        towns,
        (towns.y - south) / L3_CELL,
        (towns.x - west) / L3_CELL,
        (L3_CELL, L3_CELL),
        (L3_SIDE, L3_SIDE),
    ).ravel()
    draw = rng(seed, *GROUND, "cells", east, north)
    keys = np.log(density) - np.log(-np.log(draw.random(density.size)))
    cells = np.arange(keys.size)
    if count < keys.size:
        cells = np.sort(np.argpartition(-keys, count)[:count])
    return cells, {"density": density[cells]}
