// The user's assets on the map (a site built with `--assets FILE`): the asset layer of the shown
// EGMS layer (assets/<layer>/tiles.pmtiles), filled semi-transparent and outlined under the
// points, coloured by a statistic (its legend under the points'), grey where no point passes
// the quality filter; the selected asset outlined; the assets panel (the selected asset:
// assetpanel.js; the table of the assets in view: assettable.js); `astat=` and `asset=` in the
// address (address.js). The points stay above the assets and clickable first.
import {
  ASSET_STATS,
  DEFAULT_STAT,
  VELOCITY_STATS,
  assetLayer,
  assetReleaseSeries,
  assetTableCsv,
  assetsOf,
  chunksInView,
  createAssetStore,
  qualityWords,
  rowInView,
  statRange,
} from './assetdata.js';
import { createAssetPanel } from './assetpanel.js';
import { FASTEST, MAX_ROWS, createAssetTable, sortWords } from './assettable.js';
import { download } from './export.js';
import { POINT_LAYER_IDS, tilesUrl } from './layers.js';
import { renderAssetLegend } from './legend.js';
import { layerName } from './layernames.js';
import { option } from './mapui.js';
import { palettes } from './palettes.js';
import { quantity } from './mapfigure.js';
import { DEFAULT_PALETTE, DEFAULT_SEQUENTIAL, attributeInfo, colourExpression, signConvention } from './style.js';

export const ASSET_SOURCE = 'egms-assets';
export const ASSET_FILL = 'egms-assets-fill';
const ASSET_LINE = 'egms-assets-line';
const ASSET_SELECTED = ['egms-assets-selected-halo', 'egms-assets-selected'];
export const HIDDEN = 'none'; // astat=none: the assets are not drawn
export const MAX_CHUNKS = 4; // stats chunks (4096 assets each) the table loads for one view
const FILL_OPACITY = 0.5;
const $ = (id) => document.getElementById(id);

/** The colour of the statistic `stat`: {palette, range, info, value} (the expression's inputs).
 * A velocity statistic takes the points' palette and range while they show mean velocity, so a
 * colour is one velocity on both. */
export function assetColours(entry, stat, points = null) {
  const info = ASSET_STATS[stat];
  const shared = VELOCITY_STATS.slice(0, 4).includes(stat) && points?.attribute === 'velocity' && points.palette.kind === 'diverging';
  const palette = shared ? points.palette : palettes[info.signed ? DEFAULT_PALETTE : DEFAULT_SEQUENTIAL];
  const range = shared ? { ...points.range } : statRange(entry, stat);
  const value = stat === 'points'
    ? { has: ['>', ['get', 'points_ok'], 0], value: ['get', 'points_ok'] }
    : { has: ['has', stat], value: ['get', stat] }; // prettier-ignore
  return { palette, range, info, value, shared };
}

/** The asset layer's fill colour: the statistic over the palette, grey without a value. */
function fillColour(colours) {
  return colourExpression(null, colours.palette, colours.range, colours.value);
}

function removeAssetLayers(map) {
  for (const id of [...ASSET_SELECTED, ASSET_LINE, ASSET_FILL]) if (map.getLayer(id)) map.removeLayer(id);
  if (map.getSource(ASSET_SOURCE)) map.removeSource(ASSET_SOURCE);
}

/** The first layer drawing points, to put the assets under it. */
function firstPointLayer(map) {
  return map.getStyle().layers.map((l) => l.id).find((id) => POINT_LAYER_IDS.includes(id));
}

