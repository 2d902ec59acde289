// The panel's "Drawn area" section: how many points are inside and how many pass the quality
// filters, their velocity mean ± σ, median and 5th/95th percentiles, a velocity histogram, and
// the choice of the chart's band (±1σ or min–max). Built with DOM calls; text via textContent.
import { filterWords, signedText } from './areastats.js';
import { histogramSvg } from './histogram.js';
import { quantity } from './mapfigure.js';
import { attributeInfo } from './style.js';

export const BANDS = { sd: 'mean ± 1σ (per date)', minmax: 'min–max (per date)' };

function element(name, attributes = {}, text = null) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function points(n) {
  return `${n.toLocaleString('en')} point${n === 1 ? '' : 's'}`;
}

/** The counts in words: "326 points in the area; 51 pass the filters (coherence ≥ 0.70)." */
export function countText(stats) {
  const inside = `${points(stats.total)} in the area`;
  if (!stats.filters) return `${inside} (no quality filter on).`;
  const pass = stats.count === 1 ? 'passes' : 'pass';
  return `${inside}; ${stats.count.toLocaleString('en')} ${pass} the filters (${filterWords(stats.filters)}).`;
}

function statRows(v, unit, quantity) {
  const sd = v.sd === null ? '' : ` ± ${v.sd.toFixed(1)}`;
  return [
    [`${quantity}, mean ± σ`, v.n ? `${signedText(v.mean)}${sd} ${unit}` : '–'],
    ['Median', v.n ? `${signedText(v.median)} ${unit}` : '–'],
    ['5th – 95th percentile', v.n ? `${signedText(v.p5)} to ${signedText(v.p95)} ${unit}` : '–'],
  ];
}

/** Bind the section into `panel` (before its chart heading); `onBand(kind)` hears the toggle. */
export function createAreaPanel(panel, { onBand }) {
  const section = element('section', { id: 'area-stats', class: 'area-stats', 'aria-labelledby': 'area-stats-title' });
  section.hidden = true;
  const heading = element('h3', { id: 'area-stats-title', class: 'area-title' }, 'Drawn area');
  const count = element('p', { id: 'area-count', class: 'area-count' });
  const list = element('dl', { id: 'area-velocity', class: 'panel-attributes area-velocity' });
  const figure = element('div', { id: 'area-histogram', class: 'area-histogram-box' });
  const bandLabel = element('label', { for: 'area-band' }, 'Chart band around the area mean: ');
  const band = element('select', { id: 'area-band' });
  for (const [value, label] of Object.entries(BANDS)) band.append(element('option', { value }, label));
  band.addEventListener('change', () => onBand(band.value));
  const bandLine = element('p', { class: 'area-band' });
  bandLine.append(bandLabel, band);
  section.append(heading, count, list, figure, bandLine);
  const before = panel.querySelector('#panel-quantity'); // the chart's heading
  if (before) before.before(section);
  else panel.append(section);

  return {
    section,
    /** Show `stats` ({total, count, filters, histogram, velocityStats: areastats.describe of the
     * velocities}) of `layer`; `colours` ({palette, range}) when the map is coloured by velocity;
     * `bandKind` 'sd' | 'minmax'. */
    show(stats, layer, { colours = null, bandKind = 'sd' } = {}) {
      const title = quantity(layer, 'velocity', attributeInfo('velocity')).title;
      const unit = 'mm/yr';
      count.textContent = countText(stats);
      const rows = statRows(stats.velocityStats, unit, title.replace(` (${unit})`, ''));
      list.replaceChildren(...rows.flatMap(([label, value]) => [element('dt', {}, label), element('dd', {}, value)]));
      list.setAttribute('aria-label', `${title} of the ${points(stats.count)}`);
      figure.replaceChildren(...(stats.histogram ? [histogramSvg(stats.histogram, { title, colours })] : []));
      band.value = BANDS[bandKind] ? bandKind : 'sd';
      section.hidden = false;
    },
    /** While the area's points load, or when it failed: `text` in place of the figures. */
    message(text) {
      count.textContent = text;
      list.replaceChildren();
      figure.replaceChildren();
      section.hidden = false;
    },
    hide() {
      section.hidden = true;
    },
  };
}
