// The user's assets (`build --assets FILE`, docs/site-data.md "Assets"), as data: the statistics
// the asset layer can be coloured by, their colour ranges, the stats and series chunks, the rows
// of the table, its CSV and the chart model of an asset's mean series. No DOM.
import { csvField, csvNumber } from './analysis.js';
import { sigmaBand } from './areastats.js';
import { fetchChunk } from './chunks.js';
import { layerName } from './layernames.js';
import { commentText } from './pointexport.js';

// what the asset layer can be coloured by; `property`: the tiles' name when not the key
export const ASSET_STATS = {
  mean: { label: 'Mean velocity', column: 'Mean', unit: 'mm/yr', signed: true, decimals: 2 },
  median: { label: 'Median velocity', column: 'Median', unit: 'mm/yr', signed: true, decimals: 2 },
  p05: { label: '5th percentile velocity', column: 'P5', unit: 'mm/yr', signed: true, decimals: 2 },
  p95: { label: '95th percentile velocity', column: 'P95', unit: 'mm/yr', signed: true, decimals: 2 },
  diff: { label: 'Differential motion (max − min velocity)', column: 'Diff', unit: 'mm/yr', signed: false, decimals: 2 },
  std: { label: 'Velocity spread σ (between its points)', column: 'σ', unit: 'mm/yr', signed: false, decimals: 2 },
  points: { label: 'Points passing the quality filter', column: 'Points', unit: 'points', signed: false, decimals: 0, property: 'points_ok' },
}; // prettier-ignore
export const DEFAULT_STAT = 'mean';
export const VELOCITY_STATS = ['mean', 'median', 'p05', 'p95', 'diff', 'std'];
const POINTS_RANGE = { min: 0, max: 20 }; // the manifest has no range of the counts
const KIND_WORDS = { polygon: 'polygon', line: 'line', point: 'point' };

/** The site's assets entry, or null (a site built without `--assets`). */
export function assetsOf(manifest) {
  return manifest?.assets && manifest.assets.layers ? manifest.assets : null;
}

/** The assets entry of one layer ({tiles, stats, series, csv, gpkg, ranges, ...}), or null. */
export function assetLayer(manifest, layerId) {
  return assetsOf(manifest)?.layers?.[layerId] || null;
}

function round(value, decimals) {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** The colour range of statistic `stat` over a layer's assets (the manifest's p02/p98):
 * symmetric around 0 for velocities, from 0 for the spread, the differential motion, counts. */
export function statRange(entry, stat) {
  const r = entry?.ranges?.[stat === 'points' ? 'points_ok' : stat];
  if (stat === 'points' && !r) return { ...POINTS_RANGE };
  if (!r || typeof r.p02 !== 'number' || typeof r.p98 !== 'number') return ASSET_STATS[stat].signed ? { min: -1, max: 1 } : { min: 0, max: 1 };
  if (ASSET_STATS[stat].signed) {
    const half = round(Math.max(Math.abs(r.p02), Math.abs(r.p98)), 1);
    return { min: -(half || 1), max: half || 1 };
  }
  const max = round(r.p98, 1);
  return { min: 0, max: max > 0 ? max : 1 };
} // prettier-ignore

/** "coherence ≥ 0.7, velocity σ ≤ 1.0 mm/yr" (L3 has no coherence). */
export function qualityWords(assets, layer) {
  const q = assets?.quality || {};
  const parts = [];
  if (typeof q.min_coherence === 'number' && layer?.level !== 'L3') parts.push(`coherence ≥ ${q.min_coherence}`);
  if (typeof q.max_velocity_std === 'number') parts.push(`velocity σ ≤ ${q.max_velocity_std} mm/yr`);
  return parts.join(', ') || 'none';
}

/** "polygon", "line, buffered 10 m". */
export function kindWords(kind, assets) {
  const words = KIND_WORDS[kind] || String(kind || '');
  return kind === 'line' || kind === 'point' ? `${words}, buffered ${assets?.buffer_m ?? 10} m` : words;
}

/** The stats chunks whose extent meets `view` [w, s, e, n] (all of them without a view). */
export function chunksInView(index, view) {
  const rows = index?.chunks || [];
  if (!view) return rows.map((r) => r[0]);
  const [w, s, e, n] = view;
  return rows.filter(([, west, south, east, north]) => west <= e && east >= w && south <= n && north >= s).map((r) => r[0]);
}

/** A stats chunk as rows: {asset (the dense id), id, kind, bbox, points, points_ok, mean, ...}. */
export function chunkRows(chunk) {
  const names = ['kind', 'bbox', 'points', 'points_ok', 'mean', 'median', 'p05', 'p95', 'std', 'diff', 'units'];
  return chunk.id.map((id, i) => {
    const row = { asset: chunk.first + i, id: String(id) };
    for (const name of names) row[name] = chunk[name] ? chunk[name][i] ?? null : null;
    return row;
  });
}

/** Whether a row's bbox meets `view` [w, s, e, n]. */
export function rowInView(row, view) {
  if (!view || !row.bbox) return true;
  const [w, s, e, n] = row.bbox;
  return w <= view[2] && e >= view[0] && s <= view[3] && n >= view[1];
}

/** The value a column sorts by: |mean| for "fastest first", the id as text, counts, a statistic. */
export function sortValue(row, column) {
  if (column === 'speed') return typeof row.mean === 'number' ? Math.abs(row.mean) : null;
  if (column === 'points') return row.points_ok * 1e9 + row.points; // by passing points, then all
  return row[column] ?? null;
}

