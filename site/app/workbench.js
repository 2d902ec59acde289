// The analysis workbench: what the chart shows (the primary point, Shift+clicked points, the
// mean of a drawn area), the reference, the date window and its fits, the table of series, the
// exports and the embed code; and the profile (profilework.js). State lives in
// `state.analysis` (address.js writes it).
import { createAreaWork } from './areawork.js';
import { createChart } from './chart.js';
import { createChartModel, unitLabel } from './chartmodel.js';
import { createDrawTool } from './draw.js';
import { createDownloads } from './downloads.js';
import { setEmbed } from './embed.js';
import { createProfileWork } from './profilework.js';
import { createMapReference } from './refmap.js';
import { createSelection, pointKey } from './selection.js';
import { ASSUMPTIONS as TREND_ASSUMPTIONS } from './trendchange.js';

const $ = (id) => document.getElementById(id);
const DRAW_KINDS = ['polygon', 'box', 'line'];

/** ctx: {state, app, panel, layerById, currentLayer, writeHash, undoable(words, drop) (a removal
 * with Undo: work.js), selectFeature, closePoint,
 * viewProblem, ignored (a part of the address left out), attribution, circleLayer, changed (the
 * chart or reference changed), mapPng, look (the map's look: its quality filters and colours,
 * mapui.js)}. */
