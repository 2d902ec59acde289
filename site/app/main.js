// Bootstrap and the one page state; wires map, picker, panel, chart and URL hash together.
import { createChunkStore } from './chunks.js';
import { queryEmbed, setEmbed } from './embed.js';
import { formatHash, parseHash } from './hash.js';
import {
  CIRCLE_LAYER_ID,
  featureNear,
  highlight,
  loadedFeatureProperties,
  setColours,
  showLayer,
} from './layers.js';
import { renderLegend } from './legend.js';
import { layerById, loadManifest } from './manifest.js';
import { createMap, fitBounds, whenIdle } from './map.js';
import { createPanel } from './panel.js';
import { formatAnalysis, otherParams, parseAnalysis } from './permalink.js';
import { DEFAULT_PALETTE, divergingPalettes, paletteByName, velocityRange } from './style.js';
import { createWorkbench } from './workbench.js';

const body = document.body;
const ui = {
  layerSelect: document.getElementById('layer-select'),
  paletteSelect: document.getElementById('palette-select'),
  status: document.getElementById('status'),
  legend: document.getElementById('legend'),
};

const state = { layerId: null, featureId: null, palette: DEFAULT_PALETTE, extra: [] };
state.analysis = parseAnalysis([], null); // chart selection, reference, window: workbench.js
const app = { map: null, manifest: null, chunks: null, dataBase: null, selection: 0 };
const panel = createPanel(document.getElementById('panel'), () => closePanel());
const bench = createWorkbench({
  state,
  app,
  panel,
  layerById: (id) => layerById(app.manifest, id),
  currentLayer: () => currentLayer(),
  writeHash: () => writeHash(),
  selectFeature: (...args) => selectFeature(...args),
  closePoint: () => closePanel({ keepHash: false, all: false }),
  attribution: () => body.dataset.attribution || app.manifest?.attribution || '',
  circleLayer: CIRCLE_LAYER_ID,
});

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
  closePanel,
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
  get chunks() {
    return app.chunks;
  },
};

function currentLayer() {
  return layerById(app.manifest, state.layerId);
}

function currentRange() {
  return velocityRange(currentLayer());
}

function writeHash() {
  if (!app.map) return;
  const center = app.map.getCenter();
  const hash = formatHash({
    view: { zoom: app.map.getZoom(), lat: center.lat, lon: center.lng },
    layer: state.layerId,
    pt: state.featureId,
    cmap: state.palette === DEFAULT_PALETTE ? null : state.palette,
    extra: [...otherParams(state.extra), ...formatAnalysis(state.analysis)],
  });
  history.replaceState(history.state, '', hash || location.pathname + location.search);
}

