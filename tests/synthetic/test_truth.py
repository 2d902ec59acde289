"""`tiler.synthetic.truth`: the files `egms-tiler sample` writes are the truth's motion + noise.

The files are read here with pyarrow (not the generator), their series compared with the truth
at their own easting/northing, along their own los_east/north/up, on their own dates. The noise
the generator adds has σ 1.0-4.7 mm per L2 point (0.5-3.5 mm U, 1.2 × that E for L3 cells),
white + AR(1), rounded to 0.1 mm, so a point's residual (file - truth) has a standard deviation
within those ranges up to the sampling spread of ~200 correlated values (±30 %), and equal to the
rmse the file states for points without a change (whose model the EGMS fit can represent).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tiler.cli import main
from tiler.synthetic import SampleError, SampleOptions, Written, generate, validate
from tiler.synthetic.changes import CELL, EARLIEST
from tiler.synthetic.seeds import cell_uniforms
from tiler.synthetic.truth import Truth, decimal_years

DATE = re.compile(r"^\d{8}$")
SEED, FRACTION = 5, 0.1
L2_NOISE, L3_NOISE = (1.0, 4.7), (0.5, 3.5 * 1.2)  # mm: points.L2_SIGMA, L3_SIGMA, l3.EAST_NOISE
SPREAD = 0.3  # relative sampling spread of a residual's standard deviation over ~200 dates
# EPSG:3035 box of the ground, for the pure tests (around Bologna, where seeds often land)
X, Y = st.floats(4.40e6, 4.50e6), st.floats(2.40e6, 2.50e6)


def table(path: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".csv"))
        read = pacsv.read_csv(
            io.BytesIO(archive.read(member)),
            convert_options=pacsv.ConvertOptions(column_types={"pid": "string"}),
        )
    return {name: read.column(name).to_numpy(zero_copy_only=False) for name in read.column_names}


def series(columns: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    names = [n for n in columns if DATE.match(n)]
    return names, np.column_stack([columns[n] for n in names]).astype(float)


def los(columns: dict[str, np.ndarray]) -> np.ndarray:
    return np.column_stack([columns["los_east"], columns["los_north"], columns["los_up"]])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, np.ndarray]]:
    """Ascending and descending L2b bursts over the same ground and an L3 tile's U and E."""
    options = SampleOptions(
        tmp_path_factory.mktemp("truth"), ("L2b", "L3"), points=3000, seed=SEED, changes=FRACTION
    )
    written: list[Written] = generate(options)
    names = {"_U_": "up", "_E_": "east"}
    found = {}
    for w in written:
        kind = next((v for k, v in names.items() if k in w.path.name), None)
        columns = table(w.path)
        found[kind or ("asc" if columns["los_east"][0] < 0 else "desc")] = columns
    assert sorted(found) == ["asc", "desc", "east", "up"]
    return found


TRUTH = Truth(SEED, FRACTION)


def residual_checks(residual: np.ndarray, rmse: np.ndarray, changed: np.ndarray,
                    noise: tuple[float, float], signal: np.ndarray) -> None:  # fmt: skip
    spread = residual.std(axis=1)
    assert spread.min() >= noise[0] * (1 - SPREAD), spread.min()
    assert spread.max() <= noise[1] * (1 + SPREAD), spread.max()
    ratio = spread[~changed] / rmse[~changed]
    assert ratio.min() >= 0.9 and ratio.max() <= 1.25, (ratio.min(), ratio.max())
    assert abs(leftover(residual, signal)) < 0.02  # nothing of the truth left in the residual


def leftover(residual: np.ndarray, signal: np.ndarray) -> float:
    """The regression slope of the residuals on the signal: 0 if the signal explains the data."""
    centred = signal - signal.mean(axis=1, keepdims=True)
    return float((centred * residual).sum() / (centred**2).sum())


