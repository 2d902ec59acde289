// Axis ticks a reader can use: values at steps of 1, 2 or 5 × 10^n, dates on calendar
// boundaries (years; quarters or months; days for short windows). Pure: no DOM. Dates are UTC
// seconds, as on the chart's x axis.

const DAY_S = 86_400;
const MINUS = '\u2212';
const EPSILON = 1e-9;

/** 1, 2 or 5 × 10^n as an exact decimal (0.2, not 2 × 0.1 = 0.20000000000000004). */
function stepOf(mantissa, exponent) {
  return exponent < 0 ? mantissa / 10 ** -exponent : mantissa * 10 ** exponent;
}

/** The smallest step of 1, 2 or 5 × 10^n that cuts `span` into at most `maxIntervals` parts. */
export function niceStep(span, maxIntervals) {
  const raw = Math.abs(span) / Math.max(1, maxIntervals);
  if (!Number.isFinite(raw) || raw <= 0) return 1;
  const exponent = Math.floor(Math.log10(raw));
  for (const mantissa of [1, 2, 5]) {
    const step = stepOf(mantissa, exponent);
    if (step >= raw * (1 - EPSILON)) return step;
  }
  return stepOf(1, exponent + 1);
}

/** Decimals that show every multiple of `step` exactly (0.5 -> 1, 2 -> 0). */
export function stepDecimals(step) {
  return Math.max(0, -Math.floor(Math.log10(step) + EPSILON));
}

function roundTo(value, decimals) {
  const rounded = Number(value.toFixed(decimals));
  return rounded === 0 ? 0 : rounded; // no -0
}

/** The multiples of `step` inside [min, max]. */
export function valueTicks(min, max, step) {
  const decimals = stepDecimals(step);
  const ticks = [];
  for (let k = Math.ceil(min / step - EPSILON); k <= Math.floor(max / step + EPSILON); k += 1) {
    ticks.push(roundTo(k * step, decimals));
  }
  return ticks;
}

/**
 * The value range to show for data from `min` to `max`: widened by `padding` of its span so no
 * point sits on the plot's frame; a flat or empty range becomes ±1 around its value (or 0).
 */
export function paddedRange(min, max, padding = 0.05) {
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : lo;
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo - 1, hi + 1];
  const pad = (hi - lo) * padding;
  return [lo - pad, hi + pad];
}

/** A tick value as text with the step's decimals and a true minus sign (−5, not -5). */
export function formatTick(value, step) {
  const text = roundTo(value, stepDecimals(step)).toFixed(stepDecimals(step));
  return text.startsWith('-') ? MINUS + text.slice(1) : text;
}

// finest first; `days` is a typical length, only to judge the spacing of the labels
const DATE_STEPS = [
  ...[1, 2, 5, 10, 15].map((n) => ({ unit: 'day', n, days: n })),
  ...[1, 2, 3, 6].map((n) => ({ unit: 'month', n, days: n * 30.44 })),
  ...[1, 2, 5, 10, 20, 50, 100].map((n) => ({ unit: 'year', n, days: n * 365.25 })),
];
const LABEL_CHARACTERS = { day: 10, month: 7, year: 4 }; // 2021-04-15, 2021-04, 2021
const GAP_CHARACTERS = 3;

function utcParts(seconds) {
  const d = new Date(seconds * 1000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate() };
}

const utcSeconds = (year, month, day) => Date.UTC(year, month, day) / 1000;
const pad2 = (n) => String(n).padStart(2, '0');

/** The label of a date tick: 2021, 2021-04 or 2021-04-15 by the unit of the step. */
export function dateLabel(seconds, unit) {
  const { year, month, day } = utcParts(seconds);
  if (unit === 'year') return String(year);
  if (unit === 'month') return `${year}-${pad2(month + 1)}`;
  return `${year}-${pad2(month + 1)}-${pad2(day)}`;
}

/** Whether a day of the month starts a step of `n` days: 1, 1 + n, ..., none squeezed before
 * the next month's 1st (for n = 10: the 1st, 11th and 21st). */
function startsDayStep(day, n) {
  return (day - 1) % n === 0 && (n === 1 || day + n <= 32);
}

function* calendarCandidates(t0, t1, step) {
  const first = utcParts(t0);
  const last = utcParts(t1);
  if (step.unit === 'year') {
    for (let year = first.year; year <= last.year + 1; year += 1) {
      if (year % step.n === 0) yield utcSeconds(year, 0, 1);
    }
  } else if (step.unit === 'month') {
    for (let m = first.year * 12 + first.month; m <= last.year * 12 + last.month + 1; m += 1) {
      if (m % 12 % step.n === 0) yield utcSeconds(Math.floor(m / 12), m % 12, 1);
    }
  } else {
    for (let t = utcSeconds(first.year, first.month, first.day); t <= t1 + DAY_S; t += DAY_S) {
      if (startsDayStep(utcParts(t).day, step.n)) yield t;
    }
  }
}

function spacingOf(t0, t1, width, step) {
  return (width * step.days * DAY_S) / Math.max(t1 - t0, DAY_S);
}

/** The step whose labels, `charWidth` px a character, keep a gap between them on `width` px. */
export function dateStep(t0, t1, width, charWidth) {
  const fits = (step) => spacingOf(t0, t1, width, step) >= (LABEL_CHARACTERS[step.unit] + GAP_CHARACTERS) * charWidth;
  return DATE_STEPS.find(fits) || DATE_STEPS[DATE_STEPS.length - 1];
}

function ticksOf(t0, t1, step) {
  const ticks = [];
  for (const value of calendarCandidates(t0, t1, step)) {
    if (value >= t0 && value <= t1) ticks.push({ value, label: dateLabel(value, step.unit) });
  }
  return { unit: step.unit, step: step.n, ticks };
}

/**
 * Calendar-aligned ticks inside [t0, t1] (UTC seconds) for an axis `width` px long whose
 * labels are `charWidth` px a character: {unit, step, ticks: [{value, label}]}. When the step
 * that keeps a gap leaves fewer than two labels (5 years on a narrow axis: 2020 and 2025 both
 * outside 2020-01-03 … 2024-12-25), a finer one whose labels still do not touch.
 */
export function dateTicks(t0, t1, width, charWidth) {
  const chosen = dateStep(t0, t1, width, charWidth);
  const result = ticksOf(t0, t1, chosen);
  if (result.ticks.length >= 2) return result;
  const finer = DATE_STEPS.slice(0, DATE_STEPS.indexOf(chosen)).reverse();
  const touching = (step) => spacingOf(t0, t1, width, step) < LABEL_CHARACTERS[step.unit] * charWidth;
  for (const step of finer) {
    if (touching(step)) break;
    const candidate = ticksOf(t0, t1, step);
    if (candidate.ticks.length >= 2) return candidate;
  }
  return result;
}
