"""Rows of an L3 tile file (U or E component), block by block.

The U and E files of a tile hold the same cells (same pids, heights and scatterer properties,
drawn from the tile's streams); only the motion component and the noise differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np

from tiler.inputs import pid

from . import field, points, series
from .l2 import BLOCK, Block
from .layout import TILE
from .plan import FileSpec
from .seeds import rng


def tile_blocks(spec: FileSpec, days: list[date]) -> Iterator[Block]:
    assert spec.tile is not None
    tile = spec.tile
    west, south = tile.east * TILE, tile.north * TILE
    cells, local = points.tile_cells(spec.seed, spec.period, tile.east, tile.north, spec.points)
    model = series.model(days)
    for k, start in enumerate(range(0, cells.size, BLOCK)):
        row, column = np.divmod(cells[start : start + BLOCK], points.L3_SIDE)
        easting = west + column * points.L3_CELL + points.L3_CELL // 2
        northing = south + row * points.L3_CELL + points.L3_CELL // 2
        props = rng(spec.seed, *spec.period, "l3-props", tile.name, k)
        here = {name: values[start : start + BLOCK] for name, values in local.items()}
        here.update(x=easting.astype(float), y=northing.astype(float))
        part = points.scatterers(props, spec.seed, here, points.L3_SIGMA)
        noise = rng(spec.seed, *spec.period, "l3-noise", tile.name, str(spec.component), k)
        yield _block(spec, model, part, easting, northing, noise)


def _block(
    spec: FileSpec,
    model: series.Model,
    part: dict[str, np.ndarray],
    easting: np.ndarray,
    northing: np.ndarray,
    noise: np.random.Generator,
) -> Block:
    north, east, up = field.gnss(spec.seed, easting.astype(float), northing.astype(float))
    if spec.component == "up":
        velocity = part["up"] + up
    else:  # east-west: smaller seasonal signal, a little noisier (less sensitive geometry)
        velocity = part["east"] + east
        part = {**part, "amplitude": 0.6 * part["amplitude"], "sigma": 1.2 * part["sigma"]}
    displacement = series.simulate(model, noise, velocity, part)
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