@pytest.mark.parametrize("orbit", ["asc", "desc"])
def test_l2b_series_are_the_truth_along_their_line_of_sight_plus_noise(
    files: dict[str, dict[str, np.ndarray]], orbit: str
) -> None:
    columns = files[orbit]
    names, values = series(columns)
    truth = TRUTH.line_of_sight(columns["easting"], columns["northing"], los(columns), names)
    assert np.all(truth[:, 0] == 0.0)  # EGMS series start at 0
    changed = TRUTH.changes(columns["easting"], columns["northing"]).changed
    assert 0 < changed.sum() < changed.size
    residual_checks(values - truth, columns["rmse_ts"], changed, L2_NOISE, truth)
    # another seed's ground does not explain the data
    other = Truth(SEED + 1, FRACTION).line_of_sight(
        columns["easting"], columns["northing"], los(columns), names
    )
    assert abs(leftover(values - other, other)) > 0.3


@pytest.mark.parametrize("component", ["up", "east"])
def test_l3_series_are_the_truths_up_and_east_plus_noise(
    files: dict[str, dict[str, np.ndarray]], component: str
) -> None:
    columns = files[component]
    names, values = series(columns)
    enu = TRUTH.displacement(columns["easting"], columns["northing"], names)
    truth = enu[..., 2] if component == "up" else enu[..., 0]
    changed = TRUTH.changes(columns["easting"], columns["northing"]).changed
    residual_checks(values - truth, columns["rmse_ts"], changed, L3_NOISE, truth)


def test_mean_velocities_are_the_truths_within_their_noise(
    files: dict[str, dict[str, np.ndarray]],
) -> None:
    """The file's mean_velocity is the truth's (fitted the EGMS way) + the noise's slope, whose
    size mean_velocity_std states for white noise; AR(1) noise makes it ~1.5 × larger."""
    for orbit in ("asc", "desc"):
        columns = files[orbit]
        names, _ = series(columns)
        enu = TRUTH.mean_velocity(columns["easting"], columns["northing"], names)
        error = columns["mean_velocity"] - np.einsum("ij,ij->i", enu, los(columns))
        scaled = np.abs(error) / np.maximum(columns["mean_velocity_std"], 0.05)
        assert np.percentile(scaled, 95) < 4.0 and np.abs(np.median(error)) < 0.1


def test_ascending_and_descending_points_share_the_truth(
    files: dict[str, dict[str, np.ndarray]],
) -> None:
    asc, desc = files["asc"], files["desc"]
    distance = np.hypot(
        asc["easting"][:, None] - desc["easting"][None, :],
        asc["northing"][:, None] - desc["northing"][None, :],
    )
    a, d = np.nonzero(distance < 25.0)
    assert a.size >= 20, a.size  # the bursts cover the same ground
    first = TRUTH.motion(asc["easting"][a], asc["northing"][a])
    second = TRUTH.motion(desc["easting"][d], desc["northing"][d])
    # smooth within 25 m: the local fields' shortest wavelength is 200 m
    assert np.abs(first.velocity - second.velocity).max() < 1.0
    same_cell = (asc["easting"][a] // CELL == desc["easting"][d] // CELL) & (
        asc["northing"][a] // CELL == desc["northing"][d] // CELL
    )
    assert same_cell.sum() >= 10
    for name in ("has_step", "has_rate", "step", "rate"):
        assert np.array_equal(
            getattr(first.changes, name)[same_cell], getattr(second.changes, name)[same_cell]
        )
    # and the two files agree: their mean velocities, decomposed, give the truth's east and up
    names_a, _ = series(asc)
    names_d, _ = series(desc)
    true = TRUTH.mean_velocity(asc["easting"][a], asc["northing"][a], names_a)
    true_d = TRUTH.mean_velocity(desc["easting"][d], desc["northing"][d], names_d)
    geometry = np.stack([los(asc)[a], los(desc)[d]], axis=1)  # (pairs, 2, 3)
    measured = np.column_stack([asc["mean_velocity"][a], desc["mean_velocity"][d]])
    measured -= geometry[:, :, 1] * np.column_stack([true[:, 1], true_d[:, 1]])  # dN known
    east_up = np.linalg.solve(geometry[:, :, [0, 2]], measured[..., None])[..., 0]
    expected = (true + true_d)[:, [0, 2]] / 2
    sigma = np.hypot(asc["mean_velocity_std"][a], desc["mean_velocity_std"][d])
    assert np.median(np.abs(east_up - expected).max(axis=1) / sigma) < 3.0


