"""Trend-change screening of every point: the best two-segment trend and the quadratic term.

Each series d(t) (mm, t in decimal years) is fitted, vectorised over a block of points, by
- the reference model: a line and an annual cycle, d = a + b·t + s·sin 2πt + r·cos 2πt;
- the continuous hinge: the same plus c·max(0, t − t_k), for t_k on a grid of candidate dates
  (calendar quarters, at least MIN_YEARS from either end and with at least MIN_SIDE valid dates
  on each side), t_k chosen by least residual sum of squares: velocity before = b, after = b + c;
- the quadratic: the reference model plus c·t², whose c tests for acceleration.

Choosing t_k by search makes the hinge's F statistic larger than an F(1, n − 5) law would have
it, so both p-values come from NULL_SERIES simulated white-noise series on the same dates (the
F and t statistics do not depend on the noise's size, nor on a trend or an annual cycle): p is
the share of simulated series whose best hinge F (or quadratic |t|) reaches the point's, plus
one, over N + 1. InSAR residuals are not white: the atmosphere correlates neighbouring dates,
which inflates both statistics (at a lag-1 autocorrelation of 0.6, a third of trendless series
would flag at p < 0.01). So each point's residuals from the reference model give its lag-1
autocorrelation ρ (clipped to [0, RHO_MAX]; a change the line does not fit adds to it, so a
real change is judged a little more strictly), and its F and t² are divided by the AR(1) variance
inflation (1 + ρ)/(1 − ρ) before they meet the white-noise null, and its standard errors
multiplied by the root (the effective sample size of Santer et al. 2000, J. Geophys. Res.
105(D6)). Standard errors take the break date as known; gaps (MISSING) are left out of the sums,
and a point with gaps is judged against the null of the complete dates.

A model's fit of a complete series comes from its projections on an orthonormal basis shared by
all points, so a block costs one matrix product (points × dates) · (dates × (13 + 2 candidates)).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tiler.inputs.reader import MISSING

MIN_YEARS = 1.0  # a candidate break is at least this far from the first and the last date
MIN_SIDE = 10  # valid dates each segment needs at least
MIN_DATES = 2 * MIN_SIDE + 5  # a point with fewer valid dates is not screened
GRID_STEP = 0.25  # years between candidate breaks (calendar quarters)
NULL_SERIES = 99_999  # simulated white-noise series per date grid: p ≥ 1/(N + 1) = 1e-5
BASE = 4  # reference model's parameters: a, b, s, r
PARAMETERS = BASE + 1  # the hinge's and the quadratic's
NULL_SEED = 20_240_101
DAYS_PER_YEAR = 365.25
EPOCH_YEAR = 1970.0  # decimal year = 1970 + days since 1970-01-01 / 365.25
SCALE = 0.1  # the series' unit: 0.1 mm
BLOCK_ROWS = 4096  # points screened at a time (bounds the float copies of a block)
RHO_MAX = 0.95  # beyond, (1 + ρ)/(1 − ρ) grows without bound: such a series says little anyway

# what `screen` returns for each point (NaN where the fit is not defined)
RESULTS = (
    "break_date", "velocity_before", "velocity_before_std", "velocity_after",
    "velocity_after_std", "break_value", "residual_rho", "break_p", "accel_p",
)  # fmt: skip
TILE_LEVEL = 0.05  # the tiles carry a result where its p is below this
TILE_ONLY = ("break_date", "break_p", "accel_p")


def decimal_years(dates: list[str] | tuple[str, ...]) -> np.ndarray:
    """'20200103' (or '2020-01-03') to decimal years: 1970 + days since 1970-01-01 / 365.25."""
    compact = [d.replace("-", "") for d in dates]
    days = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in compact], dtype="datetime64[D]")
    return EPOCH_YEAR + days.astype(np.int64) / DAYS_PER_YEAR


def candidate_breaks(years: np.ndarray) -> np.ndarray:
    """Quarter dates at least MIN_YEARS inside the first and last dates (may be empty)."""
    first = np.ceil((years[0] + MIN_YEARS) / GRID_STEP - 1e-9) * GRID_STEP
    last = years[-1] - MIN_YEARS
    return np.arange(first, last + 1e-9, GRID_STEP)


class Design:
    """What every point of a date grid shares: the models' columns, an orthonormal basis Q of
    the reference model and each extra column's part orthogonal to it, and what turns a complete
    series' projections on them into a hinge's coefficients and their variances."""

    def __init__(self, years: np.ndarray) -> None:
        self.years = years
        self.centre = float(years.mean())
        self.t = years - self.centre
        self.breaks = candidate_breaks(years)
        phase = 2 * np.pi * years
        self.base = np.column_stack([np.ones_like(self.t), self.t, np.sin(phase), np.cos(phase)])
        hinges = np.maximum(0.0, self.t[:, None] - (self.breaks - self.centre)[None, :])
        # extra columns: one hinge per candidate break, then t² (the quadratic)
        self.extra = np.column_stack([hinges, self.t**2])
        self.before = (self.t[:, None] <= (self.breaks - self.centre)[None, :]).astype(np.float64)
        side = self.before.sum(axis=0)
        self.allowed = (side >= MIN_SIDE) & (len(self.t) - side >= MIN_SIDE)
        orthonormal, triangle = np.linalg.qr(self.base)
        residual = self.extra - orthonormal @ (orthonormal.T @ self.extra)
        norms = np.linalg.norm(residual, axis=0)
        self.norms = np.where(norms > 1e-9, norms, np.inf)
        # a complete series' projections: on Q, on each extra column's orthogonal part u
        self.projections = np.column_stack([orthonormal, residual / self.norms])
        # the hinge fit Q·q + c·(h − QQᵀh), c = (u·y)/|h − QQᵀh|, has base coefficients
        # R⁻¹q − c·R⁻¹Qᵀh (base = QR)
        self.from_q = np.linalg.inv(triangle)
        self.hinge_shift = (self.from_q @ (orthonormal.T @ hinges)).T  # (k, BASE)
        grams = [self._hinge_columns(k).T @ self._hinge_columns(k) for k in range(self.candidates)]
        inverse = np.linalg.inv(np.array(grams)) if grams else np.zeros((0, 5, 5))
        self.hinge_variances = _variances(inverse)  # (k, 3)

    @property
    def candidates(self) -> int:
        return len(self.breaks)

    def _hinge_columns(self, k: int) -> np.ndarray:
        return np.column_stack([self.base, self.extra[:, k]])


def screen(block: np.ndarray, dates: list[str] | tuple[str, ...]) -> dict[str, np.ndarray]:
    """The screening of each row of `block` (int32 in 0.1 mm, MISSING where empty): RESULTS,
    NaN where a point has too few valid dates or the period is too short for any break."""
    values = np.multiply(block, SCALE, dtype=np.float64)
    missing = block == MISSING
    if missing.any():
        values[missing] = np.nan
    return screen_values(values, decimal_years(dates))


def screen_values(values: np.ndarray, years: np.ndarray) -> dict[str, np.ndarray]:
    """`screen` of displacements in mm (NaN where missing) at dates in decimal years."""
    key = tuple(years.tolist())
    design = _design(key)
    rows = values.shape[0]
    out = {name: np.full(rows, np.nan) for name in RESULTS}
    if design.candidates == 0 or len(years) < MIN_DATES:
        return out
    null_f, null_t = _null(key)
    for start in range(0, rows, BLOCK_ROWS):
        part = slice(start, min(start + BLOCK_ROWS, rows))
        fit = _fit(values[part], design)
        for name in RESULTS[:-2]:
            out[name][part] = fit[name]
        out["break_p"][part] = _p_values(null_f, fit["f"])
        out["accel_p"][part] = _p_values(null_t, np.abs(fit["t"]))
    return out


def tile_columns(found: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What the tiles carry of `screen`'s results, as "tile_" + name: the break (date, p)
    where break_p < TILE_LEVEL, accel_p where it is below TILE_LEVEL; NaN elsewhere (the map
    colours and filters by what was found)."""
    change = found["break_p"] < TILE_LEVEL
    out = {f"tile_{name}": np.where(change, found[name], np.nan) for name in TILE_ONLY[:-1]}
    out["tile_accel_p"] = np.where(found["accel_p"] < TILE_LEVEL, found["accel_p"], np.nan)
    return out


