// Displacement time-series chart (uPlot): several series, a min–max band, fit lines, a date
// window. Missing values are null (uPlot leaves a gap); dates a series does not have at all
// (another unit's acquisitions) are undefined, which uPlot spans.
/* global uPlot */
import { displacementTitle } from './figure.js';
import { dateLabel, dateTicks, formatTick, niceStep, paddedRange, valueTicks } from './ticks.js';

const HEIGHT = 240;
const MIN_EMBED_HEIGHT = 90;
const DAY_S = 86_400;
const WHEEL_FACTOR = 0.8;
const AXIS_FONT = '12px system-ui, sans-serif';
const DIGIT_PX = 7; // width of a digit of AXIS_FONT, to space the date labels
const VALUE_TICK_PX = 28; // at least this far apart

export function toSeconds(isoDate) {
  return Date.parse(`${isoDate}T00:00:00Z`) / 1000;
}

export function isoDay(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

function formatMm(u, v) {
  return v === null || v === undefined ? '–' : `${v.toFixed(1)} mm`;
}

/** The hover value "v ± σ mm" of a line with a σ per date (`sigma`, on the chart's dates). */
function withSigma(sigma) {
  return (u, v, seriesIndex, index) => {
    const s = index === null || index === undefined ? null : sigma[index];
    return typeof s === 'number' && typeof v === 'number' ? `${v.toFixed(1)} ± ${s.toFixed(1)} mm` : formatMm(u, v);
  };
}

function seriesOption(line) {
  const fit = line.kind === 'fit';
  const bound = line.kind === 'band';
  return {
    label: line.label,
    stroke: bound ? (line.fill ? 'rgba(0, 0, 0, 0)' : 'rgba(0, 0, 0, 0.25)') : line.colour, // a filled band has no edges
    width: line.trend ? 2 : fit || bound ? 1 : 1.5,
    dash: line.dash || (line.trend ? [2, 3] : fit ? [6, 4] : undefined),
    spanGaps: fit,
    points: { show: line.kind === 'series' && line.markers !== false, size: 4, stroke: line.colour, fill: line.colour },
    value: line.sigma ? withSigma(line.sigma) : formatMm,
  };
}

function plotSize(u) {
  const ratio = window.devicePixelRatio || 1;
  return { width: u.bbox.width / ratio || u.width - 70, height: u.bbox.height / ratio || HEIGHT - 70 };
}

function valueIntervals(u) {
  return Math.max(5, Math.floor(plotSize(u).height / VALUE_TICK_PX)); // 5: two ticks at least
}

function valueStep(u) {
  return niceStep(u.scales.y.max - u.scales.y.min, valueIntervals(u));
}

function shownDateTicks(u) {
  return dateTicks(u.scales.x.min, u.scales.x.max, plotSize(u).width, DIGIT_PX);
}

let measure = null;

function axisTextWidth(text) {
  measure ||= document.createElement('canvas').getContext('2d');
  measure.font = AXIS_FONT;
  return measure.measureText(text).width;
}

/** The value axis title, shortened to what fits along a low plot ("LOS (mm)", "mm"). */
function fittingTitle(u, title) {
  const room = plotSize(u).height + 16; // centred on the plot, it may reach into the margins
  const candidates = [title, title.replace(' displacement', ''), 'mm'];
  return candidates.find((text) => axisTextWidth(text) <= room) || 'mm';
}

/** Axes with the figures' ticks (ticks.js): round values, calendar dates, a titled value axis. */
function axes(valueTitle) {
  const dates = {
    font: AXIS_FONT,
    splits: (u, axis, min, max) => dateTicks(min, max, plotSize(u).width, DIGIT_PX).ticks.map((t) => t.value),
    values: (u, splits) => splits.map((v) => dateLabel(v, shownDateTicks(u).unit)),
  };
  const values = {
    font: AXIS_FONT,
    label: (u) => fittingTitle(u, valueTitle),
    labelFont: AXIS_FONT,
    labelSize: 20,
    size: (u, labels) => 18 + DIGIT_PX * Math.max(4, ...(labels || []).map((l) => l.length)),
    splits: (u, axis, min, max) => valueTicks(min, max, valueStep(u)),
    values: (u, splits) => splits.map((v) => formatTick(v, valueStep(u))),
  };
  return [dates, values];
}

function valueRange(u, min, max) {
  return min === null || max === null ? [-1, 1] : paddedRange(min, max);
}

/** Wheel zooms the date axis around the cursor; Shift + drag pans it. */
function zoomPanPlugin() {
  function wheel(u, event) {
    event.preventDefault();
    const { min, max } = u.scales.x;
    const at = u.posToVal(event.offsetX, 'x');
    const factor = event.deltaY < 0 ? WHEEL_FACTOR : 1 / WHEEL_FACTOR;
    u.setScale('x', { min: at - (at - min) * factor, max: at + (max - at) * factor });
  }
  function pan(u, down) {
    if (!down.shiftKey || down.button !== 0) return;
    down.stopImmediatePropagation();
    down.preventDefault();
    const { min, max } = u.scales.x;
    const perPixel = (max - min) / u.bbox.width * devicePixelRatio;
    const move = (event) => {
      const shift = (event.clientX - down.clientX) * perPixel;
      u.setScale('x', { min: min - shift, max: max - shift });
    };
    const up = () => {
      document.removeEventListener('mousemove', move);
      document.removeEventListener('mouseup', up);
    };
    document.addEventListener('mousemove', move);
    document.addEventListener('mouseup', up);
  }
  return {
    hooks: {
      ready: (u) => {
        u.over.addEventListener('wheel', (e) => wheel(u, e), { passive: false });
        u.over.addEventListener('mousedown', (e) => pan(u, e), { capture: true });
      },
    },
  };
}

/**
 * A chart slot in `container`. `draw(model)` replaces the plot; `onWindow(t0, t1)` hears the
 * date window the user zoomed to (nulls = everything). `plot` is the uPlot.
 */
export function createChart(container, { onWindow = () => {}, announce = true } = {}) {
  let plot = null;
  let model = null;
  let current = [null, null]; // the date window shown: [t0, t1] ISO dates, nulls = all

  function width() {
    return Math.max(200, Math.floor(container.clientWidth || 320));
  }

  // embeds size the chart to its box (style.css); the viewer's panel scrolls, at a fixed height
  function height() {
    if (!document.body.classList.contains('embed')) return HEIGHT;
    const legend = plot ? plot.root.querySelector('.u-legend')?.offsetHeight || 0 : 0;
    return Math.max(MIN_EMBED_HEIGHT, Math.floor((container.clientHeight || HEIGHT) - legend));
  }

  // an embed's legend, if shown, takes the plot's room: measured once the new chart is laid out
  function fitLegend() {
    if (!document.body.classList.contains('embed')) return;
    const drawn = plot;
    requestAnimationFrame(() => {
      if (plot === drawn) plot.setSize({ width: width(), height: height() });
    });
  }

  new ResizeObserver(() => {
    if (plot) plot.setSize({ width: width(), height: height() });
  }).observe(container);

  function windowOf(u) {
    const { min, max } = u.scales.x;
    if (!model || min === null || max === null || !model.dates.length) return [null, null];
    const t0 = isoDay(Math.ceil(min / DAY_S) * DAY_S);
    const t1 = isoDay(Math.floor(max / DAY_S) * DAY_S);
    const all = t0 <= model.dates[0] && t1 >= model.dates[model.dates.length - 1];
    return all ? [null, null] : [t0, t1];
  }

  function options(lines, valueTitle) {
    const series = [{ label: 'Date', value: '{YYYY}-{MM}-{DD}' }, ...lines.map(seriesOption)];
    const bands = [];
    for (let i = 0; i < lines.length - 1; i += 1) {
      if (lines[i].kind !== 'band' || lines[i + 1].kind !== 'band') continue;
      bands.push({ series: [i + 1, i + 2], fill: lines[i].fill || 'rgba(0, 0, 0, 0.10)' });
      i += 1; // a band is two consecutive lines (max then min)
    }
    return {
      width: width(),
      height: height(),
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false, setScale: true } },
      scales: { x: { time: true }, y: { range: valueRange } },
      axes: axes(valueTitle),
      series,
      bands,
      plugins: [zoomPanPlugin()],
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x') return;
            const shown = windowOf(u);
            if (shown[0] === current[0] && shown[1] === current[1]) return;
            current = shown;
            onWindow(...shown);
          },
        ],
      },
    };
  }

  function setWindow(t0, t1) {
    if (!plot || !model || !model.dates.length) return;
    current = [t0 || null, t1 || null];
    const min = toSeconds(t0 || model.dates[0]);
    const max = toSeconds(t1 || model.dates[model.dates.length - 1]);
    plot.setScale('x', { min, max });
  }

  return {
    get plot() {
      return plot;
    },
    get model() {
      return model;
    },
    /**
     * model: {dates, lines: [{label, colour, values, kind: series|fit|band, fill, inLegend,
     * markers (false: none), dash (a series' dash pattern), sigma (per date: the hover value says ± σ)}],
     * t0, t1, valueTitle}; a band is two consecutive lines (max then min, `fill` its colour).
     */
    draw(next) {
      this.clear();
      model = next;
      const data = [next.dates.map(toSeconds), ...next.lines.map((l) => l.values)];
      current = [null, null];
      const layers = (next.list || []).map((s) => ({ id: s.layerId })); // ids end in the geometry
      plot = new uPlot(options(next.lines, next.valueTitle || displacementTitle(layers)), data, container);
      if (next.t0 || next.t1) setWindow(next.t0, next.t1);
      const rows = plot.root.querySelectorAll('.u-legend .u-series');
      next.lines.forEach((line, i) => {
        if (line.kind !== 'series' && !line.inLegend && rows[i + 1]) rows[i + 1].hidden = true; // fits, band edges
      });
      const drawn = next.lines
        .filter((l) => l.kind === 'series')
        .reduce((sum, l) => sum + l.values.filter((v) => v !== null && v !== undefined).length, 0);
      if (announce) {
        document.body.dataset.chartPoints = String(drawn);
        document.body.dataset.chartSeries = String(next.lines.filter((l) => l.kind === 'series').length);
      }
      fitLegend();
      return drawn;
    },
    /** New values for the same lines (a new window's fit lines): the zoom stays as it is. */
    update(next) {
      const same = plot && model && model.lines.length === next.lines.length
        && model.dates.length === next.dates.length
        && model.lines.every((l, i) => l.label === next.lines[i].label && l.kind === next.lines[i].kind);
      if (!same) return this.draw(next);
      model = next;
      plot.setData([next.dates.map(toSeconds), ...next.lines.map((l) => l.values)], false);
      return null;
    },
    setWindow,
    /** Show every date again (the window is cleared through onWindow). */
    resetWindow() {
      if (!plot || !model || !model.dates.length) return;
      setWindow(null, null);
      onWindow(null, null);
    },
    clear() {
      if (plot) plot.destroy();
      plot = null;
      model = null;
      if (!announce) return;
      delete document.body.dataset.chartPoints;
      delete document.body.dataset.chartSeries;
    },
  };
}
