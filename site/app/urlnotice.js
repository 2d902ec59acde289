// What the page ignored of its address: parts of the URL hash naming a layer, point or
// reference the site lacks, malformed values and keys this viewer does not know. The page
// opens on a valid state instead, says once what it left out (a line under the toolbar) and
// writes the address without it.

const MAX_VALUE_CHARS = 40;

/** The hash's [key, value] pairs as written ("#z/lat/lon" first part left out). */
export function hashPairs(hash) {
  const body = hash.replace(/^#/, '');
  const parts = body.split('&').filter((part) => part && !/^[\d.+-]+\/[\d.+-]+\/[\d.+-]+$/.test(part));
  return [...new URLSearchParams(parts.join('&'))];
}

function shown(value) {
  const text = value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/**
 * The parts of `before` (the address as opened) that `after` (the address the page wrote)
 * lacks or holds with another value, for keys whose value is a name or an id; numbers the page
 * only rewrote (2.0 -> 2) are not reported. `reasons` may explain a key ({layer: '...'});
 * `known`: the keys this viewer reads (the others are "not a key of this viewer"); `defaults`:
 * values the page leaves out of the address because they are the default ({size: 1}).
 */
export function ignoredParts(before, after, { reasons = {}, known = new Set(), defaults = {} } = {}) {
  const now = new Map(after);
  const exact = new Set(['layer', 'pt', 'cmap', 'cmp', 'ref', 'color', 'embed', 'title', 'caption']);
  const notes = [];
  for (const [key, value] of before) {
    const kept = now.has(key) && (!exact.has(key) || now.get(key) === value);
    const shorter = key === 'sel' && now.has(key) && now.get(key).split(',').length < value.split(',').length;
    if (kept && !shorter) continue;
    const fallback = defaults[key];
    if (fallback !== undefined && (value === String(fallback) || Number(value) === fallback)) continue;
    const why = reasons[key] || (known.has(key) ? 'not a valid value' : 'not a key of this viewer');
    notes.push(`${key}=${shown(value)} (${why})`);
  }
  return notes;
}

/** The notice line: `add(text)` shows it (each text once), the × hides it. */
export function createNotice(root) {
  const said = new Set();
  const text = root.querySelector('#url-notice-text');
  root.querySelector('#url-notice-close').addEventListener('click', () => {
    root.hidden = true;
  });
  return {
    add(words) {
      if (!words || said.has(words)) return;
      said.add(words);
      text.textContent = `The address named what this site does not have, so the page left it out: ${[...said].join('; ')}.`;
      root.hidden = false;
    },
    /** What was left out, each part once: for `egms-tiler snapshot`, which refuses it. */
    get parts() {
      return [...said];
    },
  };
}
