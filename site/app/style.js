// Style expressions and legend facts derived from a manifest layer, an attribute and a palette.
import { palettes } from './palettes.js';

export const DEFAULT_PALETTE = 'vik';
export const DEFAULT_SEQUENTIAL = 'batlow';
export const DEFAULT_ATTRIBUTE = 'velocity';
export const MISSING_COLOUR = '#8a8a8a';

// the tiles carry the screening where it found something at p < 0.05 (tiles/features.py)
const CHANGE_ONLY = 'no trend change at p < 0.05, or not screened';
// What the map can be coloured by: label, unit, signed (diverging, symmetric around 0), decimals.
export const ATTRIBUTES = {
  velocity: { label: 'Mean velocity', unit: 'mm/yr', signed: true, decimals: 1 },
  acceleration: { label: 'Acceleration', unit: 'mm/yr²', signed: true, decimals: 2 },
  seasonality: { label: 'Seasonality (amplitude)', unit: 'mm', signed: false, decimals: 1 },
  coherence: { label: 'Temporal coherence', unit: '0–1', signed: false, decimals: 2 },
  height: { label: 'Height', unit: 'm', signed: false, decimals: 1 },
  velocity_std: { label: 'Velocity σ', unit: 'mm/yr', signed: false, decimals: 1 },
  rmse: { label: 'RMSE', unit: 'mm', signed: false, decimals: 1 },
  // the trend-change screening (trendchange.js); `grey`: what a point without a value means
  break_date: { label: 'Trend change date', unit: 'decimal year', signed: false, decimals: 2, grey: CHANGE_ONLY },
  break_p: { label: 'Trend change p-value', unit: '0–1', signed: false, decimals: 4, grey: CHANGE_ONLY },
  accel_p: { label: 'Acceleration (quadratic term) p-value', unit: '0–1', signed: false, decimals: 4, grey: 'p ≥ 0.05, or not screened' },
  // the map through time (epochs.js): from the tiles' displacement at epochs, where the site has them
  displacement: { label: 'Displacement at a date', unit: 'mm', signed: true, decimals: 1, epochs: true },
  window_velocity: { label: 'Velocity over a date window', unit: 'mm/yr', signed: true, decimals: 1, epochs: true },
}; // prettier-ignore

/** The attributes of `layer` the map can be coloured by (velocity first). */
export function colourAttributes(layer) {
  const present = layer.attributes || [DEFAULT_ATTRIBUTE];
  const timed = Boolean(layer.epochs && present.includes(layer.epochs.attribute));
  return Object.keys(ATTRIBUTES).filter((name) => (ATTRIBUTES[name].epochs ? timed : present.includes(name)));
}

export function attributeInfo(name) {
  return ATTRIBUTES[name] || ATTRIBUTES[DEFAULT_ATTRIBUTE];
}

/** Palettes of one kind ('diverging' or 'sequential'), or all of them. */
export function palettesOfKind(kind = null) {
  return Object.values(palettes).filter((p) => kind === null || p.kind === kind);
}

/** Names of the palettes fit for velocities (diverging, centred on 0). */
export function divergingPalettes() {
  return palettesOfKind('diverging');
}

/** The default palette for an attribute: diverging for signed ones, sequential otherwise. */
export function defaultPalette(attribute = DEFAULT_ATTRIBUTE) {
  return attributeInfo(attribute).signed ? DEFAULT_PALETTE : DEFAULT_SEQUENTIAL;
}

/** A known palette by name, or the default one for the attribute. */
export function paletteByName(name, attribute = DEFAULT_ATTRIBUTE) {
  return palettes[name] || palettes[defaultPalette(attribute)];
}

function round(value, decimals) {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Symmetric colour range ±max(|p02|, |p98|) in mm/yr (never zero-width). */
export function velocityRange(layer) {
  const { p02 = 0, p98 = 0 } = layer.velocity || {};
  const half = Math.max(Math.abs(p02 ?? 0), Math.abs(p98 ?? 0));
  const limit = half > 0 ? round(half, 1) : 1;
  return { min: -limit, max: limit };
}

/**
 * The default range of `attribute` in `layer`, from the manifest's 2nd/98th percentiles:
 * symmetric ±max(|p02|, |p98|) for signed attributes, [p02, p98] otherwise.
 */
export function defaultRange(layer, attribute = DEFAULT_ATTRIBUTE) {
  const info = attributeInfo(attribute);
  const stats = (layer.stats || {})[attribute];
  if (attribute === 'velocity' && (!stats || layer.velocity)) return velocityRange(layer);
  if (!stats || stats.p02 === null || stats.p98 === null) return { min: 0, max: 1 };
  if (info.signed) {
    const half = round(Math.max(Math.abs(stats.p02), Math.abs(stats.p98)), info.decimals);
    const limit = half > 0 ? half : 1;
    return { min: -limit, max: limit };
  }
  const min = round(stats.p02, info.decimals);
  const max = round(stats.p98, info.decimals);
  return max > min ? { min, max } : { min, max: min + 1 };
}

/**
 * circle-color: `attribute` interpolated over the palette stops; grey where it is missing.
 * `value` {has, value}: expressions computing it instead (the map through time, epochs.js).
 */
export function colourExpression(attribute, palette, range, value = null) {
  const span = range.max - range.min;
  const stops = palette.stops.flatMap(([t, colour]) => [range.min + t * span, colour]);
  const { has, value: get } = value || { has: ['has', attribute], value: ['get', attribute] };
  return ['case', has, ['interpolate', ['linear'], get, ...stops], MISSING_COLOUR];
}

export function velocityColour(palette, range) {
  return colourExpression('velocity', palette, range);
}

const RADIUS_BY_ZOOM = [[4, 1.2], [10, 2.5], [14, 5], [18, 10]];
const RADIUS_BASE = 1.6;

/** circle-radius in pixels (times `scale`, plus `extra`), growing with zoom. */
export function circleRadius(extra = 0, scale = 1) {
  const stops = RADIUS_BY_ZOOM.flatMap(([zoom, radius]) => [zoom, radius * scale + extra]);
  return ['interpolate', ['exponential', RADIUS_BASE], ['zoom'], ...stops];
}

/** What circleRadius(extra, scale) evaluates to at `zoom` (MapLibre's exponential interpolation). */
export function circleRadiusAt(zoom, extra = 0, scale = 1) {
  const last = RADIUS_BY_ZOOM.length - 1;
  const upper = RADIUS_BY_ZOOM.findIndex(([stop]) => stop > zoom);
  if (upper === 0 || upper === -1) return RADIUS_BY_ZOOM[upper === 0 ? 0 : last][1] * scale + extra;
  const [[z0, r0], [z1, r1]] = [RADIUS_BY_ZOOM[upper - 1], RADIUS_BY_ZOOM[upper]];
  const t = (RADIUS_BASE ** (zoom - z0) - 1) / (RADIUS_BASE ** (z1 - z0) - 1);
  return (r0 + (r1 - r0) * t) * scale + extra;
}

/** CSS gradient of a palette, left = low. */
export function cssGradient(palette) {
  const stops = palette.stops.map(([t, colour]) => `${colour} ${(t * 100).toFixed(2)}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** What a positive value means for this layer's measurement direction. */
export function signConvention(layer) {
  if (layer.geometry === 'up') return 'positive = up';
  if (layer.geometry === 'east') return 'positive = east';
  return 'positive = towards the satellite (LOS)';
}
