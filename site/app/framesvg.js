// The map figure (mapfigure.js) drawn as plain SVG at a width: the head (title), the key
// (colour bars, quantity, layer, filters, reference, scale bar) and the foot (caption, credit).
// The embed page shows these SVGs around the live map; the Map PNG stacks them with the map's
// picture into one SVG and rasterises it. Text is wrapped, never cut (svgfigure.js measures).
import { colourTicks } from './mapfigure.js';
import { FONT_FAMILY, SVG_NS, el, wrapText } from './svgfigure.js';

const T = { margin: 8, title: 15, body: 12, tick: 11, credit: 10.5, lineHeight: 1.3, bar: 10, arrow: 7 };
const COLOURS = { ink: '#1b1f23', muted: '#4a5560', frame: '#5b6670' };
const LABEL_PX = 40; // room per colour bar label: the bar gets one round value per this many px
let gradients = 0;

function text(group, x, y, words, size, extra = {}) {
  const node = el('text', { x, y, 'font-family': FONT_FAMILY, 'font-size': size, fill: COLOURS.ink, ...extra }, words);
  group.append(node);
  return node;
}

/** Wrapped lines of `words` at `size` from `top`; the height they took. */
function paragraph(group, words, { x, top, width, size, bold = false, colour = COLOURS.ink }) {
  const lines = wrapText(words, size, width, bold);
  const extra = { fill: colour, ...(bold ? { 'font-weight': 'bold' } : {}) };
  lines.forEach((line, i) => text(group, x, top + size + i * size * T.lineHeight, line, size, extra));
  return lines.length * size * T.lineHeight;
}

function gradient(group, stops) {
  gradients += 1;
  const id = `frame-gradient-${gradients}`;
  const node = el('linearGradient', { id, x1: 0, y1: 0, x2: 1, y2: 0 });
  for (const [t, colour] of stops) node.append(el('stop', { offset: t, 'stop-color': colour }));
  const defs = el('defs');
  defs.append(node);
  group.append(defs);
  return `url(#${id})`;
}

/** The colour bar with its end arrows (colours clipped there) and round values under it. */
function colourBar(group, key, x, top, barWidth) {
  const bar = el('g', { class: 'colour-bar' });
  const left = x + T.arrow;
  const [first, last] = [key.stops[0][1], key.stops[key.stops.length - 1][1]];
  const middle = top + T.bar / 2;
  const edge = { stroke: COLOURS.frame, 'stroke-width': 0.6 };
  bar.append(el('polygon', { points: `${x},${middle} ${left},${top} ${left},${top + T.bar}`, fill: first, ...edge }));
  const right = left + barWidth;
  bar.append(el('polygon', { points: `${right + T.arrow},${middle} ${right},${top} ${right},${top + T.bar}`, fill: last, ...edge }));
  bar.append(el('rect', { x: left, y: top, width: barWidth, height: T.bar, fill: gradient(bar, key.stops), ...edge }));
  const labels = el('g', { class: 'colour-bar-values' });
  for (const tick of colourTicks(key.range, Math.floor(barWidth / LABEL_PX) + 1, LABEL_PX / barWidth)) {
    const tx = left + tick.t * barWidth;
    bar.append(el('line', { x1: tx, y1: top + T.bar, x2: tx, y2: top + T.bar + 3, stroke: COLOURS.ink, 'stroke-width': 0.8 }));
    // the end values end at the arrows' tips, so that a long one ("2021.25") stays in the figure
    const [at, anchor] = tick.t === 0 ? [x, 'start'] : tick.t === 1 ? [right + T.arrow, 'end'] : [tx, 'middle'];
    text(labels, at, top + T.bar + 3 + T.tick, tick.label, T.tick, { 'text-anchor': anchor, 'data-value': tick.value });
  }
  bar.append(labels);
  group.append(bar);
  return T.bar + 4 + T.tick * T.lineHeight;
} // prettier-ignore

/** One layer's key: the bar beside its words when there is room, else words, bar, words; the
 * scale bar, when given, under the colour bar. */
function keyBlock(group, key, { x, top, width, scale }) {
  const block = el('g', { class: 'frame-key-layer' });
  const barWidth = Math.round(Math.min(240, Math.max(90, width * 0.34)));
  const barBox = barWidth + 2 * T.arrow;
  const beside = width - barBox - 14 >= 120;
  const textX = beside ? x + barBox + 14 : x;
  const textWidth = beside ? width - barBox - 14 : width;
  const title = key.heading ? `${key.heading}: ${key.title}` : key.title;
  const sentence = (words) => (words ? `${words[0].toUpperCase()}${words.slice(1)}.` : '');
  const words = [sentence(key.sign), key.grey ? `Grey: ${key.grey}.` : '', key.layer].filter(Boolean);
  let y = top;
  y += paragraph(block, title, { x: textX, top: y, width: textWidth, size: T.body, bold: true });
  let column = 0; // the bar's column, beside the words
  if (beside) {
    column = colourBar(block, key, x, top + 3, barWidth) + 3;
    if (scale) column += scaleRow(block, scale, x, top + column);
  } else {
    y += colourBar(block, key, x, y + 2, barWidth) + 4;
  }
  for (const line of words) y += paragraph(block, line, { x: textX, top: y, width: textWidth, size: T.body, colour: COLOURS.muted });
  if (!beside && scale) y += scaleRow(block, scale, x, y + 2) + 2;
  group.append(block);
  return Math.max(y - top, column);
} // prettier-ignore

