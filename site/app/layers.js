// The map layers of one EGMS layer: a vector source, the velocity circles, the selection ring.
import { circleRadius, velocityColour } from './style.js';

export const SOURCE_ID = 'egms-points';
export const CIRCLE_LAYER_ID = 'egms-velocity';
export const SELECTED_LAYER_ID = 'egms-selected';
const NO_FEATURE = -1;

/** The absolute pmtiles:// URL of a layer's archive (relative to the page, any sub-path). */
export function tilesUrl(layer, dataBase) {
  return `pmtiles://${new URL(layer.tiles, dataBase).href}`;
}

function removeLayers(map) {
  for (const id of [SELECTED_LAYER_ID, CIRCLE_LAYER_ID]) {
    if (map.getLayer(id)) map.removeLayer(id);
  }
  if (map.getSource(SOURCE_ID)) map.removeSource(SOURCE_ID);
}

/** Replace whatever EGMS layer is shown by `layer`, coloured with `palette`. */
export function showLayer(map, layer, palette, range, dataBase) {
  removeLayers(map);
  map.addSource(SOURCE_ID, {
    type: 'vector',
    url: tilesUrl(layer, dataBase),
  });
  const sourceLayer = layer.source_layer || 'points';
  map.addLayer({
    id: CIRCLE_LAYER_ID,
    type: 'circle',
    source: SOURCE_ID,
    'source-layer': sourceLayer,
    paint: {
      'circle-color': velocityColour(palette, range),
      'circle-radius': circleRadius(),
      'circle-stroke-color': 'rgba(0, 0, 0, 0.35)',
      'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 12, 0, 15, 0.5],
    },
  });
  map.addLayer({
    id: SELECTED_LAYER_ID,
    type: 'circle',
    source: SOURCE_ID,
    'source-layer': sourceLayer,
    filter: ['==', ['id'], NO_FEATURE],
    paint: {
      'circle-color': 'rgba(0, 0, 0, 0)',
      'circle-radius': circleRadius(4),
      'circle-stroke-color': '#111111',
      'circle-stroke-width': 2.5,
    },
  });
}

/** Recolour the circles (palette or range change) without reloading tiles. */
export function setColours(map, palette, range) {
  map.setPaintProperty(CIRCLE_LAYER_ID, 'circle-color', velocityColour(palette, range));
}

/** Ring the selected feature id, or nothing for null. */
export function highlight(map, featureId) {
  if (!map.getLayer(SELECTED_LAYER_ID)) return;
  map.setFilter(SELECTED_LAYER_ID, ['==', ['id'], featureId ?? NO_FEATURE]);
}

/** The rendered point nearest to a screen point within `tolerance` pixels, or null. */
export function featureNear(map, point, tolerance = 8) {
  const box = [
    [point.x - tolerance, point.y - tolerance],
    [point.x + tolerance, point.y + tolerance],
  ];
  const features = map.queryRenderedFeatures(box, { layers: [CIRCLE_LAYER_ID] });
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
