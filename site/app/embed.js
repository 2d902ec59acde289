// Embed mode (`embed=1` in the hash, or `?embed=1`): map and chart only, for iframes; and the
// <iframe> snippet of the current view.

/** Whether the page was asked for embed mode by its query string. */
export function queryEmbed(search = location.search) {
  return new URLSearchParams(search).get('embed') === '1';
}

export function setEmbed(on) {
  document.body.classList.toggle('embed', on);
}

function attribute(text) {
  return String(text).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The page URL with `embed=1` in its hash (`hash` without it, with or without "#"). */
export function embedUrl(href, hash) {
  const url = new URL(href);
  url.hash = '';
  const body = hash.replace(/^#/, '').split('&').filter((p) => p && p !== 'embed=1');
  body.push('embed=1');
  return `${url.href}#${body.join('&')}`;
}

/** An <iframe> snippet showing `src`. */
export function embedCode(src, title) {
  return `<iframe src="${attribute(src)}" title="${attribute(title)}" width="900" height="560" `
    + 'style="border:0" loading="lazy" allowfullscreen></iframe>'; // prettier-ignore
}
