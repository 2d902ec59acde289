// The analysis part of the URL hash: extra selected points, reference, polygon, date window,
// fit lines, embed mode. main.js keeps other keys; these travel as extra hash parameters:
//   sel=<layer>:<id>,<id>   ref=<layer>:<id> | poly   poly=lon,lat,lon,lat,...
//   t0=YYYY-MM-DD  t1=YYYY-MM-DD  fit=lin,seas  band=minmax (the area's band; ±1σ if absent)
//   embed=1

export const KEYS = ['sel', 'ref', 'poly', 't0', 't1', 'fit', 'band', 'embed'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const FITS = ['lin', 'seas'];
const POLY_DECIMALS = 6;

/** "layer:id" or "id" (in `defaultLayer`) → {layerId, featureId}, or null. */
export function parsePointRef(text, defaultLayer) {
  const match = /^(?:(.+):)?(\d+)$/.exec(text.trim());
  if (!match) return null;
  return { layerId: match[1] || defaultLayer, featureId: Number(match[2]) };
}

export function formatPointRef({ layerId, featureId }) {
  return `${layerId}:${featureId}`;
}

/** "lon,lat,lon,lat,..." → [[lon, lat], ...] with ≥ 3 vertices, or null. */
export function parsePolygon(text) {
  if (!text) return null;
  const numbers = text.split(',').map(Number);
  if (numbers.length < 6 || numbers.length % 2 || numbers.some((n) => !Number.isFinite(n))) {
    return null;
  }
  const ring = [];
  for (let i = 0; i < numbers.length; i += 2) ring.push([numbers[i], numbers[i + 1]]);
  if (ring.some(([lon, lat]) => Math.abs(lon) > 180 || Math.abs(lat) > 90)) return null;
  return ring;
}

export function formatPolygon(ring) {
  return ring.flatMap(([lon, lat]) => [lon.toFixed(POLY_DECIMALS), lat.toFixed(POLY_DECIMALS)]).join(',');
}

/** Read the analysis keys from a hash's extra [key, value] pairs (`layer` = the current one). */
export function parseAnalysis(extra, layer) {
  const params = new Map(extra);
  const sel = (params.get('sel') || '')
    .split(',')
    .filter(Boolean)
    .map((text) => parsePointRef(text, layer))
    .filter(Boolean);
  const refText = params.get('ref');
  let ref = null;
  if (refText === 'poly') ref = { kind: 'poly' };
  else if (refText) {
    const point = parsePointRef(refText, layer);
    if (point) ref = { kind: 'point', ...point };
  }
  const date = (key) => (ISO_DATE.test(params.get(key) || '') ? params.get(key) : null);
  const fit = (params.get('fit') || '').split(',').filter((f) => FITS.includes(f));
  return {
    sel,
    ref,
    poly: parsePolygon(params.get('poly')),
    t0: date('t0'),
    t1: date('t1'),
    fit,
    band: params.get('band') === 'minmax' ? 'minmax' : 'sd',
    embed: params.get('embed') === '1',
  };
}

/** The analysis state as [key, value] pairs, in a stable order, empty ones left out. */
export function formatAnalysis(analysis) {
  const pairs = [];
  if (analysis.sel.length) pairs.push(['sel', analysis.sel.map(formatPointRef).join(',')]);
  if (analysis.ref) {
    pairs.push(['ref', analysis.ref.kind === 'poly' ? 'poly' : formatPointRef(analysis.ref)]);
  }
  if (analysis.poly) pairs.push(['poly', formatPolygon(analysis.poly)]);
  if (analysis.t0) pairs.push(['t0', analysis.t0]);
  if (analysis.t1) pairs.push(['t1', analysis.t1]);
  if (analysis.fit.length) pairs.push(['fit', analysis.fit.join(',')]);
  if (analysis.band === 'minmax') pairs.push(['band', 'minmax']);
  if (analysis.embed) pairs.push(['embed', '1']);
  return pairs;
}

/** Extra pairs that are not analysis keys (kept as they are). */
export function otherParams(extra) {
  return extra.filter(([key]) => !KEYS.includes(key));
}
