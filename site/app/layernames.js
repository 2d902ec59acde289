// A layer in EGMS words: product (Basic L2a, Calibrated L2b, Ortho L3), period, orbit or
// component, Sentinel-1 track(s); and what a reader must know of its values. Pure: no DOM.

const PRODUCTS = { L2a: 'Basic', L2b: 'Calibrated', L3: 'Ortho' };
const GEOMETRIES = { asc: 'ascending', desc: 'descending', up: 'vertical', east: 'east-west' };
const MAX_TRACKS_NAMED = 4;
const ABOUT = {
  L2a: 'Basic (L2a): line-of-sight motion of one orbit, relative to a reference point inside each '
    + 'processing unit (burst): compare points only within one unit.',
  L2b: 'Calibrated (L2b): line-of-sight motion of one orbit, tied to a GNSS model: comparable '
    + 'across bursts and tracks of the same orbit.',
  L3: 'Ortho (L3): vertical or east-west motion on a 100 m grid, from ascending and descending '
    + 'Calibrated data combined.',
}; // prettier-ignore

/** A manifest layer's geometry (asc, desc, up, east); older manifests: its id's last part. */
export function geometryOf(layer) {
  return layer?.geometry || String(layer?.id || '').split('-').pop();
}

/** "EGMS Calibrated (L2b) 2020-2024": product and period, the layer picker's groups. */
export function productPeriod(layer) {
  if (!layer) return '';
  const product = PRODUCTS[layer.level] ? `EGMS ${PRODUCTS[layer.level]} (${layer.level})` : `EGMS ${layer.level}`;
  return Array.isArray(layer.period) ? `${product} ${layer.period[0]}-${layer.period[1]}` : product;
}

/** "EGMS Calibrated (L2b) 2020-2024 descending" for a manifest layer. */
export function productName(layer) {
  if (!layer) return '';
  return `${productPeriod(layer)} ${GEOMETRIES[geometryOf(layer)] || geometryOf(layer)}`.trim();
}

/** "track 22", "tracks 22 and 117", "12 tracks": the Sentinel-1 tracks of a layer's L2 units. */
export function tracksText(layer) {
  const tracks = [...new Set((layer.units || []).map((u) => u.track).filter(Number.isInteger))].sort((a, b) => a - b);
  if (!tracks.length) return '';
  if (tracks.length > MAX_TRACKS_NAMED) return `${tracks.length} tracks`;
  const last = tracks.pop();
  return tracks.length ? `tracks ${tracks.join(', ')} and ${last}` : `track ${last}`;
}

/** The layer in EGMS terms: "EGMS Calibrated (L2b) 2020-2024 descending, track 22". */
export function layerName(layer) {
  if (!layer) return '';
  const tracks = tracksText(layer);
  return tracks ? `${productName(layer)}, ${tracks}` : productName(layer);
}

/** What a reader must know of the layer's values, in a sentence or two. */
export function aboutLayer(layer) {
  return ABOUT[layer?.level] || '';
}

/**
 * The layer a site opens on: the newest period's Calibrated (L2b), else Ortho (L3), else Basic
 * (L2a, whose values are relative inside each burst); descending before ascending, vertical
 * before east-west; the manifest's order otherwise.
 */
export function defaultLayer(layers) {
  const rank = { L2b: 0, L3: 1, L2a: 2 };
  const order = { desc: 0, asc: 1, up: 0, east: 1 };
  const newest = (layer) => (Array.isArray(layer.period) ? -layer.period[1] : 0);
  const key = (layer) => [newest(layer), rank[layer.level] ?? 3, order[geometryOf(layer)] ?? 2];
  return [...layers].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  })[0];
}
