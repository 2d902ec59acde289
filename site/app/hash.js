// URL hash state: `#zoom/lat/lon&layer=<id>&pt=<feature id>&cmap=<palette>`.
// Keys this version does not know are kept, so a newer permalink survives a round trip.

const VIEW_DECIMALS = { zoom: 2, coord: 6 };

function parseView(text) {
  const parts = text.split('/').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) return null;
  const [zoom, lat, lon] = parts;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { zoom, lat, lon };
}

function parseFeatureId(text) {
  if (text === null || !/^\d+$/.test(text)) return null;
  return Number(text);
}

/** Parse a location hash ("#..." or "") into {view, layer, pt, cmap, extra}. */
export function parseHash(hash) {
  const body = hash.replace(/^#/, '');
  const [first, ...rest] = body.split('&');
  const view = first && first.includes('/') ? parseView(first) : null;
  const params = new URLSearchParams((view || !first ? rest : [first, ...rest]).join('&'));
  const state = {
    view,
    layer: params.get('layer'),
    pt: parseFeatureId(params.get('pt')),
    cmap: params.get('cmap'),
    extra: [],
  };
  for (const [key, value] of params) {
    if (!['layer', 'pt', 'cmap'].includes(key)) state.extra.push([key, value]);
  }
  return state;
}

/** Format {view, layer, pt, cmap, extra} as a location hash (with the leading "#"). */
export function formatHash({ view, layer, pt, cmap, extra = [] }) {
  const parts = [];
  if (view) {
    parts.push([
      view.zoom.toFixed(VIEW_DECIMALS.zoom),
      view.lat.toFixed(VIEW_DECIMALS.coord),
      view.lon.toFixed(VIEW_DECIMALS.coord),
    ].join('/'));
  }
  const params = new URLSearchParams();
  if (layer) params.set('layer', layer);
  if (pt !== null && pt !== undefined) params.set('pt', String(pt));
  if (cmap) params.set('cmap', cmap);
  for (const [key, value] of extra) params.append(key, value);
  // ':' and ',' are legal in a fragment: keep `sel=layer:12,layer:90` readable
  const query = params.toString().replace(/%3A/gi, ':').replace(/%2C/gi, ',');
  if (query) parts.push(query);
  return parts.length ? `#${parts.join('&')}` : '';
}
