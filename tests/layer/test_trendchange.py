"""Trend-change screening (tiler/layer/trendchange.py) on generated series with known truth.

The rates measured here (printed with -s, and in docs/viewer.md) are for white noise of 3 mm on a
6-day grid over 5 years with an annual cycle, 2 000 series per case, at p < 0.01.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.inputs.reader import MISSING
from tiler.layer import trendchange as tc
from tiler.tiles.features import CHUNK_FIELDS, TILE_FIELDS, TREND_COLUMNS

DATES = [str(np.datetime64("2019-01-03") + np.timedelta64(6 * i, "D")).replace("-", "")
         for i in range(305)]  # fmt: skip
YEARS = tc.decimal_years(DATES)
SERIES = 2_000
NOISE_MM = 3.0
ALPHA = 0.01
BREAK_TOLERANCE = 0.25  # years: the grid's step


def annual(years: np.ndarray, amplitude: float = 4.0, phase: float = 0.3) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * years + phase)


def generated(kind: str, size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """SERIES series (mm) of a line, an annual cycle and white noise, with a rate change of
    `size` mm/yr ("rate") or a step of `size` mm ("step") at a random true break date."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(2020.5, 2022.5, SERIES)
    velocity = rng.uniform(-10, 10, SERIES)[:, None]
    t = YEARS[None, :] - YEARS[0]
    after = np.maximum(0.0, YEARS[None, :] - truth[:, None])
    change = size * after if kind == "rate" else size * (after > 0)
    values = velocity * t + annual(YEARS)[None, :] + change
    return values + rng.normal(0.0, NOISE_MM, values.shape), truth


def rates(kind: str, size: float, seed: int) -> tuple[float, float, float]:
    """(share of series with p < ALPHA, share of those whose break date is within tolerance,
    their median error of the break date in years)."""
    values, truth = generated(kind, size, seed)
    found = tc.screen_values(values, YEARS)
    detected = found["break_p"] < ALPHA
    error = np.abs(found["break_date"] - truth)[detected]
    if not detected.any():
        return 0.0, 0.0, np.inf
    return float(detected.mean()), float((error <= BREAK_TOLERANCE).mean()), float(np.median(error))


def test_false_alarms_and_detection_at_the_chosen_significance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    false_alarm = rates("rate", 0.0, seed=1)[0]
    values, _ = generated("rate", 0.0, seed=2)
    accel_false_alarm = float((tc.screen_values(values, YEARS)["accel_p"] < ALPHA).mean())
    found = {f"rate change {size:g} mm/yr": rates("rate", size, seed=3 + i)
             for i, size in enumerate((1.5, 3.0, 6.0))}  # fmt: skip
    found["step of 10 mm"] = rates("step", 10.0, seed=6)
    with capsys.disabled():
        print(f"\ntrend-change screening at p < {ALPHA} ({SERIES} series, {NOISE_MM} mm noise):"
              f"\n  false alarms, no change: {false_alarm:.2%} (quadratic term: "
              f"{accel_false_alarm:.2%})")  # fmt: skip
        for case, (detected, near, error) in found.items():
            print(f"  {case}: detected {detected:.1%}; of those, break date within "
                  f"{BREAK_TOLERANCE} yr {near:.1%}, median error {error:.2f} yr")  # fmt: skip
    # binomial: 2 000 series at 1 % → 20 ± 4.5 false alarms
    assert 0.003 <= false_alarm <= 0.018
    assert 0.003 <= accel_false_alarm <= 0.018
    detected, near, _ = found["rate change 6 mm/yr"]
    assert detected > 0.99 and near > 0.85
    detected, near, _ = found["rate change 3 mm/yr"]
    assert detected > 0.95 and near > 0.5
    # a continuous hinge bends around a step: mostly found (the misfit around the step also
    # reads as autocorrelated noise), its date within a year
    detected, _, error = found["step of 10 mm"]
    assert detected > 0.85 and error < 1.25


