// A chart figure (figure.js) drawn as plain SVG 1.1 for one size: title block, plot with round
// value ticks, calendar date ticks (or, with `figure.xAxis`, round distance ticks and the axis
// title: a profile, profilefigure.js) and grid, the series, the legend and the credit line. Plain
// attributes only (no CSS, no foreignObject, generic font family) so Inkscape, LibreOffice and
// XML parsers read it. Text is measured on a canvas in the same font to wrap, never cut.
import { dateTicks, formatTick, niceStep, paddedRange, valueTicks } from './ticks.js';

export const SVG_NS = 'http://www.w3.org/2000/svg';
export const FONT_FAMILY = 'sans-serif';
// the size whose body text is 13 px; a larger figure scales text and lines with it, so it reads
// the same when placed at a page's width, only sharper
const BASE_SIZE = { width: 800, height: 450 };
const WRAP_SLACK = 1.08; // other programs' sans-serif may be a little wider than the browser's
const DATE_MARGIN = 0.015; // of the span, each side, when every date is shown
const DAY_S = 86_400;
const MIN_PLOT_SHARE = 0.4; // of the figure's height, else the text gets smaller
const MIN_SCALE = 0.6;
const VALUE_TICK_SPACING = 2.2; // value ticks at least this many tick-label heights apart
const MIN_INTERVALS = 5; // a nice step is at most 2.5 × span / intervals: two ticks at least
const COLOURS = { ink: '#1b1f23', muted: '#4a5560', grid: '#dde1e5', frame: '#7a848d', zero: '#8c959e' };

/** An SVG element `name` with `attributes` (numbers to 2 decimals) and text. */
export function el(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) {
    node.setAttribute(key, typeof value === 'number' ? String(Math.round(value * 100) / 100) : String(value));
  }
  if (text !== null) node.textContent = text;
  return node;
}

let measureContext = null;

/** Width in px of `text` in the figure's font at `size` px. */
export function textWidth(text, size, bold = false) {
  measureContext ||= document.createElement('canvas').getContext('2d');
  measureContext.font = `${bold ? 'bold ' : ''}${size}px ${FONT_FAMILY}`;
  return measureContext.measureText(text).width;
}

