"""Attribute statistics (tiler/layer/attributestats.py, valuecounts.py): exact percentiles of
every tile value, from counts that slices, units and workers merge in any order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.layer.attributestats import AttributeStats
from tiler.valuecounts import ValueCounts

values = st.lists(
    st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(float("nan"))), min_size=1,
    max_size=300,
)  # fmt: skip
cuts = st.lists(st.integers(1, 80), min_size=1, max_size=8)


def _parts(numbers: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    bounds = np.cumsum(sizes)
    return [part for part in np.split(numbers, bounds[bounds < len(numbers)]) if len(part)]


@settings(max_examples=100, deadline=None)
@given(values, cuts, st.randoms(use_true_random=False))
def test_parts_merged_in_any_order_equal_the_whole(
    numbers: list[float], sizes: list[int], shuffle: object
) -> None:
    velocity = np.array(numbers)
    whole = AttributeStats()
    whole.add({"mean_velocity": velocity})
    parts = []
    for part in _parts(velocity, sizes):
        stats = AttributeStats()
        stats.add({"mean_velocity": part})
        parts.append(stats)
    shuffle.shuffle(parts)  # type: ignore[attr-defined]
    merged = AttributeStats()
    for stats in parts:
        merged.merge(stats)
    assert merged.summary() == whole.summary()


@given(values)
def test_percentiles_are_exact_over_the_tile_values(numbers: list[float]) -> None:
    """The values the tiles carry (velocity: 1 decimal), every one of them."""
    velocity = np.array(numbers)
    stats = AttributeStats()
    stats.add({"mean_velocity": velocity})
    finite = velocity[np.isfinite(velocity)]
    if finite.size == 0:
        assert stats.summary() == {}
        return
    tiled = np.rint(finite * 10) / 10
    p02, p50, p98 = np.percentile(tiled, [2, 50, 98])
    assert stats.summary()["velocity"] == {
        "min": round(float(tiled.min()), 3), "p02": round(float(p02), 3),
        "p50": round(float(p50), 3), "p98": round(float(p98), 3),
        "max": round(float(tiled.max()), 3),
    }  # fmt: skip


integers = st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=400)


@settings(max_examples=100, deadline=None)
@given(integers, cuts, st.randoms(use_true_random=False))
def test_counts_past_their_limit_coarsen_the_same_whatever_the_merges(
    numbers: list[int], sizes: list[int], shuffle: object
) -> None:
    """Bounded memory: at most `limit` bins, and the same bins whatever the order of merges."""
    data = np.array(numbers, dtype=np.int64)
    whole = ValueCounts(limit=16)
    whole.add(data)
    parts = []
    for part in _parts(data, sizes):
        counts = ValueCounts(limit=16)
        counts.add(part)
        parts.append(counts)
    shuffle.shuffle(parts)  # type: ignore[attr-defined]
    merged = ValueCounts(limit=16)
    for counts in parts:
        merged.merge(counts)
    assert len(merged.values) <= 16 and merged.total == len(data)
    assert merged.shift == whole.shift
    np.testing.assert_array_equal(merged.values, whole.values)
    np.testing.assert_array_equal(merged.counts, whole.counts)


@given(integers)
def test_uncoarsened_counts_give_numpy_percentiles(numbers: list[int]) -> None:
    data = np.array(numbers, dtype=np.int64)
    counts = ValueCounts()
    counts.add(data)
    qs = [0, 2, 50, 98, 100]
    np.testing.assert_allclose(counts.percentiles(qs), np.percentile(data, qs), rtol=0, atol=1e-6)
