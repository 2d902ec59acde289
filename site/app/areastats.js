// Statistics of the points inside a drawn area: which of them pass the map's quality filters,
// velocity mean ± σ, median and percentiles, a histogram on round bins, and the mean series with
// its ±1σ and min–max bands. Pure: no DOM, no map. A member is {featureId, unit, velocity,
// attributes: {coherence, velocity_std, ...}, dates, values} (region.js chunkMembers).
import { niceStep, stepDecimals } from './ticks.js';
import { passesTrend, trendFilter, trendFilterWords } from './trendchange.js';

const MINUS = '\u2212';
/** Bins a histogram aims at (at most); the step is 1, 2 or 5 × 10^n. */
export const HISTOGRAM_BINS = 12;
/** Percentiles the histogram's range spans when outliers stretch the whole range to more than
 * OUTLIER_STRETCH times theirs: the points beyond are counted, not binned. */
const HISTOGRAM_SPAN = [1, 99];
const OUTLIER_STRETCH = 3;

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The quality filters the map applies to `layer` (layers.qualityFilter): {cmin, smax, trend},
 * each null when it is off or the layer lacks the attribute (L3 has no coherence).
 */
export function activeFilters(layer, look) {
  const attributes = layer?.attributes || [];
  const cmin = isNumber(look?.cmin) && look.cmin > 0 && attributes.includes('coherence') ? look.cmin : null;
  const smax = isNumber(look?.smax) && attributes.includes('velocity_std') ? look.smax : null;
  const trend = trendFilter(layer, look);
  return trend ? { cmin, smax, trend } : { cmin, smax };
}

/** Whether any filter is on. */
export function filtering(filters) {
  return Boolean(filters) && (filters.cmin !== null || filters.smax !== null || Boolean(filters.trend));
}

/** Whether a point's attributes pass the filters: as on the map, a missing value fails. */
export function passes(attributes, filters) {
  if (!filters) return true;
  const { coherence, velocity_std: sigma } = attributes || {};
  if (filters.cmin !== null && !(isNumber(coherence) && coherence >= filters.cmin)) return false;
  if (filters.smax !== null && !(isNumber(sigma) && sigma <= filters.smax)) return false;
  return passesTrend(attributes, filters.trend);
}

/** The filters in words: "coherence ≥ 0.70, velocity σ ≤ 0.3 mm/yr" ('' when none is on). */
export function filterWords(filters) {
  const parts = [];
  if (filters?.cmin !== null && filters?.cmin !== undefined) parts.push(`coherence ≥ ${filters.cmin.toFixed(2)}`);
  if (filters?.smax !== null && filters?.smax !== undefined) parts.push(`velocity σ ≤ ${filters.smax.toFixed(1)} mm/yr`);
  if (filters?.trend) parts.push(trendFilterWords(filters.trend));
  return parts.join(', ');
}

/** Arithmetic mean of numbers, or null for none. */
export function mean(values) {
  if (!values.length) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n − 1 in the denominator, two passes), or null below 2 values. */
