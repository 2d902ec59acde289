// Vertical and east motion from an ascending and a descending line of sight (pure: no DOM, no
// map). Each geometry's points are averaged date by date, both means are put on the union of
// their dates (linear interpolation between a geometry's own acquisitions, never across a long
// gap or beyond its first and last date), and per date the 2×2 system
//   d_asc  = e_asc·dE  + u_asc·dU
//   d_desc = e_desc·dE + u_desc·dU
// is solved with each geometry's mean LOS unit vector and north motion taken as zero (the LOS
// is nearly blind to it; EGMS L3 and LiCSBAS assume the same). σ goes through the inverse.
import { dayNumber, linearFit, windowPoints } from './analysis.js';
import { losVector } from './geometry.js';

export const DEFAULT_RADIUS_M = 50;
export const RADIUS_LIMITS_M = [10, 500];
/** No interpolation between two acquisitions further apart: twice Sentinel-1's 12-day repeat. */
export const MAX_GAP_DAYS = 24;
/** |det| of the 2×2 matrix below which the lines of sight count as nearly parallel. Ascending
 * against descending Sentinel-1 gives 0.8-1.0 (sin 2θ); one orbit's near and far range, 0.25 at
 * most. Below 0.3 the inverse multiplies the LOS noise by more than ~3 (≥ 1/|det|). */
export const MIN_DET = 0.3;
export const GEOMETRY_WORDS = { asc: 'ascending', desc: 'descending' };

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A point's LOS unit vector {east, north, up} from its chunk attributes, or null. */
export function pointLos(attributes = {}) {
  const { incidence_angle: incidence, track_angle: heading } = attributes;
  return isNumber(incidence) && isNumber(heading) ? losVector(incidence, heading) : null;
}

/** The residual standard deviation (n - 2 degrees of freedom) of a line through a series. */
export function seriesNoise(dates, values) {
  const pairs = windowPoints(dates, values);
  const fit = linearFit(pairs);
  if (!fit) return null;
  let rss = 0;
  for (const [t, y] of pairs) rss += (y - fit.intercept - fit.slope * t) ** 2;
  return Math.sqrt(rss / (pairs.length - 2));
}

function meanVector(vectors) {
  const sum = { east: 0, north: 0, up: 0 };
  for (const v of vectors) for (const key of Object.keys(sum)) sum[key] += v[key];
  return Object.fromEntries(Object.entries(sum).map(([key, total]) => [key, total / vectors.length]));
}

/** The circular mean of angles in degrees, in [0, 360). */
function meanAngle(angles) {
  const rad = Math.PI / 180;
  const s = angles.reduce((sum, a) => sum + Math.sin(a * rad), 0);
  const c = angles.reduce((sum, a) => sum + Math.cos(a * rad), 0);
  return ((Math.atan2(s, c) / rad) % 360 + 360) % 360;
}

/**
 * One geometry's points [{dates, values, los, incidence, heading}] averaged date by date:
 * {dates (union), mean, sigma, count, los (mean vector), losSpread, incidence, heading, noise,
 * points}. A point without a value on a date is left out of that date's mean; a date where no
 * point has one is a gap (null). σ of a date's mean: the sample standard deviation of its n
 * values / √n when n ≥ 2; when n = 1, `noise`, the residual standard deviation of a straight
 * line fitted to the mean series.
 */
