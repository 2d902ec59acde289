// The profile chart (uPlot): each point's value as a dot against its distance along the line,
// the bins' mean as a line and their mean ± σ as a grey band (absent where a bin has < 2
// points). Hovering tells `onHover(point | null, bin | null)`.
/* global uPlot */
import { PROFILE_COLOURS, profileSeries } from './profilefigure.js';
import { formatTick, niceStep, paddedRange, valueTicks } from './ticks.js';

const HEIGHT = 240;
const AXIS_FONT = '12px system-ui, sans-serif';
const DIGIT_PX = 7;
const TICK_PX = { x: 60, y: 28 }; // ticks at least this far apart
const FALLBACK_MARGIN_PX = 70; // axes' room, before uPlot has laid the plot out

function finite(values) {
  return values.filter((v) => typeof v === 'number' && Number.isFinite(v));
}

function ticksOf(u, scale, px) {
  const { min, max } = u.scales[scale];
  const ratio = window.devicePixelRatio || 1;
  const size = (scale === 'x' ? u.bbox.width : u.bbox.height) / ratio || (scale === 'x' ? u.width : HEIGHT) - FALLBACK_MARGIN_PX;
  const step = niceStep(max - min, Math.max(2, Math.floor(size / px)));
  return { step, values: valueTicks(min, max, step) };
}

function axes(valueTitle) {
  const axis = (scale, px) => ({
    font: AXIS_FONT,
    labelFont: AXIS_FONT,
    splits: (u) => ticksOf(u, scale, px).values,
    values: (u, splits) => splits.map((v) => formatTick(v, ticksOf(u, scale, px).step)),
  });
  return [
    { ...axis('x', TICK_PX.x), label: 'Distance along the profile (m)', labelSize: 20 },
    { ...axis('y', TICK_PX.y), label: valueTitle, labelSize: 20,
      size: (u, labels) => 18 + DIGIT_PX * Math.max(4, ...(labels || []).map((l) => l.length)) },
  ]; // prettier-ignore
}

/** A chart slot in `container`; `onHover(point, bin)` hears the cursor (nulls when it leaves). */
export function createProfileChart(container, { onHover = () => {} } = {}) {
  let plot = null;
  let shown = null; // {result, series}

  const width = () => Math.max(200, Math.floor(container.clientWidth || 320));
  new ResizeObserver(() => plot && plot.setSize({ width: width(), height: HEIGHT })).observe(container);

  function hovered(u) {
    const i = u.cursor.idx;
    if (!shown || i === null || i === undefined) return onHover(null, null);
    const x = shown.series.xs[i];
    const point = shown.result.points.find((p) => p.distance === x) || null;
    const bin = shown.result.bins.find((b) => x >= b.from && x <= b.to) || null;
    return onHover(point, bin);
  }

  /** The whole line's length is shown (0 at its start), however far its points reach. */
  function options(valueTitle, series, length) {
    const values = finite([...series.dots, ...series.high, ...series.low, ...series.mean]);
    const range = paddedRange(Math.min(...values), Math.max(...values));
    return {
      width: width(),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, range: () => paddedRange(0, length, 0.02) }, y: { range: () => range } },
      axes: axes(valueTitle),
      series: [
        { label: 'Distance (m)' },
        { label: 'points', stroke: PROFILE_COLOURS.points, width: 0, paths: () => null,
          points: { show: true, size: 5, stroke: PROFILE_COLOURS.points, fill: PROFILE_COLOURS.points } },
        { label: 'bin mean + σ', stroke: 'rgba(0, 0, 0, 0.25)', width: 1, points: { show: false } },
        { label: 'bin mean − σ', stroke: 'rgba(0, 0, 0, 0.25)', width: 1, points: { show: false } },
        { label: 'bin mean', stroke: PROFILE_COLOURS.mean, width: 2,
          points: { show: true, size: 6, stroke: PROFILE_COLOURS.mean, fill: '#ffffff' } },
      ],
      bands: [{ series: [2, 3], fill: 'rgba(0, 0, 0, 0.10)' }],
      hooks: { setCursor: [hovered] },
    }; // prettier-ignore
  }

  return {
    get plot() {
      return plot;
    },
    /** Draw `result` (profilework's) with the value axis titled `valueTitle`. */
    draw(result, valueTitle) {
      this.clear();
      const series = profileSeries(result);
      if (!series.xs.length) return;
      shown = { result, series };
      const data = [series.xs, series.dots, series.high, series.low, series.mean];
      plot = new uPlot(options(valueTitle, series, result.length), data, container);
    },
    clear() {
      if (plot) plot.destroy();
      if (shown) onHover(null, null); // no ring left on the map for a point no longer shown
      plot = null;
      shown = null;
    },
  };
}
