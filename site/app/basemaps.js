// Basemaps: the manifest's `basemaps` (the first is the default), a picker in the map settings,
// `bm=` in the URL hash, and the fall back to the site's own map, with a one-line note, when an
// online one cannot be reached. An online style or its tiles are fetched only while it is shown.
import { SEA, baseStyle } from './map.js';

const $ = (id) => document.getElementById(id);
const STYLE_TIMEOUT_MS = 10000; // a style that does not answer in time counts as unreachable
const FIRST_TILE_MS = 15000; // nor does a basemap none of whose tiles arrive in time
const LOCAL = ['offline', 'pmtiles'];

/** The manifest's basemaps (older manifests have only `basemap`). */
export function basemapList(manifest) {
  if (Array.isArray(manifest.basemaps) && manifest.basemaps.length) return manifest.basemaps;
  const only = manifest.basemap || { kind: 'none' };
  return [{ id: only.kind, label: only.kind, ...only }];
}

/** A URL of a style resolved against the style's own URL; `{z}`, `{fontstack}` kept as they are. */
function resolve(url, base) {
  if (typeof url !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return new URL(url, base).href.replace(/%7B/gi, '{').replace(/%7D/gi, '}');
}

/** A fetched style with its ids made ours (`basemap-` sources, `basemap:` layers), so they never
 * clash with the points' layers, and its URLs absolute. */
export function ownStyle(style, entry) {
  const names = {};
  const sources = {};
  for (const [name, source] of Object.entries(style.sources || {})) {
    names[name] = `basemap-${name}`;
    const copy = { ...source };
    if (copy.url) copy.url = resolve(copy.url, entry.url);
    if (Array.isArray(copy.tiles)) copy.tiles = copy.tiles.map((t) => resolve(t, entry.url));
    sources[names[name]] = copy;
  }
  const credited = Object.values(sources).some((source) => source.attribution);
  const first = Object.values(sources)[0];
  if (!credited && first && entry.attribution) first.attribution = entry.attribution;
  const layers = (style.layers || []).map((layer) => ({
    ...layer,
    id: `basemap:${layer.id}`,
    ...(layer.source ? { source: names[layer.source] || layer.source } : {}),
  }));
  const sprite = Array.isArray(style.sprite)
    ? style.sprite.map((s) => ({ ...s, url: resolve(s.url, entry.url) }))
    : resolve(style.sprite, entry.url);
  const own = { version: 8, sources, layers };
  if (style.glyphs) own.glyphs = resolve(style.glyphs, entry.url);
  if (sprite) own.sprite = sprite;
  return own;
}

function rasterStyle(entry) {
  const source = { type: 'raster', tiles: entry.tiles, tileSize: entry.tileSize || 256, attribution: entry.attribution || '' }; // prettier-ignore
  if (entry.maxzoom) source.maxzoom = entry.maxzoom; // deeper zooms overzoom the last tiles
  return {
    version: 8,
    sources: { basemap: source },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': SEA } },
      { id: 'basemap-raster', type: 'raster', source: 'basemap' },
    ],
  };
}

