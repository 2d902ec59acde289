// Downloads: chart PNG/SVG figures (svgfigure.js), a blob saved as a file, PNG of a canvas.
// Nothing here parses HTML; the SVG is built with DOM calls and serialised.
import { chartFigure } from './figure.js';
import { figureSvg } from './svgfigure.js';

// the figure size control next to the export buttons (panel.html): CSS px and a pixel ratio
export const FIGURE_DEFAULT = { width: 1600, height: 900, ratio: 2 };
const FIGURE_LIMITS = { width: [400, 3200], height: [300, 2400], ratio: [1, 3] };

/** Save `blob` as `name` through a temporary link (no popup, works offline). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The canvas as a PNG blob. */
export function canvasBlob(canvas) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('empty image'))), 'image/png');
  });
}

function clamped(value, [low, high], fallback) {
  const number = Math.round(Number(value));
  return Number.isFinite(number) && number > 0 ? Math.min(high, Math.max(low, number)) : fallback;
}

/** The figure size chosen next to the export buttons, kept inside the limits. */
export function chosenFigureSize(doc = document) {
  const read = (id) => doc.getElementById(id)?.value;
  return {
    width: clamped(read('figure-width'), FIGURE_LIMITS.width, FIGURE_DEFAULT.width),
    height: clamped(read('figure-height'), FIGURE_LIMITS.height, FIGURE_DEFAULT.height),
    ratio: clamped(read('figure-ratio'), FIGURE_LIMITS.ratio, FIGURE_DEFAULT.ratio),
  };
}

/**
 * The figure of the workbench's chart `model`; `about` is {layerById, attribution, window}
 * (see figure.js chartFigure).
 */
function figureOf(model, about) {
  return chartFigure(model, { ...about, generator: document.body.dataset.generator || 'egms-tiler' });
}

/** SVG text of the chart's figure at the chosen size (CSS px). */
export function chartSvg(model, about, size = chosenFigureSize()) {
  return figureSvg(figureOf(model, about), { width: size.width, height: size.height });
}

/** PNG of SVG text drawn at `width` × `height` image pixels. */
export async function svgPng(svg, width, height) {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width);
    canvas.height = Math.round(height);
    canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
    return await canvasBlob(canvas);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * PNG of the chart's figure: its SVG drawn offscreen at width × ratio by height × ratio pixels,
 * so the image is the same whatever the window's size.
 */
export function chartPng(model, about, size = chosenFigureSize()) {
  const svg = figureSvg(figureOf(model, about), size);
  return svgPng(svg, size.width * size.ratio, size.height * size.ratio);
}
