// Bootstrap and the one page state; wires map, picker, panel, chart and URL hash together.
import { KNOWN_KEYS, LOOK_DEFAULTS, analysisOf, parseAnalysis, parseAssets, parseLook, readAddress } from './address.js';
import { createAssets } from './assets.js';
import { createBasemaps } from './basemaps.js';
import { createChunkStore } from './chunks.js';
import { createDecomp } from './decomppanel.js';
import { queryEmbed, setEmbed } from './embed.js';
import { createFrame } from './frame.js';
import { CIRCLE_LAYER_ID, POINT_LAYER_IDS, featureNear, highlight, loadedFeatureProperties } from './layers.js';
import { defaultLayer } from './layernames.js';
import { layerById, loadManifest } from './manifest.js';
import { boundsView, createMap, whenIdle } from './map.js';
import { createPanel } from './panel.js';
import { createReleasePanel, releaseSeries } from './releasepanel.js';
import { createMapUi, fillLayerSelect } from './mapui.js';
import { createNearby } from './nearby.js';
import { createStore } from './store.js';
import { attachTooltip } from './tooltip.js';
import { createNotice, hashPairs, ignoredParts } from './urlnotice.js';
import { createWork } from './work.js';
import { createWorkbench } from './workbench.js';
import { isWebglFailure, showMapMissing, webglMissing } from './webgl.js';

const body = document.body;
const CLICK_REACH_PX = 8;
const KEYBOARD_REACH_PX = 40; // Enter on the map takes the point nearest its centre
const ui = {
  layerSelect: document.getElementById('layer-select'),
  paletteSelect: document.getElementById('palette-select'),
  status: document.getElementById('status'),
  legend: document.getElementById('legend'),
};

// The page's one state; address.js is its codec, store.js writes it to the address.
const state = {
  layerId: null,
  featureId: null, // the selected point of the layer (the panel's)
  palette: null, // a palette name, or null for the colour attribute's default (mapui.js)
  look: parseLook([]), // colours, filters, outlines, compare (mapui.js)
  bm: null, // the basemap, null for the first (basemaps.js)
  words: { title: '', caption: '' }, // the figure's (frame.js)
  analysis: parseAnalysis([], null), // the chart's points, reference, area, window (workbench.js)
  decomp: null, // {lon, lat, r}: vertical and east at a spot (decomppanel.js)
  assets: parseAssets(null, null), // {stat, id}: the asset layer's statistic, the selected asset (assets.js)
};
// pointAt: [lon, lat] of the selected point once its series is known
const app = { map: null, manifest: null, chunks: null, dataBase: null, selection: 0, pointAt: null };
const store = createStore(state, { view: () => mapView() });
const panel = createPanel(document.getElementById('panel'), () => work.fold());
const releasePanel = createReleasePanel(document.getElementById('releases'), {
  seriesOf: (layer, featureId) => releaseSeries(app.chunks, (id) => layerById(app.manifest, id), layer, featureId),
  missing: 'no counterpart in',
  onToggle: joinReleases,
});

/** "Series across releases" ticked in the point's or the asset's panel: both follow, rel=1. */
function joinReleases(on) {
  state.analysis.rel = on;
  releasePanel.setJoined(on);
  assets.setJoined(on);
  writeHash();
}
const notice = createNotice(document.getElementById('url-notice'));
const bench = createWorkbench({
  state,
  app,
  panel,
  layerById: (id) => layerById(app.manifest, id),
  currentLayer: () => currentLayer(),
  writeHash: (options) => writeHash(options),
  undoable: (words, drop) => work.undoWith(words, drop),
  selectFeature: (...args) => selectFeature(...args),
  closePoint: () => dropSelection({ keepHash: false, all: false }),
  viewProblem: (text) => reportViewProblem(text),
  ignored: (text) => notice.add(text),
  attribution: () => body.dataset.attribution || app.manifest?.attribution || '',
  circleLayer: CIRCLE_LAYER_ID,
  changed: () => frame.update(),
  mapPng: () => frame.png(),
  look: () => ({ ...mapui.api.look, resolved: mapui.api.resolved }),
});

// the map side (layer picker, colours, filters, outlines, search, compare, nearby): mapui.js
const mapui = createMapUi({
  state,
  app,
  currentLayer: () => currentLayer(),
  layerById: (id) => layerById(app.manifest, id),
  writeHash: () => writeHash(),
  selectFeature: (...args) => selectFeature(...args),
  switchLayer: (id) => switchLayer(id),
  addToChart: (layerId, featureId) => bench.addPoint(layerId, featureId),
  styled: () => {
    frame.update();
    bench.lookChanged(); // an area's statistics follow the quality filters
    assets.restyle(); // a velocity statistic shares the points' colours
  },
});

