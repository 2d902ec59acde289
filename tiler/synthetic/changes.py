"""Steps and changes of rate: events of the synthetic ground, per 200 m cell.

The ground is cut into CELL × CELL squares of the EPSG:3035 grid (multiples of 100 m, so every
L3 cell lies in one square). A square has an event with probability `fraction` (`--changes`),
drawn from the square's own hashed numbers (`seeds.cell_uniforms`), so every point in the square,
ascending, descending or L3, shares it, and a larger fraction keeps the events of a smaller one.
An event happens on one day, uniformly in [EARLIEST, EARLIEST + 365 days), inside every
release window and after the latest first date of any file, and is one of (⅓ each):

- a step s = (s_E, 0, s_U): |s_U| in 3-10 mm, downwards in 60 % of events, s_E = s_U · U(-½, ½);
- a change of rate r = (r_E, 0, r_U) from that day on: |r_U| in 2-5 mm/yr, either sign,
  r_E = r_U · (the same U(-½, ½): one process, one direction);
- both.

Sizes are moderate so the files stay like the real samples (a 10 mm step mid-release moves the
fitted mean velocity by ~3 mm/yr); the smallest are below the noise, as in real data.

Displacement from an event at decimal year τ: s · H(t - τ) + r · max(t - τ, 0), H(t) = 1 for
t ≥ 0 (the step is in every date on or after the event's day). No north component, so the
east/up decomposition's dN = 0 holds for the events themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .seeds import cell_uniforms

CELL = 200.0  # m
EARLIEST = date(2021, 7, 1)  # after any file's first date (L3 tiles start by 2021-06-18)
STEP_UP, RATE_UP = (3.0, 10.0), (2.0, 5.0)  # mm, mm/yr
STEP_DOWN_SHARE, RATE_DOWN_SHARE = 0.6, 0.5
DEFAULT_FRACTION = 0.1


@dataclass(frozen=True, slots=True)
class Changes:
    """The event at each point; rows without one have no step, no rate change, NaT/NaN dates."""

    has_step: np.ndarray  # bool
    has_rate: np.ndarray  # bool
    day: np.ndarray  # datetime64[D] of the event, NaT where none
    when: np.ndarray  # the same day as a decimal year (`decimal_years`), NaN where none
    step: np.ndarray  # (n, 3) east, north, up in mm
    rate: np.ndarray  # (n, 3) east, north, up in mm/yr

    @property
    def changed(self) -> np.ndarray:
        return self.has_step | self.has_rate


def decimal_years(days: np.ndarray) -> np.ndarray:
    """Dates (datetime64[D]) as decimal years, year + (day of year - 1) / 365.25, as EGMS fits."""
    years = days.astype("datetime64[Y]")
    return years.astype(np.int64) + 1970 + (days - years).astype(np.int64) / 365.25


def cells(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The square (column, row) holding each EPSG:3035 point."""
    return np.floor(x / CELL).astype(np.int64), np.floor(y / CELL).astype(np.int64)


def changes_at(seed: int, fraction: float, x: np.ndarray, y: np.ndarray) -> Changes:
    """The events at EPSG:3035 points (m) for a seed and a fraction of squares with an event."""
    i, j = cells(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    u = cell_uniforms(seed, "changes", i, j, 8)
    changed = u[:, 0] < fraction
    kind = np.floor(u[:, 1] * 3)  # 0 step, 1 rate, 2 both
    has_step = changed & (kind != 1)
    has_rate = changed & (kind != 0)
    offset = np.floor(u[:, 2] * 365).astype(np.int64)
    day = np.where(changed, np.datetime64(EARLIEST, "D") + offset, np.datetime64("NaT"))
    step = _vector(u[:, 3], u[:, 4], u[:, 5], STEP_UP, STEP_DOWN_SHARE) * has_step[:, None]
    rate = _vector(u[:, 6], u[:, 7], u[:, 5], RATE_UP, RATE_DOWN_SHARE) * has_rate[:, None]
    when = np.where(changed, decimal_years(day.astype("datetime64[D]")), np.nan)
    return Changes(has_step, has_rate, day.astype("datetime64[D]"), when, step, rate)


def _vector(
    size: np.ndarray, sign: np.ndarray, east: np.ndarray, span: tuple[float, float], down: float
) -> np.ndarray:
    up = (span[0] + (span[1] - span[0]) * size) * np.where(sign < down, -1.0, 1.0)
    return np.column_stack([up * (east - 0.5), np.zeros_like(up), up])
