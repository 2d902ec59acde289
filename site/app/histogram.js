// A small velocity histogram as SVG, built with DOM calls (every text through textContent):
// bars on the round bins of areastats.histogram, coloured like the map where the map shows
// velocity, an axis with round values and its unit, the points beyond the bins stated.
import { formatTick, niceStep, valueTicks } from './ticks.js';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = { width: 340, height: 118, left: 30, right: 16, top: 16, bottom: 34 };
const NEUTRAL = '#8c8c8c';
const FONT = 11;
const MAX_LABELS = 7;

function node(name, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function hexRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** The colour of `value` on `palette` ({stops: [[t, '#rrggbb']]}) over `range`, as the map's
 * linear interpolation gives it (clipped at the ends). */
export function paletteColour(palette, range, value) {
  const t = Math.min(1, Math.max(0, (value - range.min) / (range.max - range.min || 1)));
  const stops = palette.stops;
  let i = 1;
  while (i < stops.length - 1 && stops[i][0] < t) i += 1;
  const [t0, c0] = stops[i - 1];
  const [t1, c1] = stops[i];
  const f = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
  const [a, b] = [hexRgb(c0), hexRgb(c1)];
  return `rgb(${a.map((x, k) => Math.round(x + (b[k] - x) * f)).join(', ')})`;
}

function plural(n, word) {
  return `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * An <svg> of `hist` ({edges, counts, step, below, above}); `title` names the axis with its unit
 * ("LOS velocity (mm/yr)"); `colours` ({palette, range}) colours the bars like the map, or null
 * for grey bars.
 */
export function histogramSvg(hist, { title, colours = null }) {
  const { width, height, left, right, top, bottom } = SIZE;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const svg = node('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img',
    'font-family': 'system-ui, sans-serif', 'font-size': FONT, class: 'area-histogram' }); // prettier-ignore
  const lo = hist.edges[0];
  const hi = hist.edges[hist.edges.length - 1];
  const x = (v) => left + ((v - lo) / (hi - lo)) * plotW;
  const peak = Math.max(1, ...hist.counts);
  const y = (n) => top + plotH - (n / peak) * plotH;
  const total = hist.counts.reduce((a, b) => a + b, 0) + hist.below + hist.above;
  svg.setAttribute('aria-label', `Histogram of ${title}: ${plural(total, 'point')}, bins of ${hist.step}`);

  hist.counts.forEach((count, i) => {
    const [a, b] = [hist.edges[i], hist.edges[i + 1]];
    const fill = colours ? paletteColour(colours.palette, colours.range, (a + b) / 2) : NEUTRAL;
    const bar = node('rect', { x: x(a) + 0.5, y: y(count), width: Math.max(0.5, x(b) - x(a) - 1),
      height: top + plotH - y(count), fill, stroke: 'rgba(0, 0, 0, 0.45)', 'stroke-width': 0.5 }); // prettier-ignore
    bar.append(node('title', {}, `${formatTick(a, hist.step)} to ${formatTick(b, hist.step)}: ${plural(count, 'point')}`));
    svg.append(bar);
  });
  svg.append(node('line', { x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH, stroke: '#333' }));
  svg.append(node('line', { x1: left, x2: left, y1: top, y2: top + plotH, stroke: '#333' }));
  svg.append(node('text', { x: left - 3, y: top + 4, 'text-anchor': 'end' }, String(peak)));
  svg.append(node('text', { x: left - 3, y: top + plotH, 'text-anchor': 'end' }, '0'));
  svg.append(node('text', { x: left + 2, y: top - 5 }, 'points per bin'));

  const labelStep = niceStep(hi - lo, MAX_LABELS) < hist.step ? hist.step : niceStep(hi - lo, MAX_LABELS);
  for (const tick of valueTicks(lo, hi, labelStep)) {
    svg.append(node('line', { x1: x(tick), x2: x(tick), y1: top + plotH, y2: top + plotH + 3, stroke: '#333' }));
    svg.append(node('text', { x: x(tick), y: top + plotH + 14, 'text-anchor': 'middle' }, formatTick(tick, labelStep)));
  }
  svg.append(node('text', { x: left + plotW / 2, y: height - 4, 'text-anchor': 'middle' }, title));
  const beyond = [];
  if (hist.below) beyond.push(`${hist.below} below`);
  if (hist.above) beyond.push(`${hist.above} above`);
  if (beyond.length) {
    svg.append(node('text', { x: left + plotW, y: top - 5, 'text-anchor': 'end' }, `${beyond.join(', ')} the bins`));
  }
  return svg;
}
