// The chart's model: the series of the chart's points (re-referenced where they can be), the
// area's mean and band, the fits in the date window, and the rows of the table of series.
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
import { formatValue } from './panel.js';
import { pointKey } from './selection.js';
import { DEFAULT_ALPHA, accelerationText, segmentValues, significant, trendText } from './trendchange.js';

// Okabe–Ito: distinct for the common colour-vision deficiencies; black is the area mean.
export const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const AREA_COLOUR = '#000000';

export function unitLabel(layer, unit) {
  const found = (layer?.units || []).find((u) => u.index === unit);
  return found ? found.name : unit === null || unit === undefined ? '–' : String(unit);
}

function signed(value, decimals) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(decimals) : '–';
}

/** ctx: {state, layerById}; `selection` (selection.js), `area` (areawork.js). */
export function createChartModel(ctx, { selection, area }) {
  const a = ctx.state.analysis;
  const { loaded, properties, entries } = selection;

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
    const trends = list.map((s) => trendOf(s, dates)).filter(Boolean);
    lines.push(...trends.map((t) => t.line).filter(Boolean));
    return { dates, lines, list, warnings, ref, t0: a.t0, t1: a.t1, trends };
  }

  /**
   * A point's trend-change screening (from its chunk): what it found in words and, when the
   * change is significant and the series is as the file has it (not re-referenced), the two
   * segments as a dashed line.
   */
  function trendOf(s, dates) {
    if (s.kind !== 'point') return null;
    const attributes = s.attributes || {};
    const text = trendText(attributes, DEFAULT_ALPHA);
    if (!text) return null;
    const segments = significant(attributes, DEFAULT_ALPHA) && !s.referenced ? segmentValues(attributes, s.dates) : null;
    const line = segments && { kind: 'fit', trend: true, label: `two-segment trend ${s.label}`, colour: s.colour,
      values: alignValues(s.dates, segments, dates) }; // prettier-ignore
    const note = segments || !significant(attributes, DEFAULT_ALPHA) ? null : 'segments not drawn: the series is re-referenced';
    return { colour: s.colour, label: s.label, text, acceleration: accelerationText(attributes), note, line };
  }

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

  return { model, reference, tableRows };
}
