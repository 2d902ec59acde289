// "Series across releases" in the point's panel and the asset's: a point's series in every
// release of its ground (the build's link files, docs/site-data.md#releases) or an asset's mean
// series in each release, joined by releases.js, on a chart of their own, each release in its
// colour and dash, with the offsets and the velocity in words. Every value goes in through
// textContent.
import { alignValues, fitLine } from './analysis.js';
import { createChart } from './chart.js';
import { COLOURS } from './chartmodel.js';
import { chunkIndex } from './chunks.js';
import { displacementTitle } from './figure.js';
import { joinReleases, joinTexts, periodText } from './releases.js';

const DASHES = [undefined, [8, 4], [2, 3], [12, 3, 2, 3]];
const JOINED_COLOUR = '#000000';

/** The counterpart of `featureId` (of `layer`) in `release`: {id, by, metres} or null. */
export async function counterpart(chunks, layer, release, featureId) {
  const link = await chunks.chunk({ chunks: release }, chunkIndex(layer, featureId));
  const row = featureId - link.first_id;
  const id = link.id[row];
  return id === null || id === undefined ? null : { id, by: link.by[row], metres: link.m[row] };
}

/** The point's series in its own release and each other one ({period, missing: true} where it
 * has no counterpart). */
export async function releaseSeries(chunks, layerById, layer, featureId) {
  const own = chunks.series(layer, featureId).then((s) => ({ period: layer.period, ...s }));
  const others = (layer.releases || []).map(async (release) => {
    const found = await counterpart(chunks, layer, release, featureId);
    if (!found) return { period: release.period, missing: true };
    const series = await chunks.series(layerById(release.layer), found.id);
    return { period: release.period, ...series, by: found.by, metres: found.metres };
  });
  return Promise.all([own, ...others]);
}

function lineOf(part, index, dates) {
  const how = part.by === 2 ? `, pid ${part.pid} by position` : '';
  return { kind: 'series', label: `${periodText(part.period)}${how}`, colour: COLOURS[index % COLOURS.length],
    dash: DASHES[index % DASHES.length], values: alignValues(part.dates, part.values, dates) }; // prettier-ignore
}

function trendLine(result, dates) {
  if (!result.fit) return null;
  const values = fitLine(result.fit, 'lin', dates, result.origin);
  return { kind: 'fit', label: 'linear fit, joined', colour: JOINED_COLOUR, values, inLegend: true };
}

/**
 * root: the section (its .releases-toggle, .releases-chart, .releases-notes); ctx:
 * {seriesOf(layer, key): the releases' series (releaseSeries), missing: the words for a release
 * without it ("no counterpart in"), onToggle(on): the user ticked or unticked it}.
 */
export function createReleasePanel(root, ctx) {
  const toggle = root.querySelector('.releases-toggle');
  const notes = root.querySelector('.releases-notes');
  const chart = createChart(root.querySelector('.releases-chart'), { announce: false });
  let shown = null; // {layer, key}: a point's feature id or an asset's id
  let token = 0;

  function say(texts) {
    notes.replaceChildren(...texts.map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    })); // prettier-ignore
  }

  async function draw() {
    token += 1;
    const mine = token;
    chart.clear();
    delete root.dataset.releases;
    if (!shown || !toggle.checked) return say([]);
    say(['Loading the other releases…']);
    try {
      const releases = await ctx.seriesOf(shown.layer, shown.key);
      if (mine !== token) return;
      const result = joinReleases(releases);
      const dates = result.joined.dates;
      const lines = result.parts.map((part, i) => lineOf(part, i, dates));
      const fit = trendLine(result, dates);
      chart.draw({ dates, lines: fit ? [...lines, fit] : lines, valueTitle: displacementTitle([shown.layer]) });
      root.dataset.releases = String(result.parts.length);
      say(joinTexts(result, ctx.missing));
    } catch (error) {
      if (mine === token) say([`Other releases unavailable: ${error.message}`]);
    }
  }

  toggle.addEventListener('change', () => {
    ctx.onToggle?.(toggle.checked);
    draw();
  });

  return {
    /** The point or asset (`key`) the panel shows; it appears when its layer has other releases. */
    show(layer, key) {
      shown = layer.releases && layer.releases.length ? { layer, key } : null;
      root.hidden = !shown;
      return draw();
    },
    hide() {
      shown = null;
      root.hidden = true;
      return draw();
    },
    /** Tick or untick it (a permalink's rel=). */
    setJoined(on) {
      if (toggle.checked === Boolean(on)) return undefined;
      toggle.checked = Boolean(on);
      return draw();
    },
  };
}
