// Processing-unit outlines (data/<layer>/units.geojson, a hull per unit) as a line layer.
import { CIRCLE_LAYER_ID } from './layers.js';

export const OUTLINE_SOURCE_ID = 'egms-units';
export const OUTLINE_LAYER_ID = 'egms-units-line';

function remove(map) {
  if (map.getLayer(OUTLINE_LAYER_ID)) map.removeLayer(OUTLINE_LAYER_ID);
  if (map.getSource(OUTLINE_SOURCE_ID)) map.removeSource(OUTLINE_SOURCE_ID);
}

/** Show the outlines of `layer`'s units under the points, or remove them (`visible` false). */
export function showOutlines(map, layer, dataBase, visible) {
  remove(map);
  if (!visible || !layer.outlines) return false;
  map.addSource(OUTLINE_SOURCE_ID, {
    type: 'geojson',
    data: new URL(layer.outlines, dataBase).href,
  });
  map.addLayer(
    {
      id: OUTLINE_LAYER_ID,
      type: 'line',
      source: OUTLINE_SOURCE_ID,
      paint: { 'line-color': '#2b2b2b', 'line-width': 1.5, 'line-dasharray': [4, 2] },
    },
    map.getLayer(CIRCLE_LAYER_ID) ? CIRCLE_LAYER_ID : undefined,
  );
  return true;
}
