"""The vectorised per-asset statistics equal numpy's, group by group (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.assets.members import Members
from tiler.assets.statistics import asset_statistics, main_units

pairs = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3),
                           st.floats(-50, 50, allow_nan=False).map(lambda v: round(v, 1)),
                           st.booleans()), max_size=60)  # fmt: skip


def members_of(rows: list[tuple[int, int, float, bool]]) -> Members:
    asset = np.array([r[0] for r in rows], dtype=np.int32)
    members = Members(asset, np.arange(len(rows), dtype=np.int64),
                      np.array([r[1] for r in rows], dtype=np.int32),
                      np.array([r[2] for r in rows], dtype=np.float64),
                      np.array([r[3] for r in rows], dtype=bool))  # fmt: skip
    return members.where(np.lexsort((members.point, members.asset)))


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_statistics_equal_numpys_per_asset(rows: list[tuple[int, int, float, bool]]) -> None:
    stats = asset_statistics(members_of(rows), 7)
    for asset in range(7):
        mine = [r for r in rows if r[0] == asset]
        good = np.array([r[2] for r in mine if r[3]])
        assert stats["points"][asset] == len(mine)
        assert stats["points_ok"][asset] == len(good)
        assert stats["units"][asset] == len({r[1] for r in mine if r[3]})
        if not len(good):
            assert all(np.isnan(stats[name][asset]) for name in ("mean", "median", "diff"))
            continue
        expected = {"mean": good.mean(), "median": np.median(good), "std": good.std(),
                    "p05": np.percentile(good, 5), "p95": np.percentile(good, 95),
                    "diff": good.max() - good.min()}  # fmt: skip
        for name, value in expected.items():
            assert abs(stats[name][asset] - value) < 1e-9, name


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_the_main_unit_holds_most_passing_points(rows: list[tuple[int, int, float, bool]]) -> None:
    main = main_units(members_of(rows), 7)
    for asset in range(7):
        units = [r[1] for r in rows if r[0] == asset and r[3]]
        if not units:
            assert main[asset] == -1
            continue
        counts = {unit: units.count(unit) for unit in units}
        best = max(counts.values())
        assert main[asset] == min(unit for unit, count in counts.items() if count == best)
