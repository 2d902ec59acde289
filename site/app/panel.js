// The point info panel. Every value goes in through textContent; never innerHTML.
import { displacementTitle } from './figure.js';
import { coordinates, geometryRows } from './geometry.js';
import { aboutLayer, layerName } from './layernames.js';
import { pointKind } from './cells.js';
import { DEFAULT_ALPHA, TILE_LEVEL, formatP, significant, yearMonth } from './trendchange.js';

const MISSING = '–';

// attribute, label, decimals as EGMS writes them, unit
const ROWS = [
  ['velocity_std', 'Velocity σ', 1, 'mm/yr'],
  ['coherence', 'Temporal coherence', 2, ''],
  ['height', 'Height', 1, 'm'],
  ['acceleration', 'Acceleration', 2, 'mm/yr²'],
  ['seasonality', 'Seasonality', 1, 'mm'],
  ['rmse', 'RMSE', 1, 'mm'],
];

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A number with fixed decimals and unit, or "–" when missing. */
export function formatValue(value, decimals, unit = '') {
  if (!isNumber(value)) return MISSING;
  return unit ? `${value.toFixed(decimals)} ${unit}` : value.toFixed(decimals);
}

/** "velocity ± σ mm/yr", tolerating a missing σ. */
export function formatVelocity(velocity, std) {
  if (!isNumber(velocity)) return MISSING;
  const sigma = isNumber(std) ? ` ± ${std.toFixed(1)}` : '';
  return `${velocity.toFixed(1)}${sigma} mm/yr`;
}

function unitName(layer, index) {
  const unit = (layer.units || []).find((u) => u.index === index);
  return unit ? unit.name : MISSING;
}

const TREND_ATTRIBUTES = ['break_date', 'velocity_before', 'velocity_after', 'break_p', 'accel_p'];

/**
 * The screening in two rows, from the tiles (which carry it where p < 0.05); the velocities,
 * with their σ, and every p are under the chart.
 */
function trendRows(properties) {
  const p = properties.break_p;
  let change = `none at p < ${TILE_LEVEL} (see the chart)`;
  if (isNumber(p) && significant(properties, DEFAULT_ALPHA)) {
    change = `${properties.break_date.toFixed(2)} (${yearMonth(properties.break_date)}), ${formatP(p)}`;
  } else if (isNumber(p)) change = `not significant at ${DEFAULT_ALPHA} (${formatP(p)})`;
  const accel = isNumber(properties.accel_p) ? formatP(properties.accel_p) : `p ≥ ${TILE_LEVEL}`;
  return [['Trend change', change], ['Quadratic term', accel]];
}

function attributeRows(layer, properties) {
  const rows = [['Velocity', formatVelocity(properties.velocity, properties.velocity_std)]];
  const attributes = layer.attributes || ROWS.map(([name]) => name);
  for (const [name, label, decimals, unit] of ROWS) {
    if (attributes.includes(name)) rows.push([label, formatValue(properties[name], decimals, unit)]);
  }
  if (attributes.includes('break_p')) rows.push(...trendRows(properties));
  rows.push(['Processing unit', unitName(layer, properties.unit)]);
  // displacement_epochs: the map through time's coded displacements (epochs.js), not for reading
  const known = new Set(['pid', 'velocity', 'unit', 'displacement_epochs', ...ROWS.map(([name]) => name), ...TREND_ATTRIBUTES]);
  for (const [name, value] of Object.entries(properties)) {
    if (!known.has(name) && value !== null && typeof value !== 'object') {
      rows.push([name, String(value)]); // an attribute this viewer has no label for yet
    }
  }
  return rows;
}

function fillList(list, rows) {
  const nodes = rows.flatMap(([label, value]) => {
    const term = document.createElement('dt');
    term.textContent = label;
    const detail = document.createElement('dd');
    detail.textContent = value;
    return [term, detail];
  });
  list.replaceChildren(...nodes);
}

function span(text, className) {
  const node = document.createElement('span');
  node.textContent = text;
  node.className = className;
  return node;
}

function cell(className, ...children) {
  const td = document.createElement('td');
  td.className = className;
  td.append(...children);
  return td;
}

function button(text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.title = label;
  b.addEventListener('click', onClick);
  return b;
}

/** A unit name that may break after its underscores (EGMS_L2b_022_0845_IW2_VV_2020_2024_1). */
function breakableName(text) {
  const parts = text.split(/(?<=_)/);
  return parts.flatMap((part, i) => (i ? [document.createElement('wbr'), part] : [part]));
}

/**
 * The series cell: its name on one line (a pid never wraps; the area's label may), and under it
 * what it is (layer · coherence · processing unit), wrapping as words.
 */
function seriesCell(row) {
  const name = span(row.pid, /\s/.test(row.pid) ? 'series-name' : 'series-name pid');
  const about = [row.layer];
  if (row.coherence !== MISSING) about.push(`coherence ${row.coherence}`);
  const meta = span(`${about.join(' · ')} · `, 'series-meta');
  meta.append(...breakableName(row.unit));
  return cell('series', name, ' ', meta);
}

