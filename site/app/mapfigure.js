// What a map figure says, wherever the map leaves the live viewer (embed, snapshot, Map PNG,
// both halves of a compare view): per layer shown, a colour bar with round values, the quantity
// in words with its unit and sign, the layer in EGMS terms; then the quality filters, the
// reference, a scale bar, the title, the caption and the credit. Pure: no DOM; framesvg.js
// draws it.
import { layerName } from './layernames.js';
import { formatTick, niceStep, valueTicks } from './ticks.js';
import { trendFilter, trendFilterWords } from './trendchange.js';

const EARTH_CIRCUMFERENCE_M = 40_075_016.686;
const TILE_PX = 512; // MapLibre's zoom 0 world is 512 CSS px wide

const DIRECTIONS = {
  asc: { words: 'LOS', sign: 'positive towards the satellite' },
  desc: { words: 'LOS', sign: 'positive towards the satellite' },
  up: { words: 'Vertical', sign: 'positive up' },
  east: { words: 'East-west', sign: 'positive east' },
};
// attributes measured along the layer's direction (the others are properties of the point)
const DIRECTIONAL = {
  velocity: 'velocity',
  acceleration: 'acceleration',
  displacement: 'displacement',
  window_velocity: 'velocity',
};

/**
 * What the colours measure: {title: "LOS velocity (mm/yr)", sign: "positive towards the
 * satellite" | null} for the layer's geometry and the colour attribute's facts (style.js).
 */
export function quantity(layer, attribute, info) {
  const unit = info.unit ? ` (${info.unit})` : '';
  const direction = DIRECTIONS[layer.geometry] || DIRECTIONS.asc;
  if (!DIRECTIONAL[attribute]) return { title: `${info.label}${unit}`, sign: null };
  const when = info.when ? ` ${info.when}` : ''; // the map through time: its dates
  return { title: `${direction.words} ${DIRECTIONAL[attribute]}${when}${unit}`, sign: info.signed ? direction.sign : null };
}

function decimalsOf(value) {
  for (let decimals = 0; decimals < 3; decimals += 1) {
    if (Math.abs(Number(value.toFixed(decimals)) - value) < 1e-9) return decimals;
  }
  return 3;
}

/**
 * The colour bar's values, each at its place t in [0, 1]: both ends (where the colours are
 * clipped) as written, and round values between them at most `maxTicks` in all, none nearer
 * an end than `minGap` (a fraction of the bar) so labels do not collide.
 */
export function colourTicks(range, maxTicks = 5, minGap = 0.2) {
  const span = range.max - range.min;
  if (!(span > 0)) return [];
  const endStep = 10 ** -Math.max(decimalsOf(range.min), decimalsOf(range.max));
  const ends = [range.min, range.max].map((value, i) => ({ value, label: formatTick(value, endStep), t: i }));
  const step = niceStep(span, Math.max(1, maxTicks - 1));
  const inner = valueTicks(range.min, range.max, step)
    .map((value) => ({ value, label: formatTick(value, step), t: (value - range.min) / span }))
    .filter((tick) => tick.t >= minGap && tick.t <= 1 - minGap);
  return [ends[0], ...inner, ends[1]];
}

/** The scale bar for `metresPerPx`: the longest 1/2/5 × 10^n metres at most `maxPx` long. */
export function scaleBar(metresPerPx, maxPx = 100) {
  if (!(metresPerPx > 0) || !Number.isFinite(metresPerPx)) return null;
  const limit = metresPerPx * maxPx;
  const exponent = Math.floor(Math.log10(limit));
  const metres = [5, 2, 1].map((m) => m * 10 ** exponent).find((m) => m <= limit) ?? 10 ** exponent;
  const label = metres >= 1000 ? `${metres / 1000} km` : `${metres} m`;
  return { metres, px: metres / metresPerPx, label };
}

/** Metres per CSS px at latitude `lat` and zoom `zoom` (web mercator). */
export function metresPerPx(lat, zoom) {
  return (EARTH_CIRCUMFERENCE_M * Math.cos((lat * Math.PI) / 180)) / (TILE_PX * 2 ** zoom);
}

function filtersText(layer, look) {
  const parts = [];
  if (look.cmin !== null && look.cmin > 0 && (layer.attributes || []).includes('coherence')) {
    parts.push(`temporal coherence ≥ ${look.cmin.toFixed(2)}`);
  }
  if (look.smax !== null && look.smax !== undefined) parts.push(`velocity σ ≤ ${look.smax.toFixed(1)} mm/yr`);
  const trend = trendFilter(layer, look);
  if (trend) parts.push(`a ${trendFilterWords(trend)}`);
  return parts.length ? `Only points with ${parts.join(' and ')}.` : null;
}

function key({ layer, resolved, side }) {
  const what = quantity(layer, resolved.attribute, resolved.info);
  return {
    heading: side ? `${side === 'left' ? 'Left' : 'Right'} of the divider` : null,
    title: what.title,
    sign: what.sign,
    grey: resolved.info.grey || null, // what a grey point means (trend change, a date's value)
    layer: layerName(layer),
    stops: resolved.palette.stops,
    range: resolved.range,
  };
}

/**
 * The figure of a map view. `shown`: [{layer, resolved, side}] (side 'left'/'right' in a
 * compare view, else null); `look`: the quality filters; `reference`: the map reference's
 * words or null; `scale`: scaleBar(); `credits`: every source's credit; `generator`;
 * `extraKeys`: keys drawn under the points' (the asset layer's: assets.js figureKey).
 */
export function mapFigure({ shown, look, reference = null, scale = null, title = '', caption = '', credits = [], generator = '', extraKeys = [] }) {
  const unique = [...new Set(credits.map((c) => String(c).trim()).filter(Boolean))];
  const made = generator ? [`Made with ${generator}.`] : [];
  return {
    title: String(title || '').trim(),
    caption: String(caption || '').trim(),
    keys: [...shown.map(key), ...extraKeys],
    filters: shown.length ? filtersText(shown[0].layer, look) : null,
    reference,
    scale,
    credit: [...unique.map((c) => (/[.!?]$/.test(c) ? c : `${c}.`)), ...made].join(' '),
  };
}
