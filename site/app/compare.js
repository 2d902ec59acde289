// Compare two layers: a second, synchronised map over the first, clipped right of a draggable
// divider (swipe). The main map keeps every interaction; the second only follows its view.
import { basemapOptions, follow as followBasemap } from './basemaps.js';
import { applyLook, featureNear, showLayer } from './layers.js';
import { layerName } from './layernames.js';
import { createMap } from './map.js';
import { ringsOf } from './rings.js';

function element(tag, className, attributes = {}) {
  const node = document.createElement(tag);
  node.className = className;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** ctx: {map, basemap, dataBase, layerById(id), look()}. */
export function createCompare(ctx) {
  const host = ctx.map.getContainer().parentElement;
  let other = null;
  let otherLoaded = null;
  let layer = null;
  let position = 50;
  let nodes = null;
  let unfollow = null; // stops mirroring the main map's rings

  function follow() {
    if (!other) return;
    other.jumpTo({
      center: ctx.map.getCenter(),
      zoom: ctx.map.getZoom(),
      bearing: ctx.map.getBearing(),
      pitch: ctx.map.getPitch(),
    });
  }

  function place(percent) {
    position = Math.min(95, Math.max(5, percent));
    if (!nodes) return;
    nodes.container.style.clipPath = `inset(0 0 0 ${position}%)`;
    nodes.divider.style.left = `${position}%`;
    nodes.divider.setAttribute('aria-valuenow', String(Math.round(position)));
  }

  function build() {
    const container = element('div', 'map map-compare', { id: 'map-compare', 'aria-hidden': 'true' });
    const divider = element('div', 'compare-divider', {
      id: 'compare-divider', role: 'separator', tabindex: '0', 'aria-orientation': 'vertical',
      'aria-valuemin': '5', 'aria-valuemax': '95', 'aria-label': 'Split position (arrow keys move it)',
    }); // prettier-ignore
    const left = element('span', 'compare-label compare-label-left', { id: 'compare-left' });
    const right = element('span', 'compare-label compare-label-right', { id: 'compare-right' });
    host.append(container, divider, left, right);
    divider.addEventListener('pointerdown', (event) => {
      divider.setPointerCapture(event.pointerId);
      const box = host.getBoundingClientRect();
      const move = (e) => place(((e.clientX - box.left) / box.width) * 100);
      divider.addEventListener('pointermove', move);
      divider.addEventListener('pointerup', () => divider.removeEventListener('pointermove', move), { once: true });
    });
    divider.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowLeft') place(position - 5);
      if (event.key === 'ArrowRight') place(position + 5);
    });
    nodes = { container, divider, left, right };
  }

  function labels(mainLayer) {
    if (!nodes) return;
    nodes.left.textContent = `◀ ${layerName(mainLayer)}`;
    nodes.right.textContent = `${layerName(layer)} ▶`;
  }

  async function open(next, mainLayer) {
    if (!nodes) build();
    for (const node of Object.values(nodes)) node.hidden = false;
    layer = next;
    if (!other) {
      // on the basemap the main map shows, and following its switches (basemaps.js)
      const made = createMap(nodes.container, null, ctx.basemap, ctx.dataBase, { interactive: false, ...basemapOptions() }); // prettier-ignore
      followBasemap(made.map);
      other = made.map;
      otherLoaded = made.loaded;
      ctx.map.on('move', follow);
      follow();
      const mirror = ringsOf(other);
      unfollow = ringsOf(ctx.map).follow((name, rings) => mirror.set(name, rings));
    }
    const map = other;
    await otherLoaded;
    if (map !== other || layer !== next) return; // closed or changed meanwhile
    showLayer(other, layer, ctx.look(), ctx.dataBase);
    labels(mainLayer);
    place(position);
    follow();
  }

  function close() {
    layer = null;
    if (nodes) for (const node of Object.values(nodes)) node.hidden = true;
    if (other) {
      ctx.map.off('move', follow);
      if (unfollow) unfollow();
      unfollow = null;
      other.remove();
      other = null;
    }
  }

  return {
    /** Show `next` (a manifest layer) right of the divider, or close the split for null. */
    async set(next, mainLayer) {
      if (!next) return close();
      return open(next, mainLayer);
    },
    /** Restyle the second map after a change of colours, size or filters. */
    restyle(mainLayer) {
      if (other && layer && other.isStyleLoaded()) applyLook(other, layer, ctx.look());
      if (layer) labels(mainLayer);
    },
    get map() {
      return other;
    },
    /** The right side's feature near screen `point` (of the main map), or null left of the divider. */
    featureAt(point) {
      if (!other || !layer) return null;
      const split = (ctx.map.getContainer().clientWidth * position) / 100;
      return point.x > split ? featureNear(other, point) || false : null;
    },
    get layerId() {
      return layer ? layer.id : null;
    },
    get position() {
      return position;
    },
  };
}
