// The profile's part of the workbench: every point of the current layer within the buffer of the
// drawn line (read from the time-series chunks like a drawn area's: region.js, so all of them,
// not only those the map has drawn), projected onto it (profile.js), kept if they pass the map's
// quality filters, binned; the panel's section (profilepanel.js), its exports and the ring on
// the map around the point hovered in the chart. The line, buffer and bin width live in the
// workbench's state (`state.analysis.prof`, `buf`, `pbin`).
import { activeFilters, filtering, passes } from './areastats.js';
import { download, svgPng, chosenFigureSize } from './export.js';
import { profileQuantityOf } from './epochs.js';
import { BUFFER, binPoints, defaultBinWidth, errorBound, frameOf, fromLocal, pathOf, projectMembers, toLocal } from './profile.js';
import { profileCsv, profileFigure } from './profilefigure.js';
import { createProfilePanel } from './profilepanel.js';
import { createRegionStore } from './region.js';
import { ringsOf } from './rings.js';
import { figureSvg } from './svgfigure.js';

const HOVER_RING = { colour: '#e69f00', radius: 8, width: 3 };

/** The box around `line` and `buffer` m (and 1 m more): the ring region.js reads points in. */
export function searchBox(line, buffer) {
  const frame = frameOf(line);
  const xy = line.map((p) => toLocal(frame, p));
  const pad = buffer + 1;
  const [x0, x1] = [Math.min(...xy.map((p) => p[0])) - pad, Math.max(...xy.map((p) => p[0])) + pad];
  const [y0, y1] = [Math.min(...xy.map((p) => p[1])) - pad, Math.max(...xy.map((p) => p[1])) + pad];
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map((p) => fromLocal(frame, p));
}

/**
 * ctx: the workbench's ({state, app, layerById, currentLayer, look, attribution, viewProblem});
 * `changed()` runs when the profile's points changed; `set({buf, pbin})` writes a setting.
 */