function scaleRow(group, scale, x, top) {
  const row = el('g', { class: 'frame-scale' });
  const y = top + 8;
  const line = { stroke: COLOURS.ink, 'stroke-width': 1.2 };
  row.append(el('line', { x1: x, y1: y, x2: x + scale.px, y2: y, ...line }));
  row.append(el('line', { x1: x, y1: y - 4, x2: x, y2: y + 1, ...line }));
  row.append(el('line', { x1: x + scale.px, y1: y - 4, x2: x + scale.px, y2: y + 1, ...line }));
  text(row, x + scale.px + 5, y + 4, scale.label, T.tick);
  group.append(row);
  return 16;
}

function svgOf(id, width, draw) {
  const group = el('g');
  const height = Math.ceil(draw(group));
  const svg = el('svg', { xmlns: SVG_NS, version: '1.1', id, width, height, viewBox: `0 0 ${width} ${height}` });
  svg.append(group);
  return { svg, height };
}

function drawHead(group, figure, width) {
  const inner = width - 2 * T.margin;
  return T.margin + paragraph(group, figure.title, { x: T.margin, top: T.margin, width: inner, size: T.title, bold: true }) + 2;
}

function drawKey(group, figure, width) {
  const inner = width - 2 * T.margin;
  let y = T.margin;
  figure.keys.forEach((key, i) => {
    const scale = i === figure.keys.length - 1 ? figure.scale : null;
    y += keyBlock(group, key, { x: T.margin, top: y, width: inner, scale }) + 6;
  });
  const notes = [figure.filters, figure.reference].filter(Boolean);
  for (const note of notes) y += paragraph(group, note, { x: T.margin, top: y, width: inner, size: T.body });
  return y + 2;
}

function drawFoot(group, figure, width) {
  const inner = width - 2 * T.margin;
  let y = 4;
  if (figure.caption) y += paragraph(group, figure.caption, { x: T.margin, top: y, width: inner, size: T.body }) + 3;
  const credit = el('g', { class: 'frame-credit' });
  y += paragraph(credit, figure.credit, { x: T.margin, top: y, width: inner, size: T.credit, colour: COLOURS.muted });
  group.append(credit);
  return y + 5;
}

/** The title above the map, or null without one: {svg, height}. */
export function headSvg(figure, width) {
  return figure.title ? svgOf('figure-head-svg', width, (g) => drawHead(g, figure, width)) : null;
}

/** The key under the map: {svg, height}. */
export function keySvg(figure, width) {
  return svgOf('figure-key-svg', width, (g) => drawKey(g, figure, width));
}

/** The caption and credit at the figure's foot: {svg, height}. */
export function footSvg(figure, width) {
  return svgOf('figure-foot-svg', width, (g) => drawFoot(g, figure, width));
}

/**
 * The whole figure as SVG: head, the map's picture (`image`: a data URL of `mapHeight` CSS px
 * at `width`), key and foot; `ratio` scales only its intrinsic size, for rasterising.
 * {text, height} (CSS px).
 */
export function mapFigureSvg(figure, { width, image, mapHeight, ratio = 1 }) {
  const parts = [headSvg(figure, width), { image: true, height: mapHeight }, keySvg(figure, width), footSvg(figure, width)];
  const height = parts.filter(Boolean).reduce((sum, part) => sum + part.height, 0);
  const svg = el('svg', { xmlns: SVG_NS, version: '1.1', width: width * ratio, height: height * ratio, viewBox: `0 0 ${width} ${height}` });
  svg.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
  svg.append(el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }));
  let y = 0;
  for (const part of parts.filter(Boolean)) {
    if (part.image) {
      const picture = el('image', { x: 0, y, width, height: mapHeight, preserveAspectRatio: 'none' });
      picture.setAttributeNS('http://www.w3.org/1999/xlink', 'xlink:href', image);
      svg.append(picture);
    } else {
      const group = el('g', { transform: `translate(0 ${y})` });
      group.append(...part.svg.childNodes);
      svg.append(group);
    }
    y += part.height;
  }
  return { text: new XMLSerializer().serializeToString(svg), height };
} // prettier-ignore
