// "Vertical & east here": the panel that decomposes the ascending and descending points around
// a spot (decompose.js) into vertical and east motion: it finds the points (nearby.js), rings
// them on the map, charts the result with the L3 cell of the spot, and exports it. Every value
// goes in through textContent; never innerHTML.
import { DECOMP_RADIUS } from './address.js';
import { createChart } from './chart.js';
import { decompChartModel, decompCsv, decompFigure, assumptions, DECOMP_COLOURS } from './decompexport.js';
import { GEOMETRY_WORDS, decompose, l2aUnitProblem, pairLayers, pointLos, velocityOf } from './decompose.js';
import { chosenFigureSize, download, svgPng } from './export.js';
import { coordinates } from './geometry.js';
import { layerName } from './layernames.js';
import { ringsOf } from './rings.js';
import { figureSvg } from './svgfigure.js';

const $ = (id) => document.getElementById(id);
const EARTH_CIRCUMFERENCE_M = 40_075_016.686;
const POINT_RING = { width: 2, radius: 5 };
const MINUS = '\u2212';

function signed(value, decimals) {
  const text = Math.abs(value).toFixed(decimals);
  return Number(text) === 0 ? text : `${value < 0 ? MINUS : '+'}${text}`;
}

/** "−1.23 ± 0.05 mm/yr", or a dash. */
export function velocityWords(velocity) {
  return velocity ? `${signed(velocity.value, 2)} ± ${velocity.sigma.toFixed(2)} mm/yr` : '– (fewer than 3 dates)';
}

/** A ring `metres` wide around lon/lat at every zoom (Web Mercator, 512 px tiles). */
function radiusRing(lon, lat, metres) {
  const metresPerPx = (zoom) => (EARTH_CIRCUMFERENCE_M * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** zoom);
  return { lon, lat, colour: DECOMP_COLOURS.radius, width: 1.5, dash: [6, 4], radius: (zoom) => metres / metresPerPx(zoom) };
}

/** Fill a <dl> with [label, value] rows (text only). */
export function fillList(list, rows) {
  list.replaceChildren(...rows.flatMap(([label, value]) => {
    const term = document.createElement('dt');
    term.textContent = label;
    const detail = document.createElement('dd');
    detail.textContent = value;
    return [term, detail];
  })); // prettier-ignore
}

/** How far a geometry's point vectors are from their mean: "0.004", or "< 0.001". */
function spread(value) {
  return value < 0.0005 ? '< 0.001' : value.toFixed(3);
}

function geometryRow(summary, key) {
  const { los } = summary;
  const vector = `E ${signed(los.east, 3)}, N ${signed(los.north, 3)}, U ${signed(los.up, 3)}`;
  return [`${GEOMETRY_WORDS[key][0].toUpperCase()}${GEOMETRY_WORDS[key].slice(1)}`,
    `${summary.points} point${summary.points === 1 ? '' : 's'}, incidence ${summary.incidence.toFixed(1)}°, heading ${summary.heading.toFixed(1)}°; mean LOS ${vector} (its points' vectors within ${spread(summary.losSpread)} of it)`]; // prettier-ignore
}

/** A point as decompose.js takes it, from its chunk series. */
function asPoint(series) {
  const { incidence_angle: incidence, track_angle: heading } = series.attributes || {};
  return { pid: series.pid, unit: series.unit, lon: series.lon, lat: series.lat, dates: series.dates,
    values: series.values, los: pointLos(series.attributes), incidence, heading }; // prettier-ignore
}

/** ctx: {state, app, nearby, currentLayer(), writeHash(), attribution(), pointAt() ([lon, lat] of the
 * selected point, or null)}. */
