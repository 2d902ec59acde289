// Where the map cannot be drawn: WebGL is what MapLibre draws with. Without it (headless
// browsers, some virtual desktops, locked-down office machines, old graphics drivers) the page
// says so in words and keeps what needs no map: search by pid, the point's panel, chart and exports.

/** Why WebGL cannot start here, or null when it can. */
export function webglMissing(doc = document) {
  const canvas = doc.createElement('canvas');
  try {
    if (canvas.getContext('webgl2') || canvas.getContext('webgl')) return null;
  } catch (error) {
    return error.message || 'WebGL failed to start';
  }
  return 'this browser offers no WebGL';
}

/** Whether a failure of the map's start is WebGL's (MapLibre's "Failed to initialize WebGL"). */
export function isWebglFailure(error) {
  return /webgl/i.test(String((error && error.message) || error));
}

/** The notice shown in the map's place: what is missing, what to try, what still works. */
export function showMapMissing(container, reason) {
  const box = document.createElement('div');
  box.className = 'map-missing';
  box.setAttribute('role', 'alert');
  const title = document.createElement('h2');
  title.textContent = 'The map cannot be shown in this browser';
  const why = document.createElement('p');
  why.textContent =
    'The map is drawn with WebGL, which this browser does not offer right now ' +
    `(${reason}). It may be switched off, blocked by a company policy, or missing on this ` +
    'computer or virtual desktop.';
  const tryList = document.createElement('ul');
  for (const text of [
    'Open this page in another browser: a recent Firefox, Chrome, Edge or Safari.',
    "Turn on hardware (graphics) acceleration in this browser's settings, then reload.",
    'The single-file copy of the site (site.html) needs WebGL too: it will not help.',
  ]) {
    const item = document.createElement('li');
    item.textContent = text;
    tryList.append(item);
  }
  const still = document.createElement('p');
  still.textContent =
    'Without the map you can still search a point by its pid (search box above): its details, ' +
    'time series chart and exports work.';
  box.append(title, why, tryList, still);
  container.replaceChildren(box);
  return box;
}