// the user's assets (build --assets): their layer, legend, table and panel: assets.js
const assets = createAssets({
  state,
  app,
  currentLayer: () => currentLayer(),
  writeHash: () => writeHash(),
  attribution: () => body.dataset.attribution || app.manifest?.attribution || '',
  pointLook: () => mapui.api.resolved,
  pointOpened: () => work.fold(),
  changed: () => frame.update(),
  joinReleases: (on) => joinReleases(on),
});

// the basemap picker, `bm=` and the fall back from an online basemap: basemaps.js
const basemaps = createBasemaps({ state, app, writeHash: () => writeHash() });

// vertical and east motion at a spot, from the ascending and descending points: decomppanel.js
const decomp = createDecomp({
  state,
  app,
  nearby: createNearby(app),
  currentLayer: () => currentLayer(),
  writeHash: () => writeHash(),
  attribution: () => body.dataset.attribution || app.manifest?.attribution || '',
  pointAt: () => app.pointAt,
});

// the figure frame of embeds, snapshots and the Map PNG: frame.js
const frame = createFrame({
  map: () => app.map,
  shown: () => (app.map && currentLayer() ? mapui.shown() : []),
  look: () => mapui.api.look,
  reference: () => bench.api.referenceWords,
  words: () => state.words,
  credit: () => body.dataset.attribution || app.manifest?.attribution || '',
  generator: body.dataset.generator || 'egms-tiler',
  compare: () => mapui.compare,
  assetKey: () => assets.figureKey(),
});

// the panel folds instead of closing; Clear and Undo; "Add points" for touch: work.js
const work = createWork({
  store,
  hasWork: () => state.featureId !== null || state.analysis.sel.length > 0 || Boolean(state.analysis.poly || state.analysis.ref || state.analysis.prof),
  clear: () => dropSelection({ keepHash: true, all: true }),
  resized: () => app.map && app.map.resize(),
});
store.subscribe(() => frame.update()); // the figure's title and caption

let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});

window.egms = {
  state,
  ready,
  selectFeature,
  closePanel: () => dropSelection(), // drops everything, for benchmarks (bench/viewer.py)
  get map() {
    return app.map;
  },
  get manifest() {
    return app.manifest;
  },
  get chart() {
    return bench.chart.plot;
  },
  analysis: bench.api,
  decomp,
  assets,
  view: mapui.api,
  frame,
  notice,
  work,
  basemaps,
  get chunks() {
    return app.chunks;
  },
};

function currentLayer() {
  return layerById(app.manifest, state.layerId);
}

function mapView() {
  if (!app.map) return null;
  const center = app.map.getCenter();
  return { zoom: app.map.getZoom(), lat: center.lat, lon: center.lng };
}

/** The state changed: write the address (store.js), tell the views. */
function writeHash(options) {
  store.commit(options);
}

/** Something the URL hash names that cannot be shown (a point whose series does not load, a
 * reference area without points): kept on <body> for `egms-tiler snapshot`, which refuses it. */
function reportViewProblem(text) {
  body.dataset.viewProblem = text;
}

function showStatus(text) {
  ui.status.textContent = text;
}

function layerStatus(layer) {
  return `${Number(layer.points).toLocaleString('en')} points`;
}

/** Show another EGMS layer; the view stays where it is (and the selection, if asked and the
 * same pid exists in the new layer: looked up in its pid index). */
function switchLayer(layerId, { keepSelection = false } = {}) {
  const layer = layerById(app.manifest, layerId);
  if (!layer) return;
  const previous = state.featureId === null ? null : [currentLayer(), state.featureId];
  dropSelection({ keepHash: true });
  state.layerId = layer.id;
  ui.layerSelect.value = layer.id;
  mapui.showLayer(layer);
  app.chunks.prepare(layer);
  assets.layerChanged();
  showStatus(layerStatus(layer));
  if (keepSelection && previous) reselect(...previous, layer);
  bench.layerChanged();
  decomp.layerChanged();
  writeHash();
}

