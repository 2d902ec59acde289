// Displacement time-series chart (uPlot). Missing values stay null: uPlot draws gaps there.
/* global uPlot */

const HEIGHT = 220;
const LINE = '#1f4e79';

function toSeconds(isoDate) {
  return Date.parse(`${isoDate}T00:00:00Z`) / 1000;
}

function chartOptions(width, label) {
  return {
    width,
    height: HEIGHT,
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    axes: [{}, { label: 'mm', size: 50 }],
    series: [
      { label: 'Date', value: '{YYYY}-{MM}-{DD}' },
      {
        label,
        stroke: LINE,
        width: 1.5,
        spanGaps: false,
        points: { show: true, size: 4, stroke: LINE, fill: LINE },
        value: (u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} mm`),
      },
    ],
  };
}

/** A chart slot in `container`; `draw(series)` replaces the plot, `plot` is the uPlot. */
export function createChart(container) {
  let plot = null;

  function width() {
    return Math.max(200, Math.floor(container.clientWidth || 320));
  }

  new ResizeObserver(() => {
    if (plot) plot.setSize({ width: width(), height: HEIGHT });
  }).observe(container);

  return {
    get plot() {
      return plot;
    },
    draw(series) {
      this.clear();
      const data = [series.dates.map(toSeconds), series.values];
      plot = new uPlot(chartOptions(width(), series.pid), data, container);
      const drawn = series.values.filter((v) => v !== null).length;
      document.body.dataset.chartPoints = String(drawn);
      return drawn;
    },
    clear() {
      if (plot) plot.destroy();
      plot = null;
      delete document.body.dataset.chartPoints;
    },
  };
}
