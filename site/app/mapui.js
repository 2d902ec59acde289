// The map side of the viewer: layer picker, colours (attribute, palette, range, presets),
// point size/opacity, quality filters, unit outlines, search, compare, nearby points.
// One `look` object (the page state's) holds these choices; address.js writes it in the URL hash.
import { number } from './address.js';
import { createCompare } from './compare.js';
import { applyLook, resolveLook, showLayer } from './layers.js';
import { renderLegend } from './legend.js';
import { whenIdle } from './map.js';
import { DEFAULT_RADIUS_M, createNearby, renderNearby } from './nearby.js';
import { aboutLayer, layerName, productPeriod } from './layernames.js';
import { quantity } from './mapfigure.js';
import { palettes } from './palettes.js';
import { createPidIndex } from './pids.js';
import { runSearch } from './search.js';
import { showOutlines } from './outlines.js';
import { createTimeControls } from './timecontrols.js';
import { ATTRIBUTES, colourAttributes, defaultRange, palettesOfKind } from './style.js';
import { DEFAULT_ALPHA, hasTrendChange, trendFilter, trendFilterWords } from './trendchange.js';

export const PRESETS = [2, 5, 10, 20];
const $ = (id) => document.getElementById(id);

export function option(value, label) {
  const node = document.createElement('option');
  node.value = value;
  node.textContent = label;
  return node;
}

function group(label, options) {
  const node = document.createElement('optgroup');
  node.label = label;
  node.append(...options);
  return node;
}

/** Layer picker: options grouped by EGMS product and period, one per orbit/component. */
export function fillLayerSelect(select, manifest) {
  const groups = new Map();
  for (const layer of manifest.layers) {
    const key = productPeriod(layer);
    if (!groups.has(key)) groups.set(key, []);
    const choice = option(layer.id, layerName(layer).replace(/^EGMS /, ''));
    choice.title = aboutLayer(layer);
    groups.get(key).push(choice);
  }
  select.replaceChildren(...[...groups].map(([key, options]) => group(key, options)));
  select.disabled = false;
}

function fillPaletteSelect(select) {
  select.replaceChildren(
    group('Diverging', palettesOfKind('diverging').map((p) => option(p.name, p.label))),
    group('Sequential', palettesOfKind('sequential').map((p) => option(p.name, p.label))),
  );
}

