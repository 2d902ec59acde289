// A layer's chunk index (docs/site-data.md, "Chunk index"): the rows [chunk, unit, west, south,
// east, north, points] of the chunks whose boxes meet a box. A large layer's index is in blocks:
// index.json lists their extents and a query fetches only the blocks it meets, once each.
import { boxesOverlap } from './analysis.js';
import { decodeChunk, remember } from './chunks.js';

/** The index rows whose boxes meet `box` ([west, south, east, north]). */
export function rowsMeeting(rows, box) {
  return rows.filter((row) => boxesOverlap(row.slice(2, 6), box));
}

/** Blocked or whole indexes under `dataBase()` (the site's data URL when asked), cached;
 * `rowsIn(layer, box)` → index rows. */
export function createChunkIndex(dataBase) {
  const documents = new Map(); // URL -> promise of its parsed JSON (gzip or plain)

  function load(url) {
    return remember(documents, url, async () => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return decodeChunk(await response.arrayBuffer());
    });
  }

  async function rowsIn(layer, box) {
    if (!layer.index) throw new Error(`${layer.id} has no chunk index; rebuild the site`);
    const url = new URL(layer.index, dataBase()).href;
    const index = await load(url);
    if (index.chunks) return rowsMeeting(index.chunks, box);
    const blocks = index.blocks.filter((block) => boxesOverlap(block.slice(1, 5), box));
    const blockUrl = (number) => new URL(index.block_path.replace('{block}', String(number)), url).href;
    const found = await Promise.all(blocks.map(([number]) => load(blockUrl(number))));
    return found.flatMap((block) => rowsMeeting(block.chunks, box));
  }

  return { rowsIn };
}
