// The panel's "Profile" section: how many points are on the profile, the assumptions in words,
// the buffer and bin width, the chart with a readout of the point and bin under the cursor, and
// the exports. Built with DOM calls; text via textContent.
import { BUFFER } from './profile.js';
import { createProfileChart } from './profilechart.js';
import { assumptions, binWords, countWords, pointWords, profileQuantity, unitWarning } from './profilefigure.js';

function element(name, attributes = {}, text = null) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function numberInput(id, label, attributes, onChange) {
  const input = element('input', { id, type: 'number', ...attributes });
  input.addEventListener('change', () => onChange(Number(input.value)));
  const wrap = element('label', { for: id, class: 'profile-setting' }, `${label} `);
  wrap.append(input);
  return { input, wrap };
}

/** Bind the section into `panel` (before the time-series chart's heading). `on`: {buffer(m),
 * bin(m), exportAs(kind: csv|png|svg), hover(point | null)}. */
export function createProfilePanel(panel, on) {
  const section = element('section', { id: 'profile', class: 'area-stats profile', 'aria-labelledby': 'profile-title' });
  section.hidden = true;
  const heading = element('h3', { id: 'profile-title', class: 'area-title' }, 'Profile');
  const count = element('p', { id: 'profile-count', class: 'area-count' });
  const buffer = numberInput('profile-buffer', 'Buffer (m)', { min: BUFFER.min, max: BUFFER.max, step: 10 }, on.buffer);
  const bin = numberInput('profile-bin', 'Bin width (m)', { min: 1, step: 'any' }, on.bin);
  const settings = element('p', { class: 'profile-settings' });
  settings.append(buffer.wrap, bin.wrap);
  const warning = element('p', { id: 'profile-warning', class: 'ref-warning', role: 'alert' });
  warning.hidden = true;
  const box = element('div', { id: 'profile-chart', class: 'chart profile-chart', role: 'img' });
  const key = element('p', { class: 'profile-key' },
    'Blue dots: the points; black line with rings: the mean of each bin; grey band: bin mean ± σ (bins of 2 points or more).'); // prettier-ignore
  const readout = element('p', { id: 'profile-readout', class: 'profile-readout', role: 'status' });
  const notes = element('ul', { id: 'profile-assumptions', class: 'profile-assumptions', 'aria-label': 'Assumptions' });
  const exports = element('div', { class: 'panel-exports', role: 'group', 'aria-label': 'Export the profile' });
  for (const [kind, label] of [['csv', 'Profile CSV'], ['png', 'Profile PNG'], ['svg', 'Profile SVG']]) {
    const button = element('button', { type: 'button', id: `profile-export-${kind}` }, label);
    button.addEventListener('click', () => on.exportAs(kind));
    exports.append(button);
  }
  section.append(heading, count, settings, warning, box, key, readout, notes, exports);
  const before = panel.querySelector('#panel-quantity');
  if (before) before.before(section);
  else panel.append(section);

  let unit = 'mm/yr'; // of the profile shown
  const chart = createProfileChart(box, {
    onHover(point, found) {
      readout.textContent = [point && pointWords(point, unit), binWords(found, unit)].filter(Boolean).join('; ') || 'Hover the chart for a point and its bin.';
      on.hover(point);
    },
  });

  // an input being typed in keeps its text: a profile computed meanwhile must not undo it
  function settingsOf(result) {
    if (document.activeElement !== buffer.input) buffer.input.value = String(result.buffer);
    if (document.activeElement !== bin.input) bin.input.value = String(result.binWidth);
  }

  return {
    section,
    chart,
    /** Show `result` (profilework's) of `layer`. */
    show(result, layer) {
      section.hidden = false;
      ({ unit } = profileQuantity(layer, result.quantity));
      count.textContent = countWords(result);
      settingsOf(result);
      warning.textContent = unitWarning(result, layer);
      warning.hidden = !warning.textContent;
      notes.replaceChildren(...assumptions(result, layer).map((text) => element('li', {}, text)));
      box.setAttribute('aria-label', `${profileQuantity(layer, result.quantity).title} of ${result.count} points against their distance along the profile line, with the mean ± σ of ${result.binWidth} m bins`);
      readout.textContent = result.count ? 'Hover the chart for a point and its bin.' : 'No point on the profile: widen the buffer or draw the line over points.';
      if (result.count) chart.draw(result, profileQuantity(layer, result.quantity).axis);
      else chart.clear();
    },
    /** While the points load, or when it failed: `text` in place of the figures. */
    message(text) {
      section.hidden = false;
      count.textContent = text;
      notes.replaceChildren();
      warning.hidden = true;
      readout.textContent = '';
      chart.clear();
    },
    hide() {
      section.hidden = true;
      chart.clear();
    },
  };
}
