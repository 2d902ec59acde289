// The site manifest (data/manifest.json, schema 1): loading and lookups.

export const SCHEMA = 1;

/** Fetch and check the manifest; `url` is resolved against the page. */
export async function loadManifest(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  const manifest = await response.json();
  if (manifest.schema !== SCHEMA) {
    throw new Error(`${url} has schema ${manifest.schema}; this viewer reads schema ${SCHEMA}`);
  }
  if (!Array.isArray(manifest.layers) || manifest.layers.length === 0) {
    throw new Error(`${url} lists no layers; rebuild the site with some input files`);
  }
  return manifest;
}

/** The layer with this id, or undefined. */
export function layerById(manifest, id) {
  return manifest.layers.find((layer) => layer.id === id);
}
