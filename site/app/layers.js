// The map layers of one EGMS layer: a vector source, the coloured circles (for L3, its 100 m
// cells once they are a few pixels wide: cells.js); the selection ring (over the map: rings.js).
import { cellAxes, cellIconSize, cellImage, cellKey, isCellLayer, zoomForCellPx } from './cells.js';
import { hasRings, ringsOf } from './rings.js';
import {
  attributeInfo,
  circleRadius,
  circleRadiusAt,
  colourAttributes,
  colourExpression,
  defaultRange,
  paletteByName,
} from './style.js';
import { timedLook } from './epochs.js';
import { trendExpression, trendFilter } from './trendchange.js';

export const SOURCE_ID = 'egms-points';
export const CIRCLE_LAYER_ID = 'egms-velocity';
export const CELL_LAYER_ID = 'egms-cells';
export const POINT_LAYER_IDS = [CIRCLE_LAYER_ID, CELL_LAYER_ID]; // for map.on(type, layers)
const CELL_IMAGE = 'egms-cell';
const MIN_CELL_PX = 6; // smaller cells are drawn as circles
const CELL_REDRAW = 5e-4; // the view moved where a cell differs by this much: redraw them
// the circles' paint properties on the cells (a 0.5 px halo of the same colour closes the seam
// their smoothed edges would leave between neighbours)
const CELL_PAINT = { 'circle-color': ['icon-color', 'icon-halo-color'], 'circle-opacity': ['icon-opacity'] };
const cellStates = new WeakMap(); // map -> {axes: the cells' shape, minzoom: of every point}
const RING = { colour: '#111111', width: 2.5, beyond: 4 }; // `beyond` the point's radius
const ringScales = new WeakMap(); // map -> the point size factor its selection ring follows

/** The absolute pmtiles:// URL of a layer's archive (relative to the page, any sub-path). */
export function tilesUrl(layer, dataBase) {
  return `pmtiles://${new URL(layer.tiles, dataBase).href}`;
}

function removeLayers(map) {
  for (const id of pointLayers(map)) map.removeLayer(id);
  if (map.getSource(SOURCE_ID)) map.removeSource(SOURCE_ID);
}

function setRingScale(map, scale) {
  ringScales.set(map, scale);
  if (hasRings(map)) ringsOf(map).redraw();
}

/**
 * The effective look of `layer`: attribute, palette, range (the user's or the default one),
 * size factor, opacity and quality limits. `look` holds what the user chose (nulls = default).
 */
export function resolveLook(layer, look) {
  const attribute = colourAttributes(layer).includes(look.color) ? look.color : 'velocity';
  const timed = timedLook(layer, attribute, look);
  const range =
    look.vmin !== null && look.vmax !== null && look.vmax > look.vmin
      ? { min: look.vmin, max: look.vmax }
      : timed?.range || defaultRange(layer, attribute);
  return {
    attribute,
    info: timed ? timed.info : attributeInfo(attribute),
    palette: paletteByName(look.cmap, attribute),
    range,
    custom: range.min === look.vmin && range.max === look.vmax,
    size: look.size ?? 1,
    opacity: look.opacity ?? 1,
    value: timed ? timed.value : null,
    epochs: timed ? timed.choice : null,
  };
}

/**
 * The filter of the circles: coherence ≥ cmin, velocity σ ≤ smax, a significant trend change
 * since tsince (trendchange.js) (null = none).
 */
export function qualityFilter(layer, look) {
  const attributes = layer.attributes || [];
  const parts = [];
  if (look.cmin !== null && look.cmin > 0 && attributes.includes('coherence')) {
    parts.push(['>=', ['coalesce', ['get', 'coherence'], -1], look.cmin]);
  }
  if (look.smax !== null && attributes.includes('velocity_std')) {
    parts.push(['<=', ['coalesce', ['get', 'velocity_std'], 1e9], look.smax]);
  }
  const trend = trendFilter(layer, look);
  if (trend) parts.push(trendExpression(trend));
  if (!parts.length) return null;
  return parts.length === 1 ? parts[0] : ['all', ...parts];
}

function circlePaint(resolved) {
  return {
    'circle-color': colourExpression(resolved.attribute, resolved.palette, resolved.range, resolved.value),
    'circle-radius': circleRadius(0, resolved.size),
    'circle-opacity': resolved.opacity,
    'circle-stroke-opacity': resolved.opacity,
  };
}

/** The map layers drawing the points now: the circles, and an L3 layer's cells. */
export function pointLayers(map) {
  return POINT_LAYER_IDS.filter((id) => map.getLayer(id));
}

/**
 * Set paint property `name` of `layerId`; for the circles (a circle-* property), the cells'
 * counterparts too. Whatever restyles the points goes through here (and setPointFilter).
 */
export function setPointPaint(map, layerId, name, value) {
  map.setPaintProperty(layerId, name, value);
  if (layerId !== CIRCLE_LAYER_ID || !map.getLayer(CELL_LAYER_ID)) return;
  for (const cellName of CELL_PAINT[name] || []) map.setPaintProperty(CELL_LAYER_ID, cellName, value);
}

/** Filter every layer drawing the points (null = none). */
export function setPointFilter(map, filter) {
  for (const id of pointLayers(map)) map.setFilter(id, filter);
}

/** The cells' paint from the circles': the same colours, opacity. */
function cellPaint(paint) {
  const mapped = Object.entries(paint).flatMap(([name, value]) => (CELL_PAINT[name] || []).map((cell) => [cell, value]));
  return { ...Object.fromEntries(mapped), 'icon-halo-width': 0.5 };
}

