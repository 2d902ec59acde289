// Pure time-series and geometry helpers (no DOM, no map): least squares, seasonal fit,
// point-in-polygon, re-referencing, area mean, CSV cells. Dates are ISO strings "YYYY-MM-DD".

const DAY_MS = 86_400_000;
export const DAYS_PER_YEAR = 365.25;

/** Days since 1970-01-01 of an ISO date (UTC). */
export function dayNumber(isoDate) {
  return Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS;
}

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** [t (years since the first date in the window), y] pairs of one series inside [t0, t1]. */
export function windowPoints(dates, values, t0 = null, t1 = null) {
  const pairs = [];
  for (let i = 0; i < dates.length; i += 1) {
    const date = dates[i];
    if ((t0 && date < t0) || (t1 && date > t1) || !isNumber(values[i])) continue;
    pairs.push([dayNumber(date), values[i]]);
  }
  if (!pairs.length) return pairs;
  const origin = pairs[0][0];
  return pairs.map(([day, y]) => [(day - origin) / DAYS_PER_YEAR, y]);
}

/**
 * Ordinary least squares y = a + b t. Returns {slope, sigma, intercept, n, origin} or null
 * with fewer than 3 points (σ needs n - 2 > 0). `sigma` is the standard error of the slope.
 */
export function linearFit(pairs) {
  const n = pairs.length;
  if (n < 3) return null;
  let st = 0;
  let sy = 0;
  for (const [t, y] of pairs) {
    st += t;
    sy += y;
  }
  const tMean = st / n;
  const yMean = sy / n;
  let stt = 0;
  let sty = 0;
  for (const [t, y] of pairs) {
    stt += (t - tMean) ** 2;
    sty += (t - tMean) * (y - yMean);
  }
  if (stt === 0) return null;
  const slope = sty / stt;
  const intercept = yMean - slope * tMean;
  let rss = 0;
  for (const [t, y] of pairs) rss += (y - intercept - slope * t) ** 2;
  const sigma = Math.sqrt(rss / (n - 2) / stt);
  return { slope, sigma, intercept, n };
}

/** Solve the square system A x = b (Gaussian elimination, partial pivoting); null if singular. */
export function solve(matrix, vector) {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i]]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) < 1e-12) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const factor = a[r][col] / a[col][col];
      for (let c = col; c <= n; c += 1) a[r][c] -= factor * a[col][c];
    }
  }
  return a.map((row, i) => row[n] / row[i]);
}

const SEASONAL_TERMS = (t) => [1, t, Math.sin(2 * Math.PI * t), Math.cos(2 * Math.PI * t)];

/**
 * Least squares y = a + b t + c sin(2πt) + d cos(2πt) (t in years): trend plus an annual cycle.
 * Returns {coefficients: [a, b, c, d], slope, amplitude, n} or null with fewer than 5 points.
 */
export function seasonalFit(pairs) {
  if (pairs.length < 5) return null;
  const k = 4;
  const ata = Array.from({ length: k }, () => new Array(k).fill(0));
  const aty = new Array(k).fill(0);
  for (const [t, y] of pairs) {
    const row = SEASONAL_TERMS(t);
    for (let i = 0; i < k; i += 1) {
      aty[i] += row[i] * y;
      for (let j = 0; j < k; j += 1) ata[i][j] += row[i] * row[j];
    }
  }
  const coefficients = solve(ata, aty);
  if (!coefficients) return null;
  const [, slope, c, d] = coefficients;
  return { coefficients, slope, amplitude: Math.hypot(c, d), n: pairs.length };
}

/** Values of a fit at every date of `dates` inside [t0, t1] (null outside), t from `originDate`. */
export function fitLine(fit, kind, dates, originDate, t0 = null, t1 = null) {
  const origin = dayNumber(originDate);
  return dates.map((date) => {
    if ((t0 && date < t0) || (t1 && date > t1)) return null;
    const t = (dayNumber(date) - origin) / DAYS_PER_YEAR;
    if (kind === 'seas') {
      return SEASONAL_TERMS(t).reduce((sum, term, i) => sum + term * fit.coefficients[i], 0);
    }
    return fit.intercept + fit.slope * t;
  });
}

