// The analysis workbench: what the chart shows (the primary point, Shift+clicked points, the
// mean of a drawn area), the reference, the date window and its fits, the table of series, the
// exports and the embed code. State lives in `state.analysis` (address.js writes it).
import {
  alignValues,
  canRereference,
  firstWindowDate,
  fitLine,
  linearFit,
  rereference,
  seasonalFit,
  unionDates,
  windowPoints,
} from './analysis.js';
import { createAreaWork } from './areawork.js';
import { createChart } from './chart.js';
import { createDrawTool } from './draw.js';
import { embedCode, embedUrl, setEmbed } from './embed.js';
import { chartPng, chartSvg, download } from './export.js';
import { formatValue } from './panel.js';
import { MAX_LONG_ROWS, longCsv, longRowCount, pointsGeojson, wideCsv } from './pointexport.js';
import { createMapReference } from './refmap.js';

// Okabe–Ito: distinct for the common colour-vision deficiencies; black is the area mean.
export const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const AREA_COLOUR = '#000000';
export const MAX_POINTS = COLOURS.length;
const $ = (id) => document.getElementById(id);
const pointKey = (layerId, featureId) => `${layerId}:${featureId}`;
const TILE_ATTRIBUTES = ['velocity', 'velocity_std', 'coherence', 'height', 'acceleration', 'seasonality', 'rmse'];
const DATA_EXPORTS = {
  long: { file: 'egms-points-by-date.csv', type: 'text/csv', build: longCsv },
  wide: { file: 'egms-points-egms-columns.csv', type: 'text/csv', build: wideCsv },
  geojson: { file: 'egms-points.geojson', type: 'application/geo+json', build: pointsGeojson },
};

function unitLabel(layer, unit) {
  const found = (layer?.units || []).find((u) => u.index === unit);
  return found ? found.name : unit === null || unit === undefined ? '–' : String(unit);
}

function signed(value, decimals) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(decimals) : '–';
}

/** ctx: {state, app, panel, layerById, currentLayer, writeHash, selectFeature, closePoint,
 * viewProblem, ignored (a part of the address left out), attribution, circleLayer, changed (the
 * chart or reference changed), mapPng, look (the map's look: its quality filters and colours,
 * mapui.js)}. */