/** `text` cut at spaces into lines no wider than `width` (a longer word keeps its own line). */
export function wrapText(text, size, width, bold = false) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const longer = line ? `${line} ${word}` : word;
    if (line && textWidth(longer, size, bold) * WRAP_SLACK > width) {
      lines.push(line);
      line = word;
    } else {
      line = longer;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function typography(s) {
  return {
    s,
    margin: 16 * s,
    title: 17 * s,
    body: 13 * s,
    tick: 12 * s,
    credit: 11 * s,
    tickLength: 5 * s,
    tickGap: 4 * s,
    lineHeight: 1.3,
  };
}

function textNode(x, y, text, size, extra = {}) {
  return el('text', { x, y, 'font-family': FONT_FAMILY, 'font-size': size, fill: COLOURS.ink, ...extra }, text);
}

/** A group `id` of text lines [{text, size, bold, colour}] from `top` (the margin) down. */
function textBlock(id, lines, t, top = t.margin) {
  const group = el('g', { id });
  let y = top;
  for (const line of lines) {
    const extra = { fill: line.colour || COLOURS.ink, ...(line.bold ? { 'font-weight': 'bold' } : {}) };
    group.append(textNode(t.margin, y + line.size, line.text, line.size, extra));
    y += line.size * t.lineHeight;
  }
  return group;
}

function headerLines(figure, t, width) {
  const wrap = (text, size, bold) => wrapText(text, size, width, bold).map((line) => ({ text: line, size, bold }));
  return [...wrap(figure.title, t.title, true), ...figure.lines.flatMap((line) => wrap(line, t.body, false))];
}

function creditLines(figure, t, width) {
  return wrapText(figure.credit, t.credit, width).map((text) => ({ text, size: t.credit, colour: COLOURS.muted }));
}

/** Legend entries flowed into rows: [{entry, x, row}] and the number of rows. */
function legendRows(entries, t, width) {
  const sample = 24 * t.s;
  const placed = [];
  let x = 0;
  let row = 0;
  for (const entry of entries) {
    const itemWidth = sample + 6 * t.s + textWidth(entry.label, t.body) * WRAP_SLACK;
    if (x > 0 && x + itemWidth > width) {
      row += 1;
      x = 0;
    }
    placed.push({ entry, x, row });
    x += itemWidth + 18 * t.s;
  }
  return { placed, rows: entries.length ? row + 1 : 0 };
}

function visibleValues(figure, lo, hi) {
  const values = [];
  for (const line of figure.series) {
    line.values.forEach((v, i) => {
      if (typeof v === 'number' && Number.isFinite(v) && figure.xs[i] >= lo && figure.xs[i] <= hi) values.push(v);
    });
  }
  return values;
}

/** The values shown: the data inside the date window, padded; round ticks inside. */
function valueAxisRange(values, maxIntervals) {
  const [min, max] = values.length ? paddedRange(Math.min(...values), Math.max(...values)) : [-1, 1];
  return { min, max, step: niceStep(max - min, maxIntervals) };
}

/** The dates shown: the chart's window; all dates get a margin so no point sits on the frame.
 * A distance axis: the data, padded. */
function dateWindow(figure) {
  if (figure.xAxis) return paddedRange(...(figure.xAxis.range || [Math.min(...figure.xs), Math.max(...figure.xs)]), 0.02);
  const first = Math.min(...figure.xs);
  const last = Math.max(...figure.xs);
  const lo = figure.window.min ?? first;
  const hi = figure.window.max ?? last;
  if (hi <= lo) return [lo - DAY_S, hi + DAY_S];
  const margin = lo <= first && hi >= last ? (hi - lo) * DATE_MARGIN : 0;
  return [lo - margin, hi + margin];
}

/** The text blocks and the band left between them for the plot and its date labels. */
function textBlocks(figure, t, width, height) {
  const inner = width - 2 * t.margin;
  const header = headerLines(figure, t, inner);
  const credit = creditLines(figure, t, inner);
  const legend = legendRows(figure.legend, t, inner);
  const headerBottom = t.margin + header.reduce((sum, line) => sum + line.size * t.lineHeight, 0);
  const creditTop = height - t.margin - credit.length * t.credit * t.lineHeight;
  const legendTop = creditTop - 8 * t.s - legend.rows * t.body * 1.6;
  const dateLabels = t.tickLength + t.tickGap + t.tick * 1.2 + (figure.xAxis ? t.body * t.lineHeight + 4 * t.s : 0);
  return { header, credit, legend, creditTop, legendTop, top: headerBottom + 12 * t.s, bottom: legendTop - 10 * t.s - dateLabels };
} // prettier-ignore

/** The value axis over `height` px: range, round ticks with their labels. */
function valueScale(figure, [lo, hi], height, t) {
  const intervals = Math.max(MIN_INTERVALS, Math.floor(height / (t.tick * VALUE_TICK_SPACING)));
  const y = valueAxisRange(visibleValues(figure, lo, hi), intervals);
  const ticks = valueTicks(y.min, y.max, y.step).map((v) => ({ value: v, label: formatTick(v, y.step) }));
  return { ...y, ticks, labelWidth: Math.max(0, ...ticks.map((tick) => textWidth(tick.label, t.tick))) };
}

/** Round ticks of a distance axis from `lo` to `hi` over `width` px, labels 3 widths apart. */
function distanceTicks(lo, hi, width, t) {
  const widest = Math.max(textWidth(formatTick(lo, 1), t.tick), textWidth(formatTick(hi, 1), t.tick));
  const step = niceStep(hi - lo, Math.max(2, Math.floor(width / (widest * 3))));
  return valueTicks(lo, hi, step).map((value) => ({ value, label: formatTick(value, step) }));
}

/** Where everything goes at text scale `s`: text blocks, plot rectangle, scales and ticks. */
function layoutAt(figure, width, height, s) {
  const t = typography(s);
  const blocks = textBlocks(figure, t, width, height);
  const { top, bottom } = blocks;
  const [lo, hi] = dateWindow(figure);
  const y = valueScale(figure, [lo, hi], bottom - top, t);
  const left = t.margin + t.body * t.lineHeight + 8 * t.s + y.labelWidth + t.tickGap + t.tickLength;
  const right = width - t.margin - textWidth(figure.xAxis ? '00000' : '0000-00', t.tick) / 2;
  return {
    ...blocks, t, width, height, plot: { left, right, top, bottom }, yTicks: y.ticks,
    xTicks: figure.xAxis ? distanceTicks(lo, hi, right - left, t) : dateTicks(lo, hi, right - left, textWidth('0', t.tick)).ticks,
    xOf: (v) => left + ((v - lo) / (hi - lo)) * (right - left),
    yOf: (v) => bottom - ((v - y.min) / (y.max - y.min)) * (bottom - top),
  }; // prettier-ignore
}

/**
 * The layout: text scaled with the figure from BASE_SIZE up; in a small figure whose text
 * would leave the plot under MIN_PLOT_SHARE of the height (or shorter than its axis title),
 * smaller text, down to MIN_SCALE.
 */
function layout(figure, width, height) {
  let s = Math.max(1, Math.min(width / BASE_SIZE.width, height / BASE_SIZE.height));
  for (;;) {
    const L = layoutAt(figure, width, height, s);
    const plotHeight = L.plot.bottom - L.plot.top;
    const roomy = plotHeight >= height * MIN_PLOT_SHARE && plotHeight >= textWidth(figure.yTitle, L.t.body);
    if (roomy || s * 0.9 < MIN_SCALE) return L;
    s *= 0.9;
  }
}

function line(x1, y1, x2, y2, stroke, width, extra = {}) {
  return el('line', { x1, y1, x2, y2, stroke, 'stroke-width': width, ...extra });
}

function gridLines(L) {
  const { plot, t } = L;
  const group = el('g', { id: 'grid' });
  for (const tick of L.yTicks) {
    const y = L.yOf(tick.value);
    const zero = tick.value === 0;
    group.append(line(plot.left, y, plot.right, y, zero ? COLOURS.zero : COLOURS.grid, t.s * (zero ? 1.2 : 1)));
  }
  for (const tick of L.xTicks) {
    const x = L.xOf(tick.value);
    group.append(line(x, plot.top, x, plot.bottom, COLOURS.grid, t.s));
  }
  return group;
}

function frame(L) {
  const { plot, t } = L;
  const box = { x: plot.left, y: plot.top, width: plot.right - plot.left, height: plot.bottom - plot.top };
  return el('rect', { ...box, fill: 'none', stroke: COLOURS.frame, 'stroke-width': t.s });
}

function valueAxis(L) {
  const { plot, t } = L;
  const group = el('g', { id: 'value-ticks' });
  for (const tick of L.yTicks) {
    const y = L.yOf(tick.value);
    group.append(line(plot.left - t.tickLength, y, plot.left, y, COLOURS.frame, t.s));
    const x = plot.left - t.tickLength - t.tickGap;
    group.append(textNode(x, y + t.tick * 0.35, tick.label, t.tick, { 'text-anchor': 'end' }));
  }
  return group;
}

/** A date label's centre, moved inside the figure's margins if it would cross them. */
function labelCentre(x, label, L) {
  const half = textWidth(label, L.t.tick) / 2;
  return Math.min(Math.max(x, L.t.margin + half), L.width - L.t.margin - half);
}

function dateAxis(L) {
  const { plot, t } = L;
  const group = el('g', { id: 'date-ticks' });
  const baseline = plot.bottom + t.tickLength + t.tickGap + t.tick * 0.9;
  for (const tick of L.xTicks) {
    const x = L.xOf(tick.value);
    group.append(line(x, plot.bottom, x, plot.bottom + t.tickLength, COLOURS.frame, t.s));
    group.append(textNode(labelCentre(x, tick.label, L), baseline, tick.label, t.tick, { 'text-anchor': 'middle' }));
  }
  return group;
}

function distanceTitle(L, figure) {
  if (!figure.xAxis) return el('g');
  const { plot, t } = L;
  const y = plot.bottom + t.tickLength + t.tickGap + t.tick * 1.2 + t.body;
  return textNode((plot.left + plot.right) / 2, y, figure.xAxis.title, t.body, { id: 'distance-title', 'text-anchor': 'middle' });
}

function valueTitle(L, figure) {
  const cx = L.t.margin + L.t.body;
  const cy = (L.plot.top + L.plot.bottom) / 2;
  const turn = `rotate(-90 ${cx.toFixed(2)} ${cy.toFixed(2)})`;
  return textNode(cx, cy, figure.yTitle, L.t.body, { id: 'value-title', 'text-anchor': 'middle', transform: turn });
}

/** Path data of one series, broken at nulls (gaps), spanning undefined (dates it lacks). */
export function pathData(xs, ys, x, y) {
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i += 1) {
    if (ys[i] === undefined) continue;
    if (ys[i] === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(xs[i]).toFixed(2)},${y(ys[i]).toFixed(2)}`;
    pen = true;
  }
  return d;
}

function seriesStyle(kind, colour, s) {
  if (kind === 'fit') return { stroke: colour, 'stroke-width': 1.2 * s, 'stroke-dasharray': `${6 * s} ${4 * s}` };
  if (kind === 'band') return { stroke: colour, 'stroke-width': s };
  return { stroke: colour, 'stroke-width': 1.5 * s };
}

function markers(figure, line, L) {
  const group = el('g', { fill: line.colour });
  line.values.forEach((v, i) => {
    if (typeof v === 'number') group.append(el('circle', { cx: L.xOf(figure.xs[i]), cy: L.yOf(v), r: 1.6 * L.t.s }));
  });
  return group;
}

function plotClip(L) {
  const { plot } = L;
  const defs = el('defs');
  const clip = el('clipPath', { id: 'plot-area' });
  clip.append(el('rect', { x: plot.left, y: plot.top, width: plot.right - plot.left, height: plot.bottom - plot.top }));
  defs.append(clip);
  return defs;
}

/** Runs of indices where both bounds have a value (null breaks a run, undefined is skipped). */
function bandRuns(upper, lower) {
  const runs = [];
  let run = [];
  for (let i = 0; i < upper.length; i += 1) {
    if (upper[i] === undefined || lower[i] === undefined) continue;
    if (typeof upper[i] === 'number' && typeof lower[i] === 'number') run.push(i);
    else if (run.length) runs.push(run.splice(0));
  }
  if (run.length) runs.push(run);
  return runs;
}

/** A filled band between two consecutive band lines (upper then lower) that have a `fill`. */
function bandArea(L, figure, upper, lower) {
  const { xs } = figure;
  const d = bandRuns(upper.values, lower.values).map((run) => {
    const top = run.map((i, k) => `${k ? 'L' : 'M'}${L.xOf(xs[i]).toFixed(2)},${L.yOf(upper.values[i]).toFixed(2)}`);
    const bottom = [...run].reverse().map((i) => `L${L.xOf(xs[i]).toFixed(2)},${L.yOf(lower.values[i]).toFixed(2)}`);
    return `${top.join('')}${bottom.join('')}Z`;
  }).join(''); // prettier-ignore
  const path = el('path', { d, fill: upper.fill, stroke: 'none' });
  path.append(el('title', {}, upper.label));
  return path;
}

function seriesLines(L, figure) {
  const group = el('g', { id: 'series', 'clip-path': 'url(#plot-area)' });
  figure.series.forEach((series, i) => {
    const next = figure.series[i + 1];
    if (series.fill && series.kind === 'band' && next?.kind === 'band') group.append(bandArea(L, figure, series, next));
  });
  for (const series of figure.series) {
    if (series.kind === 'dots') {
      group.append(markers(figure, series, L));
      continue;
    }
    if (series.kind === 'band' && series.fill) continue; // drawn as its area
    const d = pathData(figure.xs, series.values, L.xOf, L.yOf);
    if (!d) continue;
    const style = seriesStyle(series.kind, series.colour, L.t.s);
    const path = el('path', { d, fill: 'none', ...style });
    path.append(el('title', {}, series.label)); // the line's name in Inkscape's object list
    group.append(path);
    if (series.kind === 'series' && series.markers !== false) group.append(markers(figure, series, L));
  }
  return group;
}

function legend(L) {
  const { t } = L;
  const group = el('g', { id: 'legend' });
  const sample = 24 * t.s;
  for (const { entry, x, row } of L.legend.placed) {
    const left = t.margin + x;
    const middle = L.legendTop + row * t.body * 1.6 + t.body * 0.8;
    if (entry.fill) {
      group.append(el('rect', { x: left, y: middle - t.body * 0.45, width: sample, height: t.body * 0.9, fill: entry.fill }));
    } else if (entry.kind !== 'dots') {
      group.append(line(left, middle, left + sample, middle, entry.colour, 0, seriesStyle(entry.kind, entry.colour, t.s)));
    }
    const marked = entry.kind === 'dots' || (entry.kind === 'series' && entry.markers !== false);
    if (marked) group.append(el('circle', { cx: left + sample / 2, cy: middle, r: 2.2 * t.s, fill: entry.colour }));
    group.append(textNode(left + sample + 6 * t.s, middle + t.body * 0.35, entry.label, t.body));
  }
  return group;
} // prettier-ignore

/**
 * SVG text of `figure` laid out at `width` × `height` px; `ratio` multiplies only its intrinsic
 * size (width/height attributes), for rasterising it sharply.
 */
export function figureSvg(figure, { width, height, ratio = 1 }) {
  const L = layout(figure, width, height);
  const svg = el('svg', { xmlns: SVG_NS, version: '1.1', width: width * ratio, height: height * ratio, viewBox: `0 0 ${width} ${height}` });
  svg.append(el('title', {}, figure.title));
  svg.append(el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }));
  svg.append(
    textBlock('heading', L.header, L.t),
    gridLines(L), plotClip(L), seriesLines(L, figure), frame(L),
    valueAxis(L), dateAxis(L), distanceTitle(L, figure), valueTitle(L, figure), legend(L),
    textBlock('credit', L.credit, L.t, L.creditTop),
  );
  return new XMLSerializer().serializeToString(svg);
} // prettier-ignore

