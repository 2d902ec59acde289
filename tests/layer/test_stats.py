"""Attribute statistics (tiler/layer/attributestats.py): a unit added in slices equals it whole."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.layer.attributestats import AttributeStats, sample_step

values = st.lists(
    st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(float("nan"))), min_size=1,
    max_size=300,
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(values, st.integers(1, 7), st.lists(st.integers(1, 80), min_size=1, max_size=8))
def test_slices_add_up_to_the_whole_unit(numbers: list[float], step: int, cuts: list[int]) -> None:
    velocity = np.array(numbers)
    whole, sliced = AttributeStats(), AttributeStats()
    whole.add({"mean_velocity": velocity}, 0, step)
    start = 0
    for size in [*cuts, len(velocity)]:
        part = slice(start, min(start + size, len(velocity)))
        sliced.add({"mean_velocity": velocity[part]}, part.start, step)
        start = part.stop
        if start == len(velocity):
            break
    assert sliced.summary() == whole.summary()
    sample = np.concatenate(whole.samples.get("velocity", [np.zeros(0)]))
    every = velocity[::step]
    np.testing.assert_array_equal(sample, every[np.isfinite(every)])


@given(values)
def test_small_units_give_exact_percentiles(numbers: list[float]) -> None:
    velocity = np.array(numbers)
    stats = AttributeStats()
    stats.add({"mean_velocity": velocity}, 0, sample_step(len(velocity)))
    finite = velocity[np.isfinite(velocity)]
    if finite.size == 0:
        assert stats.summary() == {}
        return
    p02, p50, p98 = np.percentile(finite, [2, 50, 98])
    assert stats.summary()["velocity"] == {
        "min": round(float(finite.min()), 3), "p02": round(float(p02), 3),
        "p50": round(float(p50), 3), "p98": round(float(p98), 3),
        "max": round(float(finite.max()), 3),
    }  # fmt: skip