def autocorrelated(rho: float, seed: int) -> np.ndarray:
    """SERIES trendless series (mm): a line, an annual cycle and AR(1) noise of NOISE_MM."""
    rng = np.random.default_rng(seed)
    shocks = rng.standard_normal((SERIES, len(YEARS)))
    noise = np.empty_like(shocks)
    noise[:, 0] = shocks[:, 0]
    for i in range(1, len(YEARS)):
        noise[:, i] = rho * noise[:, i - 1] + np.sqrt(1 - rho**2) * shocks[:, i]
    velocity = rng.uniform(-10, 10, SERIES)[:, None]
    return velocity * (YEARS - YEARS[0]) + annual(YEARS) + NOISE_MM * noise


@pytest.mark.parametrize("rho", [0.3, 0.6])
def test_autocorrelated_noise_does_not_flag_trendless_series(
    rho: float, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the AR(1) allowance, 7 % (ρ 0.3) and 34 % (ρ 0.6) of these flagged at 1 %."""
    found = tc.screen_values(autocorrelated(rho, seed=10), YEARS)
    false_alarm = float((found["break_p"] < ALPHA).mean())
    accel_false_alarm = float((found["accel_p"] < ALPHA).mean())
    with capsys.disabled():
        print(f"\nAR(1) noise, ρ = {rho}: estimated ρ median "
              f"{np.median(found['residual_rho']):.2f}; false alarms at p < {ALPHA}: "
              f"{false_alarm:.2%} (quadratic term: {accel_false_alarm:.2%})")  # fmt: skip
    assert abs(np.median(found["residual_rho"]) - rho) < 0.05
    assert false_alarm <= 0.025 and accel_false_alarm <= 0.025


def test_p_values_are_uniform_under_the_null() -> None:
    values, _ = generated("rate", 0.0, seed=6)
    found = tc.screen_values(values, YEARS)
    for alpha in (0.05, 0.1, 0.5):
        share = float((found["break_p"] < alpha).mean())
        assert abs(share - alpha) < 4 * np.sqrt(alpha * (1 - alpha) / SERIES), (alpha, share)


def hinge(before: float, after: float, at: float, offset: float) -> np.ndarray:
    return offset + before * (YEARS - at) + (after - before) * np.maximum(0.0, YEARS - at)


@settings(max_examples=25, deadline=None)
@given(
    before=st.floats(-30, 30), after=st.floats(-30, 30), offset=st.floats(-50, 50),
    quarter=st.integers(0, 10),
)  # fmt: skip
def test_a_perfect_hinge_on_the_grid_is_recovered_exactly(
    before: float, after: float, offset: float, quarter: int
) -> None:  # fmt: skip
    at = tc.candidate_breaks(YEARS)[quarter]
    values = hinge(before, after, at, offset) + annual(YEARS)
    found = {name: values[0] for name, values in tc.screen_values(values[None, :], YEARS).items()}
    if abs(after - before) > 1e-3:
        assert found["break_date"] == at
    assert found["velocity_before"] == pytest.approx(before, abs=1e-6)
    assert found["velocity_after"] == pytest.approx(after, abs=1e-6)
    on_line = offset + before * (found["break_date"] - at)  # where no change: any date
    assert found["break_value"] == pytest.approx(on_line, abs=1e-6)
    assert found["velocity_before_std"] == pytest.approx(0.0, abs=1e-5)


@settings(max_examples=25, deadline=None)
@given(trend=st.floats(-20, 20), constant=st.floats(-100, 100), seed=st.integers(0, 1000))
def test_adding_a_line_shifts_the_velocities_by_its_rate_only(
    trend: float, constant: float, seed: int
) -> None:  # fmt: skip
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 3, (3, len(YEARS))) + hinge(-2.0, 5.0, 2021.3, 0.0)
    values[1, 40:60] = np.nan  # one series with gaps: its own least squares
    plain = tc.screen_values(values, YEARS)
    moved = tc.screen_values(values + constant + trend * (YEARS - 2020.0), YEARS)
    np.testing.assert_array_equal(moved["break_date"], plain["break_date"])
    for name in ("velocity_before", "velocity_after"):
        np.testing.assert_allclose(moved[name], plain[name] + trend, atol=1e-7)
    for name in ("velocity_before_std", "velocity_after_std"):
        np.testing.assert_allclose(moved[name], plain[name], rtol=1e-6)
    np.testing.assert_allclose(moved["break_p"], plain["break_p"])
    np.testing.assert_allclose(moved["accel_p"], plain["accel_p"])


def test_gaps_are_left_out_of_the_fit() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(0, 3, (2, len(YEARS))) + hinge(1.0, -6.0, 2021.75, 3.0)
    complete = tc.screen_values(values[:1], YEARS)
    values[1] = values[0]
    values[1, 100:130] = np.nan
    by_hand = tc.screen_values(values[1:, ~np.isnan(values[1])], YEARS[~np.isnan(values[1])])
    found = tc.screen_values(values, YEARS)
    for name in ("break_date", "velocity_before", "velocity_after", "velocity_after_std"):
        assert found[name][0] == pytest.approx(complete[name][0], rel=1e-9)
    for name in ("break_date", "velocity_before", "velocity_after"):
        assert found[name][1] == pytest.approx(by_hand[name][0], rel=1e-9)
    # the lag-1 autocorrelation leaves out the pair across the gap; cut out, its ends are a pair
    residual = by_hand["residual_rho"][0]
    assert found["residual_rho"][1] == pytest.approx(residual, abs=0.01)
    inflation = np.sqrt((1 + found["residual_rho"][1]) / (1 - found["residual_rho"][1]))
    white = np.sqrt((1 + residual) / (1 - residual))
    assert found["velocity_after_std"][1] / inflation == pytest.approx(
        by_hand["velocity_after_std"][0] / white, rel=1e-9
    )


def test_too_few_dates_or_too_short_a_period_give_no_result() -> None:
    block = np.zeros((2, len(DATES)), dtype=np.int32)
    block[0, tc.MIN_DATES - 1 :] = MISSING  # one date short
    block[1, 20:] = MISSING  # all valid dates before any candidate break
    found = tc.screen(block, DATES)
    assert all(np.isnan(values).all() for values in found.values())
    short = tc.screen(np.zeros((1, 40), dtype=np.int32), DATES[:40])  # 8 months
    assert all(np.isnan(values).all() for values in short.values())


def test_candidate_breaks_are_quarters_a_year_inside_the_period() -> None:
    breaks = tc.candidate_breaks(YEARS)
    assert breaks[0] >= YEARS[0] + tc.MIN_YEARS and breaks[-1] <= YEARS[-1] - tc.MIN_YEARS
    np.testing.assert_allclose(np.diff(breaks), tc.GRID_STEP)
    np.testing.assert_allclose(breaks * 4, np.round(breaks * 4))


def test_the_screening_columns_are_the_tile_and_chunk_fields() -> None:
    found = tc.screen_values(generated("rate", 3.0, seed=8)[0][:50], YEARS)
    columns = {*found, *tc.tile_columns(found)}
    assert columns == set(TREND_COLUMNS)
    assert columns <= {column for _, column, _ in (*TILE_FIELDS, *CHUNK_FIELDS)}


def test_the_tiles_carry_only_what_was_found() -> None:
    found = tc.screen_values(generated("rate", 1.5, seed=9)[0][:400], YEARS)
    tiles = tc.tile_columns(found)
    change = found["break_p"] < tc.TILE_LEVEL
    assert 0 < change.sum() < 400
    for name in ("break_date", "break_p"):
        np.testing.assert_array_equal(tiles[f"tile_{name}"][change], found[name][change])
        assert np.isnan(tiles[f"tile_{name}"][~change]).all()
    accel = found["accel_p"] < tc.TILE_LEVEL
    np.testing.assert_array_equal(np.isnan(tiles["tile_accel_p"]), ~accel)