/** Rows sorted by `column` (asc or desc); missing values last either way; ties by asset id. */
export function sortRows(rows, column, descending) {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const [x, y] = [sortValue(a, column), sortValue(b, column)];
    if (x === null || y === null) return x === y ? a.asset - b.asset : x === null ? 1 : -1;
    const order = typeof x === 'string' ? x.localeCompare(y, 'en', { numeric: true }) : x - y;
    return order ? sign * order : a.asset - b.asset;
  });
}

/** Loads and caches the assets' index, stats and series chunks (data/ at `dataBase`). */
export function createAssetStore(dataBase, assets) {
  const cache = new Map();
  const load = (path) => {
    const url = new URL(path, dataBase).href;
    if (!cache.has(url)) {
      const request = fetchChunk(url);
      request.catch(() => cache.delete(url)); // a failed request may be retried
      cache.set(url, request);
    }
    return cache.get(url);
  };
  const chunkPath = (template, chunk) => template.replace('{chunk}', String(chunk));
  return {
    index: () => load(assets.index),
    async rows(entry, chunk) {
      return chunkRows(await load(chunkPath(entry.stats, chunk)));
    },
    /** The row of asset `asset` (dense id) in layer `entry`. */
    async row(entry, asset) {
      const chunk = Math.floor(asset / assets.stats_size);
      const found = (await this.rows(entry, chunk)).find((r) => r.asset === asset);
      if (!found) throw new Error(`asset ${asset} is not in its stats chunk`);
      return found;
    },
    /** The mean series of asset `asset`: {dates, mean, std, n, points, left_out}, or null. */
    async series(entry, asset) {
      const chunk = await load(chunkPath(entry.series, Math.floor(asset / assets.series_size)));
      const item = chunk.assets[asset - chunk.first];
      return item ? { ...item, dates: chunk.dates[item.dates] } : null;
    },
  };
}

/** An asset's mean series in `layer` and in each other release of its ground (layer.releases),
 * as releases.js joins them: {period, dates, values} or {period, missing: true}. */
export function assetReleaseSeries(store, assets, layer, asset) {
  const one = async (layerId, period) => {
    const entry = assets.layers[layerId];
    const series = entry ? await store.series(entry, asset) : null;
    return series ? { period, dates: series.dates, values: series.mean } : { period, missing: true };
  };
  return Promise.all([one(layer.id, layer.period), ...(layer.releases || []).map((r) => one(r.layer, r.period))]);
}

/** The chart model (chart.js) of an asset's mean series and its ±1σ band. */
export function assetChartModel(series, label) {
  const band = sigmaBand({ mean: series.mean, sd: series.std });
  const colour = '#000000';
  return {
    dates: series.dates,
    lines: [
      { kind: 'series', label, colour, markers: false, values: series.mean, sigma: series.std },
      { kind: 'band', label: `${label} + 1σ`, legend: 'mean ± 1σ (spread of its points)', colour, values: band.high },
      { kind: 'band', label: `${label} − 1σ`, colour, values: band.low },
    ],
    list: [],
  };
}

function csvValue(value) {
  return typeof value === 'number' ? csvNumber(value) : '';
}

/** The asset table's rows as CSV text parts: `#` lines (layer, filter, view, credit), a header
 * with units, one line per row in the order shown. */
export function assetTableCsv(rows, { assets, layer, view, sort, attribution, generator }) {
  const head = commentText([
    `Assets of ${assets.name} in ${layerName(layer)} (${layer.id}): ${rows.length} in the map view${view ? ` [${view.map((v) => v.toFixed(5)).join(', ')}] (west, south, east, north)` : ''}, sorted by ${sort}`,
    `Statistics over the points that pass the default quality filter (${qualityWords(assets, layer)}); velocities in mm/yr; empty: no point passes`,
    `Lines and points buffered ${assets.buffer_m} m`,
    attribution,
    `Made with ${generator}`,
  ]);
  const columns = ['asset', 'id', 'kind', 'points', 'points_ok', 'units', 'mean_velocity_mm_yr', 'median_velocity_mm_yr',
    'p05_velocity_mm_yr', 'p95_velocity_mm_yr', 'differential_velocity_mm_yr', 'velocity_spread_std_mm_yr']; // prettier-ignore
  const lines = rows.map((r) =>
    [r.asset, csvField(r.id), r.kind, r.points, r.points_ok, r.units ?? '', ...['mean', 'median', 'p05', 'p95', 'diff', 'std'].map((k) => csvValue(r[k]))].join(','),
  ); // prettier-ignore
  return [head, `${columns.join(',')}\n`, ...lines.map((line) => `${line}\n`)];
}

/** An asset's mean series as CSV text parts: date, mean_mm, std_mm, n. */
export function assetSeriesCsv(series, { assets, layer, row, attribution, generator }) {
  const head = commentText([
    `Mean displacement of asset ${row.id} (${kindWords(row.kind, assets)}) in ${layerName(layer)} (${layer.id})`,
    `Mean of ${series.points} points that pass the quality filter (${qualityWords(assets, layer)}) and share the dates; ${series.left_out} left out (other dates); std_mm: the spread between the points (population σ)`,
    attribution,
    `Made with ${generator}`,
  ]);
  const lines = series.dates.map((date, i) => `${date},${csvValue(series.mean[i])},${csvValue(series.std[i])},${series.n[i]}\n`);
  return [head, 'date,mean_mm,std_mm,n\n', ...lines];
}
