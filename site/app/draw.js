// A small polygon / box drawing tool on MapLibre events, and the analysis overlay (drawn area,
// coloured rings around the selected points, over the map: rings.js). Polygon: click or tap adds
// a corner; a double-click, Enter or a click on the first corner finishes; Escape cancels. Box:
// press, drag, release (anywhere: over the legend or outside the map, the box ends at its edge).
import { ringsOf } from './rings.js';

const SOURCE = 'egms-analysis';
const LAYERS = [
  { id: 'egms-area-fill', type: 'fill', filter: ['==', ['get', 'role'], 'area'],
    paint: { 'fill-color': '#000000', 'fill-opacity': 0.06 } },
  { id: 'egms-area-line', type: 'line', filter: ['==', ['get', 'role'], 'area'],
    paint: { 'line-color': '#111111', 'line-width': 2, 'line-dasharray': ['literal', [3, 2]] } },
  { id: 'egms-draw-vertex', type: 'circle', filter: ['==', ['get', 'role'], 'vertex'],
    paint: { 'circle-radius': 4, 'circle-color': '#ffffff',
      'circle-stroke-width': 2, 'circle-stroke-color': '#111111' } },
]; // prettier-ignore
const MIN_BOX_PIXELS = 4;
const CLOSE_PIXELS = 10; // a click this near the first corner closes the polygon
const MARK = { radius: 9, width: 3 };

function closed(ring) {
  return [...ring, ring[0]];
}

/** The four corners of the box spanned by two lngLats. */
export function boxRing(a, b) {
  return [[a.lng, a.lat], [b.lng, a.lat], [b.lng, b.lat], [a.lng, b.lat]];
}

/** Drop consecutive corners closer than `pixels` on screen (a double-click adds two). */
export function dedupe(ring, project, pixels = 3) {
  const out = [];
  for (const p of ring) {
    const last = out[out.length - 1];
    if (last) {
      const [a, b] = [project(last), project(p)];
      if (Math.hypot(a.x - b.x, a.y - b.y) < pixels) continue;
    }
    out.push(p);
  }
  return out;
}

