"""Which points each zoom shows: nested samples, tile limits, no occupied tile left empty."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.tiles import sampling, zoomchoice
from tiler.tiles.grid import world_xy
from tiler.tiles.runs import Pyramid
from tiler.tiles.zoomchoice import MAX_ZOOM

coordinates = st.lists(
    st.tuples(st.floats(-179.9, 179.9), st.floats(-80, 80)), min_size=1, max_size=200
)


def lonlat(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    array = np.array(points, dtype=np.float64)
    return array[:, 0], array[:, 1]


def tiles(lon: np.ndarray, lat: np.ndarray, zoom: int) -> list[tuple[int, int]]:
    wx, wy = world_xy(lon, lat)
    return [(int(x) >> (32 - zoom), int(y) >> (32 - zoom)) for x, y in zip(wx, wy, strict=True)]


def test_ranks_are_uniform_and_depend_only_on_the_id() -> None:
    ids = np.arange(200_000, dtype=np.int64)
    rank = sampling.ranks(ids)
    assert ((rank >= 0) & (rank < 1)).all()
    assert np.array_equal(rank[1000:2000], sampling.ranks(ids[1000:2000]))
    counts = np.histogram(rank, bins=10, range=(0, 1))[0]
    assert np.abs(counts - 20_000).max() < 5 * math.sqrt(20_000)


@given(st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=100))
def test_a_band_is_the_number_of_drop_steps_a_rank_survives(values: list[float]) -> None:
    rank = np.array(values)
    for value, band in zip(rank, sampling.bands(rank), strict=True):
        assert value < 0.4**band or band == 0
        assert band == sampling.BANDS - 1 or value >= 0.4 ** (band + 1)


@settings(max_examples=60, deadline=None)
@given(coordinates)
def test_the_floor_points_are_each_tiles_lowest_ranked(points: list[tuple[float, float]]) -> None:
    lon, lat = lonlat(points)
    rank = sampling.ranks(np.arange(len(lon)))
    floor = sampling.floor_zooms(lon, lat, rank)
    for zoom in (0, 3, 9, MAX_ZOOM - 1):
        lowest: dict[tuple[int, int], int] = {}
        for index, tile in enumerate(tiles(lon, lat, zoom)):
            if tile not in lowest or rank[index] < rank[lowest[tile]]:
                lowest[tile] = index
        assert set(np.flatnonzero(floor <= zoom)) == set(lowest.values())


@settings(max_examples=60, deadline=None)
@given(coordinates, st.integers(0, 18))
def test_densest_tile_per_zoom(points: list[tuple[float, float]], max_zoom: int) -> None:
    lon, lat = lonlat(points)
    densest = zoomchoice.densest_per_zoom(lon, lat, max_zoom)
    for zoom in range(max_zoom + 1):
        keys = tiles(lon, lat, zoom)
        assert densest[zoom] == max(keys.count(key) for key in set(keys))


@given(st.lists(st.integers(1, 10**9), min_size=2, max_size=19), st.integers(1, 50_000))
def test_lower_zooms_are_nested_samples_within_the_limit(counts: list[int], limit: int) -> None:
    densest = sorted(counts, reverse=True)  # a tile holds at least its children's densest
    first = sampling.zoom_bands(densest, limit)
    max_zoom = len(densest) - 1
    for zoom, band in enumerate(first):
        assert band >= max_zoom - zoom, "never denser than tippecanoe's drop rate"
        assert band == sampling.BANDS or densest[zoom] * 0.4**band <= limit * (1 + 1e-9)
        if zoom + 1 < max_zoom:
            assert band >= first[zoom + 1], "a zoom's sample is inside the next zoom's"


@given(st.lists(st.tuples(st.integers(0, sampling.NO_FLOOR), st.integers(0, 31)), max_size=40))
def test_each_zoom_tiles_the_files_of_a_sample_nested_in_the_next(
    keys: list[tuple[int, int]],
) -> None:
    bands = [12 - zoom for zoom in range(12)]
    samples = [set(sampling.files_for_zoom(keys, zoom, bands[zoom])) for zoom in range(12)]
    for lower, upper in zip(samples, samples[1:], strict=False):
        assert lower <= upper


def test_l3_tiles_go_to_the_cell_zoom_and_other_levels_keep_the_points_zoom() -> None:
    assert zoomchoice.tile_max_zoom("L3", 9) == zoomchoice.CELL_TILE_ZOOM == 13
    assert zoomchoice.tile_max_zoom("L3", 15) == 15, "a deeper zoom the points need stays"
    assert zoomchoice.tile_max_zoom("L2b", 9) == zoomchoice.tile_max_zoom("L2a", 9) == 9
    assert zoomchoice.tile_max_zoom("L2b", 14) == 14


@given(st.lists(st.tuples(st.integers(0, sampling.NO_FLOOR), st.integers(0, 31)), max_size=40))
def test_from_the_base_zoom_up_each_zoom_tiles_every_file(keys: list[tuple[int, int]]) -> None:
    """Band 0 (rank < 0.4^0 = 1) is every point: the zooms from the base zoom to the maximum."""
    base, top = 9, 13
    densest = [10**6 // 4**zoom + 1 for zoom in range(base + 1)]
    first_bands = sampling.zoom_bands(densest) + [0] * (top - base)
    layer = Pyramid({key: Path(f"{key[0]}-{key[1]}") for key in keys}, top, first_bands)
    assert layer.base_zoom == base
    every = sorted(layer.files.values())
    for zoom in range(base, top + 1):
        assert sorted(layer.sources(zoom)) == every
    for zoom in range(base):
        assert set(layer.sources(zoom)) <= set(layer.sources(zoom + 1))
