// Single-file sites (`egms-tiler build --single-file`): the page carries its own data/ files.
// The build puts them, base64, in <script type="application/json" id="egms-data">. This classic
// script runs after pmtiles.js and before the app: the app's fetch() of data/... is answered
// from that table, and every PMTiles archive is read through an in-memory pmtiles Source, so
// nothing is ever loaded from disk or network (file:// pages may not fetch()).
(function () {
  'use strict';
  const TYPES = { json: 'application/json', geojson: 'application/geo+json', gz: 'application/gzip' };
  const base = new URL('data/', document.baseURI).href;
  const decoded = new Map();
  let table = null;

  // Read lazily: the table comes after this script in the page; the app runs once it is parsed.
  function files() {
    if (table === null) table = JSON.parse(document.getElementById('egms-data').textContent);
    return table;
  }

  function bytes(path) {
    if (!decoded.has(path)) {
      const text = files()[path];
      if (text === undefined) return null;
      const binary = atob(text);
      const data = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i += 1) data[i] = binary.charCodeAt(i);
      decoded.set(path, data);
    }
    return decoded.get(path);
  }

  function dataPath(input) {
    const url = new URL(input instanceof Request ? input.url : String(input), document.baseURI);
    url.search = '';
    url.hash = '';
    return url.href.startsWith(base) ? decodeURIComponent(url.href.slice(base.length)) : null;
  }

  // [first, last] byte of a `Range: bytes=a-b` request (packed series chunks), or null
  function byteRange(input, init) {
    const headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
    const match = /^bytes=(\d+)-(\d+)$/.exec(headers.get('range') || '');
    return match ? [Number(match[1]), Number(match[2])] : null;
  }

  const networkFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const path = dataPath(input);
    if (path === null) return networkFetch(input, init);
    const data = bytes(path);
    if (data === null) return Promise.resolve(new Response(`${path}: not in this file`, { status: 404 }));
    const type = TYPES[path.split('.').pop()] || 'application/octet-stream';
    const range = byteRange(input, init);
    if (range === null) return Promise.resolve(new Response(data, { headers: { 'content-type': type } }));
    const [first, last] = range;
    const headers = { 'content-type': type, 'content-range': `bytes ${first}-${last}/${data.length}` };
    return Promise.resolve(new Response(data.slice(first, last + 1), { status: 206, headers }));
  };

  class MemorySource {
    constructor(key, data) {
      this.key = key;
      this.data = data;
    }

    getKey() {
      return this.key;
    }

    getBytes(offset, length) {
      return Promise.resolve({ data: this.data.slice(offset, offset + length).buffer });
    }
  }

  const { PMTiles, Protocol } = window.pmtiles;
  // The app asks for pmtiles://<absolute URL of data/...>: the same key as our Sources.
  class EmbeddedProtocol extends Protocol {
    constructor(options) {
      super(options);
      for (const path of Object.keys(files()).filter((name) => name.endsWith('.pmtiles'))) {
        this.add(new PMTiles(new MemorySource(base + path, bytes(path))));
      }
    }
  }
  // The UMD's exports are getters, so the global itself is replaced.
  window.pmtiles = Object.assign({}, window.pmtiles, { Protocol: EmbeddedProtocol });
})();
