// The points on the chart: the primary one (the panel's, `state.featureId`) and the others
// (`state.analysis.sel`), their series (loaded once, each request shared) and the tile
// attributes seen on click. A point whose series cannot load leaves the state.
export const MAX_POINTS = 6; // one colour each (workbench.js COLOURS)
export const pointKey = (layerId, featureId) => `${layerId}:${featureId}`;

/** ctx: {state, app, panel, layerById, writeHash, ignored, viewProblem}; `changed()` redraws. */
export function createSelection(ctx, { changed }) {
  const a = ctx.state.analysis;
  const loaded = new Map(); // "layer:id" -> series {pid, unit, dates, values, velocity, lon, lat, ...}
  const pending = new Map();
  const properties = new Map(); // "layer:id" -> tile properties seen on click

  function primaryKey() {
    const { layerId, featureId } = ctx.state;
    return featureId === null ? null : pointKey(layerId, featureId);
  }

  /** [{key, layerId, featureId}]: the primary point first, each point once. */
  function entries() {
    const list = [];
    if (primaryKey()) list.push({ key: primaryKey(), layerId: ctx.state.layerId, featureId: ctx.state.featureId });
    for (const s of a.sel) {
      const key = pointKey(s.layerId, s.featureId);
      if (!list.some((e) => e.key === key)) list.push({ key, ...s });
    }
    return list;
  }

  function remember(layer, series) {
    const record = { ...series, layerId: layer.id, level: layer.level, layerLabel: layer.label || layer.id };
    loaded.set(pointKey(layer.id, series.featureId), record);
    return record;
  }

  function load(layerId, featureId) {
    const key = pointKey(layerId, featureId);
    if (loaded.has(key)) return Promise.resolve(loaded.get(key));
    if (!pending.has(key)) {
      const layer = ctx.layerById(layerId);
      const promise = (layer ? ctx.app.chunks.series(layer, featureId) : Promise.reject(new Error(`no layer ${layerId}`)))
        .then((series) => remember(layer, series))
        .finally(() => pending.delete(key));
      promise.then(changed, (error) => {
        ctx.panel.setStatus(`Time series unavailable: ${error.message}`);
        ctx.viewProblem(`${key}: ${error.message}`);
        forget(key, error);
      });
      pending.set(key, promise);
    }
    return pending.get(key);
  }

  /** A point of sel= or ref= whose series cannot load leaves the state (never "loading…"). */
  function forget(key, error) {
    const count = a.sel.length;
    a.sel = a.sel.filter((s) => pointKey(s.layerId, s.featureId) !== key);
    const wasRef = a.ref?.kind === 'point' && pointKey(a.ref.layerId, a.ref.featureId) === key;
    if (wasRef) a.ref = null;
    if (a.sel.length === count && !wasRef) return;
    ctx.ignored(`${wasRef ? 'ref' : 'sel'}=${key} (${error.message})`);
    ctx.writeHash({ entry: 'replace' }); // a correction of the address, not a step of work
    changed();
  }

  function has(key) {
    return key === primaryKey() || a.sel.some((s) => pointKey(s.layerId, s.featureId) === key);
  }

  /** Add a point to `sel`; false (and why, in the status) when the chart is full. */
  function add(layerId, featureId) {
    if (entries().length >= MAX_POINTS) {
      ctx.panel.setStatus(`At most ${MAX_POINTS} points on the chart: remove one first.`);
      return false;
    }
    a.sel.push({ layerId, featureId });
    load(layerId, featureId);
    return true;
  }

  function drop(key) {
    a.sel = a.sel.filter((s) => pointKey(s.layerId, s.featureId) !== key);
  }

  /** Resolves when every series in flight has arrived (or failed). */
  async function settle() {
    while (pending.size) await Promise.allSettled([...pending.values()]);
  }

  return { loaded, pending, properties, primaryKey, entries, remember, load, has, add, drop, settle };
}