/**
 * Draw the cells with the shape they have around the map's centre, from the zoom where they
 * are MIN_CELL_PX wide (and every point is in the tiles); the circles up to there.
 */
function shapeCells(map, state) {
  const { lng, lat } = map.getCenter();
  const axes = cellAxes(lng, lat);
  const image = cellImage(axes);
  const pixels = { width: image.width, height: image.height, data: image.data };
  if (map.hasImage(CELL_IMAGE)) map.updateImage(CELL_IMAGE, pixels);
  else map.addImage(CELL_IMAGE, pixels, { sdf: true, pixelRatio: image.pixelRatio });
  map.setLayoutProperty(CELL_LAYER_ID, 'icon-size', cellIconSize(image));
  const from = Math.max(zoomForCellPx(axes, MIN_CELL_PX), state.minzoom);
  map.setLayerZoomRange(CELL_LAYER_ID, from, 24);
  map.setLayerZoomRange(CIRCLE_LAYER_ID, 0, from);
  state.axes = axes;
}

/** Whether the cells around the map's centre differ notably from the ones drawn. */
function cellsMoved(map, axes) {
  const { lng, lat } = map.getCenter();
  const now = cellAxes(lng, lat);
  const parts = (a) => [...a.east, ...a.north];
  const scale = Math.hypot(...parts(axes));
  return parts(now).some((value, i) => Math.abs(value - parts(axes)[i]) > CELL_REDRAW * scale);
}

function followCells(map) {
  if (cellStates.has(map)) return;
  const state = { axes: null, minzoom: 0 };
  cellStates.set(map, state);
  map.on('moveend', () => {
    if (map.getLayer(CELL_LAYER_ID) && cellsMoved(map, state.axes)) shapeCells(map, state);
  });
}

function addCells(map, spec, paint, layer) {
  followCells(map);
  const state = cellStates.get(map);
  state.minzoom = layer.maxzoom ?? 0; // below it the tiles hold a sample of the points
  map.addLayer(
    {
      ...spec,
      id: CELL_LAYER_ID,
      type: 'symbol',
      layout: {
        'icon-image': CELL_IMAGE,
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'icon-rotation-alignment': 'map',
        'icon-pitch-alignment': 'map',
        'icon-padding': 0,
      },
      paint: cellPaint(paint),
    },
    CIRCLE_LAYER_ID,
  );
  shapeCells(map, state);
}

/** Replace whatever EGMS layer is shown by `layer`, drawn with `look`. */
export function showLayer(map, layer, look, dataBase, before = undefined) {
  removeLayers(map);
  map.addSource(SOURCE_ID, { type: 'vector', url: tilesUrl(layer, dataBase) });
  const resolved = resolveLook(layer, look);
  const filter = qualityFilter(layer, look);
  const spec = { source: SOURCE_ID, 'source-layer': layer.source_layer || 'points', ...(filter ? { filter } : {}) };
  const paint = circlePaint(resolved);
  map.addLayer(
    {
      ...spec,
      id: CIRCLE_LAYER_ID,
      type: 'circle',
      paint: {
        ...paint,
        'circle-stroke-color': 'rgba(0, 0, 0, 0.35)',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 12, 0, 15, 0.5],
      },
    },
    before,
  );
  if (isCellLayer(layer)) addCells(map, spec, paint, layer);
  setRingScale(map, resolved.size);
  return resolved;
}

/** Restyle the points (colours, size, opacity, quality filter) without reloading tiles. */
export function applyLook(map, layer, look) {
  if (!map.getLayer(CIRCLE_LAYER_ID)) return resolveLook(layer, look);
  const resolved = resolveLook(layer, look);
  for (const [name, value] of Object.entries(circlePaint(resolved))) {
    setPointPaint(map, CIRCLE_LAYER_ID, name, value);
  }
  setRingScale(map, resolved.size);
  setPointFilter(map, qualityFilter(layer, look));
  return resolved;
}

/** Ring the selected point at [lon, lat], or nothing for null. */
export function highlight(map, position) {
  if (!position && !hasRings(map)) return;
  const ring = position && {
    lon: position[0],
    lat: position[1],
    colour: RING.colour,
    width: RING.width,
    radius: (zoom) => circleRadiusAt(zoom, RING.beyond, ringScales.get(map) ?? 1),
  };
  ringsOf(map).set('selected', ring ? [ring] : []);
}

/**
 * The rendered point nearest to a screen point within `tolerance` pixels, or null; where cells
 * are drawn, the one whose cell holds the screen point.
 */
export function featureNear(map, point, tolerance = 8) {
  const box = [
    [point.x - tolerance, point.y - tolerance],
    [point.x + tolerance, point.y + tolerance],
  ];
  const features = map.queryRenderedFeatures(box, { layers: pointLayers(map) });
  const { lng, lat } = map.unproject(point);
  const cell = cellKey(lng, lat);
  const holder = features.find((f) => f.layer.id === CELL_LAYER_ID && cellKey(...f.geometry.coordinates) === cell);
  if (holder) return holder;
  let best = null;
  let bestDistance = Infinity;
  for (const feature of features) {
    const at = map.project(feature.geometry.coordinates);
    const distance = Math.hypot(at.x - point.x, at.y - point.y);
    if (distance < bestDistance) [best, bestDistance] = [feature, distance];
  }
  return best;
}

/** Properties of a feature id among the loaded tiles (for a permalink), or null. */
export function loadedFeatureProperties(map, layer, featureId) {
  const found = map.querySourceFeatures(SOURCE_ID, {
    sourceLayer: layer.source_layer || 'points',
    filter: ['==', ['id'], featureId],
  });
  return found.length ? found[0].properties : null;
}
