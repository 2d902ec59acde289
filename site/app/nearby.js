// Nearest points of the OTHER layers around a selected point (chunk index bboxes + chunk
// lon/lat at full resolution), listed in the info panel with a button that adds the series.
// For an L3 layer, the 100 m cell that holds the point, however far its centre (cells.js).
import { CELL_M, cellHolds, isCellLayer } from './cells.js';
import { createChunkIndex } from './chunkindex.js';
import { decodeChunk, remember } from './chunks.js';

export const DEFAULT_RADIUS_M = 30;
const EARTH_RADIUS_M = 6371008.8; // IUGG mean radius
const METRES_PER_DEGREE = (Math.PI / 180) * EARTH_RADIUS_M;
const CELL_REACH_M = CELL_M * Math.SQRT1_2 + 1; // a cell's corner from its centre, and a margin

/** Great-circle distance in metres (haversine). */
export function haversine(lon1, lat1, lon2, lat2) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** [west, south, east, north] holding every place within `radius` m of a point. */
export function boxAround(lon, lat, radius) {
  const dLat = radius / METRES_PER_DEGREE;
  const dLon = radius / (METRES_PER_DEGREE * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
  return [lon - dLon, lat - dLat, lon + dLon, lat + dLat];
}

/** Nearest-point search over the layers of a manifest, with cached indexes and chunks. */
export function createNearby(app) {
  const index = createChunkIndex(() => app.dataBase);
  const loose = new Map(); // chunk URL -> promise, where the app has no chunk store

  function fetchJson(url) {
    return remember(loose, url, async () => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return decodeChunk(await response.arrayBuffer());
    });
  }

  function chunk(layer, number) {
    if (app.chunks.chunk) return app.chunks.chunk(layer, number);
    return fetchJson(new URL(layer.chunks.path.replace('{chunk}', String(number)), app.dataBase).href);
  }

  /** The points of `layer` within `radius` m of (lon, lat): [{..., distance}]. */
  async function pointsNear(layer, lon, lat, radius) {
    if (!layer.index) return [];
    const found = [];
    for (const [number] of await index.rowsIn(layer, boxAround(lon, lat, radius))) {
      const data = await chunk(layer, number);
      if (!data.lon || !data.lat) continue;
      for (let row = 0; row < data.lon.length; row += 1) {
        const distance = haversine(lon, lat, data.lon[row], data.lat[row]);
        if (distance <= radius) {
          found.push({ layerId: layer.id, label: layer.label || layer.id, featureId: data.first_id + row,
            pid: data.pid[row], lon: data.lon[row], lat: data.lat[row], distance }); // prettier-ignore
        }
      }
    }
    return found;
  }

  /**
   * The nearest point of `layer` within `radius` m of (lon, lat), or null; of an L3 layer, the
   * cell that holds (lon, lat) whatever `radius` (`cell: true`), or null. Held: within ±50 m
   * of the cell's centre along the grid's axes, in EPSG:3035 metres of both positions (exact;
   * no local east/north approximation), the centre as the chunk has it (6 decimals: ±0.06 m).
   */
  async function nearestIn(layer, lon, lat, radius = DEFAULT_RADIUS_M) {
    const cells = isCellLayer(layer);
    let found = await pointsNear(layer, lon, lat, cells ? CELL_REACH_M : radius);
    if (cells) found = found.filter((p) => cellHolds(p.lon, p.lat, lon, lat)).map((p) => ({ ...p, cell: true }));
    return found.reduce((best, p) => (best === null || p.distance < best.distance ? p : best), null);
  }

  /** Nearest point of every layer but `layerId` (null where none is within `radius`). */
  async function around(layerId, lon, lat, radius = DEFAULT_RADIUS_M) {
    const others = app.manifest.layers.filter((layer) => layer.id !== layerId);
    const found = await Promise.all(others.map((layer) => nearestIn(layer, lon, lat, radius)));
    return others.map((layer, i) => ({ layerId: layer.id, label: layer.label || layer.id, point: found[i] }));
  }

  return { nearestIn, around, pointsNear };
}

/** The panel section listing `results`; `onAdd(layerId, featureId)` adds a series to the chart. */
export function renderNearby(section, results, radius, onAdd) {
  const title = document.createElement('h3');
  title.className = 'panel-subtitle';
  title.id = 'nearby-title';
  title.textContent = `Other layers within ${radius} m`;
  const list = document.createElement('ul');
  list.className = 'nearby-list';
  for (const { label, point } of results) {
    const item = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = `${label}: `;
    item.append(name);
    if (point === null) {
      const none = document.createElement('span');
      none.className = 'nearby-none';
      none.textContent = 'no point';
      item.append(none);
    } else {
      const what = document.createElement('span');
      what.className = 'nearby-point';
      what.dataset.layer = point.layerId;
      what.dataset.id = String(point.featureId);
      what.dataset.distance = point.distance.toFixed(2);
      const where = point.cell ? '100 m cell containing this point' : `${point.distance.toFixed(1)} m`;
      what.textContent = `${point.pid}, ${where} `;
      const add = document.createElement('button');
      add.type = 'button';
      add.className = 'nearby-add';
      add.textContent = 'Add to chart';
      add.setAttribute('aria-label', `Add ${point.pid} (${label}) to the chart`);
      add.addEventListener('click', () => onAdd(point.layerId, point.featureId));
      item.append(what, add);
    }
    list.append(item);
  }
  section.setAttribute('aria-labelledby', 'nearby-title');
  section.replaceChildren(title, list);
  section.hidden = false;
}
