// Rings around points (the selected point, the chart's points), drawn on a 2D canvas laid over
// the map rather than in it: showing, moving or removing a ring then costs no map frame (a full
// WebGL redraw of every point in view: ~80 ms for a 1M-point site without a GPU), so a click's
// chart is not kept waiting behind one.

const overlays = new WeakMap(); // map -> its overlay
const GROUP_ORDER = ['selected', 'marks']; // the chart's coloured rings above the selection's

/**
 * A ring is {lon, lat, colour, width, radius, dash}: stroke width and inner radius in CSS pixels,
 * `radius` a number or a function of the zoom (as a MapLibre circle-radius with its stroke),
 * `dash` an optional canvas line dash.
 */
function drawRing(ctx, map, ring) {
  const at = map.project([ring.lon, ring.lat]);
  const radius = typeof ring.radius === 'function' ? ring.radius(map.getZoom()) : ring.radius;
  ctx.beginPath();
  ctx.arc(at.x, at.y, radius + ring.width / 2, 0, 2 * Math.PI);
  ctx.strokeStyle = ring.colour;
  ctx.lineWidth = ring.width;
  ctx.setLineDash(ring.dash || []);
  ctx.stroke();
}

function createOverlay(map) {
  const canvas = document.createElement('canvas');
  canvas.className = 'map-rings';
  canvas.setAttribute('aria-hidden', 'true');
  [canvas.width, canvas.height] = [0, 0]; // sized to the map on the first ring
  map.getCanvasContainer().append(canvas);
  const groups = new Map(GROUP_ORDER.map((name) => [name, []])); // name -> rings
  const listeners = new Set(); // (name, rings) => ..., e.g. a compare map's overlay
  let blank = true; // nothing drawn: a map move has nothing to redraw

  function fitToMap() {
    const source = map.getCanvas(); // sized by MapLibre: reading it forces no layout
    if (canvas.width === source.width && canvas.height === source.height) return;
    canvas.width = source.width;
    canvas.height = source.height;
    canvas.style.width = source.style.width;
    canvas.style.height = source.style.height;
  }

  function draw() {
    const rings = [...groups.values()].flat();
    if (blank && !rings.length) return;
    fitToMap();
    const ctx = canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const ratio = map.getPixelRatio();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    for (const ring of rings) drawRing(ctx, map, ring);
    blank = !rings.length;
  }

  map.on('move', draw);
  map.on('resize', draw);
  return {
    canvas,
    /** Replace the rings of group `name` (an empty list removes them). */
    set(name, rings) {
      groups.set(name, rings.filter((r) => Number.isFinite(r.lon) && Number.isFinite(r.lat)));
      draw();
      for (const listener of listeners) listener(name, groups.get(name));
    },
    /** Call `listener(name, rings)` now for every group and on every change; returns an undo. */
    follow(listener) {
      for (const [name, rings] of groups) listener(name, rings);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    redraw: draw,
    get empty() {
      return blank;
    },
  };
}

/** The ring overlay of `map`, made on first use. */
export function ringsOf(map) {
  if (!overlays.has(map)) overlays.set(map, createOverlay(map));
  return overlays.get(map);
}

/** Whether `map` has a ring overlay yet. */
export function hasRings(map) {
  return overlays.has(map);
}

/** The map's canvas with its rings on top: what the user sees, for a PNG export. */
export function mapWithRings(map) {
  const source = map.getCanvas();
  const overlay = overlays.get(map);
  if (!overlay || overlay.empty) return source;
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(source, 0, 0);
  ctx.drawImage(overlay.canvas, 0, 0, source.width, source.height);
  return canvas;
}
