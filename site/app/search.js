// The search box: a pid (current layer first, then the others, via the pid index) or `lat, lon`.
// A pid may be any text; one that reads as `lat, lon` (two numbers) is taken for a place.

import { layerName } from './layernames.js';

const LAT_LON = /^\s*([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)\s*$/;
const MAX_PID_BYTES = 256; // the build refuses longer pids (tiler/unit.py)

/** `lat, lon` (degrees, comma, semicolon or space) as {lat, lon}, or null. */
export function parseLatLon(text) {
  const match = LAT_LON.exec(text);
  if (!match) return null;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lat, lon };
}

/** Layers in search order: the current one, then the rest in manifest order. */
export function searchOrder(layers, currentId) {
  return [...layers.filter((l) => l.id === currentId), ...layers.filter((l) => l.id !== currentId)];
}

/**
 * Run one search. ctx: {manifest, layerId, pids (createPidIndex), chunks, goTo(lon, lat, zoom),
 * select(layerId, featureId)}. Resolves to a sentence for the status line.
 */
export async function runSearch(text, ctx) {
  const query = text.trim();
  if (!query) return '';
  const place = parseLatLon(query);
  if (place) {
    await ctx.goTo(place.lon, place.lat, null);
    return `Moved to ${place.lat.toFixed(5)}, ${place.lon.toFixed(5)}`;
  }
  // a pid is any text (spaces, quotes, commas, any script): as typed, then without the spaces
  // around it a paste may have brought along
  const candidates = [...new Set([text, query])].filter(
    (pid) => new TextEncoder().encode(pid).length <= MAX_PID_BYTES,
  );
  for (const layer of searchOrder(ctx.manifest.layers, ctx.layerId)) {
    for (const pid of candidates) {
      const id = await ctx.pids.find(layer, pid);
      if (id === null) continue;
      const series = await ctx.chunks.series(layer, id);
      await ctx.goTo(series.lon, series.lat, 17, layer.id);
      await ctx.select(layer.id, id);
      return `Point ${pid} in ${layerName(layer)}`;
    }
  }
  return `No point ${query} in any layer`;
}
