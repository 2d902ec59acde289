// The map through time: each point's displacement at the layer's epochs (about one a quarter),
// as the build stores it in the tiles (tiler/layer/epochs.py: one string attribute, `width`
// digits per epoch after the first, the displacement since the first epoch in 0.1 mm plus
// `offset`, `missing` where none). Reading it, and the MapLibre expressions that colour the map
// by the displacement at an epoch or by the velocity over a window of epochs (least squares on
// the stored epochs). Pure: no DOM, no map.
import { attributeInfo, velocityRange } from './style.js';
import { decimalYear } from './trendchange.js';

export const DISPLACEMENT = 'displacement';
export const WINDOW_VELOCITY = 'window_velocity';

/** The layer's epochs entry, or null when its tiles carry none (built without --epochs). */
export function epochsOf(layer) {
  const epochs = layer && layer.epochs;
  return epochs && Array.isArray(epochs.dates) && epochs.dates.length > 1 ? epochs : null;
}

/** The index of the epoch nearest `isoDate`; `fallback` when the date is not given. */
export function nearestEpoch(epochs, isoDate, fallback) {
  if (!isoDate) return fallback;
  const target = decimalYear(isoDate);
  let best = 0;
  epochs.dates.forEach((date, i) => {
    if (Math.abs(decimalYear(date) - target) < Math.abs(decimalYear(epochs.dates[best]) - target)) best = i;
  });
  return best;
}

/** The epochs a look asks for: {at} for the displacement, {from, to} for the window. */
export function epochChoice(epochs, look) {
  const last = epochs.dates.length - 1;
  const [from, to] = (look.win || '').split(',');
  let first = nearestEpoch(epochs, from, 0);
  let end = nearestEpoch(epochs, to, last);
  if (end - first < 2) [first, end] = end >= 2 ? [end - 2, end] : [0, Math.min(2, last)];
  return { at: nearestEpoch(epochs, look.at, last), from: first, to: end };
}

function slot(epochs, i) {
  return ['slice', ['get', epochs.attribute], epochs.width * (i - 1), epochs.width * i];
}

function known(epochs, indexes) {
  const stored = indexes.filter((i) => i > 0);
  return ['all', ['has', epochs.attribute], ...stored.map((i) => ['!=', slot(epochs, i), String(epochs.missing)])];
}

function valueAt(epochs, i) {
  if (i === 0) return 0;
  return ['*', ['-', ['to-number', slot(epochs, i)], epochs.offset], epochs.scale];
}

/** {has, value}: MapLibre expressions of the displacement (mm) since epoch 0 at epoch `i`. */
export function displacementExpression(epochs, i) {
  return { has: known(epochs, [i]), value: valueAt(epochs, i) };
}

/** The least-squares weights of epochs from..to: velocity (mm/yr) = Σ weight·displacement. */
export function windowWeights(epochs, from, to) {
  const years = epochs.dates.slice(from, to + 1).map(decimalYear);
  const mean = years.reduce((sum, t) => sum + t, 0) / years.length;
  const spread = years.reduce((sum, t) => sum + (t - mean) ** 2, 0);
  return years.map((t) => (t - mean) / spread);
}

/** {has, value}: MapLibre expressions of the velocity (mm/yr) fitted to epochs from..to. */
export function windowVelocityExpression(epochs, from, to) {
  const weights = windowWeights(epochs, from, to);
  const terms = weights
    .map((weight, k) => [weight, from + k])
    .filter(([, i]) => i > 0)
    .map(([weight, i]) => ['*', weight, valueAt(epochs, i)]);
  const indexes = weights.map((_, k) => from + k);
  return { has: known(epochs, indexes), value: terms.length > 1 ? ['+', ...terms] : terms[0] ?? 0 };
}

/** A point's stored displacements (mm since epoch 0; null where none), epoch 0 first. */
export function decodeEpochs(epochs, text) {
  const values = [0];
  for (let i = 1; i < epochs.dates.length; i += 1) {
    const code = Number(text.slice(epochs.width * (i - 1), epochs.width * i));
    values.push(code === epochs.missing || !Number.isFinite(code) ? null : (code - epochs.offset) * epochs.scale);
  }
  return values;
}

