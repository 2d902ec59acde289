// The trend-change screening the build stores for each point (tiler/layer/trendchange.py): the
// best two-segment trend (continuous, with an annual cycle fitted beside it), its significance
// against one line, and the quadratic term's. The filter "changed since YEAR at p < α", the two
// segments a chart draws and the words that say what they are. Pure: no DOM, no map.

const EPOCH_YEAR = 1970; // decimal year = 1970 + days since 1970-01-01 / 365.25 (as the build)
const DAYS_PER_YEAR = 365.25;
const DAY_MS = 86_400_000;
const MINUS = '\u2212';
/** Significance levels the filter offers; DEFAULT_ALPHA also decides whether a chart draws. */
export const ALPHAS = [0.05, 0.01, 0.001];
export const DEFAULT_ALPHA = 0.01;
/** The tiles carry the screening where p is below this; the chunks carry every value. */
export const TILE_LEVEL = 0.05;
export const P_FLOOR = 0.0001; // below this, "p < 0.0001" (1 / (99 999 + 1) at the least)
/** What the screening assumes, said wherever its numbers are shown. */
export const ASSUMPTIONS =
  'Two-segment trend: a continuous change of rate at one date on a quarterly grid (at least 1 year ' +
  'from either end), fitted with an annual cycle, against one line; p from 99 999 simulated ' +
  'white-noise series on the same dates (the search for the date is accounted for), after allowing ' +
  "for the series' own lag-1 autocorrelation (AR(1)); p and σ assume no other structure in the " +
  'noise: treat p as a screening, not a proof.';

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** '2022-04-01' → its decimal year as the build counts it. */
export function decimalYear(isoDate) {
  return EPOCH_YEAR + Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS / DAYS_PER_YEAR;
}

/** A decimal year → 'YYYY-MM' (the month it falls in). */
export function yearMonth(year) {
  return new Date((year - EPOCH_YEAR) * DAYS_PER_YEAR * DAY_MS).toISOString().slice(0, 7);
}

/** Whether `layer`'s tiles carry the screening. */
export function hasTrendChange(layer) {
  const attributes = layer?.attributes || [];
  return attributes.includes('break_date') && attributes.includes('break_p');
}

/** The filter `look` asks of `layer`: {since (decimal year), alpha}, or null when off. */
export function trendFilter(layer, look) {
  if (!isNumber(look?.tsince) || !hasTrendChange(layer)) return null;
  const alpha = ALPHAS.includes(look.talpha) ? look.talpha : DEFAULT_ALPHA;
  return { since: look.tsince, alpha };
}

/** The filter as a MapLibre expression: a point without a screening fails. */
export function trendExpression(filter) {
  return [
    'all',
    ['<', ['coalesce', ['get', 'break_p'], 2], filter.alpha],
    ['>=', ['coalesce', ['get', 'break_date'], -1], filter.since],
  ];
}

/** Whether a point's attributes pass the filter (as on the map). */
export function passesTrend(attributes, filter) {
  if (!filter) return true;
  const { break_p: p, break_date: date } = attributes || {};
  return isNumber(p) && p < filter.alpha && isNumber(date) && date >= filter.since;
}

/** "trend change since 2022.00 at p < 0.01". */
export function trendFilterWords(filter) {
  return `trend change since ${filter.since.toFixed(2)} at p < ${filter.alpha}`;
}

/** "p = 0.012", "p = 0.0003", "p < 0.0001". */
export function formatP(p) {
  if (!isNumber(p)) return 'p = –';
  if (p < P_FLOOR + 1e-12) return `p < ${P_FLOOR}`;
  return `p = ${p < 0.01 ? p.toFixed(4) : p.toFixed(3)}`;
}

function signed(value, decimals) {
  const text = Math.abs(value).toFixed(decimals);
  return value < 0 && Number(text) !== 0 ? `${MINUS}${text}` : text;
}

/** Whether the screening of a point (its chunk or tile attributes) found a change at `alpha`. */
export function significant(attributes, alpha = DEFAULT_ALPHA) {
  return isNumber(attributes?.break_p) && attributes.break_p < alpha && isNumber(attributes.break_date);
}

/**
 * What the screening found, in words: "Trend change 2022.25 (2022-04): −2.1 ± 0.3 → −8.3 ± 0.5
 * mm/yr, p = 0.0003" or "No significant trend change (p = 0.41 ≥ 0.01)"; null without one.
 */
export function trendText(attributes, alpha = DEFAULT_ALPHA) {
  const a = attributes || {};
  if (!isNumber(a.break_p)) return null;
  if (!significant(a, alpha)) return `No significant trend change (${formatP(a.break_p)} ≥ ${alpha})`;
  const rate = (v, s) => `${signed(v, 1)}${isNumber(s) ? ` ± ${s.toFixed(1)}` : ''}`;
  return `Trend change ${a.break_date.toFixed(2)} (${yearMonth(a.break_date)}): `
    + `${rate(a.velocity_before, a.velocity_before_std)} → ${rate(a.velocity_after, a.velocity_after_std)} mm/yr, `
    + `${formatP(a.break_p)}`; // prettier-ignore
}

/**
 * "Quadratic term (acceleration): p = 0.003; residual lag-1 autocorrelation 0.36 (allowed for)",
 * or null.
 */
export function accelerationText(attributes) {
  const a = attributes || {};
  if (!isNumber(a.accel_p)) return null;
  const rho = isNumber(a.residual_rho) ? `; residual lag-1 autocorrelation ${a.residual_rho.toFixed(2)} (allowed for)` : '';
  return `Quadratic term (acceleration): ${formatP(a.accel_p)}${rho}`;
}

/**
 * The two segments at `dates` (ISO), in mm: the trend part of the fit (without its annual
 * cycle), meeting at (break_date, break_value); null where the chunk lacks them.
 */
export function segmentValues(attributes, dates) {
  const a = attributes || {};
  const needed = [a.break_date, a.break_value, a.velocity_before, a.velocity_after];
  if (!needed.every(isNumber)) return null;
  return dates.map((date) => {
    const dt = decimalYear(date) - a.break_date;
    return a.break_value + (dt <= 0 ? a.velocity_before : a.velocity_after) * dt;
  });
}
