// Downloads: series CSV, chart PNG/SVG with a credit line, map PNG. Nothing here parses HTML;
// the SVG is built with DOM calls and serialised.
import { mapWithRings } from './rings.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const FONT = '12px system-ui, sans-serif';
const SVG_SIZE = { width: 800, height: 420, left: 60, right: 20, top: 20, bottom: 40 };
const LINE_HEIGHT = 16;

/** Save `blob` as `name` through a temporary link (no popup, works offline). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function canvasBlob(canvas) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('empty image'))), 'image/png');
  });
}

/** `source` canvas with a white margin below holding `lines` of text (legend, credits). */
export function withCaption(source, lines, swatches = []) {
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height + Math.ceil((lines.length * LINE_HEIGHT + 8) * ratio);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(source, 0, 0);
  ctx.scale(ratio, ratio);
  ctx.font = FONT;
  ctx.textBaseline = 'top';
  lines.forEach((line, i) => {
    const y = source.height / ratio + 4 + i * LINE_HEIGHT;
    const colour = swatches[i];
    if (colour) {
      ctx.fillStyle = colour;
      ctx.fillRect(6, y + 3, 10, 10);
    }
    ctx.fillStyle = '#1b1f23';
    ctx.fillText(line, colour ? 22 : 6, y, source.width / ratio - 12);
  });
  return canvas;
}

/** PNG of the uPlot chart: plot, series legend, credit lines. */
export function chartPng(plot, legend, credits) {
  const lines = [...legend.map((l) => l.label), ...credits];
  const swatches = legend.map((l) => l.colour);
  return canvasBlob(withCaption(plot.ctx.canvas, lines, swatches));
}

/** PNG of the map canvas (it keeps its drawing buffer) and its rings, with credit lines. */
export function mapPng(map, credits) {
  map.triggerRepaint();
  return canvasBlob(withCaption(mapWithRings(map), credits));
}

function el(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

function ticks(min, max, count) {
  const step = (max - min) / count;
  return Array.from({ length: count + 1 }, (_, i) => min + i * step);
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
    d += `${pen ? 'L' : 'M'}${x(xs[i]).toFixed(1)},${y(ys[i]).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function svgScales(xs, lines, window) {
  const lo = window.min ?? Math.min(...xs);
  const hi = window.max ?? Math.max(...xs);
  const values = lines.flatMap((l) => l.values.filter((v, i) => typeof v === 'number' && xs[i] >= lo && xs[i] <= hi));
  let yMin = values.length ? Math.min(...values) : -1;
  let yMax = values.length ? Math.max(...values) : 1;
  if (yMin === yMax) [yMin, yMax] = [yMin - 1, yMax + 1];
  const s = SVG_SIZE;
  const x = (v) => s.left + ((v - lo) / (hi - lo || 1)) * (s.width - s.left - s.right);
  const y = (v) => s.top + (1 - (v - yMin) / (yMax - yMin)) * (s.height - s.top - s.bottom);
  return { x, y, lo, hi, yMin, yMax };
}

function svgAxes(svg, sc) {
  const s = SVG_SIZE;
  const bottom = s.height - s.bottom;
  svg.append(el('rect', { x: s.left, y: s.top, width: s.width - s.left - s.right, height: bottom - s.top, fill: 'none', stroke: '#999' }));
  for (const v of ticks(sc.yMin, sc.yMax, 5)) {
    svg.append(el('text', { x: s.left - 6, y: sc.y(v) + 4, 'text-anchor': 'end' }, v.toFixed(1)));
  }
  for (const v of ticks(sc.lo, sc.hi, 5)) {
    const label = new Date(v * 1000).toISOString().slice(0, 10);
    svg.append(el('text', { x: sc.x(v), y: bottom + 16, 'text-anchor': 'middle' }, label));
  }
  svg.append(el('text', { x: 14, y: s.top + (bottom - s.top) / 2, transform: `rotate(-90 14 ${s.top + (bottom - s.top) / 2})`, 'text-anchor': 'middle' }, 'mm'));
} // prettier-ignore

/** SVG text of a chart model {dates, lines}; `window` {min, max} in seconds (or nulls). */
export function chartSvg(xs, lines, window, credits) {
  const s = SVG_SIZE;
  const legend = lines.filter((l) => l.kind === 'series');
  const height = s.height + (legend.length + credits.length) * LINE_HEIGHT + 8;
  const svg = el('svg', { xmlns: SVG_NS, width: s.width, height, viewBox: `0 0 ${s.width} ${height}`, 'font-family': 'sans-serif', 'font-size': 11 });
  svg.append(el('rect', { x: 0, y: 0, width: s.width, height, fill: '#ffffff' }));
  const sc = svgScales(xs, lines, window);
  svgAxes(svg, sc);
  const plot = el('g', { 'clip-path': 'url(#plot-area)' });
  const clip = el('clipPath', { id: 'plot-area' });
  clip.append(el('rect', { x: s.left, y: s.top, width: s.width - s.left - s.right, height: s.height - s.top - s.bottom }));
  svg.append(clip, plot);
  for (const line of lines) {
    const d = pathData(xs, line.values, sc.x, sc.y);
    if (!d) continue;
    const style = line.kind === 'band' ? { stroke: '#999999', 'stroke-width': 1 }
      : { stroke: line.colour, 'stroke-width': line.kind === 'fit' ? 1 : 1.5 };
    if (line.kind === 'fit') style['stroke-dasharray'] = '6 4';
    plot.append(el('path', { d, fill: 'none', ...style, 'data-label': line.label }));
  }
  let y = s.height + 4;
  for (const line of legend) {
    svg.append(el('rect', { x: 6, y: y + 2, width: 10, height: 10, fill: line.colour }));
    svg.append(el('text', { x: 22, y: y + 11 }, line.label));
    y += LINE_HEIGHT;
  }
  for (const credit of credits) {
    svg.append(el('text', { x: 6, y: y + 11 }, credit));
    y += LINE_HEIGHT;
  }
  return new XMLSerializer().serializeToString(svg);
} // prettier-ignore