/** After a layer switch: select the point with the previous selection's pid, if there is one. */
async function reselect(oldLayer, oldId, layer) {
  const token = app.selection;
  try {
    const { pid } = await app.chunks.series(oldLayer, oldId);
    const id = await mapui.api.findPid(layer, pid);
    if (id !== null && token === app.selection && state.layerId === layer.id) {
      await selectFeature(layer.id, id);
    } else if (token === app.selection) {
      showStatus(`${layerStatus(layer)}; point ${pid} is not in this layer`);
    }
  } catch (error) {
    console.warn('selection not kept:', error);
  }
}

function setPalette(name) {
  mapui.setPalette(name);
}

/** Drop the selected point (`all`: and the chart's other points, the area and its reference). */
function dropSelection({ keepHash = false, all = !keepHash } = {}) {
  app.selection += 1; // any time series still in flight is now stale
  state.featureId = null;
  app.pointAt = null;
  if (app.map) highlight(app.map, null);
  panel.hide();
  releasePanel.hide();
  mapui.pointClosed();
  bench.primaryChanged({ all }); // the panel stays open while other series are on the chart
  if (!keepHash) writeHash();
}

/** Resolves once the browser has painted what is on the page now (the chart, first). */
function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** The status line under the chart: a warning if the tiles' pid is not the series' one. */
function showPidCheck(properties, series) {
  const mismatch = properties.pid !== undefined && properties.pid !== series.pid;
  panel.setStatus(mismatch ? `Warning: time series belongs to ${series.pid}, not ${properties.pid}` : '');
}

/**
 * The attributes of a point selected without a click (permalink, search) from the loaded tiles:
 * after its chart, as searching them takes 20–40 ms with 1M points.
 */
async function fillFromTiles(layer, featureId, series, token) {
  let properties = loadedFeatureProperties(app.map, layer, featureId);
  if (!properties && !app.map.loaded()) {
    await whenIdle(app.map); // its tiles are still loading (a permalink's view)
    properties = loadedFeatureProperties(app.map, layer, featureId);
  }
  if (!properties || token !== app.selection) return;
  panel.show(layer, properties);
  bench.setProperties(layer, featureId, properties);
  if (series) showPidCheck(properties, series);
}

/** A point's attributes as its chunk has them (the tiles' names): for a point opened without
 * a click, before its tiles are searched, or without a map. */
function chunkProperties(layer, series) {
  const shown = new Set(layer.attributes || Object.keys(series.attributes)); // the tiles' ones
  const attributes = Object.entries(series.attributes).filter(([name]) => shown.has(name));
  return { ...Object.fromEntries(attributes), pid: series.pid, unit: series.unit, velocity: series.velocity };
}

/** Chart the series `request` resolves to; the series, or null if it failed or is stale. */
async function loadSeries(layer, request, properties, token) {
  panel.setStatus('Loading time series…');
  try {
    const series = await request;
    if (token !== app.selection) return null;
    if (properties.pid === undefined) panel.show(layer, chunkProperties(layer, series)); // tiles may follow
    bench.setPrimary(layer, series, properties);
    panel.showMeasurement(layer, series);
    if (app.map) highlight(app.map, [series.lon, series.lat]); // after the chart, like below
    app.pointAt = typeof series.lon === 'number' ? [series.lon, series.lat] : null;
    frame.keepInView(series.lon, series.lat);
    if (app.map) mapui.pointShown(layer, series);
    showPidCheck(properties, series);
    return series;
  } catch (error) {
    if (token === app.selection) {
      panel.setStatus(`Time series unavailable: ${error.message}`);
      reportViewProblem(`pt: ${error.message}`);
    }
    return null;
  }
}

/** Open the panel of feature `featureId` of layer `layerId` (properties from a click if known). */
async function selectFeature(layerId, featureId, properties = null) {
  if (layerId !== state.layerId) switchLayer(layerId);
  const layer = currentLayer();
  if (!layer || !Number.isInteger(featureId) || featureId < 0) return;
  app.selection += 1;
  const token = app.selection;
  state.featureId = featureId;
  const request = app.chunks.series(layer, featureId); // first: what follows overlaps it
  if (app.map) highlight(app.map, null);
  work.unfold();
  assets.hidePanel(); // the point's panel in front
  writeHash();
  panel.show(layer, properties || {});
  bench.primaryChanged();
  releasePanel.show(layer, featureId);
  const series = await loadSeries(layer, request, properties || {}, token);
  if (!properties && app.map) nextPaint().then(() => fillFromTiles(layer, featureId, series, token));
}

