// A small polygon / box / line drawing tool on MapLibre events, and the analysis overlay (drawn
// area, profile line with its buffer, coloured rings around the selected points, over the map:
// rings.js). Polygon: click or tap adds a corner; a double-click, Enter or a click on the first
// corner finishes; Escape cancels. Box: press, drag, release (anywhere: over the legend or
// outside the map, the box ends at its edge). Line (a profile): click or tap adds a vertex; a
// double-click, Enter or a click on the last vertex finishes; Escape cancels.
import { ringsOf } from './rings.js';

const SOURCE = 'egms-analysis';
const EARTH_CIRCUMFERENCE_M = 40_075_016.686; // at the equator: Web Mercator's metres per world
const TILE_PX = 512;
const MAX_ZOOM = 24;
/** A line width (px) of `widthAt0` px at zoom 0, doubling with each zoom level: a width fixed in
 * metres on the ground (Web Mercator is conformal: true near the latitude it was computed at). */
function groundWidth(property) {
  return ['interpolate', ['exponential', 2], ['zoom'], 0, ['get', property], MAX_ZOOM, ['*', ['get', property], 2 ** MAX_ZOOM]];
}
const LAYERS = [
  { id: 'egms-profile-buffer', type: 'line', filter: ['==', ['get', 'role'], 'profile'],
    layout: { 'line-join': 'round', 'line-cap': 'butt' },
    paint: { 'line-color': '#000000', 'line-opacity': 0.1, 'line-width': groundWidth('width0') } },
  { id: 'egms-profile-edge', type: 'line', filter: ['==', ['get', 'role'], 'profile'],
    layout: { 'line-join': 'round', 'line-cap': 'butt' },
    paint: { 'line-color': '#111111', 'line-opacity': 0.7, 'line-width': 1, 'line-gap-width': groundWidth('width0'),
      'line-dasharray': ['literal', [2, 2]] } },
  { id: 'egms-profile-line', type: 'line', filter: ['in', ['get', 'role'], ['literal', ['profile', 'sketch']]],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#111111', 'line-width': 2.5 } },
  { id: 'egms-profile-start', type: 'circle', filter: ['==', ['get', 'role'], 'start'],
    paint: { 'circle-radius': 5, 'circle-color': '#111111', 'circle-stroke-width': 2, 'circle-stroke-color': '#ffffff' } },
  { id: 'egms-area-fill', type: 'fill', filter: ['==', ['get', 'role'], 'area'],
    paint: { 'fill-color': '#000000', 'fill-opacity': 0.06 } },
  { id: 'egms-area-line', type: 'line', filter: ['==', ['get', 'role'], 'area'],
    paint: { 'line-color': '#111111', 'line-width': 2, 'line-dasharray': ['literal', [3, 2]] } },
  { id: 'egms-draw-vertex', type: 'circle', filter: ['==', ['get', 'role'], 'vertex'],
    paint: { 'circle-radius': 4, 'circle-color': '#ffffff',
      'circle-stroke-width': 2, 'circle-stroke-color': '#111111' } },
]; // prettier-ignore
const MIN_BOX_PIXELS = 4;
const CLOSE_PIXELS = 10; // a click this near the first corner closes the polygon (the last: ends a line)
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

/** Zoom-0 pixels of `metres` on the ground at latitude `lat`. */
export function pixelsAtZoom0(metres, lat) {
  return (metres * TILE_PX) / (EARTH_CIRCUMFERENCE_M * Math.cos((lat * Math.PI) / 180));
}

function lineFeatures(line, buffer) {
  if (!line || line.length < 2) return [];
  const lats = line.map(([, lat]) => lat);
  const width0 = pixelsAtZoom0(2 * buffer, (Math.min(...lats) + Math.max(...lats)) / 2);
  return [
    { type: 'Feature', properties: { role: 'profile', width0 }, geometry: { type: 'LineString', coordinates: line } },
    { type: 'Feature', properties: { role: 'start' }, geometry: { type: 'Point', coordinates: line[0] } },
  ];
}

export function createDrawTool(map, { onDone, onLine = () => {}, onHint = () => {} }) {
  let mode = null; // 'polygon' | 'box' | 'line' | null
  let corners = [];
  let cursor = null;
  let boxStart = null;
  let area = null;
  let marks = [];
  let profile = null; // {line, buffer}

  function features() {
    const list = profile ? lineFeatures(profile.line, profile.buffer) : [];
    const sketch = mode === 'polygon' || mode === 'line' ? [...corners, ...(cursor ? [cursor] : [])] : corners;
    if (mode === 'line' && sketch.length >= 2) {
      list.push({ type: 'Feature', properties: { role: 'sketch' }, geometry: { type: 'LineString', coordinates: sketch } });
    }
    const ring = mode === 'line' ? area : mode ? sketch : area;
    if (ring && ring.length >= 2) {
      const geometry = ring.length >= 3
        ? { type: 'Polygon', coordinates: [closed(ring)] }
        : { type: 'LineString', coordinates: ring };
      list.push({ type: 'Feature', properties: { role: 'area' }, geometry });
    }
    if (mode === 'polygon' || mode === 'line') {
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
    const kind = mode;
    stop();
    if (kind === 'line' && ring && ring.length >= 2) onLine(ring);
    else if (kind !== 'line' && ring && ring.length >= 3) onDone(ring);
    else redraw();
  }

  function nearLast(point) {
    if (corners.length < 2) return false;
    const last = map.project(corners[corners.length - 1]);
    return Math.hypot(last.x - point.x, last.y - point.y) <= CLOSE_PIXELS;
  }

  function onLineClick(event) {
    if (nearLast(event.point)) {
      finish(dedupe(corners, (p) => map.project(p)));
      return;
    }
    corners.push([event.lngLat.lng, event.lngLat.lat]);
    onHint(`${corners.length} vertex(es): double-click, Enter or a click on the last vertex finishes, Escape cancels`);
    redraw();
  }

  function nearFirst(point) {
    if (corners.length < 3) return false;
    const first = map.project(corners[0]);
    return Math.hypot(first.x - point.x, first.y - point.y) <= CLOSE_PIXELS;
  }

  function onClick(event) {
    if (mode === 'line') return onLineClick(event);
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
    if (mode !== 'polygon' && mode !== 'line') return;
    event.preventDefault();
    finish(dedupe(corners, (p) => map.project(p)));
  }

  function onMove(event) {
    if (mode !== 'polygon' && mode !== 'line') return;
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
    if (event.key === 'Enter' && (mode === 'polygon' || mode === 'line')) finish(dedupe(corners, (p) => map.project(p)));
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
      onHint({ box: 'Drag a box on the map (Escape cancels)',
        line: 'Click the profile line\'s vertices from its start; double-click, Enter or the last vertex finishes, Escape cancels',
        polygon: 'Click the corners; double-click, Enter or the first corner finishes, Escape cancels' }[kind]); // prettier-ignore
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
    /** Show the profile line with its buffer (m), or none (null). */
    showProfile(line, buffer) {
      profile = line ? { line, buffer } : null;
      redraw();
    },
    /** Put the overlay back on top (after the point layers were replaced). */
    raise: () => redraw(true),
  };
}
