// The figure frame: what the map carries once it leaves the live viewer. In embed mode (iframes,
// `egms-tiler snapshot`) the page shows the title above the map, the key (colour bars, quantity,
// layer, filters, reference, scale) under it and the caption and credit at the foot, outside
// the map so they never hide a point. The Map PNG stacks the same parts around the map's
// picture (both halves of a compare view).
import { svgPng } from './export.js';
import { footSvg, headSvg, keySvg, mapFigureSvg } from './framesvg.js';
import { mapFigure, metresPerPx, scaleBar } from './mapfigure.js';
import { mapWithRings } from './rings.js';

const $ = (id) => document.getElementById(id);
const SCALE_MAX_PX = 110;
const IN_VIEW_MARGIN_PX = 16;
const MIN_RATIO = 2; // the Map PNG's pixels per CSS px, at least (print)

/** The map's size in CSS px and its scale bar at the centre. */
function scaleOf(map) {
  return scaleBar(metresPerPx(map.getCenter().lat, map.getZoom()), SCALE_MAX_PX);
}

/** Credits of the site and of every source the map draws (the points' data, the basemap), as
 * plain text (an online style's credits are HTML links). */
function creditsOf(map, siteCredit) {
  const style = map.getStyle();
  const credits = [siteCredit];
  for (const id of style ? Object.keys(style.sources) : []) {
    const words = String(map.getSource(id)?.attribution || '').replace(/<[^>]*>/g, '').trim();
    if (words && words !== siteCredit) credits.push(id.startsWith('basemap') ? `Basemap: ${words}` : words);
  }
  return credits;
}

function setSvg(node, part) {
  node.replaceChildren(...(part ? [part.svg] : []));
  node.hidden = !part;
}

/** The map's picture (with rings) and, in a compare view, the other map right of the divider. */
function mapCanvas(map, compare) {
  const main = mapWithRings(map);
  if (!compare || !compare.map) return main;
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [main.width, main.height];
  const ctx = canvas.getContext('2d');
  ctx.drawImage(main, 0, 0);
  const split = Math.round((canvas.width * compare.position) / 100);
  const other = compare.map.getCanvas();
  ctx.drawImage(other, split, 0, other.width - split, other.height, split, 0, canvas.width - split, canvas.height);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(split - 1.5 * map.getPixelRatio(), 0, 3 * map.getPixelRatio(), canvas.height);
  return canvas;
} // prettier-ignore

/**
 * ctx: {map(), shown() [{layer, resolved, side}], look(), reference() words or null,
 * words() {title, caption}, credit(), generator, compare(), assetKey() (the asset layer's key, or null)}.
 */
export function createFrame(ctx) {
  let queued = false;

  function figure() {
    const map = ctx.map();
    return mapFigure({
      shown: ctx.shown(),
      look: ctx.look(),
      reference: ctx.reference(),
      scale: scaleOf(map),
      ...ctx.words(),
      credits: creditsOf(map, ctx.credit()),
      generator: ctx.generator,
      extraKeys: ctx.assetKey ? [ctx.assetKey()].filter(Boolean) : [],
    });
  }

  function render() {
    queued = false;
    const nodes = [$('figure-head'), $('figure-key'), $('figure-foot')];
    const embed = document.body.classList.contains('embed');
    if (!embed || !ctx.map() || !ctx.shown().length) {
      for (const node of nodes) node.hidden = true;
      return;
    }
    const made = figure();
    const pageWidth = document.body.clientWidth;
    setSvg(nodes[0], headSvg(made, pageWidth));
    nodes[1].hidden = false; // its width is the map column's once shown
    setSvg(nodes[1], keySvg(made, nodes[1].clientWidth || pageWidth));
    setSvg(nodes[2], footSvg(made, pageWidth));
  }

  /** Redraw on the next frame (many changes in one frame draw once). */
  function update() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(render);
  }

  /**
   * In embed mode, move the map so the point at [lon, lat] is inside its box: a smaller embed
   * than the view was made for may leave the selected point outside.
   */
  async function keepInView(lon, lat) {
    const map = ctx.map();
    if (!document.body.classList.contains('embed') || !map) return;
    render(); // the key's height now, so the map's box is final
    await new Promise((resolve) => requestAnimationFrame(resolve));
    map.resize();
    const at = map.project([lon, lat]);
    const { clientWidth: width, clientHeight: height } = map.getContainer();
    const m = IN_VIEW_MARGIN_PX;
    if (at.x < m || at.y < m || at.x > width - m || at.y > height - m) map.jumpTo({ center: [lon, lat] });
  }

  /** The Map PNG: the map's picture in its frame, at least 2 image pixels per CSS px. */
  async function png() {
    const map = ctx.map();
    map.triggerRepaint();
    await new Promise((resolve) => map.once('render', resolve));
    const canvas = mapCanvas(map, ctx.compare());
    const ratio = Math.max(MIN_RATIO, map.getPixelRatio());
    const width = map.getContainer().clientWidth;
    const mapHeight = map.getContainer().clientHeight;
    const svg = mapFigureSvg(figure(), { width, image: canvas.toDataURL('image/png'), mapHeight, ratio });
    return svgPng(svg.text, width * ratio, svg.height * ratio);
  }

  window.addEventListener('resize', update);
  return { update, render, keepInView, png, figure };
}
