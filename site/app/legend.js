// The legend: attribute and units, gradient bar, min / middle / max labels, sign convention.
import { aboutLayer } from './layernames.js';
import { quantity } from './mapfigure.js';
import { cssGradient, signConvention } from './style.js';

function label(value, decimals, signed) {
  const text = value.toFixed(decimals);
  return signed && value > 0 ? `+${text}` : text;
}

/** The line under the bar: what the sign means and where the colours are clipped. */
export function legendNote(layer, resolved) {
  const { info, range } = resolved;
  let clip = info.clip || 'colours clipped at the 2nd/98th percentile'; // info.clip: a default's own words
  if (resolved.custom) {
    clip = `colours clipped at ${label(range.min, info.decimals, info.signed)} / ${label(range.max, info.decimals, info.signed)}`;
  }
  const grey = `grey = ${info.grey || 'no value'}`;
  if (info.signed) return `${signConvention(layer)}; ${clip}${info.grey ? `; ${grey}` : ''}`;
  return `${clip}; ${grey}`;
}

/** Bar `prefix`: its title, the palette's gradient, the range's ends and middle. */
function fillScale(root, prefix, title, { palette, range, info }) {
  const part = (name) => root.querySelector(`#${prefix}-${name}`);
  part('title').textContent = title;
  part('bar').style.backgroundImage = cssGradient(palette);
  part('min').textContent = label(range.min, info.decimals, info.signed);
  part('zero').textContent = label((range.min + range.max) / 2, info.decimals, info.signed);
  part('max').textContent = label(range.max, info.decimals, info.signed);
}

function fillBar(root, prefix, layer, resolved, heading = '') {
  fillScale(root, prefix, `${heading}${quantity(layer, resolved.attribute, resolved.info).title}`, resolved);
}

/** The asset layer's bar under the points' one (assets.js assetKey), or hidden for null. */
export function renderAssetLegend(root, key) {
  const box = root.querySelector('#legend-assets');
  box.hidden = !key;
  if (!key) return;
  fillScale(root, 'legend-assets', key.title, key);
  root.querySelector('#legend-assets-note').textContent = key.note;
}

/**
 * Draw the legend of `layer` for a resolved look (see layers.resolveLook). A compare view:
 * `compare` {shared, layer, resolved}: one bar for both sides when they share a range, else a
 * second bar for the right side.
 */
export function renderLegend(root, layer, resolved, compare = null) {
  const split = compare && !compare.shared;
  fillBar(root, 'legend', layer, resolved, split ? 'Left: ' : '');
  const right = root.querySelector('#legend-right');
  right.hidden = !split;
  if (split) fillBar(root, 'legend-right', compare.layer, compare.resolved, 'Right: ');
  let extra = compare && compare.shared ? '; both sides of the divider on this range' : '';
  if (split && compare.resolved.info.signed) extra = `; right: ${signConvention(compare.layer)}`;
  root.querySelector('#legend-note').textContent = `${legendNote(layer, resolved)}${extra}`;
  // where values are relative inside each burst, the legend says so (the panel says it for all)
  const about = root.querySelector('#legend-about');
  about.textContent = layer.level === 'L2a' ? aboutLayer(layer) : '';
  about.hidden = layer.level !== 'L2a';
  root.hidden = false;
}