export function createWorkbench(ctx) {
  const a = ctx.state.analysis;
  const loaded = new Map(); // "layer:id" -> series {pid, unit, dates, values, velocity, lon, lat, ...}
  const pending = new Map();
  const properties = new Map(); // "layer:id" -> tile properties seen on click
  const chart = createChart($('chart'), { onWindow });
  const area = createAreaWork(ctx, { changed: () => render(), onBand: setBand }); // areawork.js
  let draw = null;
  let mapRef = null;
  let last = { list: [], lines: [], dates: [], warnings: [] };
  let referenceWords = null; // what the map figure says of the reference (frame.js)

  function primaryKey() {
    const { layerId, featureId } = ctx.state;
    return featureId === null ? null : pointKey(layerId, featureId);
  }

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
      promise.then(render, (error) => {
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
    render();
  }

  // --- reference -------------------------------------------------------------------------

  function reference() {
    if (!a.ref) return null;
    if (a.ref.kind === 'poly') return area.reference();
    const record = loaded.get(pointKey(a.ref.layerId, a.ref.featureId));
    if (!record) return null;
    return { label: `${record.pid} (${record.layerLabel})`, ...record };
  }

  // --- the series on the chart -----------------------------------------------------------

  function pointSeries(entry, index, ref, warnings) {
    const record = loaded.get(entry.key);
    if (!record) return null;
    let values = record.values;
    let referenced = false;
    if (ref && canRereference(record, ref)) {
      values = rereference(record, ref);
      referenced = true;
    } else if (ref) warnings.push(record.pid);
    return { ...record, key: entry.key, kind: 'point', colour: COLOURS[index % COLOURS.length],
      label: record.pid, values, referenced }; // prettier-ignore
  }

  function fitsOf(s) {
    const pairs = windowPoints(s.dates, s.values, a.t0, a.t1);
    return {
      origin: firstWindowDate(s.dates, s.values, a.t0, a.t1),
      lin: linearFit(pairs),
      seas: a.fit.includes('seas') ? seasonalFit(pairs) : null,
    };
  }

  function model() {
    const ref = reference();
    const warnings = [];
    const list = entries().map((e, i) => pointSeries(e, i, ref, warnings)).filter(Boolean);
    const areaLine = area.series(ref, a.band, warnings, AREA_COLOUR);
    if (areaLine) list.push(areaLine);
    const dates = unionDates(list.map((s) => s.dates));
    const lines = [];
    for (const s of list) {
      lines.push({ kind: 'series', label: s.label, colour: s.colour, values: alignValues(s.dates, s.values, dates) });
      if (s.kind === 'area') lines.push(...area.bandLines(s, (values) => alignValues(s.dates, values, dates)));
    }
    for (const s of list) {
      s.fits = fitsOf(s);
      for (const kind of a.fit) {
        const fit = s.fits[kind] || (kind === 'seas' ? null : s.fits.lin);
        if (!fit || !s.fits.origin) continue;
        const label = `${kind === 'lin' ? 'linear' : 'seasonal'} fit ${s.label}`;
        lines.push({ kind: 'fit', label, colour: s.colour, values: fitLine(fit, kind, dates, s.fits.origin, a.t0, a.t1) });
      }
    }
    return { dates, lines, list, warnings, ref, t0: a.t0, t1: a.t1 };
  }

  // --- rendering ---------------------------------------------------------------------------

  function windowText(s) {
    const lin = s.fits.lin;
    if (!lin) return '–';
    let text = `${signed(lin.slope, 2)} ± ${signed(lin.sigma, 2)}`;
    if (s.fits.seas) text += ` (seasonal fit: ${signed(s.fits.seas.slope, 2)}, amplitude ${signed(s.fits.seas.amplitude, 1)} mm)`;
    return text;
  }

  function tableRows(list) {
    return list.map((s) => {
      const layer = ctx.layerById(s.layerId);
      const props = properties.get(s.key) || {};
      const velocity = typeof props.velocity === 'number' ? props.velocity : s.velocity;
      const unit = s.kind === 'area' ? s.units.map((u) => unitLabel(layer, u)).join(', ') : unitLabel(layer, s.unit);
      return { key: s.key, colour: s.colour, pid: s.label, layer: s.layerLabel, velocity: signed(velocity, 1),
        coherence: formatValue(props.coherence, 2), unit, window: windowText(s) }; // prettier-ignore
    });
  }

  function describeRef(ref) {
    if (!a.ref) return '';
    if (!ref) return 'Reference: loading…';
    return `Reference: ${ref.label}; values are relative to it (per date).`;
  }

  function showPanel(list) {
    if (ctx.state.featureId !== null) return;
    if (list.length || a.sel.length || a.poly) {
      ctx.panel.showSeriesOnly(a.poly && !a.sel.length ? 'Area' : 'Selected points');
    } else {
      ctx.panel.hide();
    }
  }

  function renderTable(m) {
    ctx.panel.setRows(tableRows(m.list), { onRemove: remove, onReference: setReference });
    const span = a.t0 || a.t1 ? `${a.t0 || m.dates[0] || '…'} to ${a.t1 || m.dates[m.dates.length - 1] || '…'}` : 'all dates';
    ctx.panel.setWindow(m.list.length ? `Date window: ${span} (velocity ± σ by least squares, in the table)` : '');
  }

  function warn(m) {
    const parts = [];
    if (m.warnings.length) {
      parts.push(`Not re-referenced: ${m.warnings.join(', ')}. L2a values are relative to a reference`
        + ' inside each processing unit; compare L2a points only within one unit of one layer.'); // prettier-ignore
    }
    if (area.warning()) parts.push(area.warning());
    ctx.panel.setWarning(parts.join(' '));
  }

  function render() {
    const m = model();
    last = m;
    showPanel(m.list);
    if (m.list.length) chart.draw(m);
    else chart.clear();
    renderTable(m);
    warn(m);
    if (area.busy) ctx.panel.setStatus('Reading the points inside the area…');
    else if (area.error) ctx.panel.setStatus(`Area unavailable: ${area.error}`);
    area.showPanel(a.poly, a.band);
    $('ref-line').hidden = !a.ref;
    $('ref-text').textContent = describeRef(m.ref);
    $('area-clear').hidden = !a.poly;
    $('panel-use-ref').disabled = ctx.state.featureId === null;
    $('fit-lin').checked = a.fit.includes('lin');
    $('fit-seas').checked = a.fit.includes('seas');
    if (draw) draw.show(a.poly, m.list.filter((s) => s.kind === 'point').map((s) => ({ lon: s.lon, lat: s.lat, colour: s.colour })));
    applyMapReference(m.ref);
    ctx.changed();
  }

  function applyMapReference(ref) {
    if (!mapRef) return;
    const layer = ctx.currentLayer();
    const warning = $('map-ref-warning');
    let text = '';
    if (!ref || !layer || typeof ref.velocity !== 'number') {
      mapRef.set(null);
    } else if (layer.level !== 'L2a' && ref.level !== 'L2a') {
      mapRef.set({ velocity: ref.velocity, unit: null });
      text = `Map velocities minus the reference's ${ref.velocity.toFixed(1).replace('-', '\u2212')} mm/yr.`;
    } else if (layer.id === ref.layerId && ref.unit !== null && ref.unit !== undefined) {
      mapRef.set({ velocity: ref.velocity, unit: ref.unit });
      text = `Map re-referenced only in unit ${unitLabel(layer, ref.unit)}: other L2a units keep their own reference.`;
    } else {
      mapRef.set(null);
      text = 'The map is not re-referenced: L2a velocities are relative to a reference inside each processing unit, and the reference is in another layer or unit.';
    }
    warning.textContent = text;
    warning.hidden = !text;
    warning.classList.toggle('ref-warning', text.includes('L2a'));
    referenceWords = ref ? `Reference: ${ref.label}; chart values are relative to it, date by date. ${text}`.trim() : null;
  }

  function onWindow(t0, t1) {
    a.t0 = t0;
    a.t1 = t1;
    ctx.writeHash();
    const m = model();
    last = m;
    chart.update(m);
    renderTable(m);
  }

  // --- actions -------------------------------------------------------------------------------

  /** Put a point on the chart: the primary one if there is none (`primary`), else a series. */
  function addPoint(layerId, featureId, props = null, { primary = true } = {}) {
    const key = pointKey(layerId, featureId);
    if (props) properties.set(key, props);
    if (primary && ctx.state.featureId === null && !a.sel.length) return ctx.selectFeature(layerId, featureId, props);
    if (key === primaryKey() || a.sel.some((s) => pointKey(s.layerId, s.featureId) === key)) return remove(key);
    if (entries().length >= MAX_POINTS) {
      ctx.panel.setStatus(`At most ${MAX_POINTS} points on the chart: remove one first.`);
      return null;
    }
    a.sel.push({ layerId, featureId });
    ctx.writeHash();
    load(layerId, featureId);
    render();
    return null;
  }

  function remove(key) {
    if (key === 'area') return clearArea();
    if (key === primaryKey()) {
      ctx.closePoint();
    } else {
      a.sel = a.sel.filter((s) => pointKey(s.layerId, s.featureId) !== key);
      ctx.writeHash();
    }
    render();
    return null;
  }

  function setReference(key) {
    if (key === 'area' || key === 'poly') {
      a.ref = { kind: 'poly' };
    } else {
      const [layerId, id] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
      a.ref = { kind: 'point', layerId, featureId: id };
      load(layerId, id);
    }
    ctx.writeHash();
    render();
  }

  function clearReference() {
    a.ref = null;
    ctx.writeHash();
    render();
  }

  function computeArea() {
    const done = area.compute(a.poly, { refIsArea: a.ref?.kind === 'poly' });
    render();
    return done;
  }

  /** The map's look changed (mapui.js): recompute the area if its quality filters did. */
  function lookChanged() {
    if (area.lookChanged()) render();
    else area.showPanel(a.poly, a.band); // the histogram takes the map's colours
  }

  function setArea(ring) {
    a.poly = ring;
    ctx.writeHash();
    return computeArea();
  }

  function setBand(kind) {
    a.band = kind === 'minmax' ? 'minmax' : 'sd';
    ctx.writeHash();
    render();
  }

  function clearArea() {
    a.poly = null;
    if (a.ref?.kind === 'poly') a.ref = null;
    area.drop();
    ctx.writeHash();
    render();
  }

  function setFit(kinds) {
    a.fit = ['lin', 'seas'].filter((k) => kinds.includes(k));
    ctx.writeHash();
    render();
  }

  function setWindow(t0, t1) {
    a.t0 = t0;
    a.t1 = t1;
    ctx.writeHash();
    render();
  }

  // --- exports -----------------------------------------------------------------------------

  /** Resolves when every series and the area are loaded. */
  async function settle() {
    while (pending.size || area.busy) await Promise.allSettled([...pending.values(), area.busy]);
  }

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
    await settle();
    const records = new Map();
    for (const entry of entries()) {
      const layer = ctx.layerById(entry.layerId);
      const series = loaded.get(entry.key);
      if (layer && series) records.set(entry.key, exportRecord(layer, series, properties.get(entry.key)));
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
    const options = { reference: exportReference(model().ref), area: areaInfo, selected,
      generator: document.body.dataset.generator || 'egms-tiler', attribution: ctx.attribution() }; // prettier-ignore
    const spec = DATA_EXPORTS[kind];
    return download(new Blob(spec.build(records, options), { type: spec.type }), spec.file);
  }

  async function exportFile(kind) {
    if (kind === 'map') return download(await ctx.mapPng(), 'egms-map.png');
    if (DATA_EXPORTS[kind]) return exportData(kind);
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

  // --- wiring --------------------------------------------------------------------------------

  function wireControls() {
    $('chart-reset').addEventListener('click', () => chart.resetWindow());
    $('fit-lin').addEventListener('change', () => setFit([...a.fit.filter((k) => k !== 'lin'), ...($('fit-lin').checked ? ['lin'] : [])]));
    $('fit-seas').addEventListener('change', () => setFit([...a.fit.filter((k) => k !== 'seas'), ...($('fit-seas').checked ? ['seas'] : [])]));
    $('panel-use-ref').addEventListener('click', () => primaryKey() && setReference(primaryKey()));
    $('ref-clear').addEventListener('click', clearReference);
    $('area-clear').addEventListener('click', clearArea);
    for (const kind of Object.keys(DATA_EXPORTS)) $(`export-${kind}`).addEventListener('click', () => exportFile(kind));
    $('export-png').addEventListener('click', () => exportFile('png'));
    $('export-svg').addEventListener('click', () => exportFile('svg'));
    $('export-map').addEventListener('click', () => exportFile('map'));
    $('embed-copy').addEventListener('click', showEmbedCode);
    for (const kind of ['polygon', 'box']) {
      $(`draw-${kind}`).addEventListener('click', () => {
        if (draw.mode === kind) draw.cancel();
        else draw.start(kind);
        $('draw-polygon').setAttribute('aria-pressed', String(draw.mode === 'polygon'));
        $('draw-box').setAttribute('aria-pressed', String(draw.mode === 'box'));
      });
    }
  }

  function onHint(text) {
    $('draw-hint').textContent = text;
    if (!text) {
      $('draw-polygon').setAttribute('aria-pressed', 'false');
      $('draw-box').setAttribute('aria-pressed', 'false');
    }
  }

  wireControls();

  return {
    chart,
    get drawing() {
      return Boolean(draw && draw.mode);
    },
    /** Once the map and data are there (main.js start). */
    attach(map) {
      draw = createDrawTool(map, { onDone: setArea, onHint });
      mapRef = createMapReference(map, ctx.circleLayer);
      area.attach();
    },
    /** Apply a parsed permalink (see permalink.parseAnalysis). */
    restore(parsed) {
      const polyChanged = JSON.stringify(parsed.poly) !== JSON.stringify(a.poly) || !area.result;
      Object.assign(a, parsed);
      if (a.ref?.kind === 'poly' && !a.poly) ctx.viewProblem('ref=poly: the view has no drawn area (poly=lon,lat,...)');
      setEmbed(a.embed);
      for (const s of a.sel) load(s.layerId, s.featureId);
      if (a.ref?.kind === 'point') load(a.ref.layerId, a.ref.featureId);
      if (polyChanged) computeArea();
      render();
    },
    /** The primary point's series arrived (main.js loadSeries). */
    setPrimary(layer, series, props) {
      remember(layer, series);
      if (props && Object.keys(props).length) properties.set(pointKey(layer.id, series.featureId), props);
      render();
    },
    /** Tile attributes of a point, found after its chart (main.js fillFromTiles): the table's. */
    setProperties(layer, featureId, props) {
      properties.set(pointKey(layer.id, featureId), props);
      renderTable(last);
    },
    /** The primary point changed or closed; `all` also drops the other points and the area. */
    primaryChanged({ all = false } = {}) {
      if (all) {
        a.sel = [];
        a.poly = null;
        if (a.ref?.kind === 'poly') a.ref = null;
        area.drop();
      }
      render();
    },
    lookChanged,
    layerChanged() {
      if (draw) draw.raise();
      if (a.poly) computeArea();
      else render();
    },
    /** Escape: cancel a drawing or close the embed code; true if it did something. */
    escape() {
      if (draw && draw.cancel()) return true;
      if (!$('embed-box').hidden) {
        $('embed-box').hidden = true;
        return true;
      }
      return false;
    },
    addPoint,
    api: {
      /** The reference in words for the map's figure, or null. */
      get referenceWords() {
        return referenceWords;
      },
      addPoint,
      remove,
      setReference,
      clearReference,
      setArea,
      clearArea,
      setFit,
      setWindow,
      setBand,
      resetWindow: () => chart.resetWindow(),
      startDrawing: (kind) => draw.start(kind),
      /** Resolves when every series and the area are loaded: a summary for tests. */
      async settled() {
        await settle();
        const m = last;
        return {
          series: m.list.map((s) => ({ key: s.key, kind: s.kind, layer: s.layerId, pid: s.pid, unit: s.unit,
            colour: s.colour, dates: s.dates, values: s.values, low: s.low, high: s.high, band: s.band,
            referenced: s.referenced, count: s.count, fit: s.fits.lin, seasonal: s.fits.seas })), // prettier-ignore
          area: area.summary(a.band),
          warnings: m.warnings,
          reference: m.ref && { label: m.ref.label, velocity: m.ref.velocity, layer: m.ref.layerId, unit: m.ref.unit },
          mapReference: mapRef && mapRef.active,
          window: [a.t0, a.t1],
        };
      },
    },
  };
}