/** A click (or Enter on the map) at `point`: select the feature within `reach` px, or add it to
 * the chart (`add`: Shift, or "Add points" on, work.js). */
function pick(point, { add = false, reach = CLICK_REACH_PX } = {}) {
  if (bench.drawing) return;
  // right of a compare view's divider: that side's layer; its point joins the chart
  const right = mapui.compare ? mapui.compare.featureAt(point) : null;
  if (right !== null) {
    if (right && right.id !== undefined) {
      bench.addPoint(mapui.compare.layerId, Number(right.id), right.properties, { primary: false });
      work.unfold();
    }
    return;
  }
  const feature = featureNear(app.map, point, reach);
  if (!feature || feature.id === undefined) {
    if (!add) assets.pickAt(point); // the asset under the click, the points being on top
    return;
  }
  if (add) {
    bench.addPoint(state.layerId, Number(feature.id), feature.properties);
    work.unfold();
  } else {
    selectFeature(state.layerId, Number(feature.id), feature.properties);
  }
}

function onMapClick(event) {
  if (!bench.drawing && decomp.picking) return decomp.pickAt(event.lngLat);
  return pick(event.point, { add: event.originalEvent.shiftKey || work.adding });
}

/** Enter on the map: the point nearest its centre (Shift+Enter adds it to the chart). */
function onMapKey(event) {
  if (event.key !== 'Enter' || bench.drawing) return;
  const canvas = app.map.getCanvas();
  event.preventDefault();
  const centre = { x: canvas.clientWidth / 2, y: canvas.clientHeight / 2 };
  if (decomp.picking) return decomp.pickAt(app.map.unproject([centre.x, centre.y]));
  return pick(centre, { add: event.shiftKey || work.adding, reach: KEYBOARD_REACH_PX });
}

/** The address changed (Back, Forward, an edited or followed link): show what it names, as
 * one change of the current history entry. */
function applyHash() {
  const parsed = readAddress(location.hash);
  store.hold(() => {
    if (parsed.layer && parsed.layer !== state.layerId && layerById(app.manifest, parsed.layer)) {
      switchLayer(parsed.layer);
    }
    state.words = parsed.words;
    mapui.restore(parsed.look);
    basemaps.restore(parsed.bm);
    if (parsed.view) {
      app.map.jumpTo({ center: [parsed.view.lon, parsed.view.lat], zoom: parsed.view.zoom });
    }
    if (parsed.pt === null && state.featureId !== null) dropSelection({ all: false });
    if (parsed.pt !== null && parsed.pt !== state.featureId) selectFeature(state.layerId, parsed.pt);
    bench.restore(analysisOf(parsed, state.layerId));
    releasePanel.setJoined(state.analysis.rel);
    assets.setJoined(state.analysis.rel);
    decomp.restore(parsed.decomp);
    assets.restore(parsed.assets);
    work.refresh();
  });
}

function wireEvents(map) {
  map.on('click', onMapClick);
  map.on('moveend', writeHash);
  map.on('move', () => frame.update()); // the scale bar
  map.on('mouseenter', POINT_LAYER_IDS, () => (map.getCanvas().style.cursor = 'pointer'));
  map.on('mouseleave', POINT_LAYER_IDS, () => (map.getCanvas().style.cursor = ''));
  attachTooltip(map);
  ui.layerSelect.addEventListener('change', () =>
    switchLayer(ui.layerSelect.value, { keepSelection: true }),
  );
  ui.paletteSelect.addEventListener('change', () => setPalette(ui.paletteSelect.value));
  document.getElementById('panel-reopen').addEventListener('click', () => assets.hidePanel());
  window.addEventListener('hashchange', applyHash);
  map.getCanvas().addEventListener('keydown', onMapKey);
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    if (bench.escape() || decomp.escape() || mapui.escape() || assets.escape()) return;
    if (panel.isOpen && work.fold()) return;
  });
}

function setUpPickers(manifest) {
  fillLayerSelect(ui.layerSelect, manifest);
}

/** The first view's map options: the permalink's, else the layer's bounds. */
function initialView(parsed) {
  if (!parsed.view) return boundsView(currentLayer().bounds);
  return { center: [parsed.view.lon, parsed.view.lat], zoom: parsed.view.zoom };
}

