// What the panel downloads: the chart's points and the area's as CSV (one row per date, or the
// EGMS columns) or GeoJSON, the chart as PNG or SVG, the map's figure as PNG, and the embed code.
import { embedCode, embedUrl } from './embed.js';
import { chartPng, chartSvg, download } from './export.js';
import { MAX_LONG_ROWS, longCsv, longRowCount, pointsGeojson, wideCsv } from './pointexport.js';
import { pointKey } from './selection.js';

const $ = (id) => document.getElementById(id);
const TILE_ATTRIBUTES = ['velocity', 'velocity_std', 'coherence', 'height', 'acceleration', 'seasonality', 'rmse'];
export const DATA_EXPORTS = {
  long: { file: 'egms-points-by-date.csv', type: 'text/csv', build: longCsv },
  wide: { file: 'egms-points-egms-columns.csv', type: 'text/csv', build: wideCsv },
  geojson: { file: 'egms-points.geojson', type: 'application/geo+json', build: pointsGeojson },
};

/** ctx: the workbench's (state, panel, layerById, attribution, mapPng); `parts`: {selection,
 * area, chart, settle(), model() (the chart's model now), last() (the one drawn)}. */
export function createDownloads(ctx, parts) {
  const a = ctx.state.analysis;
  const { selection, area, chart } = parts;

  /** A point as the data exports take it (pointexport.js); attributes seen in the tiles stand
   * in for those of the chunks, which sites built before them lack. */
  function exportRecord(layer, series, props = {}) {
    const fromTiles = Object.fromEntries(TILE_ATTRIBUTES.filter((n) => props[n] !== undefined).map((n) => [n, props[n]]));
    const attributes = { ...fromTiles, ...series.attributes, velocity: series.velocity ?? fromTiles.velocity ?? null };
    return { layer, layerId: layer.id, level: layer.level, pid: series.pid, lon: series.lon, lat: series.lat,
      unit: series.unit, attributes, dates: series.dates, values: series.values }; // prettier-ignore
  }

  /** The chart's points, then every point inside the drawn area (each point once). */
  async function exportRecords() {
    await parts.settle();
    const records = new Map();
    for (const entry of selection.entries()) {
      const layer = ctx.layerById(entry.layerId);
      const series = selection.loaded.get(entry.key);
      if (layer && series) records.set(entry.key, exportRecord(layer, series, selection.properties.get(entry.key)));
    }
    const selected = records.size;
    let areaInfo = null;
    const inside = a.poly && area.exported(a.poly); // the points that pass the filters
    if (inside) {
      for (const m of inside.members) {
        const key = pointKey(inside.layer.id, m.featureId);
        if (!records.has(key)) records.set(key, exportRecord(inside.layer, m));
      }
      areaInfo = { count: inside.count, total: inside.total, filters: inside.filters, ring: a.poly };
    }
    return { records: [...records.values()], selected, area: areaInfo };
  }

  function exportReference(ref) {
    if (!ref) return null;
    const common = { layerId: ref.layerId, level: ref.level, unit: ref.unit, dates: ref.dates, values: ref.values };
    if (a.ref?.kind === 'poly') {
      const { count, total, filters } = area.result;
      return { kind: 'area', count, total, filters, ring: a.poly, ...common };
    }
    return { kind: 'point', pid: ref.pid, ...common };
  }

  function exportProblem(kind, records) {
    if (!records.length) return 'Nothing to export: select a point or draw an area.';
    const layers = [...new Set(records.map((r) => r.layerId))];
    if (kind === 'wide' && layers.length > 1) {
      return `An EGMS file holds one layer, and these points are of ${layers.join(', ')}: export them as "CSV (one row per date)" or GeoJSON.`;
    }
    const rows = longRowCount(records);
    if (kind === 'long' && rows > MAX_LONG_ROWS) {
      return `${rows.toLocaleString('en')} rows are too many for one row per date: export "CSV (EGMS columns)" or GeoJSON (one row per point).`;
    }
    return '';
  } // prettier-ignore

  /** Download the points as `kind` (DATA_EXPORTS); the text of a refusal goes to the status. */
  async function exportData(kind) {
    const { records, selected, area: areaInfo } = await exportRecords();
    const problem = exportProblem(kind, records);
    if (problem) return ctx.panel.setStatus(problem);
    const options = { reference: exportReference(parts.model().ref), area: areaInfo, selected,
      generator: document.body.dataset.generator || 'egms-tiler', attribution: ctx.attribution() }; // prettier-ignore
    const spec = DATA_EXPORTS[kind];
    return download(new Blob(spec.build(records, options), { type: spec.type }), spec.file);
  }

  async function exportFile(kind) {
    if (kind === 'map') return download(await ctx.mapPng(), 'egms-map.png');
    if (DATA_EXPORTS[kind]) return exportData(kind);
    const last = parts.last();
    if (!last.list.length || !chart.plot) return ctx.panel.setStatus('Nothing to export: select a point or draw an area.');
    const about = { layerById: ctx.layerById, attribution: ctx.attribution(), window: chart.plot.scales.x };
    if (kind === 'png') return download(await chartPng(last, about), 'egms-chart.png');
    return download(new Blob([chartSvg(last, about)], { type: 'image/svg+xml' }), 'egms-chart.svg');
  }

  function showEmbedCode() {
    const code = embedCode(embedUrl(location.href, location.hash), document.title);
    const box = $('embed-code');
    box.value = code;
    $('embed-box').hidden = false;
    box.focus();
    box.select();
    if (navigator.clipboard) navigator.clipboard.writeText(code).catch(() => {});
  }

  $('export-png').addEventListener('click', () => exportFile('png'));
  $('export-svg').addEventListener('click', () => exportFile('svg'));
  $('export-map').addEventListener('click', () => exportFile('map'));
  for (const kind of Object.keys(DATA_EXPORTS)) $(`export-${kind}`).addEventListener('click', () => exportFile(kind));
  $('embed-copy').addEventListener('click', showEmbedCode);

  return {
    exportFile,
    /** Escape: close the embed code; true if it was open. */
    escape() {
      if ($('embed-box').hidden) return false;
      $('embed-box').hidden = true;
      return true;
    },
  };
}