/** Draw `entry`'s asset layer (assetdata.assetLayer) under the points, coloured by `colours`. */
export function showAssetLayer(map, entry, colours, dataBase, selected = null) {
  removeAssetLayers(map);
  if (!entry || !colours) return;
  map.addSource(ASSET_SOURCE, { type: 'vector', url: tilesUrl(entry, dataBase) });
  const spec = { source: ASSET_SOURCE, 'source-layer': entry.source_layer || 'assets' };
  const before = firstPointLayer(map);
  map.addLayer({ ...spec, id: ASSET_FILL, type: 'fill', paint: { 'fill-color': fillColour(colours), 'fill-opacity': FILL_OPACITY } }, before); // prettier-ignore
  map.addLayer({ ...spec, id: ASSET_LINE, type: 'line', paint: { 'line-color': '#222222', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.5, 17, 1.5], 'line-opacity': 0.8 } }, before); // prettier-ignore
  const only = ['==', ['id'], selected ?? -1];
  map.addLayer({ ...spec, id: ASSET_SELECTED[0], type: 'line', filter: only, paint: { 'line-color': '#ffffff', 'line-width': 6 } });
  map.addLayer({ ...spec, id: ASSET_SELECTED[1], type: 'line', filter: only, paint: { 'line-color': '#000000', 'line-width': 3 } });
}

/** Outline asset `asset` (dense id) as the selected one (null: none). */
function outlineSelected(map, asset) {
  for (const id of ASSET_SELECTED) if (map.getLayer(id)) map.setFilter(id, ['==', ['id'], asset ?? -1]);
}

/** The legend's (and the figure key's) words for the asset layer coloured by `colours`. */
export function assetKey(assets, layer, stat, colours) {
  const { info } = colours;
  const title = `Assets: ${info.label.charAt(0).toLowerCase()}${info.label.slice(1)} (${info.unit})`;
  const grey = `grey = no point passes the quality filter (${qualityWords(assets, layer)})`;
  const same = colours.shared ? 'same colours as the points; ' : '';
  const sign = info.signed ? `${signConvention(layer)}; ` : '';
  return { title, palette: colours.palette, range: colours.range, info, note: `${sign}${same}${grey}`, grey, sign: info.signed ? signConvention(layer) : null };
} // prettier-ignore

/**
 * ctx: {state, app, currentLayer(), writeHash(), attribution(), pointLook() (the points'
 * resolved look), pointOpened() (fold the point's panel), changed() (the figure frame)}.
 * state.assets: {stat, id} (id: the selected asset's dense id, or null).
 */
