"""The plan of region runs (tiler/tiles/balance.py): runs of similar points, each tile in one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_regions import clusters, places, world

from tiler.tiles import balance, grid, regioninputs
from tiler.tiles.features import FeatureFiles

TOP = 14
ZOOMS = range(13, TOP + 1)  # the zoom below the maximum folded in: tiles of two sizes


def city(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A dense city (a Gaussian of 40,000 points) and 4,000 points spread over 6° × 6°."""
    rng = np.random.default_rng(seed)
    lon = np.r_[rng.normal(12.5, 0.05, 40_000), rng.uniform(10, 16, 4_000)]
    lat = np.r_[rng.normal(41.9, 0.04, 40_000), rng.uniform(39, 45, 4_000)]
    return world(list(zip(lon, lat, strict=True)))


def counts_of(wx: np.ndarray, wy: np.ndarray, zooms: range, first: int) -> balance.TileCounts:
    return balance.TileCounts.added(zooms, [balance.tally(wx, wy, first, zooms)])


def read_by_runs(wx: np.ndarray, wy: np.ndarray, zooms: range, owner_of: grid.Owners) -> np.ndarray:
    """The points each run reads: its tiles' and their buffer rings', each once."""
    pairs = [grid.memberships(wx, wy, zoom, owner_of) for zoom in zooms]
    rows, runs = grid.unique_pairs(*(np.concatenate(part) for part in zip(*pairs, strict=True)))
    return np.unique(runs, return_counts=True)[1]


def test_a_dense_city_is_cut_into_runs_of_similar_points() -> None:
    wx, wy = city()
    cut, planned = balance.plan(counts_of(wx, wy, ZOOMS, ZOOMS[0]), 4_000)
    read = read_by_runs(wx, wy, ZOOMS, cut)
    assert len(read) == len(planned) > 8
    assert max(planned) <= 2 * np.mean(planned)
    assert read.max() <= 2 * read.mean()
    assert read.sum() < 1.3 * len(wx), "few points are read by two runs"
    regions = read_by_runs(wx, wy, ZOOMS, grid.regions(grid.level_for(TOP)))
    assert regions.max() > 50 * regions.mean(), "one region per run: the city is one of them"


def test_each_tile_is_in_one_run_the_same_for_the_plan_the_inputs_and_the_merge() -> None:
    wx, wy = city(2)
    cut, planned = balance.plan(counts_of(wx, wy, ZOOMS, ZOOMS[0]), 4_000)
    for zoom in ZOOMS:
        shift = 32 - zoom
        x = np.r_[wx >> shift, (wx >> shift) + 1]  # occupied tiles and their neighbours
        y = np.r_[wy >> shift, (wy >> shift) - 1]
        runs = cut(zoom, x, y)
        for tx, ty, run in list(zip(x.tolist(), y.tolist(), runs.tolist(), strict=True))[::97]:
            keeps = [cut.owned_by(other, ZOOMS)(zoom, tx, ty) for other in range(len(planned))]
            assert keeps.count(True) == 1 and keeps[run], (zoom, tx, ty)


@settings(max_examples=40, deadline=None)
@given(st.one_of(places, clusters), st.integers(4, 16), st.integers(0, 2), st.integers(1, 300))
def test_any_plan_s_runs_are_within_2x_their_mean(
    points: list, top: int, folded: int, target: int
) -> None:  # fmt: skip
    wx, wy = world(points)
    zooms = range(top - folded, top + 1)
    cut, planned = balance.plan(counts_of(wx, wy, zooms, zooms[0]), target)
    assert max(planned) <= 2 * np.mean(planned) + 1e-9
    assert abs(sum(planned) - len(points)) <= len(planned) / 2  # each rounded
    for zoom in zooms:
        x, y = wx >> (32 - zoom), wy >> (32 - zoom)
        runs = cut(zoom, x, y)
        assert runs.min() >= 0 and runs.max() < len(cut.starts)
        scalar = [cut.run(zoom, tx, ty) for tx, ty in zip(x.tolist(), y.tolist(), strict=True)]
        assert runs.tolist() == scalar


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 1e4), st.booleans()), min_size=1, max_size=300),
       st.floats(1, 1e5))  # fmt: skip
def test_the_largest_run_is_at_most_its_mean_and_the_biggest_unit(
    units: list[tuple[float, bool]], target: float
) -> None:  # fmt: skip
    points = np.array([unit[0] for unit in units])
    cuts = balance.group(points, target, np.array([unit[1] for unit in units]))
    sums = np.add.reduceat(points, cuts)
    assert cuts[0] == 0 and sorted(set(cuts)) == cuts
    assert len(cuts) <= max(1, points.sum() // max(target, points.max()))
    assert sums.max() <= sums.mean() + points.max() + 1e-6 * points.sum()


def test_the_tiles_points_are_counted_a_block_of_lines_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regioninputs, "LINES_AT_ONCE", 700)
    rng = np.random.default_rng(4)
    lon, lat = rng.normal(12.5, 0.02, 5_000), rng.normal(41.9, 0.02, 5_000)
    which = rng.integers(0, 2, len(lon))
    files = FeatureFiles(tmp_path)
    files.write(which, pa.array([f"line {row}" for row in range(len(lon))]), lon, lat)
    counts = regioninputs.count_tiles({files.paths[0]: 12, files.paths[1]: 13}, ZOOMS)
    wx, wy = world(list(zip(lon, lat, strict=True)))
    expected = counted_one_by_one(wx, wy, np.where(which == 0, 12, 13), ZOOMS)
    assert as_dict(counts) == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(st.one_of(places, clusters), st.integers(2, 16), st.integers(0, 3), st.integers(0, 4))
def test_a_point_counts_once_over_the_tiles_of_the_zooms_that_show_it(
    points: list, top: int, folded: int, later: int
) -> None:  # fmt: skip
    wx, wy = world(points)
    zooms = range(max(0, top - folded), top + 1)
    first = min(zooms[0] + later, top)
    counts = counts_of(wx, wy, zooms, first)
    assert as_dict(counts) == pytest.approx(counted_one_by_one(wx, wy, [first] * len(wx), zooms))
    assert sum(part.sum() for part in counts.points) == pytest.approx(len(points))


def counted_one_by_one(
    wx: np.ndarray, wy: np.ndarray, firsts: Sequence[int], zooms: range
) -> dict[tuple[int, int, int], float]:  # fmt: skip
    """A point shown from zoom `first` on counts 1/n in each of its n tiles of `zooms`."""
    found: dict[tuple[int, int, int], float] = defaultdict(float)
    for x, y, first in zip(wx.tolist(), wy.tolist(), firsts, strict=True):
        shown = [zoom for zoom in zooms if zoom >= first]
        for zoom in shown:
            found[zoom, x >> (32 - zoom), y >> (32 - zoom)] += 1 / len(shown)
    return dict(found)


def as_dict(counts: balance.TileCounts) -> dict[tuple[int, int, int], float]:
    return {
        (zoom, key >> 32, key & 0xFFFFFFFF): value
        for zoom, keys, points in zip(counts.zooms, counts.tiles, counts.points, strict=True)
        for key, value in zip(keys.tolist(), points.tolist(), strict=True)
    }