export function createDrawTool(map, { onDone, onHint = () => {} }) {
  let mode = null; // 'polygon' | 'box' | null
  let corners = [];
  let cursor = null;
  let boxStart = null;
  let area = null;
  let marks = [];

  function features() {
    const list = [];
    const sketch = mode === 'polygon' ? [...corners, ...(cursor ? [cursor] : [])] : corners;
    const ring = mode ? sketch : area;
    if (ring && ring.length >= 2) {
      const geometry = ring.length >= 3
        ? { type: 'Polygon', coordinates: [closed(ring)] }
        : { type: 'LineString', coordinates: ring };
      list.push({ type: 'Feature', properties: { role: 'area' }, geometry });
    }
    if (mode === 'polygon') {
      for (const c of corners) {
        list.push({ type: 'Feature', properties: { role: 'vertex' }, geometry: { type: 'Point', coordinates: c } });
      }
    }
    return { type: 'FeatureCollection', features: list };
  }

  let shown = null; // the JSON last given to the source: setData repaints the whole map

  function ensure(raise) {
    if (!map.getSource(SOURCE)) {
      const data = features();
      map.addSource(SOURCE, { type: 'geojson', data });
      shown = JSON.stringify(data);
    }
    for (const layer of LAYERS) {
      if (!map.getLayer(layer.id)) map.addLayer({ ...layer, source: SOURCE });
      else if (raise) map.moveLayer(layer.id); // keep above the point layers
    }
  }

  function redraw(raise = false) {
    ensure(raise);
    const data = features();
    const text = JSON.stringify(data);
    if (text === shown) return;
    shown = text;
    map.getSource(SOURCE).setData(data);
  }

  function finish(ring) {
    stop();
    if (ring && ring.length >= 3) onDone(ring);
    else redraw();
  }

  function nearFirst(point) {
    if (corners.length < 3) return false;
    const first = map.project(corners[0]);
    return Math.hypot(first.x - point.x, first.y - point.y) <= CLOSE_PIXELS;
  }

  function onClick(event) {
    if (mode !== 'polygon') return;
    if (nearFirst(event.point)) {
      finish(dedupe(corners, (p) => map.project(p)));
      return;
    }
    corners.push([event.lngLat.lng, event.lngLat.lat]);
    onHint(`${corners.length} corner(s): double-click or Enter to finish, Escape to cancel`);
    redraw();
  }

  function onDblClick(event) {
    if (mode !== 'polygon') return;
    event.preventDefault();
    finish(dedupe(corners, (p) => map.project(p)));
  }

  function onMove(event) {
    if (mode !== 'polygon') return;
    cursor = [event.lngLat.lng, event.lngLat.lat];
    redraw();
  }

  /** A pointer event's place on the map, kept inside the map's box. */
  function mapPoint(event) {
    const box = map.getCanvas().getBoundingClientRect();
    const x = Math.min(Math.max(event.clientX - box.left, 0), box.width);
    const y = Math.min(Math.max(event.clientY - box.top, 0), box.height);
    return { point: { x, y }, lngLat: map.unproject([x, y]) };
  }

  // the box follows the pointer wherever it goes until it is released (pointer events: mouse,
  // pen and touch alike)
  function onBoxMove(event) {
    if (mode !== 'box' || !boxStart) return;
    corners = boxRing(boxStart, mapPoint(event).lngLat);
    redraw();
  }

  function onBoxDown(event) {
    if (mode !== 'box' || event.button > 0) return;
    event.preventDefault();
    boxStart = mapPoint(event).lngLat;
    window.addEventListener('pointermove', onBoxMove);
    window.addEventListener('pointerup', onBoxUp);
    window.addEventListener('pointercancel', onBoxUp);
  }

  function onBoxUp(event) {
    window.removeEventListener('pointermove', onBoxMove);
    window.removeEventListener('pointerup', onBoxUp);
    window.removeEventListener('pointercancel', onBoxUp);
    if (mode !== 'box' || !boxStart) return;
    const a = map.project(boxStart);
    const { point: b, lngLat } = mapPoint(event);
    const ring = boxRing(boxStart, lngLat);
    boxStart = null;
    const big = Math.abs(a.x - b.x) >= MIN_BOX_PIXELS && Math.abs(a.y - b.y) >= MIN_BOX_PIXELS;
    finish(big && event.type === 'pointerup' ? ring : null);
  }

  function onKey(event) {
    if (!mode) return;
    if (event.key === 'Enter' && mode === 'polygon') finish(dedupe(corners, (p) => map.project(p)));
  }

  function stop() {
    mode = null;
    corners = [];
    cursor = null;
    boxStart = null;
    map.doubleClickZoom.enable();
    map.dragPan.enable();
    map.getCanvas().style.cursor = '';
    onHint('');
  }

  map.boxZoom.disable(); // Shift+click adds a point to the chart; boxes come from "Draw box"
  map.on('click', onClick);
  map.on('dblclick', onDblClick);
  map.on('mousemove', onMove);
  map.getCanvas().addEventListener('pointerdown', onBoxDown);
  document.addEventListener('keydown', onKey);

  return {
    get mode() {
      return mode;
    },
    start(kind) {
      stop();
      mode = kind;
      map.doubleClickZoom.disable();
      if (kind === 'box') map.dragPan.disable();
      map.getCanvas().style.cursor = 'crosshair';
      onHint(kind === 'box' ? 'Drag a box on the map (Escape cancels)'
        : 'Click the corners; double-click, Enter or the first corner finishes, Escape cancels'); // prettier-ignore
      redraw();
    },
    /** Cancel a drawing in progress; true if there was one. */
    cancel() {
      if (!mode) return false;
      stop();
      redraw();
      return true;
    },
    /** Show the finished area (or none) and the selected points' rings [{lon, lat, colour}]. */
    show(ring, points = marks) {
      area = ring;
      marks = points;
      ringsOf(map).set('marks', marks.map((p) => ({ ...p, ...MARK })));
      redraw();
    },
    /** Put the overlay back on top (after the point layers were replaced). */
    raise: () => redraw(true),
  };
}