export function geometryMean(points) {
  const dates = [...new Set(points.flatMap((p) => p.dates))].sort();
  const columns = dates.map(() => []);
  const index = new Map(dates.map((date, i) => [date, i]));
  for (const p of points) p.dates.forEach((date, i) => isNumber(p.values[i]) && columns[index.get(date)].push(p.values[i]));
  const mean = columns.map((vs) => (vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null));
  const noise = seriesNoise(dates, mean);
  const sigma = columns.map((vs, i) => {
    if (vs.length === 0) return null;
    if (vs.length === 1) return noise;
    const variance = vs.reduce((sum, v) => sum + (v - mean[i]) ** 2, 0) / (vs.length - 1);
    return Math.sqrt(variance / vs.length);
  });
  const los = meanVector(points.map((p) => p.los));
  const losSpread = Math.max(...points.map((p) => Math.max(...Object.keys(los).map((k) => Math.abs(p.los[k] - los[k])))));
  const incidence = points.reduce((sum, p) => sum + p.incidence, 0) / points.length;
  return { dates, mean, sigma, count: columns.map((vs) => vs.length), los, losSpread, incidence,
    heading: meanAngle(points.map((p) => p.heading)), noise, points: points.length }; // prettier-ignore
}

/**
 * A geometry's mean series on `dates`: {values, sigma}. Its own dates keep their value (a gap
 * stays a gap); a date it did not acquire gets the linear interpolation of value and σ between
 * its acquisitions just before and after, when both have a value and are at most `maxGapDays`
 * apart; nothing before its first or after its last acquisition (no extrapolation).
 */
export function interpolateOnto(series, dates, maxGapDays = MAX_GAP_DAYS) {
  const own = series.dates.map(dayNumber);
  const values = [];
  const sigma = [];
  let j = 0; // the first own acquisition at or after the date
  for (const date of dates) {
    const day = dayNumber(date);
    while (j < own.length && own[j] < day) j += 1;
    if (j < own.length && own[j] === day) {
      values.push(series.mean[j]);
      sigma.push(series.mean[j] === null ? null : series.sigma[j]);
      continue;
    }
    const [before, after] = [j - 1, j];
    const usable = before >= 0 && after < own.length && own[after] - own[before] <= maxGapDays
      && isNumber(series.mean[before]) && isNumber(series.mean[after]); // prettier-ignore
    if (!usable) {
      values.push(null);
      sigma.push(null);
      continue;
    }
    const w = (day - own[before]) / (own[after] - own[before]);
    values.push((1 - w) * series.mean[before] + w * series.mean[after]);
    const [sa, sb] = [series.sigma[before], series.sigma[after]];
    sigma.push(isNumber(sa) && isNumber(sb) ? (1 - w) * sa + w * sb : null);
  }
  return { values, sigma };
}

/** The 2×2 matrix [[e_asc, u_asc], [e_desc, u_desc]] and its determinant. */
export function losMatrix(ascLos, descLos) {
  const matrix = [[ascLos.east, ascLos.up], [descLos.east, descLos.up]];
  return { matrix, det: matrix[0][0] * matrix[1][1] - matrix[0][1] * matrix[1][0] };
}

/**
 * Per date: {east, up, eastSigma, upSigma} from LOS values and their σ (asc, desc), the matrix
 * `matrix` of determinant `det`; the two geometries' errors taken as independent.
 */
export function solveDate(matrix, det, [dAsc, dDesc], [sAsc, sDesc]) {
  const [[ea, ua], [ed, ud]] = matrix;
  if (!isNumber(dAsc) || !isNumber(dDesc)) return { east: null, up: null, eastSigma: null, upSigma: null };
  const east = (ud * dAsc - ua * dDesc) / det;
  const up = (ea * dDesc - ed * dAsc) / det;
  const known = isNumber(sAsc) && isNumber(sDesc);
  const eastSigma = known ? Math.sqrt(ud ** 2 * sAsc ** 2 + ua ** 2 * sDesc ** 2) / Math.abs(det) : null;
  const upSigma = known ? Math.sqrt(ed ** 2 * sAsc ** 2 + ea ** 2 * sDesc ** 2) / Math.abs(det) : null;
  return { east, up, eastSigma, upSigma };
}

/** Least-squares velocity of a series (mm/yr) ± the standard error of its slope, or null. */
export function velocityOf(dates, values) {
  const fit = linearFit(windowPoints(dates, values));
  return fit ? { value: fit.slope, sigma: fit.sigma, n: fit.n } : null;
}

