"""The tick maths of charts (ticks.js), in real Chromium, against a Python implementation of
the same rules: round value steps (numpy) and calendar date ticks (datetime)."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from browser_support import Viewer

pytestmark = pytest.mark.browser

MINUS = "\u2212"
IMPORT_TICKS = """const main = document.querySelector('script[type=module]').src;
                  const t = await import(new URL('ticks.js', main));"""


# --- the rules, in Python ----------------------------------------------------------------------


def nice_step(span: float, max_intervals: int) -> float:
    """The smallest 1, 2 or 5 × 10^n step cutting `span` into at most `max_intervals` parts."""
    raw = abs(span) / max(1, max_intervals)
    exponent = int(np.floor(np.log10(raw)))
    steps = np.array([m * 10.0**e for e in (exponent, exponent + 1) for m in (1, 2, 5)])
    return float(steps[steps >= raw * (1 - 1e-9)].min())


def value_ticks(low: float, high: float, step: float) -> list[float]:
    ks = np.arange(np.ceil(low / step - 1e-9), np.floor(high / step + 1e-9) + 1)
    return [float(v) for v in ks * step]


DATE_STEPS = (
    [("day", n, float(n)) for n in (1, 2, 5, 10, 15)]
    + [("month", n, n * 30.44) for n in (1, 2, 3, 6)]
    + [("year", n, n * 365.25) for n in (1, 2, 5, 10, 20, 50, 100)]
)
LABEL_CHARACTERS = {"day": 10, "month": 7, "year": 4}


def starts_step(day: date, unit: str, n: int) -> bool:
    if unit == "year":
        return day.month == 1 and day.day == 1 and day.year % n == 0
    if unit == "month":
        return day.day == 1 and (day.month - 1) % n == 0
    return (day.day - 1) % n == 0 and (n == 1 or day.day + n <= 32)


def date_label(day: date, unit: str) -> str:
    return {"year": f"{day.year}", "month": f"{day:%Y-%m}", "day": day.isoformat()}[unit]


def date_ticks(t0: float, t1: float, width: float, char_width: float) -> dict[str, Any]:
    """Every day from t0 to t1 scanned (not the viewer's way of listing candidates)."""
    span = max(t1 - t0, 86_400)
    unit, n, _ = next(
        (s for s in DATE_STEPS
         if width * s[2] * 86_400 / span >= (LABEL_CHARACTERS[s[0]] + 3) * char_width),
        DATE_STEPS[-1],
    )  # fmt: skip
    day = datetime.fromtimestamp(t0, UTC).date()
    ticks = []
    while (seconds := datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) <= t1:
        if seconds >= t0 and starts_step(day, unit, n):
            ticks.append({"value": seconds, "label": date_label(day, unit)})
        day += timedelta(days=1)
    return {"unit": unit, "step": n, "ticks": ticks}


def utc_seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()


def is_nice(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 2, 5))


def tick_number(label: str) -> float:
    return float(label.replace(MINUS, "-"))


def assert_round_value_labels(labels: list[str]) -> None:
    """Evenly spaced at a 1, 2 or 5 × 10^n step, each a multiple of it, with its decimals."""
    values = [tick_number(label) for label in labels]
    assert len(values) >= 2, labels
    step = values[1] - values[0]
    assert step > 0 and is_nice(step), labels
    for low, high in zip(values, values[1:], strict=False):
        assert math.isclose(high - low, step, rel_tol=1e-6), labels
    for value in values:
        assert math.isclose(value / step, round(value / step), abs_tol=1e-6), labels
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    assert all(len(label.partition(".")[2]) == decimals for label in labels), labels
    assert not any(label.startswith("-") for label in labels), "a true minus sign: " + str(labels)


def assert_calendar_labels(labels: list[str]) -> None:
    """All years, all months or all days, on calendar boundaries, evenly stepped."""
    assert len(labels) >= 2, labels
    if all(re.fullmatch(r"\d{4}", label) for label in labels):
        indices = [int(label) for label in labels]
    elif all(re.fullmatch(r"\d{4}-\d{2}", label) for label in labels):
        indices = [int(label[:4]) * 12 + int(label[5:]) - 1 for label in labels]
        assert all(i % 12 % (indices[1] - indices[0]) == 0 for i in indices), labels
    else:
        days = [date.fromisoformat(label) for label in labels]
        step = (days[1] - days[0]).days
        assert all((d.day - 1) % step == 0 for d in days), labels
        return
    steps = {b - a for a, b in zip(indices, indices[1:], strict=False)}
    assert len(steps) == 1 and all(i % steps.pop() == 0 for i in indices[:1]), labels


# --- tests ---------------------------------------------------------------------------------------


def test_tick_maths_matches_python(viewer: Viewer) -> None:
    viewer.open()
    rng = np.random.default_rng(20)
    value_cases = [
        [float(rng.uniform(-500, 500)), float(10 ** rng.uniform(-3, 4)), int(rng.integers(2, 12))]
        for _ in range(200)
    ]
    date_cases = []
    for _ in range(60):
        t0 = float(rng.uniform(utc_seconds("2015-01-01"), utc_seconds("2025-01-01")))
        span = float(86_400 * 10 ** rng.uniform(0.5, 4.2))
        date_cases.append([t0, t0 + span, float(rng.uniform(100, 2000)), float(rng.uniform(5, 14))])
    years = [utc_seconds("2020-01-03"), utc_seconds("2024-12-25"), 300, 7]
    quarters = [utc_seconds("2021-02-10"), utc_seconds("2021-11-20"), 300, 7]
    got = viewer.js(
        f"""async ([values, dates, years, quarters]) => {{
             {IMPORT_TICKS}
             const ticksOf = ([low, span, n]) => t.valueTicks(low, low + span, t.niceStep(span, n));
             return {{
               values: values.map(([low, span, n]) => ({{
                 step: t.niceStep(span, n), ticks: ticksOf([low, span, n]),
                 labels: ticksOf([low, span, n]).map(v => t.formatTick(v, t.niceStep(span, n))),
               }})),
               dates: dates.map(([t0, t1, width, char]) => t.dateTicks(t0, t1, width, char)),
               brief: [t.niceStep(19.8, 5), t.valueTicks(-12.5, 7.3, t.niceStep(19.8, 5)),
                       t.formatTick(-5, 5), t.formatTick(0.1 + 0.2, 0.1), t.formatTick(-1e-12, 1),
                       t.paddedRange(3, 3), t.paddedRange(-10, 10)],
               years: t.dateTicks(...years),
               quarters: t.dateTicks(...quarters),
             }};
           }}""",
        [value_cases, date_cases, years, quarters],
    )
    for (low, span, n), result in zip(value_cases, got["values"], strict=True):
        step = nice_step(span, int(n))
        assert result["step"] == pytest.approx(step, rel=1e-12), (low, span, n)
        assert result["ticks"] == pytest.approx(value_ticks(low, low + span, step), abs=1e-9)
        assert len(result["ticks"]) <= n + 1
        if len(result["ticks"]) > 1:
            assert_round_value_labels(result["labels"])
    for case, result in zip(date_cases, got["dates"], strict=True):
        assert result == date_ticks(*case), case
    assert got["brief"] == [5, [-10, -5, 0, 5], f"{MINUS}5", "0.3", "0", [2, 4], [-11, 11]]
    assert [t["label"] for t in got["years"]["ticks"]] == ["2021", "2022", "2023", "2024"]
    assert [t["label"] for t in got["quarters"]["ticks"]] == ["2021-04", "2021-07", "2021-10"]
    viewer.assert_no_errors()
