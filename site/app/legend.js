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
  const clip = resolved.custom
    ? `colours clipped at ${label(resolved.range.min, resolved.info.decimals, resolved.info.signed)}`
      + ` / ${label(resolved.range.max, resolved.info.decimals, resolved.info.signed)}`
    : 'colours clipped at the 2nd/98th percentile';
  if (resolved.info.signed) return `${signConvention(layer)}; ${clip}`;
  return `${clip}; grey = no value`;
}

/** Draw the legend of `layer` for a resolved look (see layers.resolveLook). */
export function renderLegend(root, layer, resolved) {
  const { info, range, palette } = resolved;
  root.querySelector('#legend-title').textContent = quantity(layer, resolved.attribute, info).title;
  root.querySelector('#legend-bar').style.backgroundImage = cssGradient(palette);
  root.querySelector('#legend-min').textContent = label(range.min, info.decimals, info.signed);
  root.querySelector('#legend-zero').textContent = label(
    (range.min + range.max) / 2,
    info.decimals,
    info.signed,
  );
  root.querySelector('#legend-max').textContent = label(range.max, info.decimals, info.signed);
  root.querySelector('#legend-note').textContent = legendNote(layer, resolved);
  // where values are relative inside each burst, the legend says so (the panel says it for all)
  const about = root.querySelector('#legend-about');
  about.textContent = layer.level === 'L2a' ? aboutLayer(layer) : '';
  about.hidden = layer.level !== 'L2a';
  root.hidden = false;
}
