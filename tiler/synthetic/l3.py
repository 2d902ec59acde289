"""Rows of an L3 tile file (U or E component), block by block.

The U and E files of a tile hold the same cells (same pids, heights and scatterer properties,
drawn from the tile's streams); their series are the up and the east of the ground's motion at
the cell centre (`motion`: the same field the L2 bursts project on their lines of sight) + noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np

from tiler.inputs import pid

from . import field, motion, points, series
from .l2 import BLOCK, Block
from .layout import TILE
from .plan import FileSpec
from .seeds import rng

EAST_NOISE = 1.2  # σ of the E series relative to the U series of the same cell


def tile_blocks(spec: FileSpec, days: list[date]) -> Iterator[Block]:
    assert spec.tile is not None
    tile = spec.tile
    west, south = tile.east * TILE, tile.north * TILE
    cells, local = points.tile_cells(spec.seed, spec.period, tile.east, tile.north, spec.points)
    model = series.model(days)
    towns = field.towns_in(spec.seed, west, south, west + TILE, south + TILE)
    for k, start in enumerate(range(0, cells.size, BLOCK)):
        row, column = np.divmod(cells[start : start + BLOCK], points.L3_SIDE)
        easting = west + column * points.L3_CELL + points.L3_CELL // 2
        northing = south + row * points.L3_CELL + points.L3_CELL // 2
        props = rng(spec.seed, *points.GROUND, "l3-props", tile.name, k)
        here = {name: values[start : start + BLOCK] for name, values in local.items()}
        here.update(x=easting.astype(float), y=northing.astype(float))
        part = {**here, **points.scatterers(props, spec.seed, here, points.L3_SIGMA)}
        noise = rng(spec.seed, *spec.period, "l3-noise", tile.name, str(spec.component), k)
        ground = motion.motion_at(spec.seed, spec.changes, towns, here["x"], here["y"])
        yield _block(spec, model, part, ground, noise)


def _block(
    spec: FileSpec,
    model: series.Model,
    part: dict[str, np.ndarray],
    ground: motion.Motion,
    noise: np.random.Generator,
) -> Block:
    easting, northing = part["x"], part["y"]
    north, east, up = field.gnss(spec.seed, easting, northing)
    sigma = part["sigma"]
    if spec.component == "east":  # a little noisier: the geometry is less sensitive to east
        sigma = EAST_NOISE * sigma
    direction = np.array([0.0, 0.0, 1.0] if spec.component == "up" else [1.0, 0.0, 0.0])
    signal = motion.along(ground, direction, model.years)
    displacement = series.simulate(model, noise, signal, sigma)
    columns = {
        "easting": easting,
        "northing": northing,
        "height": part["height"],
        **series.fit(model, displacement),
        "gnss_velocity_n": north,
        "gnss_velocity_e": east,
        "gnss_velocity_u": up,
    }
    return Block(pid.encode_l3_array(spec.facility, easting, northing), columns, displacement)