export function createDecomp(ctx) {
  const root = $('decomp');
  const chart = createChart($('decomp-chart'), { announce: false });
  let armed = false; // the next map click sets the spot
  let token = 0;
  let shown = null; // {spot, radius, layers, result, l3, model}

  function setArmed(on) {
    armed = on;
    $('decomp-pick').setAttribute('aria-pressed', String(on));
    $('draw-hint').textContent = on ? 'Click or tap the map where to decompose (Escape cancels).' : '';
  }

  function say(text) {
    $('decomp-status').textContent = text;
  }

  function refuse(text) {
    $('decomp-refusal').textContent = text;
    $('decomp-refusal').hidden = !text;
    if (text) $('decomp-result').hidden = true;
  }

  function ring(found) {
    if (!ctx.app.map) return;
    const rings = [];
    if (ctx.state.decomp) rings.push(radiusRing(ctx.state.decomp.lon, ctx.state.decomp.lat, ctx.state.decomp.r));
    for (const key of ['asc', 'desc']) {
      for (const p of found?.[key] || []) {
        // a white halo under each ring keeps it readable over points of any colour
        rings.push({ lon: p.lon, lat: p.lat, colour: '#ffffff', width: POINT_RING.width + 2, radius: POINT_RING.radius - 1 });
        rings.push({ lon: p.lon, lat: p.lat, colour: DECOMP_COLOURS[key], ...POINT_RING });
      }
    }
    ringsOf(ctx.app.map).set('decomp', rings);
  }

  async function seriesOf(layer, near) {
    return Promise.all(near.map((p) => ctx.app.chunks.series(layer, p.featureId).then(asPoint)));
  }

  async function cellSeries(layer, lon, lat) {
    if (!layer) return null;
    const cell = await ctx.nearby.nearestIn(layer, lon, lat);
    if (!cell) return null;
    const series = await ctx.app.chunks.series(layer, cell.featureId);
    return { ...series, layerId: layer.id, velocityStd: series.attributes?.velocity_std ?? null };
  }

  async function compute({ lon, lat, r }, layers) {
    const [ascNear, descNear] = await Promise.all([layers.asc, layers.desc].map((l) => ctx.nearby.pointsNear(l, lon, lat, r)));
    const points = { asc: await seriesOf(layers.asc, ascNear), desc: await seriesOf(layers.desc, descNear) };
    const l2a = layers.level === 'L2a' ? l2aUnitProblem(points) : '';
    const result = l2a ? { ok: false, reason: l2a } : decompose(points, { radius: r });
    const l3 = result.ok ? { up: await cellSeries(layers.up, lon, lat), east: await cellSeries(layers.east, lon, lat) } : {};
    return { points, result, l3 };
  }

  function velocityText(result) {
    return `vertical ${velocityWords(result.velocity.up)}, east ${velocityWords(result.velocity.east)}`;
  }

  function cellRow(cell, word) {
    const std = cell.velocityStd;
    const sigma = typeof std !== 'number' ? ' (no σ in the file)' : std > 0 ? ` ± ${std.toFixed(1)}` : ' ± < 0.05';
    const fitted = velocityOf(cell.dates, cell.values);
    return [`EGMS L3 cell, ${word}`, `${signed(cell.velocity, 1)}${sigma} mm/yr as published; ${velocityWords(fitted)} by the same line fit (cell ${cell.pid})`];
  } // prettier-ignore

  function render({ spot, layers, result, l3, points }) {
    const rows = [
      ['Vertical velocity', `${velocityWords(result.velocity.up)} (up positive)`],
      ['East velocity', `${velocityWords(result.velocity.east)} (east positive)`],
    ];
    if (l3.up) rows.push(cellRow(l3.up, 'vertical'));
    if (l3.east) rows.push(cellRow(l3.east, 'east'));
    if (!l3.up && !l3.east) rows.push(['EGMS L3', layers.up || layers.east ? 'no L3 cell at this spot' : `no L3 layer of ${layers.asc.period.join('-')} in this site to compare with`]);
    fillList($('decomp-velocities'), rows);
    fillList($('decomp-geometries'), [geometryRow(result.asc, 'asc'), geometryRow(result.desc, 'desc'),
      ['|det| of the 2×2 matrix', `${Math.abs(result.det).toFixed(2)} (1 = the best conditioned)`]]); // prettier-ignore
    $('decomp-assumptions').replaceChildren(...assumptions(result).map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    })); // prettier-ignore
    const units = (key) => new Set(points[key].map((p) => p.unit)).size;
    const l2a = layers.level === 'L2a';
    $('decomp-l2a').hidden = !l2a;
    $('decomp-l2a').textContent = l2a ? `L2a: values are relative to a reference inside each processing unit; these come from one ascending and one descending unit (${units('asc')} and ${units('desc')}), so the result is motion relative to those two local references, not absolute.` : ''; // prettier-ignore
    $('decomp-result').hidden = false;
    const model = decompChartModel(result, { up: l3.up, east: l3.east });
    chart.draw(model);
    shown = { ...shown, model, spot, layers, result, l3 };
    say(`${result.dates.filter((_, i) => result.up[i] !== null).length} dates decomposed.`);
  }

  /** Decompose at the state's spot (ctx.state.decomp) and show it. */
  async function run() {
    const spot = ctx.state.decomp;
    if (!spot) return;
    token += 1;
    const mine = token;
    root.hidden = false;
    $('decomp-where').textContent = `At ${coordinates(spot.lat, spot.lon)} (lat, lon; WGS84), within ${spot.r} m`;
    $('decomp-radius').value = String(spot.r);
    refuse('');
    shown = null;
    ring(null);
    const layers = pairLayers(ctx.app.manifest.layers, ctx.currentLayer());
    const missing = ['asc', 'desc'].find((key) => !layers[key]);
    if (missing) {
      say('');
      return refuse(`This site has no ${GEOMETRY_WORDS[missing]} ${layers.level} layer of ${ctx.currentLayer().period.join('-')}: vertical and east need both geometries.`);
    } // prettier-ignore
    $('decomp-where').textContent += `, from ${layerName(layers.asc)} and ${layerName(layers.desc)}`;
    say('Finding points and their series…');
    try {
      const done = await compute(spot, layers);
      if (mine !== token) return;
      ring(done.points);
      shown = { spot, layers, ...done };
      if (!done.result.ok) {
        say('');
        return refuse(done.result.reason);
      }
      render({ spot, layers, ...done });
    } catch (error) {
      if (mine === token) say(`Cannot decompose: ${error.message}`);
    }
  }

  function setSpot(lon, lat, r = ctx.state.decomp?.r ?? DECOMP_RADIUS.default) {
    ctx.state.decomp = { lon, lat, r };
    ctx.writeHash();
    return run();
  }

  function close() {
    token += 1;
    setArmed(false);
    root.hidden = true;
    chart.clear();
    shown = null;
    if (ctx.app.map) ringsOf(ctx.app.map).set('decomp', []);
    if (ctx.state.decomp) {
      ctx.state.decomp = null;
      ctx.writeHash();
    }
  }

  function about() {
    const { spot, layers, result } = shown;
    return { spot, radius: spot.r, layers, velocityText: velocityText(result), attribution: ctx.attribution(),
      generator: document.body.dataset.generator || 'egms-tiler', window: chart.plot ? chart.plot.scales.x : {} }; // prettier-ignore
  }

  async function exportFile(kind) {
    if (!shown || !shown.result?.ok) return say('Nothing to export: no decomposition is shown.');
    if (kind === 'csv') {
      return download(new Blob(decompCsv(shown.result, about()), { type: 'text/csv' }), 'egms-vertical-east.csv');
    }
    const size = chosenFigureSize();
    const svg = figureSvg(decompFigure(shown.model, about()), size);
    if (kind === 'svg') return download(new Blob([svg], { type: 'image/svg+xml' }), 'egms-vertical-east.svg');
    return download(await svgPng(svg, size.width * size.ratio, size.height * size.ratio), 'egms-vertical-east.png');
  }

  $('decomp-pick').addEventListener('click', () => setArmed(!armed));
  $('decomp-repick').addEventListener('click', () => setArmed(true));
  $('decomp-close').addEventListener('click', close);
  $('panel-decomp').addEventListener('click', () => {
    const at = ctx.pointAt();
    if (at) setSpot(at[0], at[1]);
  });
  $('decomp-radius').addEventListener('change', () => {
    const r = Math.round(Number($('decomp-radius').value));
    if (!ctx.state.decomp || !Number.isFinite(r)) return;
    const kept = Math.min(DECOMP_RADIUS.max, Math.max(DECOMP_RADIUS.min, r));
    setSpot(ctx.state.decomp.lon, ctx.state.decomp.lat, kept);
  });
  for (const kind of ['csv', 'png', 'svg']) $(`decomp-${kind}`).addEventListener('click', () => exportFile(kind));

  return {
    /** Whether a map click now sets the spot (the button was pressed, or the panel is open). */
    get picking() {
      return armed || !root.hidden;
    },
    /** A map click while picking: decompose there. */
    pickAt(lngLat) {
      setArmed(false);
      return setSpot(lngLat.lng, lngLat.lat);
    },
    setSpot,
    close,
    /** The address's spot ({lon, lat, r} or null): show it unless it is shown. */
    restore(spot) {
      const now = ctx.state.decomp;
      if (!spot) return now ? close() : undefined;
      if (now && !root.hidden && now.lon === spot.lon && now.lat === spot.lat && now.r === spot.r) return undefined;
      ctx.state.decomp = spot;
      return run();
    },
    /** The layer changed: the pair may be another one. */
    layerChanged() {
      if (ctx.state.decomp && !root.hidden) run();
    },
    /** Escape: disarm the pick, or close the panel; true if it did. */
    escape() {
      if (armed) {
        setArmed(false);
        return true;
      }
      if (root.hidden) return false;
      close();
      return true;
    },
    exportFile,
    /** What is shown, as plain data (for tests and scripts; read-only copy). */
    get result() {
      if (!shown) return null;
      const { result, points, l3 } = shown;
      const copy = JSON.parse(JSON.stringify({ result, l3, refusal: $('decomp-refusal').hidden ? '' : $('decomp-refusal').textContent }));
      if (points) copy.used = Object.fromEntries(['asc', 'desc'].map((k) => [k, points[k].map((p) => p.pid)]));
      copy.velocities = [...$('decomp-velocities').querySelectorAll('dd')].map((node) => node.textContent);
      return copy;
    },
    get chart() {
      return chart;
    },
  };
}