/** The velocity ± σ (mm/yr) of stored displacements over epochs from..to (null with a gap). */
export function windowVelocity(epochs, values, from, to) {
  const part = values.slice(from, to + 1);
  if (part.some((value) => value === null)) return null;
  const weights = windowWeights(epochs, from, to);
  const velocity = weights.reduce((sum, weight, k) => sum + weight * part[k], 0);
  const years = epochs.dates.slice(from, to + 1).map(decimalYear);
  const mean = years.reduce((sum, t) => sum + t, 0) / years.length;
  const meanValue = part.reduce((sum, v) => sum + v, 0) / part.length;
  const spread = years.reduce((sum, t) => sum + (t - mean) ** 2, 0);
  const residual = part.reduce((sum, v, k) => sum + (v - meanValue - velocity * (years[k] - mean)) ** 2, 0);
  const sigma = part.length > 2 ? Math.sqrt(residual / (part.length - 2) / spread) : null;
  return { velocity, sigma };
}

/** The years from the first epoch to the last. */
export function epochSpan(epochs) {
  return decimalYear(epochs.dates[epochs.dates.length - 1]) - decimalYear(epochs.dates[0]);
}

const keepTogether = (date) => date.replaceAll('-', '\u2011'); // a date never breaks across lines

function rounded(value) {
  return Math.max(0.1, Math.round(value * 10) / 10);
}

/**
 * For a colour `attribute` of the map through time: {info (with its dates: `when`), range (the
 * default: constant over the slider, so that colours compare between dates), value
 * ({has, value} expressions), choice (the epochs)}; null for any other attribute.
 */
export function timedLook(layer, attribute, look) {
  const epochs = epochsOf(layer);
  if (!epochs || (attribute !== DISPLACEMENT && attribute !== WINDOW_VELOCITY)) return null;
  const choice = epochChoice(epochs, look);
  const { dates } = epochs;
  const velocity = velocityRange(layer).max;
  if (attribute === DISPLACEMENT) {
    const span = epochSpan(epochs);
    const limit = rounded(velocity * span);
    return {
      info: { ...attributeInfo(attribute), when: `${keepTogether(dates[0])} → ${keepTogether(dates[choice.at])}`, grey: 'no value at this date',
        clip: `colours clipped at ±${limit} mm (the 2nd/98th percentile velocity over ${span.toFixed(1)} years)` },
      range: { min: -limit, max: limit },
      value: displacementExpression(epochs, choice.at),
      choice,
    }; // prettier-ignore
  }
  return {
    info: { ...attributeInfo(attribute), when: `${keepTogether(dates[choice.from])} – ${keepTogether(dates[choice.to])}`,
      grey: 'no value at a date of the window',
      clip: 'colours clipped at the 2nd/98th percentile of the mean velocity' },
    range: { min: -velocity, max: velocity },
    value: windowVelocityExpression(epochs, choice.from, choice.to),
    choice,
  }; // prettier-ignore
}

const REACH_DAYS = 12; // an epoch this near a series' first or last date takes its value (epochs.py)

/**
 * A series' value at `isoDate`: its own where it was acquired that day (or on its first or last
 * date, up to REACH_DAYS away), else linear between its acquisitions either side when both have
 * a value (as the build makes the epochs); else null.
 */
export function valueAtDate(dates, values, isoDate) {
  const days = (a, b) => Math.abs(decimalYear(a) - decimalYear(b)) * 365.25;
  const last = dates.length - 1;
  if (isoDate < dates[0]) return days(isoDate, dates[0]) <= REACH_DAYS + 1e-6 ? values[0] ?? null : null;
  if (isoDate > dates[last]) return days(isoDate, dates[last]) <= REACH_DAYS + 1e-6 ? values[last] ?? null : null;
  const after = dates.findIndex((date) => date >= isoDate);
  if (after === -1) return null;
  if (dates[after] === isoDate) return values[after] ?? null;
  if (after === 0 || values[after] === null || values[after - 1] === null) return null;
  const [t0, t1, t] = [dates[after - 1], dates[after], isoDate].map(decimalYear);
  return values[after - 1] + ((values[after] - values[after - 1]) * (t - t0)) / (t1 - t0);
}

/** What a profile of `layer` plots under `look`: the displacement at the slider's date when
 * the map shows it ({kind: 'displacement', from, at}: ISO dates), else {kind: 'velocity'}. */
export function profileQuantityOf(layer, look) {
  const epochs = epochsOf(layer);
  if (!epochs || look.color !== DISPLACEMENT) return { kind: 'velocity' };
  return { kind: 'displacement', from: epochs.dates[0], at: epochs.dates[epochChoice(epochs, look).at] };
}
