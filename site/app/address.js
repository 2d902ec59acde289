// The page's address: the one codec between the URL hash and the page's state.
//   #<zoom>/<lat>/<lon>        the map's view
//   layer=<id>  pt=<id>        the layer shown and its selected point
//   cmap= color= vmin= vmax= size= opacity= cmin= smax= cmp= units=
//                              the map's look (mapui.js)
//   bm=<id>                    the basemap, unless it is the first (basemaps.js)
//   sel=<layer>:<id>,<id>  ref=<layer>:<id> | poly  poly=lon,lat,lon,lat,...  t0= t1=
//   fit=lin,seas  band=minmax  embed=1
//                              the chart's points, reference, area and date window (workbench.js)
//   prof=lon,lat,lon,lat,...  buf=<m>  pbin=<m>
//                              the profile line, its buffer and bin width (profilework.js)
//   title= caption=            the figure's words (frame.js)
//   dec=lon,lat  r=<m>         vertical and east motion at a spot, within r m (decomppanel.js)
//   astat=<statistic>|none  asset=<id>
//                              the asset layer's statistic (mean without it; none: hidden) and
//                              the selected asset's dense id (assets.js)
// Keys this version does not know are dropped from the address; urlnotice.js says so once.
import { palettes } from './palettes.js';
import { BUFFER } from './profile.js';
import { ATTRIBUTES } from './style.js';

const VIEW_DECIMALS = { zoom: 2, coord: 6 };
const POLY_DECIMALS = 6;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const FITS = ['lin', 'seas'];

export const LOOK_KEYS = ['vmin', 'vmax', 'size', 'opacity', 'color', 'at', 'win', 'cmin', 'smax', 'tsince', 'talpha', 'cmp', 'units'];
export const ANALYSIS_KEYS = ['sel', 'ref', 'poly', 't0', 't1', 'fit', 'band', 'embed', 'prof', 'buf', 'pbin', 'rel'];
export const WORDS_KEYS = ['title', 'caption'];
export const DECOMP_KEYS = ['dec', 'r'];
export const ASSET_KEYS = ['astat', 'asset'];
export const KNOWN_KEYS = new Set(['layer', 'pt', 'cmap', 'bm', ...LOOK_KEYS, ...ANALYSIS_KEYS, ...WORDS_KEYS, ...DECOMP_KEYS, ...ASSET_KEYS]);
export const ASSET_STAT_NAMES = ['mean', 'median', 'p05', 'p95', 'diff', 'std', 'points', 'none']; // assetdata.js, 'none': hidden
export const DECOMP_RADIUS = { default: 50, min: 10, max: 500 }; // metres
// values the address leaves out, being the default (formatLook)
export const LOOK_DEFAULTS = { color: 'velocity', size: 1, opacity: 1, cmin: 0, units: 0, astat: 'mean' };
// what a person did, as opposed to where they looked: a change of these is a history entry
const WORK_KEYS = ['layer', 'pt', 'sel', 'ref', 'poly', 'prof', 'dec', 'r', 'asset'];

// --- the parts --------------------------------------------------------------------------------

function parseView(text) {
  const parts = text.split('/').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) return null;
  const [zoom, lat, lon] = parts;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { zoom, lat, lon };
}

function formatView({ zoom, lat, lon }) {
  return [zoom.toFixed(VIEW_DECIMALS.zoom), lat.toFixed(VIEW_DECIMALS.coord), lon.toFixed(VIEW_DECIMALS.coord)].join('/');
}

function parseFeatureId(text) {
  if (text === null || text === undefined || !/^\d+$/.test(text)) return null;
  return Number(text);
}

/** A number within [min, max] from an address or an input's text, else null. */
export function number(text, min = -Infinity, max = Infinity) {
  if (text === null || text === undefined || text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) && value >= min && value <= max ? value : null;
}

/** The map's look from [key, value] pairs (unknown or bad values = default). */
export function parseLook(pairs, cmap = null) {
  const get = (key) => (pairs.find(([k]) => k === key) || [])[1] ?? null;
  const look = {
    cmap: palettes[cmap] ? cmap : null,
    color: ATTRIBUTES[get('color')] ? get('color') : 'velocity',
    vmin: number(get('vmin')),
    vmax: number(get('vmax')),
    size: number(get('size'), 0.2, 5),
    opacity: number(get('opacity'), 0.05, 1),
    cmin: number(get('cmin'), 0, 1),
    smax: number(get('smax'), 0),
    tsince: number(get('tsince'), 1900, 2200),
    talpha: number(get('talpha'), 0, 1),
    at: ISO_DATE.test(get('at') || '') ? get('at') : null, // the map through time (epochs.js)
    win: /^\d{4}-\d{2}-\d{2},\d{4}-\d{2}-\d{2}$/.test(get('win') || '') ? get('win') : null,
    cmp: get('cmp'),
    units: get('units') === '1',
  };
  if (look.vmin === null || look.vmax === null || look.vmax <= look.vmin) look.vmin = look.vmax = null;
  return look;
}

