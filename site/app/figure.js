// What a chart figure says: the title (pids), the EGMS product of each layer, where the points
// are, the reference, the axis title (quantity and unit), the legend and the credit line.
// Pure: no DOM; svgfigure.js lays it out.
import { dayNumber } from './analysis.js';
import { geometryOf, productName } from './layernames.js';

const DAY_S = 86_400;
const QUANTITIES = {
  asc: 'LOS displacement',
  desc: 'LOS displacement',
  up: 'vertical displacement',
  east: 'east-west displacement',
};
const BAND_COLOUR = '#8c959e';

/** The value axis title of series from `layers`: one quantity, or plain displacement. */
export function displacementTitle(layers) {
  const quantities = new Set(layers.map((layer) => QUANTITIES[geometryOf(layer)] || 'displacement'));
  return `${quantities.size === 1 ? [...quantities][0] : 'displacement'} (mm)`;
}

/** "lat 38.70123, lon 13.17234": WGS84 degrees to 5 decimals (about 1 m). */
export function latLon(lat, lon) {
  return `lat ${Number(lat).toFixed(5)}, lon ${Number(lon).toFixed(5)}`;
}

/** "a", "a and b", "a, b and c". */
function listed(words) {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function title(list) {
  const pids = list.filter((s) => s.kind === 'point').map((s) => s.pid);
  const area = list.find((s) => s.kind === 'area');
  const areaText = area ? `the mean of ${area.count} points in a drawn area` : '';
  if (!pids.length) return `Mean displacement of ${area.count} points in a drawn area`;
  const points = `${pids.length === 1 ? 'point' : 'points'} ${listed(pids)}`;
  return `Displacement of ${points}${area ? ` and ${areaText}` : ''}`;
}

function locations(list) {
  const points = list.filter((s) => s.kind === 'point' && s.lat !== null && s.lat !== undefined);
  if (points.length === 1) return `Point at ${latLon(points[0].lat, points[0].lon)} (WGS84)`;
  return points.map((s) => `${s.pid} at ${latLon(s.lat, s.lon)}`).join('; ') + (points.length ? ' (WGS84)' : '');
}

function referenceText(ref, layerById, warnings) {
  let text = 'Values as published: no reference.';
  if (ref && ref.pid) {
    const where = ref.lat !== null && ref.lat !== undefined ? ` at ${latLon(ref.lat, ref.lon)}` : '';
    text = `Reference: point ${ref.pid}${where}, ${productName(layerById(ref.layerId))}; values relative to it, date by date.`;
  } else if (ref) {
    text = `Reference: the ${ref.label}; values relative to it, date by date.`;
  }
  return warnings.length ? `${text} Not re-referenced (L2a, another processing unit): ${warnings.join(', ')}.` : text;
}

function legendEntries(lines) {
  const entries = [];
  for (const line of lines) {
    if (line.kind === 'band') {
      if (!entries.some((e) => e.kind === 'band')) entries.push({ kind: 'band', label: line.legend || 'area minimum and maximum', colour: BAND_COLOUR });
    } else {
      entries.push({ kind: line.kind, label: line.label, colour: line.colour });
    }
  }
  return entries;
}

/**
 * The figure of the workbench's chart model {dates, lines, list, ref, warnings}: `layerById`
 * finds manifest layers, `window` is the date window shown ({min, max} seconds, nulls = all).
 */
export function chartFigure(model, { layerById, attribution, generator, window = {} }) {
  const layers = [...new Set(model.list.map((s) => s.layerId))].map(layerById).filter(Boolean);
  return {
    title: title(model.list),
    lines: [
      layers.map(productName).join('; '),
      locations(model.list),
      referenceText(model.ref, layerById, model.warnings || []),
    ].filter(Boolean),
    yTitle: displacementTitle(layers),
    xs: model.dates.map((date) => dayNumber(date) * DAY_S),
    series: model.lines.map((line) => (line.kind === 'band' ? { ...line, colour: BAND_COLOUR } : line)),
    legend: legendEntries(model.lines),
    window: { min: window.min ?? null, max: window.max ?? null },
    credit: `${attribution}. Made with ${generator}.`,
  };
}