/** ctx: {state, app, currentLayer, layerById, writeHash, selectFeature, switchLayer, addToChart, styled}. */
export function createMapUi(ctx) {
  const look = ctx.state.look;
  let resolved = null;
  let compare = null;
  let nearby = null;
  let pids = null;
  let lastNearby = null;
  let nearbyToken = 0;

  const map = () => ctx.app.map;
  const time = createTimeControls({ look, redraw: () => redraw(), currentLayer: () => ctx.currentLayer() });

  /**
   * A compare view whose sides measure the same quantity (say LOS velocity, ascending and
   * descending) colours both on one range, the wider of their defaults, so a colour is one
   * value on both sides; a range the user set applies to both anyway. Null otherwise.
   */
  function sharedRange() {
    const layer = ctx.currentLayer();
    const right = compare && compare.layerId ? ctx.layerById(compare.layerId) : null;
    if (!layer || !right || (look.vmin !== null && look.vmax !== null)) return null;
    const [a, b] = [resolveLook(layer, { ...look, cmap: null }), resolveLook(right, { ...look, cmap: null })];
    if (a.attribute !== b.attribute || quantity(layer, a.attribute, a.info).title !== quantity(right, b.attribute, b.info).title) return null;
    if (a.info.signed) {
      const half = Math.max(a.range.max, -a.range.min, b.range.max, -b.range.min);
      return { min: -half, max: half };
    }
    return { min: Math.min(a.range.min, b.range.min), max: Math.max(a.range.max, b.range.max) };
  } // prettier-ignore

  const lookNow = () => {
    const shared = sharedRange();
    return { ...look, cmap: ctx.state.palette, ...(shared ? { vmin: shared.min, vmax: shared.max } : {}) };
  };

  function redraw({ hash = true } = {}) {
    const layer = ctx.currentLayer();
    if (!layer || !map()) return;
    resolved = applyLook(map(), layer, lookNow());
    afterStyle(layer, hash);
  }

  function afterStyle(layer, hash) {
    const sides = shown();
    const compared = sides.length === 2 ? { shared: sharedRange() !== null, ...sides[1] } : null;
    renderLegend($('legend'), layer, resolved, compared);
    syncControls(layer);
    if (compare) compare.restyle(layer);
    if (hash) ctx.writeHash();
    ctx.styled();
  }

  function syncControls(layer) {
    const attributes = colourAttributes(layer);
    const select = $('color-select');
    select.replaceChildren(...attributes.map((name) => option(name, ATTRIBUTES[name].label)));
    select.value = resolved.attribute;
    $('palette-select').value = resolved.palette.name;
    const presets = resolved.info.signed ? PRESETS.map((p) => option(String(p), `±${p}`)) : [];
    $('range-preset').replaceChildren(option('auto', 'p02–p98 (layer)'), ...presets, option('custom', 'custom'));
    const symmetric = resolved.range.min === -resolved.range.max;
    const preset = look.vmin === null || !resolved.custom ? 'auto' : symmetric && PRESETS.includes(resolved.range.max) && resolved.info.signed ? String(resolved.range.max) : 'custom'; // prettier-ignore
    $('range-preset').value = preset;
    $('range-min').value = String(resolved.range.min);
    $('range-max').value = String(resolved.range.max);
    $('point-size').value = String(look.size ?? 1);
    $('point-size-value').textContent = `×${(look.size ?? 1).toFixed(1)}`;
    $('point-opacity').value = String(look.opacity ?? 1);
    $('point-opacity-value').textContent = `${Math.round((look.opacity ?? 1) * 100)} %`;
    const hasCoherence = (layer.attributes || []).includes('coherence');
    $('filter-coherence').disabled = !hasCoherence;
    $('filter-coherence').value = String(look.cmin ?? 0);
    $('filter-coherence-value').textContent = hasCoherence ? `≥ ${(look.cmin ?? 0).toFixed(2)}` : 'n/a (L3)';
    const sigma = $('filter-sigma');
    sigma.value = String(look.smax ?? sigma.max);
    $('filter-sigma-value').textContent = look.smax === null ? 'off' : `≤ ${look.smax.toFixed(1)} mm/yr`;
    syncTrendFilter(layer);
    time.sync(layer, resolved);
    $('outlines-toggle').checked = look.units;
    $('compare-select').value = look.cmp && ctx.layerById(look.cmp) ? look.cmp : '';
  }

  function syncTrendFilter(layer) {
    const screened = hasTrendChange(layer);
    $('filter-trend-since').disabled = !screened;
    $('filter-trend-alpha').disabled = !screened;
    if (document.activeElement !== $('filter-trend-since')) $('filter-trend-since').value = look.tsince ?? '';
    $('filter-trend-alpha').value = String(look.talpha ?? DEFAULT_ALPHA);
    const active = trendFilter(layer, look);
    $('filter-trend-value').textContent = !screened ? 'n/a' : active ? 'on' : 'off';
    $('filter-trend-since').title = active
      ? `Only points with a ${trendFilterWords(active)} (calibrated on white noise: see a point's chart)`
      : 'A decimal year: 2022 = since 1 January 2022, 2022.5 = since July 2022';
  }

  function setRange(min, max) {
    if (min === null || max === null || !(max > min)) {
      look.vmin = look.vmax = null;
    } else {
      look.vmin = min;
      look.vmax = max;
    }
    redraw();
  }

  function onPreset() {
    const value = $('range-preset').value;
    if (value === 'auto') return setRange(null, null);
    if (value === 'custom') return $('range-min').focus();
    const limit = Number(value);
    return setRange(-limit, limit);
  }

  function sigmaMax() {
    const all = ctx.app.manifest.layers.map((l) => ((l.stats || {}).velocity_std || {}).max ?? 0);
    return Math.max(1, Math.ceil(Math.max(...all) * 10) / 10);
  }

  function wireControls() {
    $('color-select').addEventListener('change', () => {
      look.color = $('color-select').value;
      look.vmin = look.vmax = null; // each attribute starts on its own default range
      ctx.state.palette = null;
      redraw();
    });
    $('range-preset').addEventListener('change', onPreset);
    const minMax = () => setRange(number($('range-min').value), number($('range-max').value));
    $('range-min').addEventListener('change', minMax);
    $('range-max').addEventListener('change', minMax);
    $('point-size').addEventListener('input', () => {
      look.size = number($('point-size').value);
      redraw();
    });
    $('point-opacity').addEventListener('input', () => {
      look.opacity = number($('point-opacity').value);
      redraw();
    });
    $('filter-coherence').addEventListener('input', () => {
      look.cmin = number($('filter-coherence').value);
      redraw();
    });
    const sigma = $('filter-sigma');
    sigma.max = String(sigmaMax());
    sigma.addEventListener('input', () => {
      const value = number(sigma.value);
      look.smax = value !== null && value < Number(sigma.max) ? value : null;
      redraw();
    });
    $('filter-trend-since').addEventListener('change', () => {
      look.tsince = number($('filter-trend-since').value, 1900, 2200);
      redraw();
    });
    $('filter-trend-alpha').addEventListener('change', () => {
      const alpha = number($('filter-trend-alpha').value, 0, 1);
      look.talpha = alpha === DEFAULT_ALPHA ? null : alpha;
      redraw();
    });
    $('outlines-toggle').addEventListener('change', () => setOutlines($('outlines-toggle').checked));
    $('compare-select').addEventListener('change', () => setCompare($('compare-select').value || null));
    $('legend-settings-toggle').addEventListener('click', () => toggleSettings());
    time.wire();
    wireSearch();
  }

  function wireSearch() {
    $('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      search($('search-input').value);
    });
  }

  function toggleSettings(open = null) {
    const panel = $('legend-settings');
    const show = open === null ? panel.hidden : open;
    panel.hidden = !show;
    $('legend-settings-toggle').setAttribute('aria-expanded', String(show));
  }

  function setOutlines(visible) {
    look.units = Boolean(visible);
    showOutlines(map(), ctx.currentLayer(), ctx.app.dataBase, look.units);
    ctx.writeHash();
  }

  async function setCompare(layerId) {
    const other = layerId ? ctx.layerById(layerId) : null;
    look.cmp = other ? other.id : null;
    $('compare-select').value = look.cmp || '';
    ctx.writeHash();
    await compare.set(other, ctx.currentLayer());
    redraw({ hash: false }); // the shared range, if the sides measure the same quantity
  }

  async function goTo(lon, lat, zoom, layerId = null) {
    if (layerId && layerId !== ctx.state.layerId) {
      ctx.switchLayer(layerId);
      if (map()) await whenIdle(map()); // let the new source settle before flying
    }
    if (!map()) return; // no WebGL: the point's panel opens without a map
    const target = zoom === null ? Math.max(map().getZoom(), 15) : Math.max(map().getZoom(), zoom);
    const moved = new Promise((resolve) => map().once('moveend', resolve));
    map().flyTo({ center: [lon, lat], zoom: target, duration: 600, essential: true });
    await moved;
  }

  async function search(text) {
    const status = $('search-status');
    status.textContent = 'Searching…';
    try {
      status.textContent = await runSearch(text, {
        manifest: ctx.app.manifest, layerId: ctx.state.layerId, pids, chunks: ctx.app.chunks,
        goTo, select: (layerId, id) => ctx.selectFeature(layerId, id),
      }); // prettier-ignore
    } catch (error) {
      status.textContent = `Search failed: ${error.message}`;
    }
    status.title = status.textContent;
    return status.textContent;
  }

  function describe(manifest) {
    const node = $('site-description');
    if (!node) return;
    node.textContent = manifest.description || '';
    node.hidden = !manifest.description;
  }

  function nearbySection() {
    let section = $('nearby');
    if (!section) {
      section = document.createElement('section');
      section.id = 'nearby';
      section.className = 'nearby';
      ($('panel-point') || $('panel')).append(section);
    }
    return section;
  }

  /** What the map shows, for its figure: [{layer, resolved, side}], the compare half second. */
  function shown() {
    const layer = ctx.currentLayer();
    if (!layer || !resolved) return [];
    const right = compare && compare.map && compare.layerId ? ctx.layerById(compare.layerId) : null;
    if (!right) return [{ layer, resolved, side: null }];
    return [
      { layer, resolved, side: 'left' },
      { layer: right, resolved: resolveLook(right, lookNow()), side: 'right' },
    ];
  }

  return {
    shown,
    get compare() {
      return compare;
    },
    get look() {
      return look;
    },
    /** Take the address's look (and palette); redraw if the map is up. */
    restore(parsed) {
      Object.assign(look, parsed);
      ctx.state.palette = look.cmap;
      if (!map() || !ctx.currentLayer()) return;
      redraw({ hash: false });
      showOutlines(map(), ctx.currentLayer(), ctx.app.dataBase, look.units);
      if ((look.cmp || null) !== (compare ? compare.layerId : null)) setCompare(look.cmp);
    },
    attach(mapInstance) {
      pids = createPidIndex(ctx.app.dataBase);
      nearby = createNearby(ctx.app);
      compare = createCompare({ map: mapInstance, basemap: ctx.app.manifest.basemap,
        dataBase: ctx.app.dataBase, layerById: ctx.layerById, look: lookNow }); // prettier-ignore
      fillPaletteSelect($('palette-select'));
      const choices = ctx.app.manifest.layers.map((l) => option(l.id, layerName(l)));
      $('compare-select').replaceChildren(option('', 'no comparison'), ...choices);
      describe(ctx.app.manifest);
      wireControls();
    },
    /** Without a map (no WebGL, webgl.js): the pid search and the site's description. */
    attachWithoutMap() {
      pids = createPidIndex(ctx.app.dataBase);
      describe(ctx.app.manifest);
      wireSearch();
    },
    /** Draw `layer` (after a layer switch) with the current look. */
    showLayer(layer) {
      if (!map()) return;
      resolved = showLayer(map(), layer, lookNow(), ctx.app.dataBase);
      showOutlines(map(), layer, ctx.app.dataBase, look.units);
      afterStyle(layer, false);
      if (look.cmp && compare && !compare.map) setCompare(look.cmp);
    },
    setPalette(name) {
      ctx.state.palette = palettes[name] ? name : null;
      redraw();
    },
    /** The selected point's series is known: offer its nearest points in the other layers
     * (loaded on request: each layer costs a chunk index and a chunk or two). */
    pointShown(layer, series) {
      nearbyToken += 1;
      const token = nearbyToken;
      lastNearby = null;
      if (series.lon === null || series.lon === undefined || ctx.app.manifest.layers.length < 2) return;
      const section = nearbySection();
      const ask = document.createElement('button');
      ask.type = 'button';
      ask.id = 'nearby-find';
      ask.textContent = `Points of other layers within ${DEFAULT_RADIUS_M} m`;
      ask.addEventListener('click', async () => {
        ask.disabled = true;
        ask.textContent = 'Searching other layers…';
        const results = await nearby.around(layer.id, series.lon, series.lat, DEFAULT_RADIUS_M);
        if (token !== nearbyToken) return;
        lastNearby = results;
        renderNearby(section, results, DEFAULT_RADIUS_M, ctx.addToChart);
      });
      section.replaceChildren(ask);
      section.hidden = false;
    },
    pointClosed() {
      nearbyToken += 1;
      lastNearby = null;
      const section = $('nearby');
      if (section) section.hidden = true;
    },
    /** Escape: fold the map settings if focus is inside them; true if it did. */
    escape() {
      if (!$('legend-settings').hidden && $('legend-settings').contains(document.activeElement)) {
        toggleSettings(false);
        $('legend-settings-toggle').focus();
        return true;
      }
      return false;
    },
    api: {
      search,
      setCompare,
      setRange,
      setOutlines,
      findPid: (layer, pid) => pids.find(layer, pid),
      get look() {
        return { ...lookNow() };
      },
      get resolved() {
        return resolved;
      },
      get nearby() {
        return lastNearby;
      },
      get compareMap() {
        return compare && compare.map;
      },
      defaultRange,
    },
  };
}
