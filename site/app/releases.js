// One series across releases (pure: no DOM). A point's series in each release of its ground
// (the same point in the other periods, matched at build time: docs/site-data.md#releases),
// joined: each later release shifted by the median over the dates both hold of (earlier −
// later), the earlier one already shifted; one least-squares velocity ± σ over the whole span.
import { firstWindowDate, linearFit, unionDates, windowPoints } from './analysis.js';

/** "2020-2024" of a manifest period [2020, 2024]. */
export function periodText(period) {
  return `${period[0]}-${period[1]}`;
}

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The median of numbers (the mean of the middle two for an even count); null for none. */
export function median(values) {
  const sorted = values.filter(isNumber).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The median of (earlier − later) over the dates both hold a value on, and how many. */
export function offsetOver(earlier, later) {
  const byDate = new Map(earlier.dates.map((date, i) => [date, earlier.values[i]]));
  const differences = [];
  later.dates.forEach((date, i) => {
    const value = byDate.get(date);
    if (isNumber(value) && isNumber(later.values[i])) differences.push(value - later.values[i]);
  });
  return { offset: median(differences), common: differences.length };
}

/** On each date, the mean of the releases' (shifted) values there. */
function joinedValues(parts) {
  const dates = unionDates(parts.map((p) => p.dates));
  const sums = new Map(dates.map((date) => [date, [0, 0]]));
  for (const part of parts) {
    part.dates.forEach((date, i) => {
      if (!isNumber(part.values[i])) return;
      const sum = sums.get(date);
      sum[0] += part.values[i];
      sum[1] += 1;
    });
  }
  return { dates, values: dates.map((date) => (sums.get(date)[1] ? sums.get(date)[0] / sums.get(date)[1] : null)) };
}

/**
 * releases: [{period: [y0, y1], dates, values}] or [{period, missing: true}] (no counterpart),
 * any order. Returns {parts: [{period, dates, values (shifted), offset, common, joined}],
 * missing: [period], unjoined: [period] (no date in common with the release before),
 * joined: {dates, values}, fit: {slope, sigma, intercept, n} | null, origin: the fit's first
 * date} (mm, mm/yr).
 */
export function joinReleases(releases) {
  const ordered = [...releases].sort((a, b) => a.period[0] - b.period[0] || a.period[1] - b.period[1]);
  const parts = [];
  const unjoined = [];
  for (const release of ordered.filter((r) => !r.missing)) {
    const before = parts[parts.length - 1];
    if (!before) {
      parts.push({ ...release, offset: 0, common: null, joined: true });
      continue;
    }
    const { offset, common } = offsetOver(before, release);
    if (offset === null) {
      unjoined.push(release.period);
      continue;
    }
    parts.push({ ...release, values: release.values.map((v) => (isNumber(v) ? v + offset : v)), offset, common,
      joined: true }); // prettier-ignore
  }
  const joined = joinedValues(parts);
  return {
    parts,
    missing: ordered.filter((r) => r.missing).map((r) => r.period),
    unjoined,
    joined,
    fit: linearFit(windowPoints(joined.dates, joined.values)),
    origin: firstWindowDate(joined.dates, joined.values),
  };
}

function signed(value, decimals) {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(decimals)}`;
}

/** The words under the chart: each offset, what could not be joined, the joined velocity;
 * `missing`: the words before a release that lacks the series. */
export function joinTexts(result, missing = 'no counterpart in') {
  const texts = [];
  for (const part of result.parts.slice(1)) {
    const dates = part.common === 1 ? 'date' : 'dates';
    texts.push(`${periodText(part.period)} shifted by ${signed(part.offset, 1)} mm over ${part.common} common ${dates}`);
  }
  for (const period of result.missing) texts.push(`${missing} ${periodText(period)}`);
  for (const period of result.unjoined) texts.push(`${periodText(period)} not joined: no date in common with the release before`);
  if (result.fit && result.parts.length) {
    const first = result.joined.dates[0];
    const last = result.joined.dates[result.joined.dates.length - 1];
    texts.push(`velocity over ${first} to ${last}: ${signed(result.fit.slope, 2)} ± ${result.fit.sigma.toFixed(2)} mm/yr`);
  }
  return texts;
}