function refusal(reason) {
  return { ok: false, reason };
}

/**
 * Decompose the points of both geometries ({asc: [...], desc: [...]}, each point {dates,
 * values, los, incidence, heading}) found within `radius` m. Returns {ok: true, dates, east,
 * eastSigma, up, upSigma, velocity: {east, up}, det, asc, desc (geometryMean summaries)} or
 * {ok: false, reason} (a geometry without a point, nearly parallel lines of sight, no common
 * dates).
 */
export function decompose({ asc, desc }, { radius = DEFAULT_RADIUS_M, maxGapDays = MAX_GAP_DAYS } = {}) {
  for (const [key, points] of [['asc', asc], ['desc', desc]]) {
    if (!points.length) return refusal(`No ${GEOMETRY_WORDS[key]} point within ${radius} m: widen the radius.`);
    if (points.some((p) => !p.los)) return refusal(`Some ${GEOMETRY_WORDS[key]} points have no incidence or track angle (a site built before they were written): rebuild it.`);
  } // prettier-ignore
  const means = { asc: geometryMean(asc), desc: geometryMean(desc) };
  const { matrix, det } = losMatrix(means.asc.los, means.desc.los);
  if (!(Math.abs(det) >= MIN_DET)) {
    return refusal(`The two lines of sight are nearly parallel here (|det| = ${Math.abs(det).toFixed(2)} < ${MIN_DET}): vertical and east motion cannot be told apart.`);
  } // prettier-ignore
  const dates = [...new Set([...means.asc.dates, ...means.desc.dates])].sort();
  const a = interpolateOnto(means.asc, dates, maxGapDays);
  const d = interpolateOnto(means.desc, dates, maxGapDays);
  const solved = dates.map((_, i) => solveDate(matrix, det, [a.values[i], d.values[i]], [a.sigma[i], d.sigma[i]]));
  const pick = (key) => solved.map((s) => s[key]);
  const result = { ok: true, dates, east: pick('east'), eastSigma: pick('eastSigma'), up: pick('up'),
    upSigma: pick('upSigma'), det, matrix, asc: means.asc, desc: means.desc, maxGapDays }; // prettier-ignore
  if (!result.east.some(isNumber)) {
    return refusal(`The ascending and descending series have no date in common, even within ${maxGapDays} days.`);
  }
  result.velocity = { east: velocityOf(dates, result.east), up: velocityOf(dates, result.up) };
  return result;
}

/**
 * The layers a decomposition at a spot uses, given the layer shown: the ascending and
 * descending layers of its level and period (from an L3 layer: L2b, else L2a, of its period),
 * and the L3 vertical and east layers of that period to compare with: {level, asc, desc, up,
 * east} (a missing one is undefined).
 */
export function pairLayers(layers, current) {
  const samePeriod = (layer) => String(layer.period) === String(current.period);
  const find = (level, geometry) => layers.find((l) => l.level === level && l.geometry === geometry && samePeriod(l));
  let level = current.level;
  if (level === 'L3') level = ['L2b', 'L2a'].find((l) => find(l, 'asc') || find(l, 'desc')) || 'L2b';
  return { level, asc: find(level, 'asc'), desc: find(level, 'desc'), up: find('L3', 'up'), east: find('L3', 'east') };
}

/** Why an L2a decomposition cannot be made: a geometry's points from several processing units
 * (each has its own reference point), or '' when each geometry's points share one unit. */
export function l2aUnitProblem({ asc, desc }) {
  for (const [key, points] of [['asc', asc], ['desc', desc]]) {
    const units = new Set(points.map((p) => p.unit));
    if (units.size > 1) {
      return `The ${GEOMETRY_WORDS[key]} points come from ${units.size} processing units, and L2a values are relative to each unit's own reference point: narrow the radius to points of one unit per geometry.`;
    }
  }
  return '';
}