export function createProfileWork(ctx, { changed, set }) {
  const a = ctx.state.analysis;
  // raw: every point in the search box {layerId, line, buffer, members}; result: what is shown
  const prof = { raw: null, result: null, busy: null, error: null, token: 0 };
  let region = null;
  let map = null;
  const panel = createProfilePanel(document.getElementById('panel'), {
    buffer: (m) => set({ buf: Math.min(BUFFER.max, Math.max(BUFFER.min, Number.isFinite(m) ? m : BUFFER.default)) }),
    bin: (m) => set({ pbin: Number.isFinite(m) && m > 0 ? m : null }),
    exportAs: (kind) => exportAs(kind),
    hover: (point) => map && ringsOf(map).set('profile', point ? [{ lon: point.lon, lat: point.lat, ...HOVER_RING }] : []),
  });

  /** prof.raw → prof.result under the map's filters and the bin width `a.pbin`. */
  function restat() {
    const { raw } = prof;
    const layer = ctx.layerById(raw.layerId);
    const filters = activeFilters(layer, ctx.look());
    const quantity = profileQuantityOf(layer, ctx.look());
    const all = projectMembers(raw.members, raw.line, raw.buffer, quantity);
    const points = all.filter((p) => passes(p.attributes, filters));
    const frame = frameOf(raw.line);
    const { length } = pathOf(raw.line, frame);
    const binWidth = a.pbin || defaultBinWidth(length);
    prof.result = {
      layerId: raw.layerId, line: raw.line, buffer: raw.buffer, length, binWidth, autoBin: !a.pbin,
      total: all.length, count: points.length, filters: filtering(filters) ? { ...filters } : null,
      points, bins: binPoints(points, length, binWidth), units: [...new Set(points.map((p) => p.unit))].sort((x, y) => x - y),
      errorBound: errorBound(raw.line, frame, raw.buffer), chunks: raw.chunks, quantity,
    }; // prettier-ignore
  }

  function drop() {
    prof.token += 1;
    Object.assign(prof, { raw: null, result: null, busy: null, error: null });
  }

  /** Read the points of the current layer near `a.prof` (none: drop); the promise of it. */
  function compute() {
    drop();
    const token = prof.token;
    const layer = ctx.currentLayer();
    const { prof: line, buf: buffer } = a;
    if (!line || !layer || !region) return Promise.resolve(null);
    prof.busy = region.area(layer, searchBox(line, buffer)).then(
      (found) => {
        if (token !== prof.token) return;
        prof.raw = { layerId: layer.id, line, buffer, members: found.members, chunks: found.chunks };
        prof.busy = null;
        restat();
        changed();
      },
      (error) => {
        if (token !== prof.token) return;
        prof.busy = null;
        prof.error = error.message;
        ctx.viewProblem(`prof: ${error.message}`);
        changed();
      },
    );
    return prof.busy;
  }

  function figureOptions() {
    return { attribution: ctx.attribution(), generator: document.body.dataset.generator || 'egms-tiler' };
  }

  async function exportAs(kind) {
    const r = prof.result;
    if (!r || !r.count) return;
    const layer = ctx.layerById(r.layerId);
    if (kind === 'csv') {
      const unitName = (index) => (layer.units || []).find((u) => u.index === index)?.name ?? String(index);
      const text = profileCsv(r, layer, { ...figureOptions(), unitName });
      download(new Blob([text], { type: 'text/csv' }), 'egms-profile.csv');
      return;
    }
    const size = chosenFigureSize();
    const svg = figureSvg(profileFigure(r, layer, figureOptions()), size);
    if (kind === 'svg') download(new Blob([svg], { type: 'image/svg+xml' }), 'egms-profile.svg');
    else download(await svgPng(svg, size.width * size.ratio, size.height * size.ratio), 'egms-profile.png');
  }

  return {
    get busy() {
      return prof.busy;
    },
    get result() {
      return prof.result;
    },
    attach(theMap) {
      map = theMap;
      region = createRegionStore(ctx.app.dataBase, ctx.app.chunks);
    },
    compute,
    drop,
    /** The bin width changed: re-bin without reading anything. */
    rebin() {
      if (prof.raw) restat();
    },
    /** The map's look changed: true if the quality filters or the quantity (the displacement at
     * the slider's date, epochs.js) did, and the profile was redone. */
    lookChanged() {
      if (!prof.raw) return false;
      const layer = ctx.layerById(prof.raw.layerId);
      const filters = activeFilters(layer, ctx.look());
      const same = JSON.stringify(filtering(filters) ? filters : null) === JSON.stringify(prof.result.filters);
      if (same && JSON.stringify(profileQuantityOf(layer, ctx.look())) === JSON.stringify(prof.result.quantity)) return false;
      restat();
      return true;
    },
    /** The panel's section for the current line (hidden without one). */
    showPanel() {
      if (!a.prof) return panel.hide();
      if (prof.busy) return panel.message('Reading the points near the profile line…');
      if (!prof.result) return panel.message(prof.error ? `Profile unavailable: ${prof.error}` : '');
      return panel.show(prof.result, ctx.layerById(prof.result.layerId));
    },
    /** For tests: what the profile shows (points with distance and offset in m, the bins). */
    summary() {
      const r = prof.result;
      if (!r) return null;
      const points = r.points.map((p) => ({ pid: p.pid, featureId: p.featureId, lon: p.lon, lat: p.lat,
        distance: p.distance, offset: p.offset, value: p.value, sigma: p.sigma, unit: p.unit })); // prettier-ignore
      return { layer: r.layerId, line: r.line, buffer: r.buffer, length: r.length, binWidth: r.binWidth,
        total: r.total, count: r.count, filters: r.filters, units: r.units, errorBound: r.errorBound,
        chunks: r.chunks, points, bins: r.bins, quantity: r.quantity }; // prettier-ignore
    },
  };
}
