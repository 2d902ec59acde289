// What a profile says, on screen and in its exports: the assumptions in words (buffer,
// projection and its error, the quantity, its sign and reference, the bins), the chart figure
// (svgfigure.js, a distance axis) and the CSV of its points with `#` comment lines like the
// other exports (pointexport.js). Pure: no DOM.
import { csvField } from './analysis.js';
import { filterWords, signedText } from './areastats.js';
import { latLon } from './figure.js';
import { layerName } from './layernames.js';
import { quantity } from './mapfigure.js';
import { attributeInfo } from './style.js';

const BAND_COLOUR = '#8c959e';
export const PROFILE_COLOURS = { points: '#0072b2', mean: '#1b1f23' };
const REFERENCES = {
  L2a: 'relative to a reference point inside each processing unit (burst): compare points only within one unit',
  L2b: 'relative to the EGMS GNSS model (comparable across bursts)',
  L3: 'relative to the EGMS GNSS model',
};

/**
 * {title: "LOS velocity (mm/yr)", sign: "positive towards the satellite", axis, unit, name} of a
 * layer and what a profile plots (`kind` of profileQuantityOf, epochs.js: the mean velocity, or
 * the displacement between two dates: "LOS displacement 2020-01-03 → 2022-07-03 (mm)", its
 * axis "LOS displacement (mm)", the dates being in the title and the assumptions).
 */
export function profileQuantity(layer, kind = null) {
  if (kind?.kind === 'displacement') {
    const info = attributeInfo('displacement');
    const { title: axis } = quantity(layer, 'displacement', info);
    return { ...quantity(layer, 'displacement', { ...info, when: `${kind.from} → ${kind.at}` }), axis, unit: 'mm', name: 'displacement' }; // prettier-ignore
  }
  const velocity = quantity(layer, 'velocity', attributeInfo('velocity'));
  return { ...velocity, axis: velocity.title, unit: 'mm/yr', name: 'mean velocity' };
}

function withoutUnit(title) {
  return title.replace(/ \([^)]*\)$/, '');
}

function valuesSentence(q, layer) {
  const reference = REFERENCES[layer.level] || 'as published';
  if (q.unit === 'mm') {
    return `Values: the ${withoutUnit(q.title)} of each point, in mm: its series on those dates (linear between its two acquisitions around a date it lacks), ${q.sign}; ${reference}. EGMS gives no σ for one date's value: the bins' σ is their points' spread.`;
  }
  return `Values: the mean ${withoutUnit(q.title)} of each point ± its σ, in mm/yr as EGMS publishes them, ${q.sign}; ${reference}.`;
}

/** Metres in words: "850 m", "12.35 km". */
export function metresText(m) {
  return m < 10_000 ? `${m.toFixed(0)} m` : `${(m / 1000).toFixed(2)} km`;
}

/** The distance error bound of the local projection over the line, in words ("< 0.1 m"). */
export function errorText(result) {
  const metres = result.errorBound * result.length;
  return metres < 0.01 ? '< 0.01 m' : `< ${metres.toPrecision(2)} m`;
}

/** "64 points within 50 m of the 1,234 m line; 50 pass the filters (coherence ≥ 0.80)." */
export function countWords(result) {
  const n = (k) => `${k.toLocaleString('en')} point${k === 1 ? '' : 's'}`;
  const within = `${n(result.total)} within ${result.buffer} m of the ${metresText(result.length)} line`;
  if (!result.filters) return `${within}.`;
  return `${within}; ${result.count.toLocaleString('en')} pass the filters (${filterWords(result.filters)}).`;
}

/** The assumptions, one sentence each, for the panel and the exports. */
export function assumptions(result, layer) {
  const q = profileQuantity(layer, result.quantity);
  const bin = result.binWidth;
  return [
    `Points within ${result.buffer} m either side of the line (ends cut square), of ${layerName(layer)}.`,
    'Distance along the line from its start (the filled dot); offset across it, positive to the right walking from the start.'
      + ` Both in a local equirectangular projection on the WGS84 ellipsoid: distance error ${errorText(result)} over this line.`,
    valuesSentence(q, layer),
    `Bins of ${bin} m: mean ± σ, the sample standard deviation of the points in the bin (n − 1), not the uncertainty of the mean; no σ for bins with fewer than 2 points.`,
  ]; // prettier-ignore
}

/** The L2a warning: a line across processing units mixes their references; or ''. */
export function unitWarning(result, layer) {
  if (layer?.level !== 'L2a' || result.units.length < 2) return '';
  return `The line crosses ${result.units.length} L2a processing units: their velocities are relative to different reference points, so steps between units along the profile may not be ground motion.`;
}

/** A bin in words for the chart's readout: "bin 100–200 m: n = 12, −1.1 ± 0.4 mm/yr (σ)". */
export function binWords(bin, unit = 'mm/yr') {
  if (!bin) return '';
  const range = `bin ${bin.from.toFixed(0)}–${bin.to.toFixed(0)} m: n = ${bin.n}`;
  if (!bin.n) return `${range}, no point`;
  const sigma = bin.sd === null ? ' (σ needs 2 points)' : ` ± ${bin.sd.toFixed(1)} ${unit} (σ)`;
  return `${range}, mean ${signedText(bin.mean)}${bin.sd === null ? ` ${unit}` : ''}${sigma}`;
}

