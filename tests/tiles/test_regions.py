"""Regions of a zoom (tiler/tiles/grid.py): complete tiles, runs that start at their level."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.tiles import grid
from tiler.tiles.grid import world_xy

places = st.lists(st.tuples(st.floats(-179.9, 179.9), st.floats(-80, 80)), min_size=1, max_size=200)
clusters = st.builds(
    lambda seed, lon, lat, spread, count: _cluster(seed, lon, lat, spread, count),
    st.integers(0, 1000), st.floats(-170, 170), st.floats(-75, 75),
    st.sampled_from([1e-4, 1e-3, 1e-2, 0.1]), st.integers(1, 400),
)  # fmt: skip


def _cluster(seed: int, lon: float, lat: float, spread: float, count: int) -> list[tuple]:
    rng = np.random.default_rng(seed)
    return list(zip(lon + rng.normal(0, spread, count), lat + rng.normal(0, spread, count),
                    strict=True))  # fmt: skip


def world(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    array = np.array(points)
    wx, wy = world_xy(array[:, 0], array[:, 1])
    return wx.astype(np.int64), wy.astype(np.int64)


@settings(max_examples=60, deadline=None)
@given(st.one_of(places, clusters), st.integers(0, 18), st.integers(0, 3))
def test_a_tile_s_region_reads_every_point_of_its_buffer(points: list, zoom: int, up: int) -> None:
    """Also when the run's deepest zoom is `up` zooms below this one (a run of several)."""
    wx, wy = world(points)
    level = grid.level_for(zoom + up)
    rows, keys = grid.memberships(wx, wy, zoom, grid.regions(level))
    read = set(zip(rows.tolist(), keys.tolist(), strict=True))
    shift = 32 - zoom
    buffer = (5 << shift) >> 8  # tippecanoe's default: 5 pixels of 256
    for row, (x, y) in enumerate(zip(wx.tolist(), wy.tolist(), strict=True)):
        tiles = {((x + dx) >> shift, (y + dy) >> shift)
                 for dx in (-buffer, 0, buffer) for dy in (-buffer, 0, buffer)
                 if 0 <= x + dx < 1 << 32 and 0 <= y + dy < 1 << 32}  # fmt: skip
        for tx, ty in tiles:
            owner = int(grid.owners(zoom, np.array([tx]), np.array([ty]), level)[0])
            assert (row, owner) in read, (row, tx, ty)


@settings(max_examples=60, deadline=None)
@given(st.one_of(places, clusters), st.integers(0, 18), st.integers(0, 3))
def test_a_region_s_input_fits_its_tile_as_tippecanoe_checks(
    points: list, zoom: int, up: int
) -> None:  # fmt: skip
    """tippecanoe's choose_first_zoom: the input's box, 5 pixels wider, inside one tile."""
    wx, wy = world(points)
    rows, keys = grid.memberships(wx, wy, zoom, grid.regions(grid.level_for(zoom + up)))
    for key in np.unique(keys).tolist():
        level, x, y = grid.region_tile(key)
        assert level <= min(grid.level_for(zoom + up), zoom)
        chosen = rows[keys == key]
        bits = 32 - level
        margin = (5 << bits) >> 8
        for values, tile in ((wx[chosen], x), (wy[chosen], y)):
            assert (int(values.min()) - margin) >> bits == tile or level == 0
            assert (int(values.max()) + margin) >> bits == tile or level == 0


def test_region_keys_round_trip() -> None:
    for level, x, y in ((0, 0, 0), (13, 8191, 17), (28, (1 << 28) - 1, 5)):
        assert grid.region_tile(grid.region_key(level, x, y)) == (level, x, y)


def test_most_points_of_a_burst_sized_layer_are_in_deep_regions() -> None:
    rng = np.random.default_rng(2)
    wx, wy = world(list(zip(rng.uniform(23.3, 24.3, 50_000), rng.uniform(37.78, 38.08, 50_000),
                            strict=True)))  # fmt: skip
    rows, keys = grid.memberships(wx, wy, 15, grid.regions(grid.level_for(15)))
    levels = np.array([grid.region_tile(key)[0] for key in keys.tolist()])
    assert np.mean(levels == grid.level_for(15)) > 0.7  # measured: 0.76 (16 × 16 regions)
    assert len(rows) < 1.02 * len(wx), "few points are read by two regions"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 20), st.integers(0, (1 << 20) - 1), st.integers(0, (1 << 20) - 1),
       st.integers(0, 20))  # fmt: skip
def test_one_tile_s_owner_is_the_owner_among_many(zoom: int, x: int, y: int, level: int) -> None:
    x, y = x >> (20 - zoom), y >> (20 - zoom)
    many = grid.owners(zoom, np.array([x, 0]), np.array([y, 0]), level)
    assert grid.owner(zoom, x, y, level) == many[0]
