// The velocity legend: gradient bar, min / 0 / max labels, sign convention.
import { cssGradient, signConvention } from './style.js';

function label(value) {
  return value > 0 ? `+${value.toFixed(1)}` : value.toFixed(1);
}

/** Draw the legend of `layer` coloured with `palette` over `range`. */
export function renderLegend(root, layer, palette, range) {
  root.querySelector('#legend-bar').style.backgroundImage = cssGradient(palette);
  root.querySelector('#legend-min').textContent = label(range.min);
  root.querySelector('#legend-max').textContent = label(range.max);
  root.querySelector('#legend-note').textContent =
    `${signConvention(layer)}; colours clipped at the 2nd/98th percentile`;
  root.hidden = false;
}