export function createAssets(ctx) {
  const a = ctx.state.assets;
  let assets = null; // the manifest's entry
  let store = null;
  let colours = null;
  let panel = null;
  let table = null;
  let token = 0;
  let tableToken = 0;
  let view = null; // the table's rows' view [w, s, e, n]
  let moveTimer = null;

  const map = () => ctx.app.map;
  const entry = () => assetLayer(ctx.app.manifest, ctx.currentLayer()?.id);
  const shownStat = () => (a.stat === HIDDEN ? null : a.stat);

  function legend() {
    const layer = ctx.currentLayer();
    const stat = shownStat();
    renderAssetLegend($('legend'), stat && entry() ? assetKey(assets, layer, stat, colours) : null);
  }

  /** Colour the asset layer by the current statistic (and draw it, if `redraw`). */
  function paint(redraw = false) {
    if (!assets || !map()) return;
    const stat = shownStat();
    const layerEntry = entry();
    colours = stat && layerEntry ? assetColours(layerEntry, stat, ctx.pointLook()) : null;
    if (redraw || !map().getLayer(ASSET_FILL)) showAssetLayer(map(), stat ? layerEntry : null, colours, ctx.app.dataBase, a.id);
    else if (colours) map().setPaintProperty(ASSET_FILL, 'fill-color', fillColour(colours));
    else showAssetLayer(map(), null, null, ctx.app.dataBase);
    $('asset-stat').value = stat || HIDDEN;
    legend();
    ctx.changed();
  }

  function setStat(stat) {
    a.stat = ASSET_STATS[stat] || stat === HIDDEN ? stat : DEFAULT_STAT;
    paint(true);
    ctx.writeHash();
  }

  function open() {
    $('assets').hidden = false;
    $('assets-open').setAttribute('aria-pressed', 'true');
    ctx.pointOpened();
    refreshTable();
  }

  function close() {
    $('assets').hidden = true;
    $('assets-open').setAttribute('aria-pressed', 'false');
    if (a.id !== null) {
      a.id = null;
      panel.hide();
      if (map()) outlineSelected(map(), null);
      table.select(null);
      ctx.writeHash();
    }
  }

  function mapView() {
    if (!map()) return null;
    const b = map().getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  }

  /** The table: the assets of the layer in the map view (at most MAX_CHUNKS stats chunks). */
  async function refreshTable() {
    const layerEntry = entry();
    if ($('assets').hidden || !layerEntry) return;
    tableToken += 1;
    const mine = tableToken;
    view = mapView();
    const status = $('asset-table-status');
    try {
      const chunks = chunksInView(await store.index(), view);
      const loaded = await Promise.all(chunks.slice(0, MAX_CHUNKS).map((c) => store.rows(layerEntry, c)));
      if (mine !== tableToken) return;
      const rows = loaded.flat().filter((r) => rowInView(r, view));
      const sorted = table.show(rows);
      table.select(a.id);
      const capped = chunks.length > MAX_CHUNKS ? ` Only part of the view is listed: zoom in to list all.` : '';
      const drawn = sorted.length > MAX_ROWS ? ` The first ${MAX_ROWS} are shown; the CSV of the table has all ${sorted.length}.` : '';
      status.textContent = `${sorted.length.toLocaleString('en')} of ${assets.count.toLocaleString('en')} assets in the map view, ${sortWords(table.sort)}.${drawn}${capped}`;
    } catch (error) {
      if (mine === tableToken) status.textContent = `Assets unavailable: ${error.message}`;
    }
  } // prettier-ignore

  function followView() {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(refreshTable, 150);
  }

  /** Select asset `asset` (dense id) of the current layer: panel, outline, table row; `fly`:
   * fit the map to it. */
  async function select(asset, { fly = false, hash = true, front = true } = {}) {
    const layerEntry = entry();
    if (!assets || !layerEntry || !Number.isInteger(asset) || asset < 0 || asset >= assets.count) return;
    token += 1;
    const mine = token;
    a.id = asset;
    if (hash) ctx.writeHash();
    if (map()) outlineSelected(map(), asset);
    table.select(asset);
    if (front && $('assets').hidden) open();
    else if (front) ctx.pointOpened();
    try {
      const row = await store.row(layerEntry, asset);
      if (mine !== token) return;
      panel.show(row, ctx.currentLayer(), assets);
      if (fly && map() && row.bbox) {
        const [w, s, e, n] = row.bbox;
        map().fitBounds([[w, s], [e, n]], { padding: 60, maxZoom: 18, duration: 600 });
      }
      const series = row.points_ok ? await store.series(layerEntry, asset) : null;
      if (mine !== token) return;
      panel.showSeries(series);
    } catch (error) {
      if (mine === token) panel.failed(error.message);
    }
  }

  function exportTable() {
    const rows = table.sorted();
    const layer = ctx.currentLayer();
    const about = { assets, layer, view, sort: sortWords(table.sort), attribution: ctx.attribution(), generator: document.body.dataset.generator || 'egms-tiler' }; // prettier-ignore
    download(new Blob(assetTableCsv(rows, about), { type: 'text/csv' }), `egms-assets-${layer.id}.csv`);
    return rows.length;
  }

  function links() {
    const layerEntry = entry();
    for (const [id, key] of [['asset-all-csv', 'csv'], ['asset-all-gpkg', 'gpkg']]) {
      const link = $(id);
      link.hidden = !layerEntry?.[key];
      if (layerEntry?.[key]) link.href = new URL(layerEntry[key], ctx.app.dataBase).href;
    }
    const layer = ctx.currentLayer();
    $('assets-source').textContent = `${assets.count.toLocaleString('en')} assets of ${assets.name}, ${layerName(layer)}; statistics over the points that pass the quality filter (${qualityWords(assets, layer)}).`; // prettier-ignore
  }

  function wire() {
    const stats = $('asset-stat');
    stats.replaceChildren(...Object.entries(ASSET_STATS).map(([key, info]) => option(key, info.label)), option(HIDDEN, 'hidden'));
    stats.addEventListener('change', () => setStat(stats.value));
    $('asset-stat-row').hidden = false;
    $('assets-open').hidden = false;
    $('assets-open').addEventListener('click', () => ($('assets').hidden ? open() : close()));
    $('assets-close').addEventListener('click', close);
    $('asset-table-csv').addEventListener('click', exportTable);
    table = createAssetTable({ head: $('asset-table-head'), body: $('asset-rows') }, {
      onPick: (row) => select(row.asset, { fly: true }),
      onSort: () => refreshTable(),
    }); // prettier-ignore
    panel = createAssetPanel({
      attribution: ctx.attribution,
      releaseSeries: (layer, asset) => assetReleaseSeries(store, assets, layer, asset),
      joinReleases: ctx.joinReleases,
    });
  }

  return {
    /** Whether the site has assets. */
    get present() {
      return Boolean(assets);
    },
    attach(mapInstance) {
      assets = assetsOf(ctx.app.manifest);
      if (!assets) return;
      store = createAssetStore(ctx.app.dataBase, assets);
      wire();
      if (!mapInstance) return;
      mapInstance.on('moveend', followView);
      mapInstance.on('mouseenter', ASSET_FILL, () => (mapInstance.getCanvas().style.cursor = 'pointer'));
      mapInstance.on('mouseleave', ASSET_FILL, () => (mapInstance.getCanvas().style.cursor = ''));
    },
    /** The shown EGMS layer changed (or was first drawn): its assets, the selection kept. */
    layerChanged() {
      if (!assets) return;
      paint(true);
      links();
      if (a.id !== null) select(a.id, { hash: false, front: false });
      refreshTable();
    },
    /** The points' look changed: a velocity statistic may share their colours. */
    restyle() {
      if (assets && map()) paint(false);
    },
    /** A click at screen `point` that selected no point: the asset under it, if any; true if so. */
    pickAt(point) {
      if (!assets || !map() || !map().getLayer(ASSET_FILL)) return false;
      const found = map().queryRenderedFeatures(point, { layers: [ASSET_FILL] });
      if (!found.length || found[0].id === undefined) return false;
      select(Number(found[0].id));
      return true;
    },
    select,
    close,
    open,
    /** Show or hide the selected asset's mean series across releases (rel=). */
    setJoined(on) {
      panel?.setJoined(on);
    },
    /** Hide the panel (the point's panel comes in front); the selected asset stays. */
    hidePanel() {
      if (!assets || $('assets').hidden) return;
      $('assets').hidden = true;
      $('assets-open').setAttribute('aria-pressed', 'false');
    },
    /** The address's {stat, id}: show them. */
    restore(parsed) {
      if (!assets) return;
      if (parsed.stat !== a.stat) {
        a.stat = parsed.stat;
        paint(true);
      }
      if (parsed.id === null && a.id !== null) close();
      else if (parsed.id !== null && parsed.id !== a.id) select(parsed.id, { hash: false });
    },
    /** Escape: close the assets panel; true if it did. */
    escape() {
      if (!assets || $('assets').hidden) return false;
      close();
      return true;
    },
    /** The figure key of the asset layer (frame.js), or null. */
    figureKey() {
      const stat = shownStat();
      if (!assets || !stat || !colours || !entry()) return null;
      const key = assetKey(assets, ctx.currentLayer(), stat, colours);
      const sign = key.sign && quantity(ctx.currentLayer(), 'velocity', attributeInfo('velocity')).sign; // the points' words
      return { heading: null, title: key.title, sign, grey: key.grey.replace(/^grey = /, ''), layer: `${assets.count} assets of ${assets.name}`, stops: key.palette.stops, range: key.range }; // prettier-ignore
    },
    exportTable,
    refreshTable,
    /** For tests and scripts: what is shown. */
    get api() {
      return {
        stat: a.stat,
        id: a.id,
        colours,
        sort: table?.sort,
        rows: table ? table.sorted() : [],
        view,
        selected: panel?.shown ? { row: panel.shown.row, series: panel.shown.series } : null,
        stats: [...document.querySelectorAll('#asset-stats dd')].map((n) => n.textContent),
        count: $('asset-count').textContent,
      };
    },
    get chart() {
      return panel?.chart;
    },
    setSort(sort) {
      table.setSort(sort);
      refreshTable();
    },
    FASTEST,
  };
}
