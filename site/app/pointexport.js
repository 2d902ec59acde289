// Points exported for other tools: a CSV with one row per point and date, a CSV in the EGMS
// column layout (one row per point, one column per date: what EGMS readers, the InSAR Explorer
// QGIS plugin and egms-tiler's own reader take) and GeoJSON. Pure text builders, no DOM.
//
// A record is {layer: {id, label, level, period}, pid, lon, lat, unit, attributes, dates,
// values}: `attributes` by the viewer's names (velocity, velocity_std, coherence, height, ...,
// incidence_angle, track_angle), absent when the layer has none, null when the file has no value; `values` in mm
// from the chunks' 0.1 mm integers, null for no measurement.
import { canRereference, csvField, csvNumber, rereference, unionDates } from './analysis.js';
import { filterWords } from './areastats.js';

// viewer attribute -> EGMS column, in the order of the EGMS files (2019-2023 names)
const EGMS_COLUMNS = [
  ['height', 'height'],
  ['rmse', 'rmse'],
  ['coherence', 'temporal_coherence'],
  ['incidence_angle', 'incidence_angle'],
  ['track_angle', 'track_angle'],
  ['velocity', 'mean_velocity'],
  ['velocity_std', 'mean_velocity_std'],
  ['acceleration', 'acceleration'],
  ['seasonality', 'seasonality'],
];
const RENAMED_FROM_2020 = { height: 'height_ortho', rmse: 'rmse_ts' }; // the 2020-2024 release
const LONG_ATTRIBUTES = ['velocity', 'velocity_std', 'coherence'];
const NOT_IN_VIEWER = {
  L2: 'mp_type, easting, northing, height_ellipse, line, pixel, amplitude_dispersion, los_east, los_north, los_up, acceleration_std, seasonality_std, gnss_velocity',
  L3: 'easting, northing, acceleration_std, seasonality_std, gnss_velocity_n, gnss_velocity_e, gnss_velocity_u',
}; // prettier-ignore
/** Rows past which the CSV with one row per date is refused (~200 MB of text). */
export const MAX_LONG_ROWS = 2_000_000;

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A value of the chunks (a 0.1 mm integer ÷ 10) as its exact decimal text; '' for none. */
function tenthsText(value) {
  return isNumber(value) ? String(Math.round(value * 10) / 10) : '';
}

function tenths(value) {
  return isNumber(value) ? Math.round(value * 10) / 10 : null;
}

/** A number as the chunks or tiles hold it (already rounded as EGMS writes it); '' for none. */
function numberText(value) {
  return isNumber(value) ? String(value) : '';
}

function compactDate(iso) {
  return iso.replaceAll('-', '');
}

function hasAttribute(records, name) {
  return records.some((r) => r.attributes[name] !== undefined);
}

/** The EGMS column name of `column` in the release of `layer` (2020-2024 renamed two). */
function releaseName(column, layer) {
  const renamed = Array.isArray(layer.period) && layer.period[0] >= 2020;
  return (renamed && RENAMED_FROM_2020[column]) || column;
}

export function commentText(lines) {
  return lines.map((c) => `# ${String(c).replace(/[\r\n]+/g, ' ')}\n`).join('');
}

const points = (n) => `${n} point${n === 1 ? '' : 's'}`;

/** "inside the drawn area", and the quality filters the area's points passed, if any. */
function areaWords(area) {
  if (!area.filters) return 'inside the drawn area';
  return `inside the drawn area that pass the quality filters (${filterWords(area.filters)};`
    + ` ${points(area.total)} inside before filtering)`; // prettier-ignore
}

function describeCount(total, selected, area) {
  const parts = [];
  if (selected) parts.push(`${selected} selected`);
  if (area) parts.push(`${area.count} ${areaWords(area)}`);
  return `${points(total)} (${parts.join(', ')})`;
}

function layerList(records) {
  const layers = new Map(records.map((r) => [r.layer.id, r.layer]));
  return [...layers.values()].map((l) => `${l.id} (${l.label || l.id})`).join(', ');
}

/** What every export says first: what it holds, from which layers, made by what. `selected`:
 * how many are the chart's points; `area`: {count, total, filters, ring} of the drawn area's
 * (`count` of the `total` inside pass the `filters`, null for none). */