/** "v ± σ" on one line, the seasonal fit's "(...)" after it as words. */
function windowCell(text) {
  const open = text.indexOf(' (');
  if (open < 0) return cell('num window', span(text, 'window-fit'));
  return cell('num window', span(text.slice(0, open), 'window-fit'), ' ', span(text.slice(open + 1), 'window-seasonal'));
}

/**
 * One table row per chart series: rows are {key, colour, pid, layer, velocity, coherence, unit,
 * window}; `onRemove(key)` and `onReference(key)` run on the row's buttons.
 */
export function seriesRows(rows, { onRemove, onReference }) {
  return rows.map((row) => {
    const tr = document.createElement('tr');
    tr.dataset.key = row.key;
    const swatch = span('', 'swatch');
    swatch.style.backgroundColor = row.colour; // CSSOM, allowed by the CSP
    tr.append(
      cell('colour', swatch),
      seriesCell(row),
      cell('num velocity', row.velocity),
      windowCell(row.window),
      cell(
        'row-actions',
        button('Ref', `Use ${row.pid} as reference`, () => onReference(row.key)),
        button('×', `Remove ${row.pid} from the chart`, () => onRemove(row.key)),
      ),
    );
    return tr;
  });
}

/** Copy the text of `node` to the clipboard, or select it where the page may not (file://). */
async function copyText(node, button) {
  try {
    await navigator.clipboard.writeText(node.textContent);
    button.textContent = 'Copied';
  } catch {
    getSelection().selectAllChildren(node);
    button.textContent = 'Selected: Ctrl+C';
  }
  setTimeout(() => (button.textContent = 'Copy'), 2000);
}

/** Bind the panel's elements; `onClose` runs on the close button. */
export function createPanel(root, onClose) {
  const pid = root.querySelector('#panel-pid');
  const kind = root.querySelector('#panel-kind');
  const pointPart = root.querySelector('#panel-point');
  const windowLine = root.querySelector('#chart-window');
  const warning = root.querySelector('#ref-warning');
  const layerLine = root.querySelector('#panel-layer');
  const list = root.querySelector('#panel-attributes');
  const geometry = root.querySelector('#panel-geometry');
  const coords = root.querySelector('#panel-coords');
  const copy = root.querySelector('#panel-copy-coords');
  const status = root.querySelector('#chart-status');
  root.querySelector('#panel-close').addEventListener('click', onClose);
  copy.addEventListener('click', () => copyText(coords, copy));

  return {
    get isOpen() {
      return !root.hidden;
    },
    /** Show a point; `properties` may be partial (a permalink before its tile is loaded). */
    show(layer, properties) {
      kind.textContent = pointKind(layer);
      pointPart.hidden = false;
      pid.textContent = properties.pid ?? MISSING;
      layerLine.textContent = layerName(layer);
      root.querySelector('#panel-about').textContent = aboutLayer(layer);
      const quantity = displacementTitle([layer]);
      root.querySelector('#panel-quantity').textContent = quantity[0].toUpperCase() + quantity.slice(1);
      fillList(list, attributeRows(layer, properties));
      root.hidden = false;
    },
    /** Where the point is and what it measures, from its series (chunk): {lat, lon, attributes}. */
    showMeasurement(layer, series) {
      const known = typeof series.lat === 'number' && typeof series.lon === 'number';
      coords.textContent = known ? coordinates(series.lat, series.lon) : MISSING;
      copy.hidden = !known;
      fillList(geometry, geometryRows(layer, series.attributes || {}));
    },
    /** No point of its own: the panel shows only the chart of an area or other layers. */
    showSeriesOnly(title) {
      kind.textContent = title;
      pid.textContent = '';
      pointPart.hidden = true;
      list.replaceChildren();
      root.hidden = false;
    },
    setStatus(text) {
      status.textContent = text;
    },
    setWindow(text) {
      windowLine.textContent = text;
    },
    /**
     * The trend-change screening of each point on the chart: [{colour, label, text,
     * acceleration, note}] (chartmodel.js), and the assumptions under them.
     */
    setTrends(trends, about) {
      const list = root.querySelector('#chart-trend');
      list.replaceChildren(...trends.map((t) => {
        const item = document.createElement('li');
        const swatch = span('', 'swatch');
        swatch.style.backgroundColor = t.colour;
        const words = [t.text, t.acceleration, t.note].filter(Boolean).join('; ');
        item.append(swatch, ' ', span(`${t.label}: `, 'pid'), words);
        return item;
      })); // prettier-ignore
      list.hidden = !trends.length;
      const note = root.querySelector('#chart-trend-about');
      note.textContent = trends.length ? about : '';
      note.hidden = !trends.length;
    },
    setWarning(text) {
      warning.textContent = text;
      warning.hidden = !text;
    },
    /** Fill the table of selected series (see seriesRows). */
    setRows(rows, handlers) {
      root.querySelector('#series-rows').replaceChildren(...seriesRows(rows, handlers));
    },
    hide() {
      root.hidden = true;
      root.querySelector('#series-rows').replaceChildren();
      pid.textContent = '';
      list.replaceChildren();
      geometry.replaceChildren();
      coords.textContent = '';
      copy.hidden = true;
      status.textContent = '';
      windowLine.textContent = '';
      this.setTrends([], '');
      this.setWarning('');
    },
  };
}