export function createWorkbench(ctx) {
  const a = ctx.state.analysis;
  const selection = createSelection(ctx, { changed: () => render() }); // selection.js
  const { properties, primaryKey, load, remember } = selection;
  const chart = createChart($('chart'), { onWindow });
  const area = createAreaWork(ctx, { changed: () => render(), onBand: setBand }); // areawork.js
  const profile = createProfileWork(ctx, { changed: () => render(), set: setProfileSetting }); // profilework.js
  const { model, tableRows } = createChartModel(ctx, { selection, area }); // chartmodel.js
  const downloads = createDownloads(ctx, { selection, area, chart, settle, model: () => model(), last: () => last });
  let draw = null;
  let mapRef = null;
  let last = { list: [], lines: [], dates: [], warnings: [] };
  let referenceWords = null; // what the map figure says of the reference (frame.js)

  function describeRef(ref) {
    if (!a.ref) return '';
    if (!ref) return 'Reference: loading…';
    return `Reference: ${ref.label}; values are relative to it (per date).`;
  }

  function showPanel(list) {
    const profileOnly = Boolean(a.prof) && ctx.state.featureId === null && !list.length && !a.sel.length && !a.poly;
    document.getElementById('panel').classList.toggle('profile-only', profileOnly);
    if (ctx.state.featureId !== null) return;
    if (list.length || a.sel.length || a.poly || a.prof) {
      ctx.panel.showSeriesOnly(profileOnly ? 'Profile' : a.poly && !a.sel.length ? 'Area' : 'Selected points');
    } else {
      ctx.panel.hide();
    }
  }

  function renderTable(m) {
    ctx.panel.setRows(tableRows(m.list), { onRemove: remove, onReference: setReference });
    const span = a.t0 || a.t1 ? `${a.t0 || m.dates[0] || '…'} to ${a.t1 || m.dates[m.dates.length - 1] || '…'}` : 'all dates';
    ctx.panel.setWindow(m.list.length ? `Date window: ${span} (velocity ± σ by least squares, in the table)` : '');
    ctx.panel.setTrends(m.trends || [], TREND_ASSUMPTIONS);
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
    profile.showPanel();
    $('profile-clear').hidden = !a.prof;
    $('ref-line').hidden = !a.ref;
    $('ref-text').textContent = describeRef(m.ref);
    $('area-clear').hidden = !a.poly;
    $('panel-use-ref').disabled = ctx.state.featureId === null;
    $('fit-lin').checked = a.fit.includes('lin');
    $('fit-seas').checked = a.fit.includes('seas');
    if (draw) draw.showProfile(a.prof, a.buf);
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
    if (selection.has(key)) return remove(key);
    if (!selection.add(layerId, featureId)) return null;
    ctx.writeHash();
    render();
    return null;
  }

  function remove(key) {
    if (key === 'area') return clearArea();
    if (key === primaryKey()) {
      ctx.closePoint();
    } else {
      selection.drop(key);
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
    const profileChanged = profile.lookChanged();
    if (area.lookChanged() || profileChanged) render();
    else area.showPanel(a.poly, a.band); // the histogram takes the map's colours
  }

  function computeProfile() {
    const done = profile.compute();
    render();
    return done;
  }

  function setProfile(line) {
    a.prof = line;
    ctx.writeHash();
    return computeProfile();
  }

  /** The panel's buffer or bin width changed. */
  function setProfileSetting({ buf, pbin }) {
    if (buf !== undefined && buf !== a.buf) {
      a.buf = buf;
      ctx.writeHash();
      return computeProfile();
    }
    if (pbin !== undefined) {
      a.pbin = pbin;
      ctx.writeHash();
      profile.rebin();
      render();
    }
    return null;
  }

  function dropProfile() {
    a.prof = null;
    profile.drop();
    render();
  }

  function clearProfile() {
    dropProfile();
    ctx.writeHash();
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

  function dropArea() {
    a.poly = null;
    if (a.ref?.kind === 'poly') a.ref = null;
    area.drop();
    render();
  }

  function clearArea() {
    dropArea();
    ctx.writeHash();
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

  /** Resolves when every series and the area are loaded. */
  async function settle() {
    while (selection.pending.size || area.busy || profile.busy) {
      await Promise.allSettled([selection.settle(), area.busy, profile.busy]);
    }
  }

  // --- wiring --------------------------------------------------------------------------------

  function wireControls() {
    $('chart-reset').addEventListener('click', () => chart.resetWindow());
    $('fit-lin').addEventListener('change', () => setFit([...a.fit.filter((k) => k !== 'lin'), ...($('fit-lin').checked ? ['lin'] : [])]));
    $('fit-seas').addEventListener('change', () => setFit([...a.fit.filter((k) => k !== 'seas'), ...($('fit-seas').checked ? ['seas'] : [])]));
    $('panel-use-ref').addEventListener('click', () => primaryKey() && setReference(primaryKey()));
    $('ref-clear').addEventListener('click', clearReference);
    $('area-clear').addEventListener('click', () => ctx.undoable('the area', dropArea));
    $('profile-clear').addEventListener('click', () => ctx.undoable('the profile', dropProfile));
    for (const kind of DRAW_KINDS) {
      $(`draw-${kind}`).addEventListener('click', () => {
        if (draw.mode === kind) draw.cancel();
        else draw.start(kind);
        for (const other of DRAW_KINDS) $(`draw-${other}`).setAttribute('aria-pressed', String(draw.mode === other));
      });
    }
  }

  function onHint(text) {
    $('draw-hint').textContent = text;
    if (!text) for (const kind of DRAW_KINDS) $(`draw-${kind}`).setAttribute('aria-pressed', 'false');
  }

  wireControls();

  return {
    chart,
    get drawing() {
      return Boolean(draw && draw.mode);
    },
    /** Once the map and data are there (main.js start). */
    attach(map) {
      draw = createDrawTool(map, { onDone: setArea, onLine: setProfile, onHint });
      mapRef = createMapReference(map, ctx.circleLayer);
      area.attach();
      profile.attach(map);
    },
    /** Apply a parsed permalink (see permalink.parseAnalysis). */
    restore(parsed) {
      const polyChanged = JSON.stringify(parsed.poly) !== JSON.stringify(a.poly) || !area.result;
      const profChanged = JSON.stringify([parsed.prof, parsed.buf]) !== JSON.stringify([a.prof, a.buf]) || !profile.result;
      const binChanged = parsed.pbin !== a.pbin;
      Object.assign(a, parsed);
      if (a.ref?.kind === 'poly' && !a.poly) ctx.viewProblem('ref=poly: the view has no drawn area (poly=lon,lat,...)');
      setEmbed(a.embed);
      for (const s of a.sel) load(s.layerId, s.featureId);
      if (a.ref?.kind === 'point') load(a.ref.layerId, a.ref.featureId);
      if (polyChanged) computeArea();
      if (profChanged) profile.compute();
      else if (binChanged) profile.rebin();
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
        a.prof = null;
        if (a.ref?.kind === 'poly') a.ref = null;
        area.drop();
        profile.drop();
      }
      render();
    },
    lookChanged,
    layerChanged() {
      if (draw) draw.raise();
      if (a.prof) profile.compute();
      if (a.poly) computeArea();
      else render();
    },
    /** Escape: cancel a drawing or close the embed code; true if it did something. */
    escape() {
      if (draw && draw.cancel()) return true;
      return downloads.escape();
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
      setProfile,
      clearProfile,
      setProfileSetting,
      /** Resolves when the profile is computed: its points and bins (profilework summary). */
      async profile() {
        await settle();
        return profile.summary();
      },
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
