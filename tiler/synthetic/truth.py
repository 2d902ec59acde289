"""The truth behind `egms-tiler sample`: the ground motion that made the data, for tests.

    from tiler.synthetic import SampleOptions, truth
    ground = truth.Truth.of(options)                   # or truth.Truth(seed=1, changes=0.1)
    enu = ground.displacement(easting, northing, days)  # (points, dates, 3) mm, 0 at days[0]
    ground.changes(easting, northing).has_step           # which points have a step, when, how big

Positions are EPSG:3035 metres, as the files' easting/northing columns (L2) or cell centres
(L3); use those rather than longitude/latitude, whose 6 decimals move a point by up to 5 cm
(enough to cross into the next 200 m cell of `changes` in rare cases). `days` are the file's
date columns. What the files hold, by construction (`l2`, `l3`, `series`):

- L2b: series = (los_east, los_north, los_up) · displacement + noise, σ 1.0-4.7 mm per point
  (`points.L2_SIGMA`), white + AR(1), rounded to 0.1 mm; mean_velocity etc. fitted from it.
- L2a: the same minus a LOS velocity × (t - t₀) per burst or cluster (the reference point).
- L3: U series = up + noise, σ 0.5-3.5 mm; E series = east + noise, 1.2 × that σ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from . import changes, field, layout, motion
from .changes import Changes
from .plan import SampleOptions

__all__ = ["Changes", "Truth", "decimal_years"]


def decimal_years(days: Sequence[date] | Sequence[str] | np.ndarray) -> np.ndarray:
    """Dates (datetime.date, "YYYYMMDD" column names or datetime64) as EGMS decimal years."""
    values = [
        np.datetime64(f"{d[:4]}-{d[4:6]}-{d[6:8]}") if isinstance(d, str) else np.datetime64(d)
        for d in days
    ]
    return changes.decimal_years(np.array(values, dtype="datetime64[D]"))


@dataclass(frozen=True, slots=True)
class Truth:
    """The ground motion of one seed with `changes` of its 200 m cells holding an event."""

    seed: int = 0
    changes_fraction: float = changes.DEFAULT_FRACTION

    @classmethod
    def of(cls, options: SampleOptions) -> Truth:
        return cls(options.seed, options.changes)

    def motion(self, easting: np.ndarray, northing: np.ndarray) -> motion.Motion:
        """Velocity, acceleration, annual cycle and events (east, north, up) at the points."""
        x, y = np.atleast_1d(np.asarray(easting, float)), np.atleast_1d(np.asarray(northing, float))
        box = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
        return motion.motion_at(
            self.seed, self.changes_fraction, field.towns_in(self.seed, *box), x, y
        )

    def displacement(
        self, easting: np.ndarray, northing: np.ndarray, days: Sequence[date] | Sequence[str]
    ) -> np.ndarray:
        """(points, dates, 3) east, north, up displacement in mm, 0 at the first date."""
        return motion.displacement(self.motion(easting, northing), decimal_years(days))

    def line_of_sight(
        self,
        easting: np.ndarray,
        northing: np.ndarray,
        los: np.ndarray,
        days: Sequence[date] | Sequence[str],
    ) -> np.ndarray:
        """(points, dates) displacement in mm along each point's (east, north, up) unit vector
        `los` ((points, 3), a file's los_east/north/up): an L2b series without its noise."""
        ground = self.motion(easting, northing)
        return motion.along(ground, np.asarray(los, float), decimal_years(days))

    def mean_velocity(
        self, easting: np.ndarray, northing: np.ndarray, days: Sequence[date] | Sequence[str]
    ) -> np.ndarray:
        """(points, 3) east, north, up mean velocity in mm/yr over `days`, defined like EGMS's
        mean_velocity: the slope of a least-squares fit of offset + trend + annual cycle."""
        years = decimal_years(days)
        series = self.displacement(easting, northing, days)
        t = years - (years[0] + years[-1]) / 2
        angle = 2 * np.pi * years
        design = np.column_stack([np.ones_like(t), t, np.sin(angle), np.cos(angle)])
        flat = series.transpose(1, 0, 2).reshape(years.size, -1)
        slope = np.linalg.lstsq(design, flat, rcond=None)[0][1]
        return slope.reshape(series.shape[0], 3)

    def changes(self, easting: np.ndarray, northing: np.ndarray) -> Changes:
        """Whether each point has a step and/or a change of rate, its day and sizes."""
        x, y = np.atleast_1d(np.asarray(easting, float)), np.atleast_1d(np.asarray(northing, float))
        return changes.changes_at(self.seed, self.changes_fraction, x, y)

    @staticmethod
    def to_laea(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """EPSG:3035 easting, northing of longitudes/latitudes (for files without them)."""
        return layout.to_laea(np.asarray(lon, float), np.asarray(lat, float))
