// The MapLibre map: basemap style (offline Natural Earth, a user PMTiles, an online style or
// none), pmtiles protocol, controls.
/* global maplibregl, pmtiles */

export const SEA = '#dfe8ee';
export const LAND = '#f6f4ef';
export const BORDER = '#a59aa8';

const BACKGROUND_LAYER = { id: 'background', type: 'background', paint: { 'background-color': SEA } };

// Vector layer names of common basemap schemas -> how to draw them.
const FILLS = { land: LAND, earth: LAND, water: SEA, ocean: SEA };
const LINES = ['borders', 'boundaries', 'boundary', 'countries'];

function vectorLayers(names) {
  const layers = [];
  for (const name of names) {
    if (FILLS[name]) {
      layers.push({ id: `basemap-${name}`, type: 'fill', source: 'basemap', 'source-layer': name,
        paint: { 'fill-color': FILLS[name] } }); // prettier-ignore
    }
  }
  for (const name of names.filter((n) => LINES.includes(n))) {
    layers.push({ id: `basemap-${name}`, type: 'line', source: 'basemap', 'source-layer': name,
      paint: { 'line-color': BORDER, 'line-width': 0.8, 'line-dasharray': [3, 2] } }); // prettier-ignore
  }
  return layers;
}

/** The map style for the manifest's `basemap` entry (URLs resolved against `dataBase`). */
export function baseStyle(basemap, dataBase) {
  const kind = basemap ? basemap.kind : 'none';
  if (kind === 'style') return basemap.url;
  const style = { version: 8, sources: {}, layers: [BACKGROUND_LAYER] };
  if (kind !== 'offline' && kind !== 'pmtiles') return style;
  const url = `pmtiles://${new URL(basemap.tiles, dataBase).href}`;
  const attribution = basemap.attribution || '';
  if (basemap.tile_type === 'raster') {
    style.sources.basemap = { type: 'raster', url, tileSize: 256, attribution };
    style.layers.push({ id: 'basemap-raster', type: 'raster', source: 'basemap' });
    return style;
  }
  style.sources.basemap = { type: 'vector', url, attribution };
  style.layers.push(...vectorLayers(basemap.layers || ['land', 'borders']));
  return style;
}

let protocolAdded = false;

const RETRY_DELAY_MS = 250;

/**
 * `tile(params, abortController)` that asks once more after a network failure ("Failed to
 * fetch": a keep-alive connection the server closed as it was reused, a blip of the network);
 * cancelled requests and HTTP errors are not retried.
 */
export function retryingOnce(tile) {
  return async (params, abortController) => {
    try {
      return await tile(params, abortController);
    } catch (error) {
      if (abortController?.signal?.aborted || !(error instanceof TypeError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      return tile(params, abortController);
    }
  };
}

/** Register the pmtiles:// protocol once per page. */
export function addPmtilesProtocol() {
  if (protocolAdded) return;
  const protocol = new pmtiles.Protocol();
  maplibregl.addProtocol('pmtiles', retryingOnce(protocol.tile));
  protocolAdded = true;
}

const NARROW_MAP_PX = 640; // MapLibre's own limit for folding the credits

/**
 * A map in `container` over the site's basemap. `loaded` resolves once its style is loaded, not
 * once its first view is drawn: the points' source is added at once and its tiles load beside
 * the basemap's. Pass the first view in `options` (`bounds` or `center` and `zoom`), so no
 * other view is fetched and drawn first.
 */
export function createMap(container, attribution, basemap = null, dataBase = null, options = {}) {
  addPmtilesProtocol();
  const narrow = container.clientWidth <= NARROW_MAP_PX;
  const map = new maplibregl.Map({
    container,
    style: baseStyle(basemap, dataBase),
    center: [0, 0],
    zoom: 1,
    attributionControl: attribution === null ? false : { compact: narrow, customAttribution: attribution },
    // keep the canvas readable so PNG snapshots/exports see what the user sees
    canvasContextAttributes: { preserveDrawingBuffer: true },
    // no label fade: after any tile or source update it kept the map repainting for 300 ms
    fadeDuration: 0,
    ...options,
  });
  map.on('error', reportMapError);
  keepCanvasFitted(map);
  if (narrow) foldCredits(container);
  if (options.interactive !== false) {
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  }
  const loaded = new Promise((resolve) => map.once('style.load', resolve));
  return { map, loaded };
}

/** On a phone the credits, five lines long, covered the map under the legend: they start
 * folded behind MapLibre's (i) button, which shows them (the page's footer names the data's). */
function foldCredits(container) {
  const credits = container.querySelector('.maplibregl-ctrl-attrib');
  if (!credits) return;
  credits.classList.remove('maplibregl-compact-show');
  credits.removeAttribute('open');
}

/**
 * Resize the map whenever its container's size differs from the canvas's, at most once a frame.
 * MapLibre's own observer ignores its first report, so a container that changed size before that
 * report (the toolbar wrapping onto another line as its lists fill) kept a canvas of the old
 * size: taller than the map, its centre off, and Chromium left parts of it unpainted.
 */
function keepCanvasFitted(map) {
  const container = map.getContainer();
  let frame = 0;
  const fit = () => {
    frame = 0;
    const canvas = map.getCanvas();
    if (canvas.clientWidth !== container.clientWidth || canvas.clientHeight !== container.clientHeight) {
      map.resize();
    }
  };
  const observer = new ResizeObserver(() => {
    frame ||= requestAnimationFrame(fit);
  });
  observer.observe(container);
  map.once('remove', () => {
    observer.disconnect();
    cancelAnimationFrame(frame);
  });
}

/**
 * MapLibre logs every error it has no listener for; requests cancelled because the view moved
 * or the page is leaving are routine, so only real failures reach the console.
 */
function reportMapError(event) {
  const error = event && event.error;
  if (!error || leaving || error.name === 'AbortError' || /abort/i.test(String(error.message))) return;
  const where = [event.sourceId && `source ${event.sourceId}`, error.url].filter(Boolean).join(' ');
  // the cause, not just "Error", and which source failed
  console.error(`${where ? `${where}: ` : ''}${String(error.stack || error.message || error)}`);
}

// A page being left (reload, link) cancels its requests; some fail as "Failed to fetch"
let leaving = false;
addEventListener('beforeunload', () => { leaving = true; });
addEventListener('pagehide', () => { leaving = true; });

/** Resolve when the map has rendered everything it currently needs. */
export function whenIdle(map) {
  return new Promise((resolve) => {
    map.once('idle', resolve);
    map.triggerRepaint();
  });
}

/** Map options that open on [w, s, e, n]. */
export function boundsView(bounds) {
  const [west, south, east, north] = bounds;
  return { bounds: [[west, south], [east, north]], fitBoundsOptions: { padding: 40, maxZoom: 15 } };
}