/** [key, value] pairs of a look (defaults left out; the palette travels as cmap=). */
export function formatLook(look) {
  const pairs = [];
  if (look.color !== 'velocity') pairs.push(['color', look.color]);
  if (look.color === 'displacement' && look.at) pairs.push(['at', look.at]);
  if (look.color === 'window_velocity' && look.win) pairs.push(['win', look.win]);
  if (look.vmin !== null && look.vmax !== null) pairs.push(['vmin', String(look.vmin)], ['vmax', String(look.vmax)]);
  if (look.size !== null && look.size !== 1) pairs.push(['size', String(look.size)]);
  if (look.opacity !== null && look.opacity !== 1) pairs.push(['opacity', String(look.opacity)]);
  if (look.cmin !== null && look.cmin > 0) pairs.push(['cmin', String(look.cmin)]);
  if (look.smax !== null) pairs.push(['smax', String(look.smax)]);
  if (look.tsince !== null && look.tsince !== undefined) {
    pairs.push(['tsince', String(look.tsince)]);
    if (look.talpha !== null && look.talpha !== undefined) pairs.push(['talpha', String(look.talpha)]);
  }
  if (look.cmp) pairs.push(['cmp', look.cmp]);
  if (look.units) pairs.push(['units', '1']);
  return pairs;
}

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
  if (numbers.length < 6 || numbers.length % 2 || numbers.some((n) => !Number.isFinite(n))) return null;
  const ring = [];
  for (let i = 0; i < numbers.length; i += 2) ring.push([numbers[i], numbers[i + 1]]);
  if (ring.some(([lon, lat]) => Math.abs(lon) > 180 || Math.abs(lat) > 90)) return null;
  return ring;
}

/** "lon,lat,lon,lat,..." → [[lon, lat], ...] with ≥ 2 distinct vertices (a profile line), or null. */
export function parseLine(text) {
  if (!text) return null;
  const numbers = text.split(',').map(Number);
  if (numbers.length < 4 || numbers.length % 2 || numbers.some((n) => !Number.isFinite(n))) return null;
  const line = [];
  for (let i = 0; i < numbers.length; i += 2) line.push([numbers[i], numbers[i + 1]]);
  if (line.some(([lon, lat]) => Math.abs(lon) > 180 || Math.abs(lat) > 90)) return null;
  if (line.every(([lon, lat]) => lon === line[0][0] && lat === line[0][1])) return null;
  return line;
}

export function formatPolygon(ring) {
  return ring.flatMap(([lon, lat]) => [lon.toFixed(POLY_DECIMALS), lat.toFixed(POLY_DECIMALS)]).join(',');
}

/** The analysis from [key, value] pairs (`layer`: the one a bare `sel=12` is of). */
export function parseAnalysis(pairs, layer) {
  const params = new Map(pairs);
  const sel = (params.get('sel') || '').split(',').filter(Boolean)
    .map((text) => parsePointRef(text, layer)).filter(Boolean); // prettier-ignore
  const refText = params.get('ref');
  let ref = null;
  if (refText === 'poly') ref = { kind: 'poly' };
  else if (refText) {
    const point = parsePointRef(refText, layer);
    if (point) ref = { kind: 'point', ...point };
  }
  const date = (key) => (ISO_DATE.test(params.get(key) || '') ? params.get(key) : null);
  return {
    sel,
    ref,
    poly: parsePolygon(params.get('poly')),
    t0: date('t0'),
    t1: date('t1'),
    fit: (params.get('fit') || '').split(',').filter((f) => FITS.includes(f)),
    band: params.get('band') === 'minmax' ? 'minmax' : 'sd',
    embed: params.get('embed') === '1',
    prof: parseLine(params.get('prof')),
    buf: number(params.get('buf'), BUFFER.min, BUFFER.max) ?? BUFFER.default,
    pbin: number(params.get('pbin'), 0.1, 1e6), // null: the line's default (profile.js)
    rel: params.get('rel') === '1', // series across releases shown (releasepanel.js)
  };
}