function fillSelect(select, items) {
  select.replaceChildren(
    ...items.map(({ value, label }) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
}

function showStatus(text) {
  ui.status.textContent = text;
}

function layerStatus(layer) {
  return `${Number(layer.points).toLocaleString('en')} points`;
}

/** Show another EGMS layer; the view stays where it is. */
function switchLayer(layerId) {
  const layer = layerById(app.manifest, layerId);
  if (!layer) return;
  closePanel({ keepHash: true });
  state.layerId = layer.id;
  ui.layerSelect.value = layer.id;
  const palette = paletteByName(state.palette);
  showLayer(app.map, layer, palette, currentRange(), app.dataBase);
  renderLegend(ui.legend, layer, palette, currentRange());
  showStatus(layerStatus(layer));
  bench.layerChanged();
  writeHash();
}

function setPalette(name) {
  state.palette = paletteByName(name).name;
  ui.paletteSelect.value = state.palette;
  const palette = paletteByName(state.palette);
  setColours(app.map, palette, currentRange());
  renderLegend(ui.legend, currentLayer(), palette, currentRange());
  writeHash();
}

function closePanel({ keepHash = false, all = !keepHash } = {}) {
  app.selection += 1; // any time series still in flight is now stale
  state.featureId = null;
  if (app.map) highlight(app.map, null);
  panel.hide();
  bench.primaryChanged({ all }); // the panel stays open while other series are on the chart
  if (!keepHash) writeHash();
}

async function fillFromTiles(layer, featureId, token) {
  await whenIdle(app.map);
  const properties = loadedFeatureProperties(app.map, layer, featureId);
  if (properties && token === app.selection) panel.show(layer, properties);
}

async function loadSeries(layer, featureId, properties, token) {
  panel.setStatus('Loading time series…');
  try {
    const series = await app.chunks.series(layer, featureId);
    if (token !== app.selection) return;
    if (properties.pid === undefined) {
      panel.show(layer, { pid: series.pid, unit: series.unit });
    } else if (properties.pid !== series.pid) {
      panel.setStatus(`Warning: time series belongs to ${series.pid}, not ${properties.pid}`);
    }
    bench.setPrimary(layer, series, properties);
    if (properties.pid === undefined || properties.pid === series.pid) panel.setStatus('');
  } catch (error) {
    if (token === app.selection) panel.setStatus(`Time series unavailable: ${error.message}`);
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
  highlight(app.map, featureId);
  writeHash();
  const known = properties || loadedFeatureProperties(app.map, layer, featureId);
  panel.show(layer, known || {});
  bench.primaryChanged();
  if (!known) fillFromTiles(layer, featureId, token);
  await loadSeries(layer, featureId, known || {}, token);
}

function onMapClick(event) {
  if (bench.drawing) return;
  const feature = featureNear(app.map, event.point);
  if (feature && feature.id !== undefined && event.originalEvent.shiftKey) {
    bench.addPoint(state.layerId, Number(feature.id), feature.properties);
  } else if (feature && feature.id !== undefined) {
    selectFeature(state.layerId, Number(feature.id), feature.properties);
  }
}

function applyHash() {
  const parsed = parseHash(location.hash);
  state.extra = parsed.extra;
  const palette = paletteByName(parsed.cmap).name;
  if (palette !== state.palette) setPalette(palette);
  if (parsed.layer && parsed.layer !== state.layerId && layerById(app.manifest, parsed.layer)) {
    switchLayer(parsed.layer);
  }
  if (parsed.view) {
    app.map.jumpTo({ center: [parsed.view.lon, parsed.view.lat], zoom: parsed.view.zoom });
  }
  if (parsed.pt === null && state.featureId !== null) closePanel();
  if (parsed.pt !== null && parsed.pt !== state.featureId) selectFeature(state.layerId, parsed.pt);
  bench.restore(parseAnalysis(parsed.extra, state.layerId));
}

function wireEvents(map) {
  map.on('click', onMapClick);
  map.on('moveend', writeHash);
  map.on('mouseenter', CIRCLE_LAYER_ID, () => (map.getCanvas().style.cursor = 'pointer'));
  map.on('mouseleave', CIRCLE_LAYER_ID, () => (map.getCanvas().style.cursor = ''));
  ui.layerSelect.addEventListener('change', () => switchLayer(ui.layerSelect.value));
  ui.paletteSelect.addEventListener('change', () => setPalette(ui.paletteSelect.value));
  window.addEventListener('hashchange', applyHash);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && bench.escape()) return;
    if (event.key === 'Escape' && panel.isOpen) {
      closePanel();
      map.getCanvas().focus();
    }
  });
}

function setUpPickers(manifest) {
  fillSelect(ui.layerSelect, manifest.layers.map((l) => ({ value: l.id, label: l.label || l.id })));
  fillSelect(ui.paletteSelect, divergingPalettes().map((p) => ({ value: p.name, label: p.label })));
  ui.paletteSelect.value = state.palette;
  ui.layerSelect.disabled = false;
}

/** The first view: the permalink's, else the layer's bounds. */
function initialView(map, parsed) {
  if (parsed.view) {
    map.jumpTo({ center: [parsed.view.lon, parsed.view.lat], zoom: parsed.view.zoom });
  } else {
    fitBounds(map, currentLayer().bounds);
  }
}

async function start() {
  const manifestUrl = new URL(body.dataset.manifestUrl, document.baseURI);
  app.manifest = await loadManifest(manifestUrl);
  app.dataBase = new URL('./', manifestUrl);
  app.chunks = createChunkStore(app.dataBase);
  const attribution = body.dataset.attribution || app.manifest.attribution || '';
  const parsed = parseHash(location.hash);
  state.extra = parsed.extra;
  state.palette = paletteByName(parsed.cmap).name;
  state.layerId = layerById(app.manifest, parsed.layer) ? parsed.layer : app.manifest.layers[0].id;
  const analysis = parseAnalysis(parsed.extra, state.layerId);
  analysis.embed = analysis.embed || queryEmbed();
  setEmbed(analysis.embed);
  Object.assign(state.analysis, analysis); // the hash keeps it; series load in bench.restore
  setUpPickers(app.manifest);
  const { map, loaded } = createMap(document.getElementById('map'), attribution);
  app.map = map;
  await loaded;
  bench.attach(map);
  switchLayer(state.layerId);
  initialView(map, parsed);
  wireEvents(map);
  await whenIdle(map);
  writeHash();
  if (parsed.pt !== null) selectFeature(state.layerId, parsed.pt);
  bench.restore(analysis);
}

start().then(
  () => resolveReady(window.egms),
  (error) => {
    showStatus(`Cannot show the map: ${error.message}`);
    console.error(error);
    rejectReady(error);
  },
);