export function standardDeviation(values, centre = mean(values)) {
  if (values.length < 2) return null;
  let squares = 0;
  for (const v of values) squares += (v - centre) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

/** The `p`-th percentile (0-100) of ascending `sorted` numbers, interpolated linearly between
 * the two nearest ranks (numpy's default, Hyndman & Fan type 7); null for none. */
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** {n, mean, sd, median, p5, p95, min, max} of the numbers among `values` (others ignored). */
export function describe(values) {
  const numbers = values.filter(isNumber);
  const sorted = Float64Array.from(numbers).sort();
  const centre = mean(numbers);
  return {
    n: numbers.length,
    mean: centre,
    sd: standardDeviation(numbers, centre),
    median: percentile(sorted, 50),
    p5: percentile(sorted, 5),
    p95: percentile(sorted, 95),
    min: numbers.length ? sorted[0] : null,
    max: numbers.length ? sorted[sorted.length - 1] : null,
  };
}

/**
 * Per date over members whose dates may differ (the units of a layer may have different
 * acquisitions): {dates (sorted union), mean, sd (n − 1), min, max, count}; a date where no
 * member has a value is null in each (sd also where only one has).
 */
export function dateStats(members) {
  const values = new Map(); // date -> numbers
  for (const { dates, values: series } of members) {
    dates.forEach((date, i) => {
      if (!values.has(date)) values.set(date, []);
      if (isNumber(series[i])) values.get(date).push(series[i]);
    });
  }
  const dates = [...values.keys()].sort();
  const out = { dates, mean: [], sd: [], min: [], max: [], count: [] };
  for (const date of dates) {
    const list = values.get(date);
    const centre = mean(list);
    out.mean.push(centre);
    out.sd.push(standardDeviation(list, centre));
    out.min.push(list.length ? list.reduce((a, b) => (b < a ? b : a)) : null);
    out.max.push(list.length ? list.reduce((a, b) => (b > a ? b : a)) : null);
    out.count.push(list.length);
  }
  return out;
}

/** The ±1σ band of dateStats: [mean − sd, mean + sd] per date (null where sd is null). */
export function sigmaBand(stats) {
  const edge = (sign) => stats.mean.map((m, i) => (m === null || stats.sd[i] === null ? null : m + sign * stats.sd[i]));
  return { low: edge(-1), high: edge(1) };
}

function roundTo(value, decimals) {
  const rounded = Number(value.toFixed(decimals));
  return rounded === 0 ? 0 : rounded;
}

/**
 * A histogram on round bins: the step is 1, 2 or 5 × 10^n giving at most `maxBins` bins over the
 * values' range, or over their 1st-99th percentiles when that range is more than 3 times
 * narrower (so a few outliers do not squeeze the rest into one bar); the edges are multiples of
 * the step. Bins are [edge, next edge), the last one closed. Returns {edges, counts, step,
 * below, above} (points left of the first edge / right of the last), or null for no numbers.
 */
export function histogram(values, maxBins = HISTOGRAM_BINS) {
  const numbers = values.filter(isNumber);
  if (!numbers.length) return null;
  const sorted = Float64Array.from(numbers).sort();
  let lo = sorted[0];
  let hi = sorted[sorted.length - 1];
  const [p1, p99] = HISTOGRAM_SPAN.map((p) => percentile(sorted, p));
  if (hi - lo > OUTLIER_STRETCH * (p99 - p1)) [lo, hi] = [p1, p99];
  let step = niceStep(hi - lo, maxBins);
  let first = Math.floor(lo / step);
  let last = Math.ceil(hi / step);
  while (last - first > maxBins) {
    step = niceStep(step * (maxBins + 1), maxBins); // the next round step up
    first = Math.floor(lo / step);
    last = Math.ceil(hi / step);
  }
  if (last === first) last = first + 1;
  const decimals = stepDecimals(step);
  const edges = [];
  for (let k = first; k <= last; k += 1) edges.push(roundTo(k * step, decimals));
  const counts = new Array(edges.length - 1).fill(0);
  let below = 0;
  let above = 0;
  for (const v of numbers) {
    if (v < edges[0]) below += 1;
    else if (v > edges[edges.length - 1]) above += 1;
    else {
      let bin = Math.floor((v - edges[0]) / step + 1e-9);
      while (bin > 0 && v < edges[bin]) bin -= 1; // float error at an edge
      while (bin < counts.length - 1 && v >= edges[bin + 1]) bin += 1;
      counts[Math.min(bin, counts.length - 1)] += 1;
    }
  }
  return { edges, counts, step, below, above };
}

/**
 * Everything the panel and the chart show of an area: `members` are every point inside it,
 * `filters` the map's ({cmin, smax}). Returns {total (before filters), count (passing), filters,
 * members (passing), ids, units, velocity (describe), histogram, series (dateStats)}.
 */
export function areaStatistics(members, filters = null) {
  const kept = members.filter((m) => passes(m.attributes, filters));
  const velocities = kept.map((m) => m.velocity);
  return {
    total: members.length,
    count: kept.length,
    filters: filtering(filters) ? { ...filters } : null,
    members: kept,
    ids: kept.map((m) => m.featureId),
    units: [...new Set(kept.map((m) => m.unit))].sort((a, b) => a - b),
    velocity: describe(velocities),
    histogram: histogram(velocities),
    series: dateStats(kept),
  };
}

/** A signed number with a true minus sign and `decimals` decimals ('–' for none). */
export function signedText(value, decimals = 1) {
  if (!isNumber(value)) return '–';
  const text = roundTo(value, decimals).toFixed(decimals);
  return text.startsWith('-') ? MINUS + text.slice(1) : text;
}
