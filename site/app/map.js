// The MapLibre map: offline background style, pmtiles protocol, controls.
/* global maplibregl, pmtiles */

const BACKGROUND = '#dfe4e8';

function offlineStyle() {
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }],
  };
}

let protocolAdded = false;

/** Register the pmtiles:// protocol once per page. */
export function addPmtilesProtocol() {
  if (protocolAdded) return;
  const protocol = new pmtiles.Protocol();
  maplibregl.addProtocol('pmtiles', protocol.tile);
  protocolAdded = true;
}

/** A map in `container` with no online basemap; resolves once its style is loaded. */
export function createMap(container, attribution) {
  addPmtilesProtocol();
  const map = new maplibregl.Map({
    container,
    style: offlineStyle(),
    center: [0, 0],
    zoom: 1,
    attributionControl: { compact: false, customAttribution: attribution },
    // keep the canvas readable so PNG snapshots/exports see what the user sees
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  const loaded = new Promise((resolve) => map.once('load', resolve));
  return { map, loaded };
}

/** Resolve when the map has rendered everything it currently needs. */
export function whenIdle(map) {
  return new Promise((resolve) => {
    map.once('idle', resolve);
    map.triggerRepaint();
  });
}

/** Fit the view to [w, s, e, n] without animation. */
export function fitBounds(map, bounds) {
  const [west, south, east, north] = bounds;
  map.fitBounds([[west, south], [east, north]], { padding: 40, animate: false, maxZoom: 15 });
}
