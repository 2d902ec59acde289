// The map layers of one EGMS layer: a vector source, the coloured circles; the selection ring
// (drawn over the map: rings.js).
import { hasRings, ringsOf } from './rings.js';
import {
  attributeInfo,
  circleRadius,
  circleRadiusAt,
  colourExpression,
  defaultRange,
  paletteByName,
} from './style.js';

export const SOURCE_ID = 'egms-points';
export const CIRCLE_LAYER_ID = 'egms-velocity';
const RING = { colour: '#111111', width: 2.5, beyond: 4 }; // `beyond` the point's radius
const ringScales = new WeakMap(); // map -> the point size factor its selection ring follows

/** The absolute pmtiles:// URL of a layer's archive (relative to the page, any sub-path). */
export function tilesUrl(layer, dataBase) {
  return `pmtiles://${new URL(layer.tiles, dataBase).href}`;
}

function removeLayers(map) {
  if (map.getLayer(CIRCLE_LAYER_ID)) map.removeLayer(CIRCLE_LAYER_ID);
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
  const attribute = (layer.attributes || ['velocity']).includes(look.color) ? look.color : 'velocity';
  const range =
    look.vmin !== null && look.vmax !== null && look.vmax > look.vmin
      ? { min: look.vmin, max: look.vmax }
      : defaultRange(layer, attribute);
  return {
    attribute,
    info: attributeInfo(attribute),
    palette: paletteByName(look.cmap, attribute),
    range,
    custom: range.min === look.vmin && range.max === look.vmax,
    size: look.size ?? 1,
    opacity: look.opacity ?? 1,
  };
}

/** The quality filter of the circles: coherence ≥ cmin, velocity σ ≤ smax (null = none). */
export function qualityFilter(layer, look) {
  const attributes = layer.attributes || [];
  const parts = [];
  if (look.cmin !== null && look.cmin > 0 && attributes.includes('coherence')) {
    parts.push(['>=', ['coalesce', ['get', 'coherence'], -1], look.cmin]);
  }
  if (look.smax !== null && attributes.includes('velocity_std')) {
    parts.push(['<=', ['coalesce', ['get', 'velocity_std'], 1e9], look.smax]);
  }
  if (!parts.length) return null;
  return parts.length === 1 ? parts[0] : ['all', ...parts];
}

function circlePaint(resolved) {
  return {
    'circle-color': colourExpression(resolved.attribute, resolved.palette, resolved.range),
    'circle-radius': circleRadius(0, resolved.size),
    'circle-opacity': resolved.opacity,
    'circle-stroke-opacity': resolved.opacity,
  };
}

/** Replace whatever EGMS layer is shown by `layer`, drawn with `look`. */
export function showLayer(map, layer, look, dataBase, before = undefined) {
  removeLayers(map);
  map.addSource(SOURCE_ID, { type: 'vector', url: tilesUrl(layer, dataBase) });
  const sourceLayer = layer.source_layer || 'points';
  const resolved = resolveLook(layer, look);
  const filter = qualityFilter(layer, look);
  map.addLayer(
    {
      id: CIRCLE_LAYER_ID,
      type: 'circle',
      source: SOURCE_ID,
      'source-layer': sourceLayer,
      ...(filter ? { filter } : {}),
      paint: {
        ...circlePaint(resolved),
        'circle-stroke-color': 'rgba(0, 0, 0, 0.35)',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 12, 0, 15, 0.5],
      },
    },
    before,
  );
  setRingScale(map, resolved.size);
  return resolved;
}

/** Restyle the circles (colours, size, opacity, quality filter) without reloading tiles. */
export function applyLook(map, layer, look) {
  if (!map.getLayer(CIRCLE_LAYER_ID)) return resolveLook(layer, look);
  const resolved = resolveLook(layer, look);
  for (const [name, value] of Object.entries(circlePaint(resolved))) {
    map.setPaintProperty(CIRCLE_LAYER_ID, name, value);
  }
  setRingScale(map, resolved.size);
  map.setFilter(CIRCLE_LAYER_ID, qualityFilter(layer, look));
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