function headline(records, { selected = records.length, area = null, generator = 'egms-tiler' } = {}) {
  const what = describeCount(records.length, selected, area);
  const ring = area ? `; area polygon (lon lat): ${area.ring.map(([x, y]) => `${x} ${y}`).join(', ')}` : '';
  return `EGMS ground-motion points: ${what} of ${layerList(records)}${ring}; exported with ${generator}`;
}

/** The reference in words; `applied`: whether the file's values are relative to it. */
function referenceText(reference, applied) {
  if (!reference) return 'reference: none; displacements as published';
  const what = reference.kind === 'area' ? `the mean of the ${reference.count} points ${areaWords(reference)}`
    : `point ${reference.pid} of ${reference.layerId}`; // prettier-ignore
  if (applied) {
    return `reference: ${what}; displacement_mm is as published, minus_reference_mm is displacement_mm minus the reference's on the same date`
      + ' (empty where either has no value, or for an L2a point of another processing unit than the reference)'; // prettier-ignore
  }
  return `reference set in the viewer: ${what}; NOT applied here: every value is as published`
    + ' (the CSV with one row per date has the values minus the reference)'; // prettier-ignore
}

function levelNotes(records) {
  const notes = [];
  if (records.some((r) => r.layer.level === 'L3')) {
    notes.push('L3: latitude/longitude are WGS84 degrees converted from the EGMS file\'s EPSG:3035 easting/northing (6 decimals)');
  }
  if (records.some((r) => r.layer.level === 'L2a')) {
    notes.push('L2a: values are relative to a reference inside each processing unit: compare them only within one unit');
  }
  return notes;
} // prettier-ignore

// --- CSV, one row per point and date ---------------------------------------------------------

/**
 * CSV text parts (for a Blob): `# ` lines, then layer, pid, latitude, longitude, the velocity,
 * its std and the coherence where a layer has them, date, displacement_mm and, with a
 * `reference` ({kind, pid, layerId, level, unit, count, dates, values}), minus_reference_mm.
 */
export function longCsv(records, { reference = null, selected, area = null, generator, attribution }) {
  const attributes = LONG_ATTRIBUTES.filter((name) => hasAttribute(records, name));
  const names = attributes.map((name) => EGMS_COLUMNS.find(([n]) => n === name)[1]);
  const header = ['layer', 'pid', 'latitude', 'longitude', ...names, 'date', 'displacement_mm'];
  if (reference) header.push('minus_reference_mm');
  const comments = [headline(records, { selected, area, generator }), referenceText(reference, true),
    'units: degrees (WGS84), mm/yr (mean_velocity, mean_velocity_std), mm (displacement); an empty cell is no value',
    ...levelNotes(records), attribution]; // prettier-ignore
  const parts = [commentText(comments), `${header.join(',')}\n`];
  for (const record of records) parts.push(longRows(record, attributes, reference));
  return parts;
}

function longRows(record, attributes, reference) {
  const relative = reference && canRereference(record, reference) ? rereference(record, reference) : null;
  const fixed = [csvField(record.layer.id), csvField(record.pid), numberText(record.lat), numberText(record.lon),
    ...attributes.map((name) => numberText(record.attributes[name]))].join(','); // prettier-ignore
  let text = '';
  record.dates.forEach((date, i) => {
    text += `${fixed},${date},${tenthsText(record.values[i])}`;
    if (reference) text += `,${relative ? csvNumber(relative[i]) : ''}`;
    text += '\n';
  });
  return text;
}

/** Rows the CSV with one row per date would have. */
export function longRowCount(records) {
  return records.reduce((sum, r) => sum + r.dates.length, 0);
}

// --- CSV in the EGMS column layout -----------------------------------------------------------

/**
 * CSV text parts in the EGMS layout: `# ` lines, then pid, latitude, longitude, the EGMS
 * columns the viewer has (named as the layer's release names them) and one YYYYMMDD column per
 * date, values as published. All records must be of one layer (an EGMS file is one).
 */
