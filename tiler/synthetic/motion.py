"""The 3D motion of the synthetic ground: east, north, up displacement at any place and date.

One field per seed, a function of the EPSG:3035 position only, so ascending and descending
bursts and the L3 tiles over the same ground see the same motion (the L2 series are its
projection on each point's line of sight, `l2`; the L3 U/E series are its up and east, `l3`).
For each component c ∈ (east, north, up), in mm, t in decimal years:

    D_c(t) = v_c·t + ½·a_c·(t - T0)² + A_c·sin(2πt + φ) + s_c·H(t - τ) + r_c·max(t - τ, 0)

taken relative to the first date of the file (D_c(t) - D_c(t_0): EGMS series start at 0), with

- v (mm/yr): the GNSS model velocity (`field.gnss`, a few mm/yr, smooth over 100 km) + the
  towns' bowls (`field.Towns.up/east`, Gaussian, 1.5 town radii wide) + a local field of
  standard deviation (0.25, 0.2, 0.35) (east, north, up);
- a (mm/yr², about T0 = 2021.5): 0.1 × the bowls' up velocity + a local field of standard
  deviation (0.1, 0, 0.25);
- A (mm): up amplitude 0.95·exp(0.6·g) (at most 6 mm), east 0.3 × up, north 0; phase φ =
  -1.9 + 0.9·g' (rad) shared by the components (the ground's annual swelling and drying);
- s, r, τ: the events of `changes` (steps, changes of rate) in a known fraction of 200 m cells.

The local fields g are smooth Gaussian random fields of unit variance: sums of K cosines with
random directions, phases and wavelengths from 200 m to 5 km (`Smooth`). So the field is
continuous in space except for the events, constant on each 200 m cell. Sizes are calibrated
so the files' statistics stay in the ranges of the real samples (tests/synthetic/test_sample.py:
the 5-95 % spread of mean_velocity of an 11,700-point burst is 2.6-3.9 mm/yr for seeds 1-3,
real 2.7-2.9).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import changes, field
from .seeds import rng

T0 = 2021.5  # epoch of the acceleration term: the middle of the releases 2018-2024
MODES = 32
WAVELENGTHS = (200.0, 5000.0)  # m
LOCAL_VELOCITY = (0.25, 0.2, 0.35)  # mm/yr, east north up
LOCAL_ACCELERATION = (0.1, 0.0, 0.25)  # mm/yr²
SEASONAL_UP, SEASONAL_SPREAD, SEASONAL_MAX, SEASONAL_EAST = 0.95, 0.6, 6.0, 0.3
PHASE, PHASE_SPREAD = -1.9, 0.9  # rad


@dataclass(frozen=True, slots=True)
class Smooth:
    """A smooth random field of unit variance: √(2/K) Σ cos(k·x + φ_k)."""

    kx: np.ndarray
    ky: np.ndarray
    phase: np.ndarray

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        angle = np.multiply.outer(x, self.kx) + np.multiply.outer(y, self.ky) + self.phase
        return np.cos(angle, out=angle).sum(axis=-1) * math.sqrt(2 / self.phase.size)


@lru_cache(maxsize=64)
def smooth(seed: int, name: str) -> Smooth:
    draw = rng(seed, "motion", name)
    wavelength = np.exp(draw.uniform(math.log(WAVELENGTHS[0]), math.log(WAVELENGTHS[1]), MODES))
    direction = draw.uniform(0, 2 * math.pi, MODES)
    k = 2 * math.pi / wavelength
    return Smooth(k * np.cos(direction), k * np.sin(direction), draw.uniform(0, 2 * math.pi, MODES))


@dataclass(frozen=True, slots=True)
class Motion:
    """The motion of the ground at n points; vectors are (n, 3): east, north, up."""

    velocity: np.ndarray  # mm/yr
    acceleration: np.ndarray  # mm/yr², about T0
    seasonal: np.ndarray  # annual amplitude, mm
    phase: np.ndarray  # (n,) rad
    changes: changes.Changes


def motion_at(
    seed: int, fraction: float, towns: field.Towns, x: np.ndarray, y: np.ndarray
) -> Motion:
    """The motion at EPSG:3035 points; `towns` must hold every town within reach of them
    (`field.towns_in` of a box around the points)."""
    north, east, up = field.gnss(seed, x, y)
    bowl_east, bowl_up = field.town_motion(towns, x, y)
    local = [
        smooth(seed, f"velocity-{c}")(x, y) * s for c, s in zip("enu", LOCAL_VELOCITY, strict=True)
    ]
    velocity = np.column_stack([east + bowl_east, north, up + bowl_up]) + np.column_stack(local)
    acceleration = np.column_stack(
        [
            smooth(seed, f"acceleration-{c}")(x, y) * s
            for c, s in zip("enu", LOCAL_ACCELERATION, strict=True)
        ]
    )
    acceleration[:, 2] += 0.1 * bowl_up
    amplitude = SEASONAL_UP * np.exp(SEASONAL_SPREAD * smooth(seed, "seasonal")(x, y))
    amplitude = np.minimum(amplitude, SEASONAL_MAX)
    seasonal = np.column_stack([SEASONAL_EAST * amplitude, np.zeros_like(amplitude), amplitude])
    phase = PHASE + PHASE_SPREAD * smooth(seed, "phase")(x, y)
    events = changes.changes_at(seed, fraction, x, y)
    return Motion(velocity, acceleration, seasonal, phase, events)


def displacement(motion: Motion, years: np.ndarray) -> np.ndarray:
    """(n, dates, 3) east, north, up displacement in mm, 0 at the first of `years`."""
    return np.stack([along(motion, np.eye(3)[k], years) for k in range(3)], axis=-1)


def along(motion: Motion, direction: np.ndarray, years: np.ndarray) -> np.ndarray:
    """(n, dates) displacement in mm along unit vectors `direction` ((3,) or (n, 3), east,
    north, up; a line of sight), 0 at the first of `years`. Every term is linear in the
    vectors and the components share the seasonal phase, so project first, then expand."""

    unit = np.broadcast_to(direction, motion.velocity.shape)

    def project(vectors: np.ndarray, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
        return np.einsum("ij,ij->i", vectors[rows], unit[rows])

    events = motion.changes
    amplitude = project(motion.seasonal)
    coefficients = np.column_stack(
        [
            project(motion.velocity),
            project(motion.acceleration),
            amplitude * np.cos(motion.phase),
            amplitude * np.sin(motion.phase),
        ]
    )
    angle = 2 * math.pi * years
    basis = np.vstack([years, (years - T0) ** 2 / 2, np.sin(angle), np.cos(angle)])
    signal = coefficients @ (basis - basis[:, :1])
    if events.changed.any():
        rows = np.flatnonzero(events.changed)
        after = np.maximum(years[None, :] - events.when[rows, None], 0.0)
        jump = (years[None, :] >= events.when[rows, None]).astype(float)
        change = project(events.step, rows)[:, None] * jump
        change += project(events.rate, rows)[:, None] * after
        signal[rows] += change - change[:, :1]
    return signal
