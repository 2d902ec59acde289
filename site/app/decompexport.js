// What a decomposition shows and exports (pure: no DOM): the chart's lines (vertical and east
// with their ±1σ bands, the L3 cell's series dashed), the figure of figureSvg, and the CSV.
import { alignValues, csvNumber, dayNumber, unionDates } from './analysis.js';
import { MAX_GAP_DAYS, MIN_DET } from './decompose.js';
import { latLon } from './figure.js';
import { layerName } from './layernames.js';

const DAY_S = 86_400;
export const DECOMP_COLOURS = {
  up: '#009E73',
  east: '#CC79A7',
  asc: '#0072B2',
  desc: '#D55E00',
  radius: '#4a5560',
};
const BAND_FILLS = { up: 'rgba(0, 158, 115, 0.18)', east: 'rgba(204, 121, 167, 0.18)' };
const LABELS = { up: 'vertical (up +)', east: 'east (east +)' };

function plusMinus(values, sigma, sign) {
  return values.map((v, i) => (v === null || sigma[i] === null ? null : v + sign * sigma[i]));
}

/** The assumptions and method, one sentence each (the panel lists them; the CSV and the figure
 * repeat them). */
export function assumptions(result) {
  return [
    'North motion assumed zero: the lines of sight are nearly blind to it (|north| ≈ 0.1), as EGMS L3 and LiCSBAS assume; a real north motion leaks into east and vertical by about its size × 0.1.',
    'Each geometry: the points within the radius averaged date by date (a point without a value on a date is left out of that date); each geometry\'s mean LOS unit vector (from the points\' incidence and track angles, as EGMS\'s los_east/north/up to 0.001) in a 2×2 system solved per date.',
    `Dates: the union of both geometries' dates; a date one did not acquire is interpolated linearly between its acquisitions before and after when they are at most ${MAX_GAP_DAYS} days apart; gaps stay gaps; no extrapolation beyond a geometry's first or last date.`,
    'σ per date: the standard deviation of the points\' values / √n (n ≥ 2), or with one point the residual σ of a line fitted to its series; interpolated linearly between dates; carried through the inverse matrix, the two geometries\' errors taken as independent.',
    'Velocity: least-squares line through each component\'s series; ± the standard error of the slope from the residuals (white noise: correlated noise makes the true uncertainty larger).',
    `Refused where |det| of the matrix < ${MIN_DET} (nearly parallel lines of sight; here |det| = ${Math.abs(result.det).toFixed(2)}).`,
    'L3 cell (dashed): the EGMS Ortho 100 m cell holding the spot, as published (its σ is written to 0.1 mm/yr: 0.0 means < 0.05). EGMS makes it from the same kind of ascending and descending data over the whole cell, so it is a cross-check, not an independent measurement.',
  ];
}

/**
 * The chart's model (chart.js): dates, and lines vertical, its band, east, its band, and the L3
 * cell's vertical and east series (`l3`: {up, east}: {dates, values} or null) dashed.
 */
export function decompChartModel(result, l3 = {}) {
  const cells = ['up', 'east'].filter((key) => l3[key]);
  const dates = unionDates([result.dates, ...cells.map((key) => l3[key].dates)]);
  const on = (values) => alignValues(result.dates, values, dates);
  const lines = [];
  for (const key of ['up', 'east']) {
    const sigma = result[`${key}Sigma`];
    lines.push({ kind: 'series', label: LABELS[key], colour: DECOMP_COLOURS[key], markers: false, values: on(result[key]),
      sigma: on(sigma) }); // prettier-ignore
    lines.push({ kind: 'band', label: `${LABELS[key]} +1σ`, legend: '±1σ', colour: DECOMP_COLOURS[key],
      fill: BAND_FILLS[key], values: on(plusMinus(result[key], sigma, 1)) }); // prettier-ignore
    lines.push({ kind: 'band', label: `${LABELS[key]} −1σ`, colour: DECOMP_COLOURS[key], fill: BAND_FILLS[key],
      values: on(plusMinus(result[key], sigma, -1)) }); // prettier-ignore
  }
  for (const key of cells) {
    const label = `L3 cell ${key === 'up' ? 'vertical' : 'east'}`;
    lines.push({ kind: 'fit', inLegend: true, label, colour: DECOMP_COLOURS[key],
      values: alignValues(l3[key].dates, l3[key].values, dates) }); // prettier-ignore
  }
  return { dates, lines, list: [], valueTitle: 'displacement (mm)' };
}

/** The figure of the chart (svgfigure.js figureSvg): title, lines of text, series, legend. */
export function decompFigure(model, about) {
  const { spot, radius, layers, velocityText, attribution, generator, window = {} } = about;
  const legend = model.lines.filter((line) => line.kind !== 'band' || line.legend)
    .map(({ kind, label, colour, fill, markers }) => ({ kind, label: label.replace(' +1σ', ' ±1σ'), colour, fill, markers })); // prettier-ignore
  return {
    title: `Vertical and east displacement at ${latLon(spot.lat, spot.lon)} (WGS84), within ${radius} m`,
    lines: [
      `From ${layerName(layers.asc)} and ${layerName(layers.desc)}; ${velocityText}.`,
      'Up positive, east positive; north motion assumed zero (as EGMS L3). Bands: ±1σ per date.',
    ],
    yTitle: 'displacement (mm)',
    xs: model.dates.map((date) => dayNumber(date) * DAY_S),
    series: model.lines,
    legend,
    window: { min: window.min ?? null, max: window.max ?? null },
    credit: `${attribution}. Made with ${generator}.`,
  };
}

function comment(text) {
  return `# ${String(text).replace(/[\r\n]+/g, ' ')}\n`;
}

function geometryWords(summary, layer, key) {
  const { los } = summary;
  return `${key}: ${summary.points} point${summary.points === 1 ? '' : 's'} of ${layer.id} (${layerName(layer)}), mean incidence ${summary.incidence.toFixed(2)} deg, heading ${summary.heading.toFixed(2)} deg, mean LOS unit vector east ${los.east.toFixed(4)} north ${los.north.toFixed(4)} up ${los.up.toFixed(4)}`;
}

/** CSV text parts: `# ` lines (what, where, from which layers, the method), then date, east_mm,
 * east_sigma_mm, up_mm, up_sigma_mm; an empty cell is no value. */
export function decompCsv(result, { spot, radius, layers, generator, attribution, velocityText }) {
  const head = [
    `EGMS vertical and east displacement at lat ${spot.lat.toFixed(6)}, lon ${spot.lon.toFixed(6)} (WGS84) from the ascending and descending points within ${radius} m; exported with ${generator}`,
    geometryWords(result.asc, layers.asc, 'ascending'),
    geometryWords(result.desc, layers.desc, 'descending'),
    `determinant of the 2x2 matrix [[e_asc, u_asc], [e_desc, u_desc]]: ${result.det.toFixed(4)}`,
    `velocities: ${velocityText}`,
    'units: mm; east positive eastward, up positive upward; *_sigma_mm: 1 standard deviation',
    ...assumptions(result),
    attribution,
  ];
  const rows = result.dates.map((date, i) => [date, csvNumber(result.east[i]), csvNumber(result.eastSigma[i]),
    csvNumber(result.up[i]), csvNumber(result.upSigma[i])].join(',')); // prettier-ignore
  return [head.map(comment).join(''), 'date,east_mm,east_sigma_mm,up_mm,up_sigma_mm\n', `${rows.join('\n')}\n`];
}