/** The first date of a series inside [t0, t1] that has a value (the fit's time origin). */
export function firstWindowDate(dates, values, t0 = null, t1 = null) {
  for (let i = 0; i < dates.length; i += 1) {
    if ((t0 && dates[i] < t0) || (t1 && dates[i] > t1) || !isNumber(values[i])) continue;
    return dates[i];
  }
  return null;
}

/** Ray casting: is [x, y] inside the ring [[x, y], ...] (closed or not)? */
export function pointInPolygon(point, ring) {
  const [x, y] = point;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** [west, south, east, north] of a ring. */
export function ringBounds(ring) {
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Whether two [w, s, e, n] boxes overlap (touching counts). */
export function boxesOverlap(a, b) {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/**
 * series − reference, matched by date: a date where either has no value becomes a gap (null).
 * Both are {dates, values}; returns the values aligned on `series.dates`.
 */
export function rereference(series, reference) {
  const byDate = new Map();
  reference.dates.forEach((date, i) => byDate.set(date, reference.values[i]));
  return series.values.map((value, i) => {
    const ref = byDate.get(series.dates[i]);
    return isNumber(value) && isNumber(ref) ? value - ref : null;
  });
}

/**
 * Per-date mean, min, max and count over many series whose dates may differ (units of a layer
 * may have different acquisition dates): each date averages the series that have a value there.
 * `members` is [{dates, values}]; returns {dates, mean, min, max, count} on the union of dates.
 */
export function meanSeries(members) {
  const acc = new Map();
  for (const { dates, values } of members) {
    dates.forEach((date, i) => {
      const value = values[i];
      if (!isNumber(value)) {
        if (!acc.has(date)) acc.set(date, { sum: 0, n: 0, min: Infinity, max: -Infinity });
        return;
      }
      const slot = acc.get(date) || { sum: 0, n: 0, min: Infinity, max: -Infinity };
      slot.sum += value;
      slot.n += 1;
      slot.min = Math.min(slot.min, value);
      slot.max = Math.max(slot.max, value);
      acc.set(date, slot);
    });
  }
  const dates = [...acc.keys()].sort();
  const pick = (f) => dates.map((d) => (acc.get(d).n ? f(acc.get(d)) : null));
  return {
    dates,
    mean: pick((s) => s.sum / s.n),
    min: pick((s) => s.min),
    max: pick((s) => s.max),
    count: dates.map((d) => acc.get(d).n),
  };
}

/** Sorted union of several date lists. */
export function unionDates(lists) {
  return [...new Set(lists.flat())].sort();
}

/** `values` (on `dates`) placed on `allDates`; dates it lacks are `undefined` (spanned). */
export function alignValues(dates, values, allDates) {
  const byDate = new Map(dates.map((date, i) => [date, values[i]]));
  return allDates.map((date) => (byDate.has(date) ? byDate.get(date) : undefined));
}

/** A CSV cell of text: quoted when needed. */
export function csvField(text) {
  // a text cell a spreadsheet would run as a formula (=, +, -, @) is kept as text (OWASP)
  const value = /^[=+\-@]/.test(String(text)) ? `'${text}` : String(text);
  return /[",\n\r#]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A number in mm for CSV: up to 4 decimals, no trailing zeros, empty for a gap. */
export function csvNumber(value) {
  if (!isNumber(value)) return '';
  return String(Number(value.toFixed(4)));
}

/**
 * Whether series `a` may be re-referenced to `b` ({level, layerId, unit}): always for L2b/L3;
 * for L2a only inside one processing unit of one layer (L2a values are relative to a per-unit
 * reference point). A null unit means "several units" (an area across units).
 */
export function canRereference(a, b) {
  if (a.level !== 'L2a' && b.level !== 'L2a') return true;
  return a.layerId === b.layerId && a.unit !== null && a.unit !== undefined && a.unit === b.unit;
}