def _p_values(null_sorted: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """(1 + simulated values ≥ observed) / (N + 1); NaN where not observed."""
    reached = len(null_sorted) - np.searchsorted(null_sorted, observed, side="left")
    p = (1.0 + reached) / (len(null_sorted) + 1.0)
    return np.where(np.isnan(observed), np.nan, p)


@lru_cache(maxsize=8)
def _design(years: tuple[float, ...]) -> Design:
    return Design(np.array(years))


@lru_cache(maxsize=8)
def _null(years: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The sorted best-hinge F and quadratic |t| of NULL_SERIES white-noise series."""
    design = _design(years)
    k = design.candidates
    # no coefficients needed; float32: half the time to draw, the sums of squares ~1e-6 exact
    statistics = design.projections[:, : BASE + k + 1].astype(np.float32)
    random = np.random.default_rng(NULL_SEED)
    dof = float(len(years) - PARAMETERS)
    f, t = [], []
    for start in range(0, NULL_SERIES, BLOCK_ROWS):
        shape = (min(BLOCK_ROWS, NULL_SERIES - start), len(years))
        noise = random.standard_normal(shape, dtype=np.float32)
        m = (noise @ statistics).astype(np.float64)
        base_rss = np.einsum("ij,ij->i", noise, noise, dtype=np.float64) - np.einsum(
            "ij,ij->i", m[:, :BASE], m[:, :BASE]
        )
        gain = np.max(np.where(design.allowed, m[:, BASE : BASE + k] ** 2, -np.inf), axis=1)
        f.append(gain / ((base_rss - gain) / dof))
        quad = m[:, BASE + k]
        t.append(np.abs(quad) / np.sqrt((base_rss - quad**2) / dof))
    return np.sort(np.concatenate(f)), np.sort(np.concatenate(t))


def _fit(values: np.ndarray, design: Design) -> dict[str, np.ndarray]:
    valid = ~np.isnan(values)
    complete = valid.all(axis=1)
    if complete.all():
        return _fit_complete(values, design)
    values = values.copy()
    values[~valid] = 0.0
    fit = {name: np.full(len(values), np.nan) for name in (*RESULTS[:-2], "f", "t")}
    gaps = ~complete
    for rows, fitted in (
        (complete, _fit_complete(values[complete], design)),
        (gaps, _fit_with_gaps(values[gaps], valid[gaps].astype(np.float64), design)),
    ):
        for name, result in fitted.items():
            fit[name][rows] = result
    return fit


def _fit_complete(y: np.ndarray, design: Design) -> dict[str, np.ndarray]:
    """Every model's fit of each row of `y` (no gaps): from its projections alone."""
    k = design.candidates
    m = y @ design.projections
    base_projection, hinge_projection, quad_projection = (
        m[:, :BASE],
        m[:, BASE : BASE + k],
        m[:, BASE + k],
    )
    base_rss = np.einsum("ij,ij->i", y, y) - np.einsum("ij,ij->i", base_projection, base_projection)
    gain = np.where(design.allowed, hinge_projection**2, -np.inf)
    best = np.argmax(gain, axis=1)
    rows = np.arange(len(y))
    rss = np.maximum(base_rss - gain[rows, best], 0.0)
    rho = _lag1(y - base_projection @ design.projections[:, :BASE].T, None)
    change = hinge_projection[rows, best] / design.norms[best]
    base_beta = base_projection @ design.from_q.T - change[:, None] * design.hinge_shift[best]
    beta = np.column_stack([base_beta, change])
    dof = float(len(design.t) - PARAMETERS)
    quad_rss = np.maximum(base_rss - quad_projection**2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = quad_projection / np.sqrt(quad_rss / dof)
    screened = np.full(len(y), len(design.t) >= MIN_DATES and bool(design.allowed.any()))
    variances = design.hinge_variances[best]
    return _results(
        design, best, beta, variances, base_rss - rss, rss, np.full(len(y), dof), t, rho, screened
    )


def _fit_with_gaps(y: np.ndarray, weights: np.ndarray, design: Design) -> dict[str, np.ndarray]:
    """`_fit_complete` for series with gaps (`y` 0 where `weights` is 0): each row's weighted
    least squares of every model, solved (rare: EGMS series seldom have gaps)."""
    n, k = len(y), design.candidates
    columns = np.column_stack([design.base, design.extra])
    width = columns.shape[1]
    products = (columns[:, :, None] * columns[:, None, :]).reshape(len(columns), -1)
    gram = (weights @ products).reshape(n, width, width)
    moments = y @ columns
    yy = np.einsum("ij,ij->i", y, y)
    counts = weights.sum(axis=1)
    before = weights @ design.before
    allowed = (before >= MIN_SIDE) & (counts[:, None] - before >= MIN_SIDE)
    screened = (counts >= MIN_DATES) & allowed.any(axis=1)
    base = list(range(BASE))
    base_beta, base_fitted, _ = _fitted_squares(gram, moments, base, screened)
    base_rss = yy - base_fitted
    rho = _lag1((y - np.nan_to_num(base_beta @ design.base.T)) * weights, weights)
    hinge_rss = np.full((n, k), np.inf)
    for j in range(k):
        usable = screened & allowed[:, j]
        hinge_rss[:, j] = np.where(
            usable, yy - _fitted_squares(gram, moments, [*base, BASE + j], usable)[1], np.inf
        )
    best = np.argmin(hinge_rss, axis=1)
    rows = np.arange(n)
    rss = np.maximum(hinge_rss[rows, best], 0.0)
    beta = np.full((n, PARAMETERS), np.nan)
    inverse = np.full((n, PARAMETERS, PARAMETERS), np.nan)
    for j in np.unique(best[screened]).tolist():
        chosen = screened & (best == j)
        index = [*base, BASE + j]
        sub = gram[np.ix_(chosen, index, index)]
        inverse[chosen] = np.linalg.inv(sub)
        beta[chosen] = np.einsum("nij,nj->ni", inverse[chosen], moments[chosen][:, index])
    dof = np.maximum(counts - PARAMETERS, 1.0)
    quad_beta, quad_fitted, quad_inverse = _fitted_squares(
        gram, moments, [*base, BASE + k], screened
    )
    quad_rss = np.maximum(yy - quad_fitted, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = quad_beta[:, -1] / np.sqrt(quad_rss / dof * quad_inverse[:, -1, -1])
    variances = _variances(inverse)
    return _results(design, best, beta, variances, base_rss - rss, rss, dof, t, rho, screened)


def _fitted_squares(
    gram: np.ndarray, moments: np.ndarray, index: list[int], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Coefficients, fitted sum of squares and inverse Gram matrix of the columns `index`, for
    the `rows` (NaN elsewhere: their matrices may be singular)."""
    n, width = len(gram), len(index)
    beta = np.full((n, width), np.nan)
    inverse = np.full((n, width, width), np.nan)
    if rows.any():
        columns = np.array(index)
        inverse[rows] = np.linalg.inv(gram[np.ix_(rows, columns, columns)])
        beta[rows] = np.einsum("nij,nj->ni", inverse[rows], moments[rows][:, index])
    fitted = np.einsum("ni,ni->n", beta, moments[:, index])
    return beta, fitted, inverse


def _lag1(residual: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Each row's lag-1 autocorrelation of its residuals (0 at gaps, pairs across a gap left
    out: `weights` 0 there), clipped to [0, RHO_MAX]; 0 where the residuals are all 0."""
    pairs = residual[:, 1:] * residual[:, :-1]
    if weights is not None:
        pairs = pairs * (weights[:, 1:] * weights[:, :-1])
    squares = np.einsum("ij,ij->i", residual, residual)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = pairs.sum(axis=1) / squares
    return np.clip(np.nan_to_num(rho, nan=0.0), 0.0, RHO_MAX)


def _variances(inverse: np.ndarray) -> np.ndarray:
    """Of a hinge's inverse Gram matrices (..., 5, 5): the entries the velocities' variances
    need, (..., 3): slope, change, their covariance."""
    return np.stack([inverse[..., 1, 1], inverse[..., BASE, BASE], inverse[..., 1, BASE]], -1)


def _results(
    design: Design, best: np.ndarray, beta: np.ndarray, variances: np.ndarray,
    gain: np.ndarray, rss: np.ndarray, dof: np.ndarray, t: np.ndarray, rho: np.ndarray,
    screened: np.ndarray,
) -> dict[str, np.ndarray]:  # fmt: skip
    """RESULTS (less the p-values), the best hinge's F ("f") and the quadratic's t ("t"), both
    deflated, and the variances inflated, by the residuals' AR(1) variance inflation."""
    inflation = (1.0 + rho) / (1.0 - rho)
    sigma2 = rss / dof * inflation
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(rss > 0, gain / sigma2, np.inf)
    slope, change = beta[:, 1], beta[:, BASE]
    out = {
        "break_date": design.breaks[best] if design.candidates else np.full(len(best), np.nan),
        "velocity_before": slope,
        "velocity_before_std": np.sqrt(sigma2 * variances[:, 0]),
        "velocity_after": slope + change,
        "velocity_after_std": np.sqrt(
            sigma2 * (variances[:, 0] + variances[:, 1] + 2 * variances[:, 2])
        ),
        # the trend part (a + b·t) at the break: where the two drawn segments meet
        "break_value": beta[:, 0] + slope * (design.breaks[best] - design.centre),
        "residual_rho": rho,
        "f": f,
        "t": t / np.sqrt(inflation),
    }
    return {name: np.where(screened, values, np.nan) for name, values in out.items()}
