// The selected asset in the assets panel: its id and kind, how many points it holds and how many
// pass the quality filter, the velocity statistics with units, the L2a caution, and the mean
// displacement chart with its ±1σ band (chart.js) and exports. Text via textContent only.
import { ASSET_STATS, assetChartModel, assetSeriesCsv, kindWords, qualityWords } from './assetdata.js';
import { signedText } from './areastats.js';
import { createChart } from './chart.js';
import { createReleasePanel } from './releasepanel.js';
import { fillList } from './decomppanel.js';
import { chosenFigureSize, download, svgPng } from './export.js';
import { chartFigure, displacementTitle } from './figure.js';
import { layerName } from './layernames.js';
import { figureSvg } from './svgfigure.js';

const $ = (id) => document.getElementById(id);

function points(n) {
  return `${Number(n).toLocaleString('en')} point${n === 1 ? '' : 's'}`;
}

/** The counts in words: "12 points inside; 9 pass the quality filter (…)." or why there is none. */
export function assetCountText(row, assets, layer) {
  const filter = `the quality filter (${qualityWords(assets, layer)})`;
  if (!row.points) return 'No point inside: no statistics.';
  if (!row.points_ok) return `${points(row.points)} inside; no point passes ${filter}: no statistics.`;
  return `${points(row.points)} inside; ${row.points_ok.toLocaleString('en')} ${row.points_ok === 1 ? 'passes' : 'pass'} ${filter}.`;
}

/** The statistics rows [label, value] (velocities in mm/yr along the layer's direction). */
export function assetStatRows(row, direction) {
  if (!row.points_ok) return [];
  const v = (key) => `${signedText(row[key], 2)} mm/yr`;
  return [
    [`${ASSET_STATS.mean.label} (${direction})`, v('mean')],
    [ASSET_STATS.median.label, v('median')],
    ['5th – 95th percentile', `${signedText(row.p05, 2)} to ${signedText(row.p95, 2)} mm/yr`],
    ['Differential motion', `${signedText(row.diff, 2)} mm/yr (the largest velocity difference between two of its points)`],
    ['Spread σ', `${signedText(row.std, 2)} mm/yr (between its points)`],
    ['Processing units', String(row.units ?? '–')],
  ];
}

/** The chart's direction words: "LOS", "vertical", "east-west". */
function directionOf(layer) {
  return displacementTitle([layer]).replace(' displacement (mm)', '');
}

/** ctx: {attribution(), releaseSeries(layer, asset): its mean series in each release,
 * joinReleases(on): "Mean series across releases" ticked or unticked}. */
export function createAssetPanel(ctx) {
  const chart = createChart($('asset-chart'), { announce: false });
  const releases = createReleasePanel($('asset-releases'), {
    seriesOf: ctx.releaseSeries,
    missing: 'no point passing the quality filter in',
    onToggle: ctx.joinReleases,
  });
  let shown = null; // {row, layer, assets, series, model}

  function say(text) {
    $('asset-series-note').textContent = text;
  }

  function figure() {
    const { row, layer, assets, series, model } = shown;
    const generator = document.body.dataset.generator || 'egms-tiler';
    // the figure of a mean of points (an area's, as chartFigure knows it), in the asset's words
    const list = [{ kind: 'area', count: series.points, layerId: layer.id }];
    const made = chartFigure({ ...model, list }, { layerById: () => layer, attribution: ctx.attribution(), generator, window: chart.plot ? chart.plot.scales.x : {} }); // prettier-ignore
    return {
      ...made,
      title: `Mean displacement of asset ${row.id}`,
      lines: [layerName(layer), `${kindWords(row.kind, assets)}; mean of ${points(series.points)} that pass the quality filter (${qualityWords(assets, layer)}), band ±1σ of their values; ${series.left_out} left out (other dates)`],
    }; // prettier-ignore
  }

  async function exportFile(kind) {
    if (!shown || !shown.series) return say('Nothing to export: this asset has no mean series.');
    const about = { assets: shown.assets, layer: shown.layer, row: shown.row, attribution: ctx.attribution(), generator: document.body.dataset.generator || 'egms-tiler' }; // prettier-ignore
    const name = `egms-asset-${String(shown.row.asset)}`;
    if (kind === 'csv') return download(new Blob(assetSeriesCsv(shown.series, about), { type: 'text/csv' }), `${name}.csv`);
    const size = chosenFigureSize();
    const svg = figureSvg(figure(), size);
    if (kind === 'svg') return download(new Blob([svg], { type: 'image/svg+xml' }), `${name}.svg`);
    return download(await svgPng(svg, size.width * size.ratio, size.height * size.ratio), `${name}.png`);
  }

  $('asset-series-csv').addEventListener('click', () => exportFile('csv'));
  $('asset-png').addEventListener('click', () => exportFile('png'));
  $('asset-svg').addEventListener('click', () => exportFile('svg'));

  return {
    chart,
    exportFile,
    get shown() {
      return shown;
    },
    /** Show `row` (assetdata.chunkRows) of `layer`; its mean series follows (showSeries). */
    show(row, layer, assets) {
      shown = { row, layer, assets, series: null, model: null };
      $('asset-detail').hidden = false;
      $('asset-name').textContent = row.id;
      $('asset-kind').textContent = `${kindWords(row.kind, assets)}; ${layerName(layer)}`;
      $('asset-count').textContent = assetCountText(row, assets, layer);
      fillList($('asset-stats'), assetStatRows(row, directionOf(layer)));
      const caution = layer.level === 'L2a' && row.units > 1;
      $('asset-l2a').hidden = !caution;
      $('asset-l2a').textContent = caution ? `Its points come from ${row.units} L2a processing units, each relative to its own reference point: its statistics mix references. The mean series uses one unit's points.` : ''; // prettier-ignore
      $('asset-chart-title').textContent = `Mean ${displacementTitle([layer])}, shaded ±1σ`;
      chart.clear();
      releases.show(layer, row.asset);
      say(row.points_ok ? 'Loading the mean series…' : 'No mean series: no point passes the quality filter.');
    },
    /** The asset's mean series (assetdata store.series), or null: none. */
    showSeries(series) {
      if (!shown) return;
      shown.series = series;
      if (!series) {
        chart.clear();
        if (shown.row.points_ok) say('No mean series for this asset.');
        return;
      }
      shown.model = assetChartModel(series, `mean of ${points(series.points)}`);
      chart.draw({ ...shown.model, valueTitle: displacementTitle([shown.layer]) });
      say(`Mean of ${points(series.points)} on ${series.dates.length} dates; ±1σ: the spread of their values${series.left_out ? `; ${points(series.left_out)} left out (measured on other dates: another processing unit)` : ''}.`); // prettier-ignore
    },
    setJoined(on) {
      releases.setJoined(on);
    },
    failed(message) {
      say(`Asset unavailable: ${message}`);
    },
    hide() {
      shown = null;
      chart.clear();
      releases.hide();
      $('asset-detail').hidden = true;
    },
  };
}