def test_the_fraction_of_points_with_changes_is_the_option(
    files: dict[str, dict[str, np.ndarray]],
) -> None:
    """Events are per 200 m cell, so the share of points is FRACTION up to the binomial spread
    of the cells, weighted by the points each holds: √(p(1-p) Σ nᵢ²) / N."""
    x = np.concatenate([files[k]["easting"] for k in ("asc", "desc", "up")])
    y = np.concatenate([files[k]["northing"] for k in ("asc", "desc", "up")])
    changed = TRUTH.changes(x, y).changed
    _, counts = np.unique(np.column_stack([x // CELL, y // CELL]), axis=0, return_counts=True)
    sigma = math.sqrt(FRACTION * (1 - FRACTION) * float((counts**2).sum())) / x.size
    assert abs(changed.mean() - FRACTION) <= 4 * sigma, (changed.mean(), sigma)
    assert 0.5 * FRACTION < changed.mean() < 1.5 * FRACTION


def test_a_step_shows_in_the_files_at_its_date(files: dict[str, dict[str, np.ndarray]]) -> None:
    """Points with a big step: the file's values after the step minus before ≈ the step along
    the line of sight (means of 8 dates each side, noise ±σ/√8 · AR factor)."""
    for orbit in ("asc", "desc"):
        columns = files[orbit]
        names, values = series(columns)
        events = TRUTH.changes(columns["easting"], columns["northing"])
        along = np.einsum("ij,ij->i", events.step, los(columns))
        years = decimal_years(names)
        big = np.flatnonzero(events.has_step & ~events.has_rate & (np.abs(along) > 6))
        assert big.size >= 3, big.size
        jumps = []
        for k in big:
            after = int(np.searchsorted(years, events.when[k]))
            truth = TRUTH.line_of_sight(
                columns["easting"][k : k + 1], columns["northing"][k : k + 1],
                los(columns)[k : k + 1], names,
            )[0]  # fmt: skip
            window = slice(after - 8, after), slice(after, after + 8)
            seen = values[k, window[1]].mean() - values[k, window[0]].mean()
            trend = truth[window[1]].mean() - truth[window[0]].mean() - along[k]
            jumps.append((seen - trend) / along[k])
        assert 0.7 < float(np.median(jumps)) < 1.3, jumps


# --- pure parts ------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**40), X, Y, st.floats(0.01, 1.0))
def test_the_field_is_deterministic_and_blind_to_its_company(
    seed: int, x: float, y: float, fraction: float
) -> None:
    truth = Truth(seed, fraction)
    alone = truth.motion(np.array([x]), np.array([y]))
    crowd = truth.motion(np.array([x, x + 30_000.0, x - 7_000.0]), np.array([y, y, y + 9_000.0]))
    for name in ("velocity", "acceleration", "seasonal", "phase"):
        assert np.allclose(getattr(alone, name)[0], getattr(crowd, name)[0], rtol=0, atol=1e-12)
    assert alone.changes.has_step[0] == crowd.changes.has_step[0]
    assert np.array_equal(alone.changes.step[0], crowd.changes.step[0])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**40), X, Y, st.floats(-1.0, 1.0), st.floats(-1.0, 1.0))
def test_the_field_is_continuous_in_space_within_a_cell(
    seed: int, x: float, y: float, dx: float, dy: float
) -> None:
    x = (x // CELL + 0.5) * CELL  # a cell's centre: moving 1 m stays in the cell
    y = (y // CELL + 0.5) * CELL
    days = [date(2020, 1, 7), date(2021, 8, 3), date(2022, 11, 5), date(2024, 12, 26)]
    truth = Truth(seed, 0.5)
    here = truth.displacement(np.array([x, x + dx]), np.array([y, y + dy]), days)
    # gradients: bowls ≤ ~8 mm/yr over ≥ 180 m, local fields 0.35 mm/yr × 2π / 200 m
    assert np.abs(here[0] - here[1]).max() < 0.05 * 5  # mm over 5 years, for ≤ 1.5 m


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**40), X, Y)
@example(13_094_653, 4_417_000.0, 2_400_800.0)  # an event on 31 December
def test_a_step_shows_in_the_series_at_its_date(seed: int, x: float, y: float) -> None:
    truth = Truth(seed, 1.0)  # every cell has an event
    events = truth.changes(np.array([x]), np.array([y]))
    day = events.day[0].astype(date)
    assert EARLIEST <= day < date(2022, 7, 1)
    assert events.has_step[0] or events.has_rate[0]
    days = [date(2020, 1, 1), day - (one := np.timedelta64(1, "D")).astype(object), day]
    days.append(day + one.astype(object))
    up = truth.displacement(np.array([x]), np.array([y]), days)[0, :, 2]
    smooth = Truth(seed, 0.0).displacement(np.array([x]), np.array([y]), days)[0, :, 2]
    change = up - smooth
    assert change[0] == 0 and abs(change[1]) < 1e-9  # nothing before the day
    assert change[2] == pytest.approx(events.step[0, 2], abs=1e-9)  # the step on the day
    # a day later, in the decimal years the rates are in (a day over a new year counts 1.25)
    later = np.array([day, days[3]], dtype="datetime64[D]")
    step_years = float(np.diff(decimal_years(later))[0])
    assert change[3] == pytest.approx(events.step[0, 2] + events.rate[0, 2] * step_years, abs=1e-6)
    assert events.step[0, 1] == events.rate[0, 1] == 0.0  # no north component


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**40), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_larger_fraction_keeps_the_events_of_a_smaller_one(
    seed: int, low: float, high: float
) -> None:
    low, high = min(low, high), max(low, high)
    x = np.arange(200) * CELL + 4.4e6
    y = np.full(200, 2.45e6)
    few, many = Truth(seed, low).changes(x, y), Truth(seed, high).changes(x, y)
    assert np.all(many.changed[few.changed])
    both = few.changed
    assert np.array_equal(few.step[both], many.step[both])
    assert np.array_equal(few.day[both], many.day[both])
    assert not Truth(seed, 0.0).changes(x, y).changed.any()
    assert Truth(seed, 1.0).changes(x, y).changed.all()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**64 - 1), st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=20))
def test_cell_uniforms_are_uniforms_of_their_cell_alone(seed: int, cells: list[int]) -> None:
    i = np.array(cells)
    j = i[::-1].copy()
    together = cell_uniforms(seed, "x", i, j, 3)
    assert together.shape == (i.size, 3) and together.min() >= 0 and together.max() < 1
    assert np.array_equal(together[0], cell_uniforms(seed, "x", i[:1], j[:1], 3)[0])


def test_cell_uniforms_are_uniform() -> None:
    u = cell_uniforms(1, "changes", np.arange(100_000), np.zeros(100_000, dtype=int), 2)
    assert abs(u.mean() - 0.5) < 0.005 and abs(np.corrcoef(u.T)[0, 1]) < 0.01
    assert np.histogram(u[:, 0], 10, (0, 1))[0].min() > 9500


def test_changes_option_in_the_cli_and_checked() -> None:
    helped = CliRunner().invoke(main, ["sample", "--help"])
    assert "--changes" in helped.output and "200 m" in helped.output
    with pytest.raises(SampleError, match="--changes"):
        validate(SampleOptions(Path("x"), changes=1.5))
    assert CliRunner().invoke(main, ["sample", "-o", "x", "--changes", "2"]).exit_code == 2