/** A point in words: "pid 1234: 350 m along, offset +12 m; −1.2 ± 0.3 mm/yr". */
export function pointWords(p, unit = 'mm/yr') {
  const sigma = p.sigma === null ? (unit === 'mm' ? '' : ' (no σ)') : ` ± ${p.sigma.toFixed(1)}`;
  const offset = `${p.offset >= 0 ? '+' : '\u2212'}${Math.abs(p.offset).toFixed(0)} m`;
  return `${p.pid}: ${p.distance.toFixed(0)} m along, offset ${offset}; ${signedText(p.value)}${sigma} ${unit}`;
}

function columnsWords(q) {
  const values = q.unit === 'mm' ? `displacement in mm (${q.title}, ${q.sign})`
    : `mean_velocity and mean_velocity_std in mm/yr (${q.title}, ${q.sign}), as published`; // prettier-ignore
  return `columns: distance_m and offset_m in metres (to 0.01 m); ${values}`;
}

function lineText(line) {
  return line.map(([lon, lat]) => `${lon.toFixed(6)} ${lat.toFixed(6)}`).join(', ');
}

/** The chart's series on a common distance axis `xs`: points as dots, the bins' mean and ±σ. */
export function profileSeries(result) {
  const xs = [...new Set([...result.points.map((p) => p.distance), ...result.bins.map((b) => b.centre)])].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const blank = () => new Array(xs.length).fill(undefined); // undefined: spanned, null: a gap
  const [dots, mean, high, low] = [blank(), blank(), blank(), blank()];
  for (const p of result.points) dots[at.get(p.distance)] = p.value;
  for (const b of result.bins) {
    const i = at.get(b.centre);
    mean[i] = b.n ? b.mean : null;
    high[i] = b.sd === null ? null : b.mean + b.sd;
    low[i] = b.sd === null ? null : b.mean - b.sd;
  }
  return { xs, dots, mean, high, low };
}

/** The figure of a profile (svgfigure.js with a distance axis). */
export function profileFigure(result, layer, { attribution, generator }) {
  const s = profileSeries(result);
  const first = result.line[0];
  const last = result.line[result.line.length - 1];
  const q = profileQuantity(layer, result.quantity);
  return {
    title: `Profile of ${result.count} points: ${withoutUnit(q.title)} against distance`,
    lines: [
      `From ${latLon(first[1], first[0])} to ${latLon(last[1], last[0])} (WGS84), ${metresText(result.length)}, ${result.line.length} vertices.`,
      countWords(result),
      ...assumptions(result, layer),
      unitWarning(result, layer),
    ].filter(Boolean),
    yTitle: q.axis,
    xAxis: { title: 'Distance along the profile (m)', range: [0, result.length] },
    xs: s.xs,
    series: [
      { kind: 'dots', label: 'points', colour: PROFILE_COLOURS.points, values: s.dots },
      { kind: 'band', label: 'bin mean + σ', colour: BAND_COLOUR, values: s.high },
      { kind: 'band', label: 'bin mean − σ', colour: BAND_COLOUR, values: s.low },
      { kind: 'series', label: `bin mean (${result.binWidth} m bins)`, colour: PROFILE_COLOURS.mean, values: s.mean },
    ],
    legend: [
      { kind: 'dots', label: `point (${q.name})`, colour: PROFILE_COLOURS.points },
      { kind: 'series', label: `mean of a ${result.binWidth} m bin`, colour: PROFILE_COLOURS.mean },
      { kind: 'band', label: 'bin mean ± σ (n ≥ 2)', colour: BAND_COLOUR },
    ],
    window: { min: null, max: null },
    credit: `${attribution}. Made with ${generator}.`,
  };
}

export const PROFILE_CSV_COLUMNS = ['layer', 'pid', 'longitude', 'latitude', 'distance_m', 'offset_m', 'mean_velocity',
  'mean_velocity_std', 'temporal_coherence', 'processing_unit']; // prettier-ignore
// the displacement between two dates instead of the velocity (no σ: EGMS gives none)
const DISPLACEMENT_CSV_COLUMNS = PROFILE_CSV_COLUMNS.filter((c) => c !== 'mean_velocity_std')
  .map((c) => (c === 'mean_velocity' ? 'displacement' : c)); // prettier-ignore

function cell(value, decimals = null) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '';
  return decimals === null ? String(value) : value.toFixed(decimals);
}

/** CSV text of the profile's points (those that pass the filters), by distance, with `# `
 * lines: what it holds, the line, the assumptions, the filters and the credit. */
export function profileCsv(result, layer, { attribution, generator, unitName = (u) => String(u) }) {
  const comments = [
    `EGMS ground-motion profile: ${result.count} points of ${layer.id} (${layerName(layer)}); exported with ${generator}`,
    `profile line (lon lat, WGS84): ${lineText(result.line)}; length ${result.length.toFixed(2)} m`,
    countWords(result),
    ...assumptions(result, layer),
    unitWarning(result, layer),
    columnsWords(profileQuantity(layer, result.quantity)),
    attribution,
  ].filter(Boolean); // prettier-ignore
  const head = comments.map((c) => `# ${String(c).replace(/[\r\n]+/g, ' ')}\n`).join('');
  const text = (v) => csvField(String(v)); // text cells only: a number's minus sign stays a number
  const displacement = result.quantity?.kind === 'displacement';
  const rows = result.points.map((p) => [text(layer.id), text(p.pid), cell(p.lon), cell(p.lat), cell(p.distance, 2),
    cell(p.offset, 2), cell(p.value), ...(displacement ? [] : [cell(p.sigma)]), cell(p.attributes?.coherence),
    text(unitName(p.unit))].join(',')); // prettier-ignore
  const columns = displacement ? DISPLACEMENT_CSV_COLUMNS : PROFILE_CSV_COLUMNS;
  return `${head}${columns.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`;
}
