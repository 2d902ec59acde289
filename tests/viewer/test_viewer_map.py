"""The map side of the viewer in a real browser: layer picker, colours, filters, outlines,
basemap, search, split view, nearby points, permalinks.

Expected values come from the built site's files and the ORIGINAL sample CSVs, read here in
Python (gzip/json/csv); the page keeps its Content-Security-Policy.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CIRCLE_LAYER,
    CLICK_SAMPLE,
    JS_VIEW,
    REPO,
    Viewer,
    default_layer,
    drop_aborted,
    forgive_aborted_tiles,
    isolated_point,
    manifest_layer,
    product_period,
    read_chunk,
    read_manifest,
    source_rows,
)
from conftest import L2B_ASC

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "build" / "test-artifacts"
PALETTES_JS = REPO / "site" / "app" / "palettes.js"
DESC = "l2b-2020-2024-desc"
ASC = "l2b-2020-2024-asc"
UP = "l3-2020-2024-up"
EAST = "l3-2020-2024-east"
EARTH_RADIUS_M = 6371008.8

JS_RENDERED = """layer => egms.map.queryRenderedFeatures({layers: [layer]}).map(f => ({
    id: f.id, pid: f.properties.pid, coherence: f.properties.coherence,
    velocity: f.properties.velocity, lon: f.geometry.coordinates[0],
    lat: f.geometry.coordinates[1],
    rgb: ['r', 'g', 'b'].map(k => f.layer.paint['circle-color'][k] * 255)}))"""

# Distinct colours among sampled pixels of the map canvas (a blank canvas has one).
JS_CANVAS_COLOURS = """canvas => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 64;
    const g = c.getContext('2d');
    g.drawImage(canvas, 0, 0, 64, 64);
    const d = g.getImageData(0, 0, 64, 64).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return seen.size;
}"""


# --- reading expectations in Python ---------------------------------------------------------------


def palette_stops(name: str) -> list[tuple[float, tuple[int, int, int]]]:
    text = PALETTES_JS.read_text(encoding="utf-8")
    start = text.index(f"  {name}: {{")
    block = text[start : text.index("],\n  },", start)]
    stops = re.findall(r"\[([\d.]+), \"#([0-9a-f]{6})\"\]", block)
    return [(float(t), tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))) for t, h in stops]


def expected_rgb(name: str, value: float, low: float, high: float) -> tuple[float, ...]:
    stops = palette_stops(name)
    t = min(1.0, max(0.0, (value - low) / (high - low)))
    for (t0, c0), (t1, c1) in zip(stops, stops[1:], strict=False):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return tuple(a + (b - a) * f for a, b in zip(c0, c1, strict=True))
    return tuple(float(c) for c in stops[-1][1])


def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) % 2**32
    return h


def pid_lookup(site: Path, layer: dict[str, Any], pid: str) -> int | None:
    bucket = fnv1a32(pid) % layer["pids"]["buckets"]
    path = site / "data" / layer["pids"]["path"].replace("{bucket}", str(bucket))
    return json.loads(gzip.decompress(path.read_bytes())).get(pid)


def save_screenshot(viewer: Viewer, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    viewer.page.screenshot(path=str(path))
    assert path.stat().st_size > 5_000
    colours = viewer.page.evaluate(JS_CANVAS_COLOURS, viewer.page.evaluate_handle(
        "() => egms.map.getCanvas()"))  # fmt: skip
    assert colours > 10, f"{name}: the map canvas looks blank ({colours} colours)"
    return path


def open_settings(viewer: Viewer) -> None:
    if viewer.page.locator("#legend-settings").is_hidden():
        viewer.page.click("#legend-settings-toggle")


def centre_of(layer: dict[str, Any]) -> tuple[float, float]:
    west, south, east, north = layer["bounds"]
    return (west + east) / 2, (south + north) / 2


# --- tests ----------------------------------------------------------------------------------------


def test_layer_picker_groups_layers_by_product_and_period(viewer: Viewer, built_site: Path) -> None:
    viewer.open()
    groups = viewer.js(
        "() => [...document.querySelectorAll('#layer-select optgroup')]"
        ".map(g => [g.label, [...g.querySelectorAll('option')].map(o => o.value)])"
    )
    want: dict[str, list[str]] = {}
    for layer in read_manifest(built_site)["layers"]:
        want.setdefault(product_period(layer), []).append(layer["id"])
    assert list(want) == ["EGMS Calibrated (L2b) 2020-2024", "EGMS Ortho (L3) 2020-2024"]
    assert groups == [[key, ids] for key, ids in want.items()]
    assert viewer.page.get_by_label("Layer").is_enabled()
    viewer.assert_no_errors()


def test_switching_layer_keeps_view_and_the_same_pid(viewer: Viewer, built_site: Path) -> None:
    up, east = manifest_layer(built_site, UP), manifest_layer(built_site, EAST)
    chunk = read_chunk(built_site, up, 0)
    up_id, pid = chunk["first_id"] + 5, chunk["pid"][5]
    east_id = pid_lookup(built_site, east, pid)
    assert east_id is not None, "L3 U and E share their cell pids"
    lon, lat = chunk["lon"][5], chunk["lat"][5]
    viewer.open(f"#15.00/{lat:.6f}/{lon:.6f}&layer={UP}")
    viewer.js("([l, id]) => egms.selectFeature(l, id)", [UP, up_id])
    viewer.wait_for_chart(pid)
    before = viewer.js(JS_VIEW)

    viewer.page.select_option("#layer-select", EAST)
    viewer.page.wait_for_function(
        "id => egms.state.layerId === 'l3-2020-2024-east' && egms.state.featureId === id",
        arg=east_id,
    )
    viewer.wait_for_chart(pid)
    assert viewer.js(JS_VIEW) == pytest.approx(before, abs=1e-9)
    assert f"pt={east_id}" in viewer.js("() => location.hash")
    east_chunk = read_chunk(built_site, east, east_id // east["chunks"]["size"])
    row = east_chunk["d"][east_id - east_chunk["first_id"]]
    assert viewer.js("() => egms.chart.data[1]") == pytest.approx(
        [None if v is None else v / 10 for v in row], abs=1e-9
    )

    # a pid the other layer does not have: the panel closes, the status says why
    viewer.page.select_option("#layer-select", DESC)
    viewer.page.wait_for_function("() => document.getElementById('status').textContent"
                                  ".includes('is not in this layer')")  # fmt: skip
    assert viewer.js("() => egms.state.featureId") is None
    viewer.assert_no_errors()


def rendered_near(viewer: Viewer, lon: float, lat: float) -> list[dict[str, Any]]:
    viewer.js("p => egms.map.jumpTo({center: [p[0], p[1]], zoom: 16})", [lon, lat])
    viewer.idle()
    return viewer.js(JS_RENDERED, CIRCLE_LAYER)


def test_palette_presets_and_min_max_change_the_colours(viewer: Viewer, built_site: Path) -> None:
    point = isolated_point(built_site, manifest_layer(built_site, DESC))
    velocity = float(point["row"]["mean_velocity"])
    viewer.open(f"#layer={DESC}")
    open_settings(viewer)

    def colour() -> list[float]:
        found = [f for f in rendered_near(viewer, point["lon"], point["lat"])
                 if f["id"] == point["id"]]  # fmt: skip
        assert found, "the point is drawn"
        return found[0]["rgb"]

    layer = manifest_layer(built_site, DESC)
    half = max(abs(layer["velocity"]["p02"]), abs(layer["velocity"]["p98"]))
    assert colour() == pytest.approx(expected_rgb("vik", velocity, -half, half), abs=1.0)

    viewer.page.select_option("#palette-select", "roma")
    assert colour() == pytest.approx(expected_rgb("roma", velocity, -half, half), abs=1.0)
    viewer.page.select_option("#range-preset", "5")
    assert colour() == pytest.approx(expected_rgb("roma", velocity, -5, 5), abs=1.0)
    assert viewer.page.text_content("#legend-max") == "+5.0"
    viewer.page.fill("#range-min", "-1")
    viewer.page.fill("#range-max", "4")
    viewer.page.press("#range-max", "Enter")
    viewer.page.locator("#range-max").blur()
    viewer.page.wait_for_function("() => location.hash.includes('vmax=4')")
    assert colour() == pytest.approx(expected_rgb("roma", velocity, -1, 4), abs=1.0)
    hash_ = viewer.js("() => location.hash")
    assert "cmap=roma" in hash_ and "vmin=-1" in hash_ and "vmax=4" in hash_
    assert viewer.page.text_content("#legend-min") == "-1.0"
    assert viewer.page.select_option("#range-preset", "auto")
    assert colour() == pytest.approx(expected_rgb("roma", velocity, -half, half), abs=1.0)
    save_screenshot(viewer, "palette-roma")
    viewer.assert_no_errors()


def test_point_size_and_opacity(viewer: Viewer) -> None:
    viewer.open(f"#layer={DESC}")
    open_settings(viewer)
    viewer.page.locator("#point-size").fill("2")
    viewer.page.locator("#point-opacity").fill("0.5")
    paint = viewer.js(
        "l => [egms.map.getPaintProperty(l, 'circle-radius'),"
        " egms.map.getPaintProperty(l, 'circle-opacity')]",
        CIRCLE_LAYER,
    )
    assert paint[1] == 0.5
    assert paint[0][-1] == pytest.approx(20)  # 10 px at zoom 18, twice
    hash_ = viewer.js("() => location.hash")
    assert "size=2" in hash_ and "opacity=0.5" in hash_
    viewer.assert_no_errors()


def test_quality_filters_hide_exactly_the_points_below_the_limits(
    viewer: Viewer, built_site: Path
) -> None:
    rows = list(source_rows(CLICK_SAMPLE))
    layer = manifest_layer(built_site, DESC)
    lon, lat = centre_of(layer)
    viewer.open(f"#15.00/{lat:.6f}/{lon:.6f}&layer={DESC}")
    viewer.idle()
    inner = viewer.js(
        """() => { const c = egms.map.getCanvas().getBoundingClientRect();
           const a = egms.map.unproject([40, 40]), b = egms.map.unproject([c.width - 40,
           c.height - 40]); return [a.lng, b.lat, b.lng, a.lat]; }"""
    )
    west, south, east, north = inner
    eps = 2e-5  # tile coordinates are quantised (~1 m at z14)

    def csv_pids(cmin: float, smax: float | None, margin: float) -> set[str]:
        return {
            r["pid"] for r in rows
            if west - margin < float(r["longitude"]) < east + margin
            and south - margin < float(r["latitude"]) < north + margin
            and float(r["temporal_coherence"]) >= cmin
            and (smax is None or float(r["mean_velocity_std"]) <= smax)
        }  # fmt: skip

    counts = []
    open_settings(viewer)
    for cmin, smax in [(0.0, None), (0.7, None), (0.9, None), (0.7, 0.1)]:
        viewer.page.locator("#filter-coherence").fill(str(cmin))
        if smax is not None:
            viewer.page.locator("#filter-sigma").fill(str(smax))
        viewer.idle()
        rendered = {
            f["pid"] for f in viewer.js(JS_RENDERED, CIRCLE_LAYER)
            if west < f["lon"] < east and south < f["lat"] < north
        }  # fmt: skip
        assert csv_pids(cmin, smax, -eps) <= rendered <= csv_pids(cmin, smax, eps), (cmin, smax)
        counts.append(len(rendered))
        coherent = [">=", ["coalesce", ["get", "coherence"], -1], cmin]
        precise = ["<=", ["coalesce", ["get", "velocity_std"], 1e9], smax]
        want = None if cmin == 0 else coherent if smax is None else ["all", coherent, precise]
        assert viewer.js("l => egms.map.getFilter(l)", CIRCLE_LAYER) == want
    assert counts[0] > counts[1] > counts[2] > 0 and counts[3] <= counts[1], counts
    hash_ = viewer.js("() => location.hash")
    assert "cmin=0.7" in hash_ and "smax=0.1" in hash_
    save_screenshot(viewer, "quality-filter")
    viewer.assert_no_errors()


def test_unit_outlines_are_drawn(viewer: Viewer, built_site: Path) -> None:
    for layer_id in (DESC, UP):
        layer = manifest_layer(built_site, layer_id)
        outlines = json.loads((built_site / "data" / layer["outlines"]).read_text())
        assert len(outlines["features"]) == len(layer["units"])
        viewer.open(f"#layer={layer_id}")
        open_settings(viewer)
        viewer.page.check("#outlines-toggle")
        viewer.idle()
        drawn = viewer.js(
            "() => [...new Set(egms.map.queryRenderedFeatures({layers: ['egms-units-line']})"
            ".map(f => f.properties.index))]"
        )
        assert sorted(drawn) == [unit["index"] for unit in layer["units"]]
        assert "units=1" in viewer.js("() => location.hash")
    save_screenshot(viewer, "unit-outlines")
    viewer.assert_no_errors()


def test_offline_basemap_is_drawn_from_the_site_alone(viewer: Viewer, built_site: Path) -> None:
    viewer.open()
    viewer.js("() => egms.map.jumpTo({center: [13.5, 38.5], zoom: 6})")
    viewer.idle()
    land = viewer.js("() => egms.map.queryRenderedFeatures({layers: ['basemap-land']}).length")
    borders = viewer.js("() => egms.map.getLayer('basemap-borders') !== undefined")
    assert land > 0 and borders
    outside = [
        url for url in viewer.requests
        if not url.startswith((viewer.base, "blob:", "data:"))
    ]  # fmt: skip
    assert outside == [], outside
    assert any(url.endswith("data/basemap.pmtiles") for url in viewer.requests)
    assert "Natural Earth" in viewer.page.text_content(".maplibregl-ctrl-attrib")
    save_screenshot(viewer, "basemap-offline")
    viewer.assert_no_errors()


# Every view the map has drawn, from its first frame (egms.map exists once the map is made).
JS_RECORD_VIEWS = """(() => {
  window.__views = [];
  const tick = () => {
    const map = window.egms && window.egms.map;
    if (map) {
      const view = [map.getZoom(), map.getCenter().lng, map.getCenter().lat];
      const last = window.__views[window.__views.length - 1];
      if (!last || view.some((v, i) => Math.abs(v - last[i]) > 1e-9)) window.__views.push(view);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""


def test_page_opens_on_the_layer_and_loads_each_file_once(viewer: Viewer, built_site: Path) -> None:
    """The first frame already shows the layer's bounds (no world view loaded and drawn
    first), and the preloaded manifest and modules are not fetched a second time."""
    viewer.page.add_init_script(JS_RECORD_VIEWS)
    viewer.open()
    viewer.idle()
    views = viewer.js("() => window.__views")
    assert len(views) == 1, views
    zoom, lon, lat = views[0]
    west, south, east, north = default_layer(built_site)["bounds"]
    assert west < lon < east and south < lat < north and zoom > 5
    loaded = [url for url in viewer.requests if "/assets/app-" in url or "manifest.json" in url]
    assert len(loaded) == len(set(loaded)), sorted(loaded)
    assert any(url.endswith("data/manifest.json") for url in loaded)
    viewer.assert_no_errors()


def test_search_by_pid_finds_it_in_another_layer(viewer: Viewer, built_site: Path) -> None:
    layer = manifest_layer(built_site, DESC)
    chunk = read_chunk(built_site, layer, 1)
    pid, feature_id = chunk["pid"][3], chunk["first_id"] + 3
    row = next(r for r in source_rows(CLICK_SAMPLE) if r["pid"] == pid)
    aborted = forgive_aborted_tiles(viewer)
    viewer.open(f"#layer={ASC}")
    viewer.page.fill("#search-input", pid)
    viewer.page.press("#search-input", "Enter")
    viewer.wait_for_chart(pid)
    assert viewer.js("() => [egms.state.layerId, egms.state.featureId]") == [DESC, feature_id]
    centre = viewer.js("() => egms.map.getCenter().toArray()")
    assert centre == pytest.approx([float(row["longitude"]), float(row["latitude"])], abs=2e-6)
    assert pid in viewer.page.text_content("#search-status")

    viewer.page.fill("#search-input", "38.7, 13.17")
    viewer.page.press("#search-input", "Enter")
    viewer.page.wait_for_function(
        "() => document.getElementById('search-status').textContent.startsWith('Moved')"
    )
    assert viewer.js("() => egms.map.getCenter().toArray()") == pytest.approx([13.17, 38.7])
    viewer.page.fill("#search-input", "ZZZZZZZZZZ")
    viewer.page.press("#search-input", "Enter")
    viewer.page.wait_for_function(
        "() => document.getElementById('search-status').textContent.startsWith('No point')"
    )
    drop_aborted(viewer, aborted)
    viewer.assert_no_errors()


def test_split_view_shows_both_layers(viewer: Viewer, built_site: Path) -> None:
    lon, lat = centre_of(manifest_layer(built_site, DESC))
    viewer.open(f"#15.00/{lat:.6f}/{lon:.6f}&layer={DESC}")
    viewer.page.select_option("#compare-select", ASC)
    viewer.page.wait_for_function("() => egms.view.compareMap && egms.view.compareMap.loaded()")
    viewer.page.evaluate(
        "() => new Promise(r => { const m = egms.view.compareMap; if (m.areTilesLoaded()"
        " && m.queryRenderedFeatures({layers: ['egms-velocity']}).length) r();"
        " else m.once('idle', r); m.triggerRepaint(); })"
    )
    main_pids = {f["pid"] for f in viewer.js(JS_RENDERED, CIRCLE_LAYER)}
    other = viewer.js(
        "() => egms.view.compareMap.queryRenderedFeatures({layers: ['egms-velocity']})"
        ".map(f => f.properties.pid)"
    )
    desc = {r["pid"] for r in source_rows(CLICK_SAMPLE)}
    asc = {r["pid"] for r in source_rows(L2B_ASC)}
    assert main_pids and main_pids <= desc
    assert other and set(other) <= asc
    centres = viewer.js(
        "() => [egms.map.getCenter().toArray(), egms.view.compareMap.getCenter().toArray()]"
    )
    assert centres[0] == pytest.approx(centres[1])
    assert "cmp=" + ASC in viewer.js("() => location.hash")
    assert viewer.page.locator("#compare-divider").is_visible()
    viewer.page.focus("#compare-divider")
    viewer.page.keyboard.press("ArrowRight")
    assert viewer.js("() => egms.view.compareMap && egms.view.look.cmp") == ASC
    save_screenshot(viewer, "split-view")
    viewer.page.select_option("#compare-select", "")
    assert viewer.js("() => egms.view.compareMap") is None
    viewer.assert_no_errors()


JS_COMPARE_READY = (
    "() => new Promise(r => { const m = egms.view.compareMap; if (m.areTilesLoaded()"
    " && m.queryRenderedFeatures({layers: ['egms-velocity']}).length) r();"
    " else m.once('idle', r); m.triggerRepaint(); })"
)
JS_RING_CANVASES = """() => [...document.querySelectorAll('.map-rings')].map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 200) n += 1;
  return n;
})"""


def test_compare_same_quantity_one_range_clicks_both_sides_rings_both(
    viewer: Viewer, built_site: Path
) -> None:
    """LOS | LOS: one colour range for both sides, one legend; a click right of the divider
    puts that side's point on the chart (the left one stays the primary); rings on both maps."""
    desc, asc = manifest_layer(built_site, DESC), manifest_layer(built_site, ASC)
    lon, lat = centre_of(desc)
    viewer.open(f"#16.00/{lat:.6f}/{lon:.6f}&layer={DESC}&cmp={ASC}")
    viewer.page.wait_for_function("() => egms.view.compareMap && egms.view.compareMap.loaded()")
    viewer.page.evaluate(JS_COMPARE_READY)
    half = max(abs(v) for layer in (desc, asc) for v in layer["velocity"].values())
    assert viewer.js("() => [egms.view.resolved.range.min, egms.view.resolved.range.max]") == (
        pytest.approx([-round(half, 1), round(half, 1)])
    )
    assert viewer.page.locator("#legend-right").is_hidden()
    assert "both sides of the divider" in viewer.page.text_content("#legend-note")
    box = viewer.page.locator("#map").bounding_box()
    right = viewer.js(
        """([x0, y0, w]) => egms.view.compareMap.queryRenderedFeatures({layers: ['egms-velocity']})
          .map((f) => ({id: f.id, pid: f.properties.pid,
                        at: egms.view.compareMap.project(f.geometry.coordinates)}))
          .find((f) => f.at.x > w * 0.6 && f.at.x < w * 0.95
            && document.elementFromPoint(x0 + f.at.x, y0 + f.at.y)?.closest('.map'))""",
        [box["x"], box["y"], box["width"]],
    )
    assert right, "no point of the right side in view"
    viewer.page.mouse.click(box["x"] + right["at"]["x"], box["y"] + right["at"]["y"])
    viewer.page.wait_for_function("() => document.body.dataset.chartSeries === '1'")
    summary = viewer.js("() => egms.analysis.settled()")
    assert [(s["layer"], s["pid"]) for s in summary["series"]] == [(ASC, right["pid"])]
    assert viewer.js("() => egms.state.layerId") == DESC, "the left side's layer stays"
    assert f"sel={ASC}:{right['id']}" in viewer.js("() => location.hash")
    viewer.page.wait_for_function("() => document.querySelectorAll('.map-rings').length === 2")
    main_ring, compare_ring = viewer.js(JS_RING_CANVASES)
    assert main_ring > 0 and compare_ring > 0, (main_ring, compare_ring)
    viewer.assert_no_errors()


def test_compare_other_quantity_has_a_legend_per_side(viewer: Viewer, built_site: Path) -> None:
    lon, lat = centre_of(manifest_layer(built_site, DESC))
    viewer.open(f"#15.00/{lat:.6f}/{lon:.6f}&layer={DESC}&cmp={UP}")
    viewer.page.wait_for_function("() => egms.view.compareMap && egms.view.compareMap.loaded()")
    assert viewer.page.text_content("#legend-title") == "Left: LOS velocity (mm/yr)"
    assert viewer.page.locator("#legend-right").is_visible()
    assert viewer.page.text_content("#legend-right-title") == "Right: Vertical velocity (mm/yr)"
    up = manifest_layer(built_site, UP)
    half = round(max(abs(v) for v in up["velocity"].values()), 1)
    assert viewer.page.text_content("#legend-right-max") == f"+{half:.1f}"
    assert "right: positive = up" in viewer.page.text_content("#legend-note")
    viewer.assert_no_errors()


def test_nearest_points_of_other_layers_join_the_chart(viewer: Viewer, built_site: Path) -> None:
    desc = manifest_layer(built_site, DESC)
    chunk = read_chunk(built_site, desc, 0)
    pid, feature_id = chunk["pid"][10], chunk["first_id"] + 10
    lon, lat = chunk["lon"][10], chunk["lat"][10]
    asc_rows = list(source_rows(L2B_ASC))
    nearest = min(
        asc_rows, key=lambda r: haversine(lon, lat, float(r["longitude"]), float(r["latitude"]))
    )
    distance = haversine(lon, lat, float(nearest["longitude"]), float(nearest["latitude"]))
    assert distance <= 30, "the sample has an ascending point within 30 m"

    viewer.open(f"#17.00/{lat:.6f}/{lon:.6f}&layer={DESC}")
    viewer.js("([l, id]) => egms.selectFeature(l, id)", [DESC, feature_id])
    viewer.wait_for_chart(pid)
    viewer.page.click("#nearby-find")
    viewer.page.wait_for_function("() => egms.view.nearby !== null")
    found = {item["layerId"]: item["point"] for item in viewer.js("() => egms.view.nearby")}
    assert set(found) == {ASC, UP, EAST}
    assert found[ASC]["pid"] == nearest["pid"]
    assert found[ASC]["distance"] == pytest.approx(distance, abs=0.05)
    shown = viewer.page.locator(f".nearby-point[data-layer='{ASC}']")
    assert shown.text_content().startswith(f"{nearest['pid']}, {distance:.1f} m")

    viewer.page.click(f"#nearby button[aria-label*='{nearest['pid']}']")
    series = viewer.page.evaluate(
        """pid => (async () => { for (let i = 0; i < 100; i += 1) {
             const s = await egms.analysis.settled();
             const hit = s.series.find(x => x.pid === pid);
             if (hit) return hit;
             await new Promise(r => setTimeout(r, 50)); } return null; })()""",
        nearest["pid"],
    )
    assert series is not None and series["layer"] == ASC
    dates = [name for name in nearest if re.fullmatch(r"\d{8}", name)]
    want = [None if nearest[d] == "" else float(nearest[d]) for d in dates]
    assert series["values"] == pytest.approx(want, abs=1e-9)
    save_screenshot(viewer, "nearby-points")
    viewer.assert_no_errors()


@pytest.mark.parametrize(
    ("attribute", "title", "signed"),
    [
        ("acceleration", "LOS acceleration (mm/yr²)", True),
        ("coherence", "Temporal coherence (0–1)", False),
        ("height", "Height (m)", False),
        ("seasonality", "Seasonality (amplitude) (mm)", False),
    ],
)
def test_colour_by_attribute_has_its_scale_units_and_legend(
    viewer: Viewer, built_site: Path, attribute: str, title: str, signed: bool
) -> None:
    layer = manifest_layer(built_site, DESC)
    stats = layer["stats"][attribute]
    viewer.open(f"#layer={DESC}")
    open_settings(viewer)
    viewer.page.select_option("#color-select", attribute)
    assert viewer.page.text_content("#legend-title") == title
    low, high = viewer.js("() => [egms.view.resolved.range.min, egms.view.resolved.range.max]")
    if signed:
        half = max(abs(stats["p02"]), abs(stats["p98"]))
        assert (low, high) == pytest.approx((-half, half), abs=0.006)
        assert "towards the satellite" in viewer.page.text_content("#legend-note")
        assert viewer.js("() => egms.view.resolved.palette.kind") == "diverging"
    else:
        assert (low, high) == pytest.approx((stats["p02"], stats["p98"]), abs=0.06)
        assert viewer.js("() => egms.view.resolved.palette.kind") == "sequential"
    assert f"color={attribute}" in viewer.js("() => location.hash")
    colour = viewer.js("l => egms.map.getPaintProperty(l, 'circle-color')", CIRCLE_LAYER)
    assert colour[1] == ["has", attribute]
    viewer.assert_no_errors()


def test_a_permalink_restores_the_map_settings(viewer: Viewer, built_site: Path) -> None:
    lon, lat = centre_of(manifest_layer(built_site, DESC))
    look = (
        f"&layer={DESC}&cmap=broc&color=velocity&vmin=-3&vmax=2&size=1.5&opacity=0.7"
        f"&cmin=0.6&smax=0.2&cmp={ASC}&units=1"
    )
    viewer.open(f"#15.00/{lat:.6f}/{lon:.6f}{look}")
    viewer.page.wait_for_function("() => egms.view.compareMap !== null")
    got = viewer.js("() => egms.view.look")
    assert got["cmap"] == "broc" and got["vmin"] == -3 and got["vmax"] == 2
    assert got["size"] == 1.5 and got["opacity"] == 0.7
    assert got["cmin"] == 0.6 and got["smax"] == 0.2 and got["cmp"] == ASC and got["units"]
    assert viewer.page.locator("#palette-select").input_value() == "broc"
    assert viewer.page.text_content("#legend-min") == "-3.0"
    assert viewer.js("l => egms.map.getPaintProperty(l, 'circle-opacity')", CIRCLE_LAYER) == 0.7
    assert "0.6" in json.dumps(viewer.js("l => egms.map.getFilter(l)", CIRCLE_LAYER))
    viewer.idle()
    permalink = viewer.js("() => location.hash")
    for part in look.split("&")[1:]:
        if not part.startswith("color=velocity"):
            assert part in permalink, part
    viewer.page.reload()
    viewer.wait_ready()
    viewer.page.wait_for_function("() => egms.view.compareMap !== null")
    assert viewer.js("() => egms.view.look") == got
    viewer.assert_no_errors()


def test_description_is_text_and_escape_folds_settings(viewer: Viewer, built_site: Path) -> None:
    viewer.open()
    description = read_manifest(built_site).get("description", "")
    node = viewer.page.locator("#site-description")
    assert (node.text_content() or "") == description
    viewer.page.click("#legend-settings-toggle")
    viewer.page.focus("#point-size")
    viewer.page.keyboard.press("Escape")
    assert viewer.page.locator("#legend-settings").is_hidden()
    assert viewer.js("() => document.activeElement.id") == "legend-settings-toggle"
    for control in ("#color-select", "#range-preset", "#filter-coherence", "#search-input"):
        label = viewer.js(
            "sel => { const el = document.querySelector(sel); return el.labels[0].textContent; }",
            control,
        )
        assert label.strip(), control
    viewer.assert_no_errors()
