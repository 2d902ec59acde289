// The point info panel. Every value goes in through textContent; never innerHTML.

const MISSING = '–';

// attribute, label, decimals as EGMS writes them, unit
const ROWS = [
  ['coherence', 'Coherence', 2, ''],
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

function attributeRows(layer, properties) {
  const rows = [['Velocity', formatVelocity(properties.velocity, properties.velocity_std)]];
  const attributes = layer.attributes || ROWS.map(([name]) => name);
  for (const [name, label, decimals, unit] of ROWS) {
    if (attributes.includes(name)) rows.push([label, formatValue(properties[name], decimals, unit)]);
  }
  rows.push(['Processing unit', unitName(layer, properties.unit)]);
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

/** Bind the panel's elements; `onClose` runs on the close button. */
export function createPanel(root, onClose) {
  const pid = root.querySelector('#panel-pid');
  const layerLine = root.querySelector('#panel-layer');
  const list = root.querySelector('#panel-attributes');
  const status = root.querySelector('#chart-status');
  root.querySelector('#panel-close').addEventListener('click', onClose);

  return {
    get isOpen() {
      return !root.hidden;
    },
    /** Show a point; `properties` may be partial (a permalink before its tile is loaded). */
    show(layer, properties) {
      pid.textContent = properties.pid ?? MISSING;
      layerLine.textContent = layer.label || layer.id;
      fillList(list, attributeRows(layer, properties));
      root.hidden = false;
    },
    setStatus(text) {
      status.textContent = text;
    },
    hide() {
      root.hidden = true;
      pid.textContent = '';
      list.replaceChildren();
      status.textContent = '';
    },
  };
}
