"""Displacement series = the ground's motion (`motion`) + noise, and the model fitted back.

The noise is white plus AR(1) (real residuals have lag-1 autocorrelation ≈ 0.35) of unit
variance, times the point's σ (lag-1 correlation 0.35 from a persistence of 0.7, not more: the
model fitted at the first date then strays 2.1 mm at the 90th percentile; real samples 0.8-1.0).
The motion is 0 at the first date (so the fitted model is ≈ 0, see
docs/egms-format.md#products); the sum is rounded to 0.1 mm. The static columns come from
least-squares fits of the rounded series, like EGMS: mean velocity from trend + annual cycle;
acceleration (2 × quadratic term), seasonality (annual amplitude) and rmse from trend +
quadratic + annual cycle; formal σ from the fits' covariance. Checked against the real samples in
tests/synthetic/test_sample.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

AR_STEP, AR_WEIGHT = 0.7, 1.0  # AR(1) correlation and weight: lag-1 correlation 0.35
AR_NORM = math.sqrt(1 + AR_WEIGHT**2 + 2 * AR_WEIGHT * math.sqrt(1 - AR_STEP**2))
COHERENCE_SCALE = 4 * math.pi / 55.465 * 1.05  # rad per mm of residual (C-band, 2-way)


@dataclass(frozen=True, slots=True)
class Model:
    """Everything about one file's dates that simulation and fits need, computed once."""

    years: np.ndarray  # decimal years of the dates
    design: np.ndarray  # (dates, 5): [1, t, t², sin, cos], t centred on the window
    full_inverse: np.ndarray  # (XᵀX)⁻¹ of the design
    linear_inverse: np.ndarray  # (XᵀX)⁻¹ of [1, t, sin, cos]


LINEAR = [0, 1, 3, 4]  # the columns of the design in the mean-velocity fit


def model(days: list[date]) -> Model:
    years = np.array([d.year + (d.timetuple().tm_yday - 1) / 365.25 for d in days])
    t = years - (years[0] + years[-1]) / 2
    angle = 2 * math.pi * years
    design = np.column_stack([np.ones_like(t), t, t * t, np.sin(angle), np.cos(angle)])
    linear = design[:, LINEAR]
    return Model(
        years,
        design,
        np.linalg.inv(design.T @ design),
        np.linalg.inv(linear.T @ linear),
    )


def simulate(
    m: Model, draw: np.random.Generator, signal: np.ndarray, sigma: np.ndarray,
    among: tuple[np.ndarray, int] | None = None,
) -> np.ndarray:  # fmt: skip
    """signal (rows, dates) + noise of σ `sigma` (rows,) in mm, rounded to 0.1 mm (`-0.0` where
    it rounds so). `among` (columns, total): the noise is drawn on `total` dates and these
    columns kept (the dates of every release, so the releases share a date's noise)."""
    columns, total = among if among is not None else (None, m.years.size)
    series = _noise(draw, signal.shape[0], total)
    if columns is not None:
        series = series[:, columns]
    series *= sigma[:, None]
    series += signal
    return np.round(series, 1, out=series)


def _noise(draw: np.random.Generator, rows: int, columns: int) -> np.ndarray:
    """Unit-variance noise (rows, columns): white plus AR(1) driven by the same innovations.

    e = (z + b·x) / norm with x_k = ρ·x_(k-1) + √(1-ρ²)·z_k; b sets the lag-1 correlation.
    """
    white = draw.standard_normal((columns, rows), dtype=np.float32)  # dates along axis 0
    coloured = white * np.float32(math.sqrt(1 - AR_STEP**2))
    coloured[0] = white[0]
    for k in range(1, columns):  # contiguous rows: one vector operation per date
        coloured[k] += np.float32(AR_STEP) * coloured[k - 1]
    coloured *= np.float32(AR_WEIGHT)
    coloured += white
    coloured *= np.float32(1 / AR_NORM)
    return np.ascontiguousarray(coloured.T, dtype=np.float64)


def fit(m: Model, series: np.ndarray) -> dict[str, np.ndarray]:
    """The static columns EGMS derives from a series (rows, dates), by least squares.

    Residual sums of squares come from the normal equations (yᵀy - cᵀXᵀy), not residuals.
    """
    dates = m.years.size
    moments = series @ m.design  # Xᵀy per row, (rows, 5)
    energy = np.einsum("ij,ij->i", series, series)
    full = moments @ m.full_inverse
    linear = moments[:, LINEAR] @ m.linear_inverse
    square = np.maximum(energy - np.einsum("ij,ij->i", full, moments), 0.0)
    square_linear = np.maximum(energy - np.einsum("ij,ij->i", linear, moments[:, LINEAR]), 0.0)
    sigma_full = np.sqrt(square / (dates - 5))
    sigma_linear = np.sqrt(square_linear / (dates - 4))
    return {
        "mean_velocity": linear[:, 1],
        "mean_velocity_std": sigma_linear * math.sqrt(m.linear_inverse[1, 1]),
        "acceleration": 2 * full[:, 2],
        "acceleration_std": 2 * sigma_full * math.sqrt(m.full_inverse[2, 2]),
        "seasonality": np.hypot(full[:, 3], full[:, 4]),
        "seasonality_std": sigma_full
        * math.sqrt((m.full_inverse[3, 3] + m.full_inverse[4, 4]) / 4),
        "rmse": np.sqrt(square / dates),
    }


def coherence(rmse: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Temporal coherence |mean(exp(iφ))| of Gaussian phase residuals of `rmse` mm (+ scatter)."""
    ideal = np.exp(-0.5 * (COHERENCE_SCALE * rmse) ** 2)
    return np.clip(ideal + 0.03 * quality, 0.05, 0.99)


def amplitude_dispersion(rmse: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """σA/μA: grows with the noise and saturates near 0.53, as in the samples."""
    return np.clip(0.53 * (1 - np.exp(-rmse / 1.5)) - 0.03 * quality, 0.05, 1.5)