export function wideCsv(records, { reference = null, selected, area = null, generator, attribution }) {
  const layer = records[0].layer;
  const columns = EGMS_COLUMNS.filter(([name]) => hasAttribute(records, name));
  const dates = unionDates(records.map((r) => r.dates));
  const header = ['pid', 'latitude', 'longitude', ...columns.map(([, column]) => releaseName(column, layer)),
    ...dates.map(compactDate)]; // prettier-ignore
  const family = layer.level === 'L3' ? 'L3' : 'L2';
  const comments = [headline(records, { selected, area, generator }), referenceText(reference, false),
    `columns: EGMS ${layer.level} as in the ${layer.period?.join('-') || ''} release; not in the viewer, so left out: ${NOT_IN_VIEWER[family]}`,
    ...wideNotes(layer), attribution]; // prettier-ignore
  const parts = [commentText(comments), `${header.join(',')}\n`];
  for (const record of records) {
    const byDate = new Map(record.dates.map((date, i) => [date, record.values[i]]));
    const cells = [csvField(record.pid), numberText(record.lat), numberText(record.lon),
      ...columns.map(([name]) => numberText(record.attributes[name])),
      ...dates.map((date) => tenthsText(byDate.get(date)))]; // prettier-ignore
    parts.push(`${cells.join(',')}\n`);
  }
  return parts;
}

function wideNotes(layer) {
  if (layer.level === 'L3') {
    return ['L3: latitude/longitude (WGS84 degrees converted from the EGMS file\'s EPSG:3035 easting/northing, 6 decimals) in place of easting/northing:'
      + ' readers that need an L3 file\'s easting/northing (egms-tiler among them) do not read this file as L3']; // prettier-ignore
  }
  if (layer.level === 'L2a') {
    return ['L2a: values are relative to a reference inside each processing unit; a reader that tells L2a by the EGMS file name or the cluster_label column'
      + ' (egms-tiler among them) takes this file for L2b, as neither is in the viewer\'s data']; // prettier-ignore
  }
  return [];
}

// --- GeoJSON -----------------------------------------------------------------------------------

/**
 * GeoJSON text parts (for a Blob): a FeatureCollection of Points ([lon, lat]), properties layer, pid, the EGMS
 * attributes and one `YYYYMMDD` property per date (mm as published, null for none): GDAL and
 * QGIS make each a numeric field, which the attribute table, styling and the InSAR Explorer
 * plugin use; arrays would become list fields they cannot plot or style. The reference,
 * credit and notes are top-level members (RFC 7946 §6.1 foreign members).
 */
export function pointsGeojson(records, { reference = null, selected, area = null, generator, attribution }) {
  const collection = {
    type: 'FeatureCollection',
    name: 'egms_points',
    description: headline(records, { selected, area, generator }),
    reference: reference && referenceMember(reference),
    reference_note: referenceText(reference, false),
    displacement: 'properties YYYYMMDD: displacement in mm on that date, as published; null: no measurement',
    notes: levelNotes(records),
    attribution,
  };
  const head = JSON.stringify(collection);
  const features = records.map((record, i) => `${i ? ',\n' : ''}${featureText(record)}`);
  return [`${head.slice(0, -1)},"features":[\n`, ...features, '\n]}\n'];
}

/** One Feature's JSON, its properties in this order: layer, pid, attributes, dates (an object
 * would put the all-digit date keys first, and GDAL takes the fields in the order it reads). */
function featureText(record) {
  const properties = [['layer', record.layer.id], ['pid', record.pid]];
  for (const [name, column] of EGMS_COLUMNS) {
    const value = record.attributes[name];
    if (value !== undefined) properties.push([column, isNumber(value) ? value : null]);
  }
  record.dates.forEach((date, i) => properties.push([compactDate(date), tenths(record.values[i])]));
  const members = properties.map(([key, value]) => `${JSON.stringify(key)}:${jsonValue(value)}`);
  const geometry = JSON.stringify({ type: 'Point', coordinates: [record.lon, record.lat] });
  return `{"type":"Feature","geometry":${geometry},"properties":{${members.join(',')}}}`;
}

/** JSON of a value, a whole number written 2.0: GDAL then types every such field as real,
 * whichever values an export happens to hold. */
function jsonValue(value) {
  return isNumber(value) && Number.isInteger(value) ? `${value}.0` : JSON.stringify(value);
}

function referenceMember(reference) {
  const values = reference.values.map((v) => (isNumber(v) ? Number(v.toFixed(4)) : null));
  const common = { dates: reference.dates, displacement_mm: values };
  if (reference.kind === 'area') return { kind: 'area', points: reference.count, polygon: reference.ring, ...common };
  return { kind: 'point', layer: reference.layerId, pid: reference.pid, ...common };
}
