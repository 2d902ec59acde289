// Time-series chunks: fetch, inflate (gzip magic sniffed, not trusted from headers), cache.
// A chunk set is loose (`path`: one file a chunk) or packed (`pack`: a few files read with HTTP
// Range, located by a binary index fetched once: docs/site-data.md#packed-chunks).

const GZIP_MAGIC = [0x1f, 0x8b];
const PACK_MAGIC = 0x50534745; // "EGSP" as a little-endian uint32
const PACK_VERSION = 1;

function isGzip(buffer) {
  const head = new Uint8Array(buffer, 0, Math.min(2, buffer.byteLength));
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

function gunzip(buffer) {
  return new Blob([buffer]).stream().pipeThrough(new DecompressionStream('gzip'));
}

/** Parse chunk bytes: gzip-compressed JSON, or JSON a host already inflated for us. */
export async function decodeChunk(buffer) {
  if (isGzip(buffer)) return new Response(gunzip(buffer)).json();
  return JSON.parse(new TextDecoder().decode(buffer));
}

/** Bytes, inflated if they are gzip. */
async function inflate(buffer) {
  return isGzip(buffer) ? new Response(gunzip(buffer)).arrayBuffer() : buffer;
}

/** A pack index ({first, lengths, starts}) from its bytes: uint32 "EGSP", version, chunks,
 * packs, the first chunk of each pack, each chunk's length; `starts` is each chunk's offset. */
export function parsePackIndex(buffer) {
  const words = new Uint32Array(buffer.slice(0, buffer.byteLength - (buffer.byteLength % 4)));
  const [magic, version, chunks, packs] = words;
  if (magic !== PACK_MAGIC || version !== PACK_VERSION || words.length !== 4 + packs + chunks) {
    throw new Error('the time-series pack index is damaged or of another version; rebuild the site');
  }
  const first = words.subarray(4, 4 + packs);
  const lengths = words.subarray(4 + packs);
  const starts = new Float64Array(chunks);
  for (let pack = 0, offset = 0, c = 0; c < chunks; c += 1) {
    while (pack < packs && first[pack] === c) [pack, offset] = [pack + 1, 0];
    starts[c] = offset;
    offset += lengths[c];
  }
  return { first, lengths, starts };
}

/** Where chunk `index` is: {pack, start, length}, or null when the index has no such chunk. */
export function packRange(packIndex, index) {
  const { first, lengths, starts } = packIndex;
  if (!(index >= 0 && index < lengths.length) || lengths[index] === 0) return null;
  let pack = first.length - 1;
  while (pack > 0 && first[pack] > index) pack -= 1;
  return { pack, start: starts[index], length: lengths[index] };
}

/** `length` bytes of `url` from `start`: one Range request (a host that ignores Range sends
 * the whole file, which is cut here). */
export async function fetchRange(url, start, length) {
  const response = await fetch(url, { headers: { Range: `bytes=${start}-${start + length - 1}` } });
  if (!response.ok) throw new Error(`time series ${url}: HTTP ${response.status}`);
  const buffer = await response.arrayBuffer();
  const part = response.status === 206 ? buffer : buffer.slice(start, start + length);
  if (part.byteLength !== length) throw new Error(`time series ${url}: ${part.byteLength} bytes, not ${length}`);
  return part;
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

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`time series ${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

export async function fetchChunk(url) {
  return decodeChunk(await fetchBytes(url));
}

/** The promise `make()` gives, kept under `key` in `cache` unless it fails (then retried). */
export function remember(cache, key, make) {
  if (!cache.has(key)) {
    const promise = make();
    promise.catch(() => cache.delete(key));
    cache.set(key, promise);
  }
  return cache.get(key);
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
 * attributes, dates, values}. `layer.chunks` is a chunk set, loose or packed. */
export function createChunkStore(dataBase) {
  const cache = new Map();
  const indexes = new Map(); // pack index URL -> promise of its parsed index

  function packIndex(pack) {
    const url = new URL(pack.index, dataBase).href;
    return remember(indexes, url, async () => parsePackIndex(await inflate(await fetchBytes(url))));
  }

  async function fetchPacked(pack, index) {
    const where = packRange(await packIndex(pack), index);
    if (!where) throw new Error(`time series chunk ${index} is not in ${pack.index}`);
    const url = new URL(pack.path.replace('{pack}', String(where.pack)), dataBase).href;
    return decodeChunk(await fetchRange(url, where.start, where.length));
  }

  function load(layer, index) {
    const { pack } = layer.chunks;
    if (!pack) {
      const url = chunkUrl(layer, index, dataBase);
      return remember(cache, url, () => fetchChunk(url));
    }
    return remember(cache, `${new URL(pack.index, dataBase).href}#${index}`, () => fetchPacked(pack, index));
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
    /** Fetch a packed layer's index ahead of the first click (nothing for loose chunks). */
    prepare(layer) {
      if (layer && layer.chunks.pack) packIndex(layer.chunks.pack).catch(() => {}); // retried on use
    },
    get size() {
      return cache.size;
    },
  };
}
