// The per-layer pid index (data/<layer>/pid/<bucket>.json.gz): pid -> feature id, lazily loaded.
import { decodeChunk } from './chunks.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32-bit, over the UTF-8 bytes of `text` (the build's bucket hash). */
export function fnv1a32(text) {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** The bucket of `pid` in `layer`, or null if the layer has no pid index. */
export function pidBucket(layer, pid) {
  if (!layer.pids || !layer.pids.buckets) return null;
  return fnv1a32(pid) % layer.pids.buckets;
}

/** A cache of buckets; `find(layer, pid)` resolves to the feature id or null. */
export function createPidIndex(dataBase) {
  const cache = new Map();

  function load(url) {
    if (!cache.has(url)) {
      const promise = fetch(url).then(async (response) => {
        if (!response.ok) throw new Error(`pid index ${url}: HTTP ${response.status}`);
        return decodeChunk(await response.arrayBuffer());
      });
      promise.catch(() => cache.delete(url));
      cache.set(url, promise);
    }
    return cache.get(url);
  }

  return {
    async find(layer, pid) {
      const bucket = pidBucket(layer, pid);
      if (bucket === null) return null;
      const url = new URL(layer.pids.path.replace('{bucket}', String(bucket)), dataBase).href;
      const ids = await load(url);
      return Object.hasOwn(ids, pid) ? ids[pid] : null;
    },
  };
}