/** The analysis as [key, value] pairs, in a stable order, empty ones left out. */
export function formatAnalysis(analysis) {
  const pairs = [];
  if (analysis.sel.length) pairs.push(['sel', analysis.sel.map(formatPointRef).join(',')]);
  if (analysis.ref) pairs.push(['ref', analysis.ref.kind === 'poly' ? 'poly' : formatPointRef(analysis.ref)]);
  if (analysis.poly) pairs.push(['poly', formatPolygon(analysis.poly)]);
  if (analysis.t0) pairs.push(['t0', analysis.t0]);
  if (analysis.t1) pairs.push(['t1', analysis.t1]);
  if (analysis.fit.length) pairs.push(['fit', analysis.fit.join(',')]);
  if (analysis.band === 'minmax') pairs.push(['band', 'minmax']);
  if (analysis.embed) pairs.push(['embed', '1']);
  if (analysis.rel) pairs.push(['rel', '1']);
  if (analysis.prof) {
    pairs.push(['prof', formatPolygon(analysis.prof)]);
    if (analysis.buf !== BUFFER.default) pairs.push(['buf', String(analysis.buf)]);
    if (analysis.pbin) pairs.push(['pbin', String(analysis.pbin)]);
  }
  return pairs;
}

/** The decomposition spot from `dec=lon,lat` and `r=` (metres): {lon, lat, r}, or null. */
export function parseDecomp(decText, radiusText) {
  const numbers = (decText || '').split(',').map((part) => number(part));
  if (numbers.length !== 2 || numbers.some((n) => n === null)) return null;
  const [lon, lat] = numbers;
  if (Math.abs(lon) > 180 || Math.abs(lat) > 90) return null;
  const r = radiusText === null || radiusText === undefined ? DECOMP_RADIUS.default
    : number(radiusText, DECOMP_RADIUS.min, DECOMP_RADIUS.max); // prettier-ignore
  return r === null ? null : { lon, lat, r };
}

function formatDecomp({ lon, lat, r }) {
  return [['dec', `${lon.toFixed(POLY_DECIMALS)},${lat.toFixed(POLY_DECIMALS)}`], ['r', String(r)]];
}

/** The assets' part: {stat, id} (`astat=`, default mean; `asset=`, a dense id or null). */
export function parseAssets(statText, idText) {
  return { stat: ASSET_STAT_NAMES.includes(statText) ? statText : 'mean', id: parseFeatureId(idText) };
}

function formatAssets({ stat, id }) {
  const pairs = stat && stat !== 'mean' ? [['astat', stat]] : [];
  return id === null || id === undefined ? pairs : [...pairs, ['asset', String(id)]];
}

// --- the whole address ------------------------------------------------------------------------

function split(hash) {
  const body = hash.replace(/^#/, '');
  const [first, ...rest] = body.split('&');
  const view = first && first.includes('/') ? parseView(first) : null;
  const params = new URLSearchParams((view || !first ? rest : [first, ...rest]).join('&'));
  return { view, pairs: [...params] };
}

/** A location hash ("#..." or "") → {view, layer, pt, cmap, look, bm, words, pairs}; the
 * analysis needs the layer a bare id is of: analysisOf(address, layerId). */
export function readAddress(hash) {
  const { view, pairs } = split(hash);
  const get = (key) => (pairs.find(([k]) => k === key) || [])[1] ?? null;
  return {
    view,
    layer: get('layer'),
    pt: parseFeatureId(get('pt')),
    cmap: get('cmap'),
    look: parseLook(pairs, get('cmap')),
    bm: get('bm'),
    words: { title: get('title') || '', caption: get('caption') || '' },
    decomp: parseDecomp(get('dec'), get('r')),
    assets: parseAssets(get('astat'), get('asset')),
    pairs,
  };
}

export function analysisOf(address, layerId) {
  return parseAnalysis(address.pairs, layerId);
}

/** The page's state as a location hash (with its "#"), or "" for none. state: {view, layerId,
 * featureId, palette, look, bm, words, analysis, decomp}, each optional. */
export function writeAddress(state) {
  const params = new URLSearchParams();
  const add = (pairs) => pairs.forEach(([key, value]) => params.append(key, value));
  if (state.layerId) params.set('layer', state.layerId);
  if (state.featureId !== null && state.featureId !== undefined) params.set('pt', String(state.featureId));
  if (state.palette) params.set('cmap', state.palette);
  for (const key of WORDS_KEYS) if (state.words?.[key]) params.set(key, state.words[key]);
  if (state.analysis) add(formatAnalysis(state.analysis));
  if (state.decomp) add(formatDecomp(state.decomp));
  if (state.assets) add(formatAssets(state.assets));
  if (state.look) add(formatLook(state.look));
  if (state.bm) params.set('bm', state.bm);
  // ':' and ',' are legal in a fragment: keep `sel=layer:12,layer:90` readable
  const query = params.toString().replace(/%3A/gi, ':').replace(/%2C/gi, ',');
  const parts = [state.view ? formatView(state.view) : '', query].filter(Boolean);
  return parts.length ? `#${parts.join('&')}` : '';
}

/** What a person did in the address `hash` (layer, point, chart points, reference, area), as
 * one comparable string: the view and the look left out. */
export function workOf(hash) {
  const { pairs } = split(hash);
  return WORK_KEYS.map((key) => `${key}=${(pairs.find(([k]) => k === key) || [])[1] ?? ''}`).join('&');
}
