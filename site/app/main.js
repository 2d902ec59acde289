// Bootstrap and the one page state; wires map, picker, panel, chart and URL hash together.
import { createChart } from './chart.js';
import { createChunkStore } from './chunks.js';
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
import { DEFAULT_PALETTE, divergingPalettes, paletteByName, velocityRange } from './style.js';

const body = document.body;
const ui = {
  layerSelect: document.getElementById('layer-select'),
  paletteSelect: document.getElementById('palette-select'),
  status: document.getElementById('status'),
  legend: document.getElementById('legend'),
};

const state = { layerId: null, featureId: null, palette: DEFAULT_PALETTE, extra: [] };
const app = { map: null, manifest: null, chunks: null, dataBase: null, selection: 0 };
const chart = createChart(document.getElementById('chart'));
const panel = createPanel(document.getElementById('panel'), () => closePanel());

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
    return chart.plot;
  },
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
    extra: state.extra,
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

function closePanel({ keepHash = false } = {}) {
  app.selection += 1; // any time series still in flight is now stale
  state.featureId = null;
  if (app.map) highlight(app.map, null);
  chart.clear();
  panel.hide();
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
    chart.draw(series);
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
  chart.clear();
  if (!known) fillFromTiles(layer, featureId, token);
  await loadSeries(layer, featureId, known || {}, token);
}

function onMapClick(event) {
  const feature = featureNear(app.map, event.point);
  if (feature && feature.id !== undefined) {
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
  setUpPickers(app.manifest);
  const { map, loaded } = createMap(document.getElementById('map'), attribution);
  app.map = map;
  await loaded;
  switchLayer(state.layerId);
  initialView(map, parsed);
  wireEvents(map);
  await whenIdle(map);
  writeHash();
  if (parsed.pt !== null) selectFeature(state.layerId, parsed.pt);
}

start().then(
  () => resolveReady(window.egms),
  (error) => {
    showStatus(`Cannot show the map: ${error.message}`);
    console.error(error);
    rejectReady(error);
  },
);
