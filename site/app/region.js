// Every point of a layer inside a polygon, at full resolution: the layer's chunk index gives
// the chunks whose bounding boxes meet the polygon's (chunkindex.js), and each chunk's lon/lat
// are tested.
import { pointInPolygon, ringBounds } from './analysis.js';
import { createChunkIndex } from './chunkindex.js';
import { rowAttributes } from './chunks.js';

/** Points of one chunk inside `ring`: [{featureId, pid, unit, lon, lat, velocity, attributes,
 * dates, values}]. */
export function chunkMembers(chunk, ring) {
  if (!chunk.lon || !chunk.lat) throw new Error('this site has no point coordinates in its chunks; rebuild it');
  const members = [];
  for (let row = 0; row < chunk.pid.length; row += 1) {
    if (!pointInPolygon([chunk.lon[row], chunk.lat[row]], ring)) continue;
    members.push({
      featureId: chunk.first_id + row,
      pid: chunk.pid[row],
      unit: chunk.unit,
      lon: chunk.lon[row],
      lat: chunk.lat[row],
      dates: chunk.dates,
      values: chunk.d[row].map((v) => (v === null ? null : v / 10)),
      velocity: chunk.v ? chunk.v[row] : null,
      attributes: rowAttributes(chunk, row),
    });
  }
  return members;
}

/** A cache of chunk indexes; `area(layer, ring)` → the points inside. */
export function createRegionStore(dataBase, chunks) {
  const index = createChunkIndex(() => dataBase);

  /** The points of `layer` inside `ring` (see chunkMembers) and how many chunks were read. */
  async function membersOf(layer, ring) {
    const hits = await index.rowsIn(layer, ringBounds(ring));
    const loaded = await Promise.all(hits.map((row) => chunks.chunk(layer, row[0])));
    return { members: loaded.flatMap((chunk) => chunkMembers(chunk, ring)), chunks: hits.length };
  }

  return {
    /** Every point of `layer` inside `ring`, with its series and attributes: {layerId, members,
     * chunks (how many were read)}; the statistics are areastats.js's. The chunks are cached,
     * so asking again reads nothing. */
    async area(layer, ring) {
      const { members, chunks: read } = await membersOf(layer, ring);
      return { layerId: layer.id, members, chunks: read };
    },
  };
}