/** The whole style of a basemap entry; an online style is fetched (rejects if it cannot be). */
export async function basemapStyle(entry, dataBase) {
  if (entry.kind === 'raster') return rasterStyle(entry);
  if (entry.kind !== 'style') return baseStyle(entry, dataBase);
  let response;
  try {
    response = await fetch(entry.url, { credentials: 'omit', signal: AbortSignal.timeout(STYLE_TIMEOUT_MS) });
  } catch (error) {
    throw new Error(error.name === 'TimeoutError' ? 'no answer' : 'no connection');
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return ownStyle(await response.json(), entry);
}

// The shown basemap's style, for the other maps of the page (the compare view's right half):
// they open on it and follow each switch (`follow`).
let shownStyle = null;
const followers = new Map(); // map -> what the basemap added to it {sources, layers}

function partsOf(style) {
  return { sources: Object.keys(style.sources || {}), layers: (style.layers || []).map((l) => l.id) };
}

/** Put `style` under everything else on map `m`, in place of `parts`; the new parts. */
function putOn(m, style, parts) {
  for (const id of parts.layers) if (m.getLayer(id)) m.removeLayer(id);
  for (const id of parts.sources) if (m.getSource(id)) m.removeSource(id);
  const before = (m.getStyle().layers[0] || {}).id;
  for (const [id, source] of Object.entries(style.sources)) m.addSource(id, structuredClone(source));
  for (const layer of style.layers) m.addLayer(structuredClone(layer), before);
  if (style.glyphs) m.setGlyphs(style.glyphs);
  if (style.sprite) m.setSprite(style.sprite);
  return partsOf(style);
}

/** createMap options for another map of the page: the shown basemap's style ({} before any). */
export function basemapOptions() {
  return shownStyle ? { style: structuredClone(shownStyle) } : {};
}

/** Keep map `m` (made with basemapOptions) on the shown basemap until `m` is removed. */
export function follow(m) {
  if (!shownStyle) return;
  followers.set(m, partsOf(shownStyle));
  m.once('remove', () => followers.delete(m));
}

function showEverywhere(style) {
  shownStyle = style;
  for (const [m, parts] of followers) {
    if (m.isStyleLoaded()) followers.set(m, putOn(m, style, parts));
  }
}

/** The one line that says an online basemap is not shown, why, and what is shown instead. */
export function unreachable(entry, local, why) {
  const instead = local.kind === 'offline' ? 'the offline map' : local.kind === 'none' ? 'no basemap' : local.label || local.id; // prettier-ignore
  return `Basemap ${entry.label || entry.id} could not be reached (${why}); showing ${instead}.`;
}

/** ctx: {state (its `bm`), app, writeHash}. */
export function createBasemaps(ctx) {
  let list = [];
  let shown = null; // the entry on the map
  let parts = { sources: [], layers: [] }; // what the shown basemap added to the map
  let token = 0;
  let watchdog = null;
  let tileArrived = false;

  const byId = (id) => list.find((entry) => entry.id === id) || null;
  const fallback = () =>
    list.find((e) => LOCAL.includes(e.kind)) || list.find((e) => e.kind === 'none') || { id: 'none', kind: 'none' };
  const isOnline = (entry) => entry && !LOCAL.includes(entry.kind) && entry.kind !== 'none';
  const map = () => ctx.app.map;

  /** The page state's `bm`: the shown basemap unless it is the default (address.js). */
  function remember() {
    ctx.state.bm = shown && shown.id !== list[0].id ? shown.id : null;
  }

  function note(text) {
    let node = $('basemap-note');
    if (!node) {
      node = document.createElement('p');
      node.id = 'basemap-note';
      node.className = 'basemap-note';
      node.setAttribute('role', 'status');
      const words = document.createElement('span');
      const close = document.createElement('button');
      close.type = 'button';
      close.textContent = '×';
      close.setAttribute('aria-label', 'Dismiss');
      close.addEventListener('click', () => (node.hidden = true));
      node.append(words, close);
      ($('map').parentElement || document.body).append(node);
    }
    node.firstChild.textContent = text;
    node.title = text;
    node.hidden = !text;
  }

  /** Put `style` under the points on the map (and the maps that follow it). */
  function put(style) {
    parts = putOn(map(), style, parts);
    showEverywhere(style);
  }

  function watch(entry) {
    clearTimeout(watchdog);
    tileArrived = false;
    if (!isOnline(entry)) return;
    watchdog = setTimeout(() => {
      if (!tileArrived && shown === entry) failed(entry, `no tile arrived within ${FIRST_TILE_MS / 1000} s`);
    }, FIRST_TILE_MS);
  }

  function select(entry) {
    const node = $('basemap-select');
    if (node) node.value = entry.id;
  }

  function failed(entry, why) {
    if (shown !== entry) return;
    const local = fallback();
    note(unreachable(entry, local, why));
    show(local.id, { quiet: true });
  }

  /** Show basemap `id` (unknown: the default); resolves once its style is on the map. */
  async function show(id, { quiet = false } = {}) {
    const entry = byId(id) || list[0];
    const mine = ++token;
    if (!quiet) note('');
    let style;
    try {
      style = await basemapStyle(entry, ctx.app.dataBase);
    } catch (error) {
      if (mine !== token) return;
      shown = entry;
      failed(entry, error.message);
      return;
    }
    if (mine !== token) return;
    shown = entry;
    put(style);
    select(entry);
    watch(entry);
    remember();
    ctx.writeHash();
  }

  function onError(event) {
    if (!shown || !isOnline(shown) || !event.sourceId || !parts.sources.includes(event.sourceId)) return;
    const error = event.error || {};
    if (error.name === 'AbortError' || /abort/i.test(String(error.message))) return;
    failed(shown, error.status ? `HTTP ${error.status}` : 'no connection');
  }

  function fillPicker() {
    const node = $('basemap-select');
    if (!node) return;
    node.replaceChildren(
      ...list.map((entry) => {
        const item = document.createElement('option');
        item.value = entry.id;
        item.textContent = entry.label || entry.id;
        return item;
      }),
    );
    node.addEventListener('change', () => show(node.value));
    const row = $('basemap-row');
    if (row) row.hidden = list.length < 2;
  }

  return {
    /** The first style of the map: the hash's `bm=` or the default; an online one that cannot
     * be fetched gives the fallback, with its note. */
    async initial(manifest, bm) {
      list = basemapList(manifest);
      const wanted = byId(bm) || list[0];
      try {
        const style = await basemapStyle(wanted, ctx.app.dataBase);
        shown = wanted;
        parts = partsOf(style);
        shownStyle = style;
        return structuredClone(style);
      } catch (error) {
        const local = fallback();
        shown = local;
        note(unreachable(wanted, local, error.message));
        const style = await basemapStyle(local, ctx.app.dataBase);
        parts = partsOf(style);
        shownStyle = style;
        return structuredClone(style);
      }
    },
    /** The map is up: picker, error watch; the hash says what is shown (unknown `bm=` dropped). */
    attach(mapInstance) {
      fillPicker();
      select(shown);
      mapInstance.on('error', onError);
      mapInstance.on('sourcedata', (event) => {
        if (event.tile && parts.sources.includes(event.sourceId)) tileArrived = true;
      });
      watch(shown);
      remember();
    },
    /** The address changed: show its `bm=` if it names another basemap. */
    restore(bm) {
      if (!shown || !map()) return;
      const wanted = byId(bm) || list[0];
      if (wanted !== shown) show(wanted.id);
      else remember();
    },
    show,
    get list() {
      return list;
    },
    get shown() {
      return shown ? shown.id : null;
    },
    get note() {
      const node = $('basemap-note');
      return node && !node.hidden ? node.firstChild.textContent : '';
    },
  };
}