async function start() {
  maplibregl.prewarm(); // its worker starts while the manifest loads
  const manifestUrl = new URL(body.dataset.manifestUrl, document.baseURI);
  app.manifest = await loadManifest(manifestUrl);
  app.dataBase = new URL('./', manifestUrl);
  app.chunks = createChunkStore(app.dataBase);
  const attribution = body.dataset.attribution || app.manifest.attribution || '';
  const opened = hashPairs(location.hash);
  const parsed = readAddress(location.hash);
  state.words = parsed.words;
  mapui.restore(parsed.look);
  state.layerId = layerById(app.manifest, parsed.layer) ? parsed.layer : defaultLayer(app.manifest.layers).id;
  app.chunks.prepare(currentLayer());
  const reasons = checkOpened(parsed);
  checkAssets(parsed, reasons);
  const analysis = analysisOf(parsed, state.layerId);
  analysis.embed = analysis.embed || queryEmbed();
  setEmbed(analysis.embed);
  Object.assign(state.analysis, analysis); // the hash keeps it; series load in bench.restore
  releasePanel.setJoined(analysis.rel);
  state.decomp = parsed.decomp; // kept in the hash; computed once the map is up
  setUpPickers(app.manifest);
  const mapArgs = [attribution, app.manifest.basemap, app.dataBase];
  const missing = webglMissing();
  if (missing) return startWithoutMap(missing, parsed);
  const style = await basemaps.initial(app.manifest, parsed.bm);
  try {
    const { map, loaded } = createMap(document.getElementById('map'), ...mapArgs, { ...initialView(parsed), style });
    app.map = map;
    await loaded;
  } catch (error) {
    if (!isWebglFailure(error)) throw error;
    if (app.map) app.map.remove();
    app.map = null;
    return startWithoutMap(error.message, parsed);
  }
  const map = app.map;
  basemaps.attach(map);
  mapui.attach(map);
  assets.attach(map);
  assets.setJoined(state.analysis.rel);
  bench.attach(map);
  switchLayer(state.layerId);
  wireEvents(map);
  await whenIdle(map);
  writeHash();
  if (parsed.pt !== null) selectFeature(state.layerId, parsed.pt);
  bench.restore(analysis);
  if (parsed.decomp) decomp.restore(parsed.decomp);
  assets.restore(parsed.assets);
  writeHash(); // its subscribers (the frame, the work bar) see the opened state
  store.record();
  const options = { reasons, known: KNOWN_KEYS, defaults: LOOK_DEFAULTS };
  for (const text of ignoredParts(opened, hashPairs(location.hash), options)) notice.add(text);
}

/** No WebGL: say so in the map's place; the pid search, the point's panel, chart and exports
 * still work (the address's point opens as usual). */
async function startWithoutMap(reason, parsed) {
  showMapMissing(document.getElementById('map'), reason);
  body.classList.add('no-map');
  ui.layerSelect.value = state.layerId;
  window.egms.mapMissing = reason;
  mapui.attachWithoutMap();
  ui.layerSelect.addEventListener('change', () => switchLayer(ui.layerSelect.value));
  showStatus(`${layerStatus(currentLayer())}; no map (WebGL is missing)`);
  if (parsed.pt !== null) await selectFeature(state.layerId, parsed.pt);
  if (parsed.decomp) decomp.restore(parsed.decomp); // the numbers need no map
}

/** Why the address's asset cannot be shown (it is then left out). */
function checkAssets(parsed, reasons) {
  const count = app.manifest.assets?.count;
  if (parsed.assets.id !== null && !(parsed.assets.id < count)) {
    reasons.asset = count ? `the assets are 0 to ${count - 1}` : 'this site has no assets (build --assets)';
    parsed.assets.id = null;
  }
  if (!count && parsed.assets.stat !== 'mean') {
    reasons.astat = 'this site has no assets (build --assets)';
    parsed.assets.stat = 'mean';
  }
  state.assets.stat = parsed.assets.stat; // the asset layer is drawn with the layer
}

/** Why the address's layer or point cannot be shown (the point is then left out). */
function checkOpened(parsed) {
  const reasons = {};
  const layer = currentLayer();
  if (parsed.layer && parsed.layer !== layer.id) reasons.layer = `no such layer; showing ${layer.id}`;
  if (parsed.pt !== null && !(parsed.pt < layer.points)) {
    reasons.pt = `${layer.id} has points 0 to ${layer.points - 1}`;
    parsed.pt = null;
  }
  return reasons;
}

start().then(
  () => resolveReady(window.egms),
  (error) => {
    showStatus(`Cannot show the map: ${error.message}`);
    console.error(error);
    rejectReady(error);
  },
);
