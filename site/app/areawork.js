// The drawn area's part of the workbench: the points inside it (region.js), the statistics of
// those that pass the map's quality filters (areastats.js), recomputed when the filters change,
// the panel's area section (areapanel.js), and the area mean on the chart with its band (±1σ,
// or min–max). The area's ring and band live in the workbench's state (`state.analysis`).
import { canRereference, rereference } from './analysis.js';
import { createAreaPanel } from './areapanel.js';
import { activeFilters, areaStatistics, sigmaBand } from './areastats.js';
import { createRegionStore } from './region.js';

const BAND_WORDS = {
  sd: ['area mean + 1σ', 'area mean − 1σ', 'area mean ± 1σ'],
  minmax: ['area max', 'area min', 'area minimum and maximum'],
};

/**
 * ctx: the workbench's ({app, layerById, currentLayer, viewProblem, look, panel}); `changed()`
 * runs when the area's points or statistics changed, `onBand(kind)` on the panel's band toggle.
 */
export function createAreaWork(ctx, { changed, onBand }) {
  // raw: every point inside the area {layerId, members, chunks}; result: the statistics of those
  // that pass the filters; filterKey: the filters `result` was computed with
  const area = { raw: null, result: null, busy: null, error: null, token: 0, filterKey: '' };
  const panel = createAreaPanel(document.getElementById('panel'), { onBand });
  let region = null;

  function filtersOf(layer) {
    return activeFilters(layer, ctx.look());
  }

  /** area.raw → area.result under the map's current filters. */
  function restat() {
    const { raw } = area;
    const filters = filtersOf(ctx.layerById(raw.layerId));
    area.filterKey = JSON.stringify(filters);
    const stats = areaStatistics(raw.members, filters);
    const s = stats.series;
    area.result = { ...stats, layerId: raw.layerId, chunks: raw.chunks, velocity: stats.velocity.mean,
      velocityStats: stats.velocity, dates: s.dates, mean: s.mean, sd: s.sd, min: s.min, max: s.max,
      n: s.count }; // prettier-ignore
  }

  function drop() {
    area.token += 1;
    area.raw = null;
    area.result = null;
    area.busy = null;
    area.error = null;
  }

  /** Read the points of the current layer inside `ring` (null: none); the promise of it. */
  function compute(ring, { refIsArea = false } = {}) {
    drop();
    const token = area.token;
    const layer = ctx.currentLayer();
    if (!ring || !layer || !region) return Promise.resolve(null);
    area.busy = region.area(layer, ring).then(
      (raw) => {
        if (token !== area.token) return;
        area.raw = raw;
        restat();
        area.busy = null;
        ctx.panel.setStatus('');
        if (refIsArea && !area.result.count) ctx.viewProblem(`ref=poly: the drawn area (poly=) holds no point of ${layer.id}`);
        changed();
      },
      (error) => {
        if (token !== area.token) return;
        area.busy = null;
        area.error = error.message;
        ctx.viewProblem(`poly: ${error.message}`);
        changed();
      },
    );
    return area.busy;
  }

  /** The section of the panel for the area `ring` (null: hidden), the chart's band `band`. */
  function showPanel(ring, band) {
    const layer = area.result && ctx.layerById(area.result.layerId);
    if (!ring) return panel.hide();
    if (area.busy) return panel.message('Reading the points inside the area…');
    if (!layer) return panel.message(area.error ? `Area unavailable: ${area.error}` : '');
    const { resolved } = ctx.look();
    const colours = resolved && resolved.attribute === 'velocity' && ctx.currentLayer()?.id === layer.id
      ? { palette: resolved.palette, range: resolved.range } : null; // prettier-ignore
    return panel.show(area.result, layer, { colours, bandKind: band });
  }

  return {
    get busy() {
      return area.busy;
    },
    get error() {
      return area.error;
    },
    /** The statistics (areastats.areaStatistics and the per-date series), or null. */
    get result() {
      return area.result;
    },
    attach() {
      region = createRegionStore(ctx.app.dataBase, ctx.app.chunks);
    },
    compute,
    drop,
    showPanel,
    /** The map's look changed: true if the quality filters did, and the area was recomputed. */
    lookChanged() {
      if (!area.raw) return false;
      if (JSON.stringify(filtersOf(ctx.layerById(area.raw.layerId))) === area.filterKey) return false;
      restat();
      return true;
    },
    /** The area mean as a reference (ref=poly), or null while there is none. */
    reference() {
      const r = area.result;
      if (!r || !r.count) return null;
      const layer = ctx.layerById(r.layerId);
      return { label: `area mean (${r.count} points)`, dates: r.dates, values: r.mean, layerId: r.layerId,
        level: layer?.level, unit: r.units.length === 1 ? r.units[0] : null, velocity: r.velocity }; // prettier-ignore
    },
    /** The area mean's chart series with its band ('sd' | 'minmax'), relative to `ref` if it can
     * be (else 'the area mean' joins `warnings`); null without points. */
    series(ref, band, warnings, colour) {
      const r = area.result;
      if (!r || !r.count) return null;
      const layer = ctx.layerById(r.layerId);
      const self = { level: layer?.level, layerId: r.layerId, unit: r.units.length === 1 ? r.units[0] : null };
      const minmax = band === 'minmax';
      const sigma = sigmaBand(r.series);
      let [mean, low, high] = [r.mean, minmax ? r.min : sigma.low, minmax ? r.max : sigma.high];
      const ok = ref && canRereference(self, ref);
      if (ok) {
        const shift = (values) => rereference({ dates: r.dates, values }, ref);
        [mean, low, high] = [shift(mean), shift(low), shift(high)];
      } else if (ref) warnings.push('the area mean');
      return { key: 'area', kind: 'area', colour, label: `Area mean (${r.count} points)`,
        pid: `area-mean-${r.count}-points`, layerId: r.layerId, layerLabel: layer?.label || r.layerId,
        level: self.level, unit: self.unit, units: r.units, velocity: r.velocity, dates: r.dates,
        values: mean, low, high, band: minmax ? 'minmax' : 'sd', referenced: Boolean(ok), count: r.count }; // prettier-ignore
    },
    /** The two band lines of an area series `s`, aligned by `align(values)`. */
    bandLines(s, align) {
      const [high, low, legend] = BAND_WORDS[s.band];
      return [
        { kind: 'band', label: high, legend, colour: s.colour, values: align(s.high) },
        { kind: 'band', label: low, legend, colour: s.colour, values: align(s.low) },
      ];
    },
    /** The L2a warning: an area across processing units mixes their references; or ''. */
    warning() {
      const layer = area.result && ctx.layerById(area.result.layerId);
      if (layer?.level !== 'L2a' || area.result.units.length < 2) return '';
      return `The area spans ${area.result.units.length} L2a processing units: its mean mixes unit references.`;
    },
    /** What the exports take: the members that pass the filters and the counts, or null. */
    exported(ring) {
      const r = area.result;
      if (!r || !r.count) return null;
      return { layer: ctx.layerById(r.layerId), members: r.members, count: r.count, total: r.total, filters: r.filters, ring }; // prettier-ignore
    },
    /** For tests (workbench settled()). */
    summary(band) {
      const r = area.result;
      return r && { count: r.count, total: r.total, units: r.units, ids: r.ids, chunks: r.chunks,
        velocity: r.velocity, stats: r.velocityStats, filters: r.filters, histogram: r.histogram, band,
        dates: r.dates, mean: r.mean, sd: r.sd, min: r.min, max: r.max, n: r.n }; // prettier-ignore
    },
  };
}
