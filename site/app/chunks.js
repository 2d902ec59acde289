// Time-series chunks: fetch, inflate (gzip magic sniffed, not trusted from headers), cache.

const GZIP_MAGIC = [0x1f, 0x8b];

function isGzip(buffer) {
  const head = new Uint8Array(buffer, 0, Math.min(2, buffer.byteLength));
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** Parse chunk bytes: gzip-compressed JSON, or JSON a host already inflated for us. */
export async function decodeChunk(buffer) {
  if (isGzip(buffer)) {
    const stream = new Blob([buffer]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).json();
  }
  return JSON.parse(new TextDecoder().decode(buffer));
}

/** Whether a layer has a point with this feature id (units leave id gaps at their ends). */
export function hasFeature(layer, featureId) {
  return (layer.units || []).some(
    (unit) => featureId >= unit.first_id && featureId < unit.first_id + unit.points,
  );
}

/** The chunk index holding a feature id. */
export function chunkIndex(layer, featureId) {
  return Math.floor(featureId / layer.chunks.size);
}

/** The chunk's URL, resolved against `dataBase` (the data/ directory URL). */
export function chunkUrl(layer, index, dataBase) {
  return new URL(layer.chunks.path.replace('{chunk}', String(index)), dataBase).href;
}

export async function fetchChunk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`time series ${url}: HTTP ${response.status}`);
  return decodeChunk(await response.arrayBuffer());
}

/** A point's chunk attributes ({velocity_std: 0.1, ...}); {} for a site built without them. */
export function rowAttributes(chunk, row) {
  const attributes = {};
  for (const [name, values] of Object.entries(chunk.attributes || {})) attributes[name] = values[row];
  return attributes;
}

function seriesOf(chunk, layer, featureId) {
  const row = featureId - chunk.first_id;
  if (chunk.layer !== layer.id || row < 0 || row >= chunk.d.length) {
    throw new Error(`point ${featureId} is not in its time-series chunk`);
  }
  return {
    featureId,
    pid: chunk.pid[row],
    unit: chunk.unit,
    lon: chunk.lon ? chunk.lon[row] : null,
    lat: chunk.lat ? chunk.lat[row] : null,
    velocity: chunk.v ? chunk.v[row] : null,
    attributes: rowAttributes(chunk, row),
    dates: chunk.dates,
    // 0.1 mm integers -> mm; null stays null (a gap, never 0)
    values: chunk.d[row].map((v) => (v === null ? null : v / 10)),
  };
}

/** A cache of chunk promises; `series(layer, id)` resolves to {pid, unit, lon, lat, velocity,
 * attributes, dates, values}. */
export function createChunkStore(dataBase) {
  const cache = new Map();

  function load(layer, index) {
    const url = chunkUrl(layer, index, dataBase);
    if (!cache.has(url)) {
      const promise = fetchChunk(url);
      promise.catch(() => cache.delete(url)); // a failed fetch may be retried
      cache.set(url, promise);
    }
    return cache.get(url);
  }

  return {
    async series(layer, featureId) {
      if (!hasFeature(layer, featureId)) throw new Error(`${layer.id} has no point ${featureId}`);
      const chunk = await load(layer, chunkIndex(layer, featureId));
      return seriesOf(chunk, layer, featureId);
    },
    /** The whole chunk `index` of `layer` (cached like the series). */
    chunk(layer, index) {
      return load(layer, index);
    },
    get size() {
      return cache.size;
    },
  };
}
