// Style expressions and legend facts derived from a manifest layer and a palette.
import { palettes } from './palettes.js';

export const DEFAULT_PALETTE = 'vik';
export const MISSING_COLOUR = '#8a8a8a';

/** Names of the palettes fit for velocities (diverging, centred on 0). */
export function divergingPalettes() {
  return Object.values(palettes).filter((p) => p.kind === 'diverging');
}

/** A known diverging palette by name, or the default one. */
export function paletteByName(name) {
  const palette = palettes[name];
  return palette && palette.kind === 'diverging' ? palette : palettes[DEFAULT_PALETTE];
}

/** Symmetric colour range ±max(|p02|, |p98|) in mm/yr (never zero-width). */
export function velocityRange(layer) {
  const { p02 = 0, p98 = 0 } = layer.velocity || {};
  const half = Math.max(Math.abs(p02), Math.abs(p98));
  const limit = half > 0 ? Math.round(half * 10) / 10 : 1;
  return { min: -limit, max: limit };
}

/** circle-color: velocity interpolated over the palette stops; grey where velocity is missing. */
export function velocityColour(palette, range) {
  const stops = palette.stops.flatMap(([t, colour]) => [range.min + t * (range.max - range.min), colour]);
  return [
    'case',
    ['has', 'velocity'],
    ['interpolate', ['linear'], ['get', 'velocity'], ...stops],
    MISSING_COLOUR,
  ];
}

const RADIUS_BY_ZOOM = [[4, 1.2], [10, 2.5], [14, 5], [18, 10]];

/** circle-radius in pixels (plus `extra`), growing with zoom so dense areas stay readable. */
export function circleRadius(extra = 0) {
  const stops = RADIUS_BY_ZOOM.flatMap(([zoom, radius]) => [zoom, radius + extra]);
  return ['interpolate', ['exponential', 1.6], ['zoom'], ...stops];
}

/** CSS gradient of a palette, left = negative. */
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
