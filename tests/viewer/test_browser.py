"""The viewer in a real browser: Debian chromium driven by Playwright, against `egms-tiler serve`.

Expected values come from the built site's files and the ORIGINAL sample CSVs, read here with
gzip/json/csv, never from the viewer's own code. The page keeps its Content-Security-Policy
(no `bypass_csp`), so a policy violation shows up as a console error and fails the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CELL_LAYER,
    CIRCLE_LAYER,
    CLICK_LAYER,
    CLICK_SAMPLE,
    DATE_COLUMN,
    JS_VIEW,
    Viewer,
    assert_chart_is_the_row,
    default_layer,
    drop_aborted,
    expected_colour,
    forgive_aborted_tiles,
    isolated_point,
    manifest_layer,
    option_text,
    read_chunk,
    read_manifest,
)

pytestmark = pytest.mark.browser


# --- tests ---------------------------------------------------------------------------------------


def test_page_loads_clean_and_lists_the_layers(viewer: Viewer, built_site: Path) -> None:
    viewer.open()
    layers = read_manifest(built_site)["layers"]
    options = viewer.js(
        "() => [...document.querySelectorAll('#layer-select option')]"
        ".map(o => [o.value, o.textContent])"
    )
    assert len(layers) == 4
    assert options == [[layer["id"], option_text(layer)] for layer in layers]
    assert viewer.page.get_by_label("Layer").is_enabled()
    first = default_layer(built_site)
    assert first["id"] == "l2b-2020-2024-desc"  # the newest L2b, descending first
    assert viewer.js("() => egms.state.layerId") == first["id"]
    assert f"layer={first['id']}" in viewer.js("() => location.hash")
    legend = viewer.page.locator("#legend")
    assert legend.is_visible()
    half = max(abs(first["velocity"]["p02"]), abs(first["velocity"]["p98"]))
    assert viewer.page.text_content("#legend-min") == f"{-half:.1f}"
    assert viewer.page.text_content("#legend-max") == f"+{half:.1f}"
    assert "towards the satellite" in viewer.page.text_content("#legend-note")
    attribution = read_manifest(built_site)["attribution"]
    assert attribution in viewer.page.text_content(".maplibregl-ctrl-attrib")
    viewer.assert_no_errors()


def test_points_are_coloured_by_velocity(viewer: Viewer, built_site: Path) -> None:
    viewer.open()
    viewer.idle()
    layer = default_layer(built_site)
    half = max(abs(layer["velocity"]["p02"]), abs(layer["velocity"]["p98"]))
    rendered = viewer.js(
        """layer => egms.map.queryRenderedFeatures({layers: [layer]}).map(f => ({
             v: f.properties.velocity,
             rgb: ['r', 'g', 'b'].map(k => f.layer.paint['circle-color'][k] * 255)}))""",
        CIRCLE_LAYER,
    )
    assert len(rendered) > 0
    with_velocity = [f for f in rendered if f["v"] is not None]
    lowest = min(with_velocity, key=lambda f: f["v"])
    highest = max(with_velocity, key=lambda f: f["v"])
    assert lowest["v"] < -0.5 * half and highest["v"] > 0, (lowest["v"], highest["v"])
    for feature in (lowest, highest):
        want = expected_colour(feature["v"], half)
        assert feature["rgb"] == pytest.approx(want, abs=1.0), feature
    red, _, blue = lowest["rgb"]
    assert red > blue, "subsiding (negative) points are warm in vik"
    red, _, blue = highest["rgb"]
    assert blue > red, "positive points are blue in vik"
    viewer.assert_no_errors()


def open_point(viewer: Viewer, point: dict[str, Any]) -> None:
    """Show the click layer, zoom onto `point` and click it where the map draws it."""
    viewer.page.select_option("#layer-select", CLICK_LAYER)
    viewer.js(
        "p => egms.map.jumpTo({center: [p.lon, p.lat], zoom: 18})",
        {"lon": point["lon"], "lat": point["lat"]},
    )
    viewer.idle()
    xy = viewer.js("p => egms.map.project([p.lon, p.lat])", point)
    box = viewer.page.locator("#map").bounding_box()
    viewer.page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    viewer.wait_for_chart(point["pid"])


@pytest.fixture(scope="session")
def click_point(built_site: Path) -> dict[str, Any]:
    return isolated_point(built_site, manifest_layer(built_site, CLICK_LAYER))


def test_click_shows_the_point_and_its_exact_series(
    viewer: Viewer, click_point: dict[str, Any]
) -> None:
    point = click_point
    row = point["row"]
    aborted = forgive_aborted_tiles(viewer)  # the jump to the point cancels tiles in flight
    viewer.open()
    open_point(viewer, point)
    drop_aborted(viewer, aborted)

    xs, ys = viewer.js("() => egms.chart.data")
    assert_chart_is_the_row(xs, ys, row)
    dates = [name for name in row if DATE_COLUMN.match(name)]
    drawn = sum(1 for date in dates if row[date] != "")
    assert viewer.js("() => document.body.dataset.chartPoints") == str(drawn)

    panel = viewer.page.locator("#panel")
    velocity = f"{float(row['mean_velocity']):.1f} ± {float(row['mean_velocity_std']):.1f} mm/yr"
    assert velocity in panel.text_content()
    assert f"{float(row['temporal_coherence']):.2f}" in panel.text_content()
    assert CLICK_SAMPLE.stem in panel.text_content()
    assert f"pt={point['id']}" in viewer.js("() => location.hash")
    viewer.assert_no_errors()


# Maps a click on `p` (with the panel closed first, as bench/viewer.py does) to the number of map
# frames drawn before its chart was.
FRAMES_BEFORE_CHART_JS = """
async ([layerId, p]) => {
  egms.closePanel();
  await new Promise((r) => requestAnimationFrame(r));
  let frames = 0;
  const count = () => { frames += 1; };
  egms.map.on('render', count);
  const charted = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (document.body.dataset.chartPoints === undefined) return;
      observer.disconnect();
      resolve(frames);
    });
    observer.observe(document.body, {attributes: true, attributeFilter: ['data-chart-points']});
  });
  egms.selectFeature(layerId, p.id);
  const before = await charted;
  egms.map.off('render', count);
  return before;
}
"""

# Pixels of each colour within 30 px of `p` on a canvas (the ring overlay, or a PNG's image).
RING_PIXELS_JS = """
async ([p, colours, png]) => {
  let ratio = egms.map.getPixelRatio();
  const at = egms.map.project([p.lon, p.lat]);
  let source = document.querySelector('.map-rings');
  if (png) {  // the Map PNG: its map (at the top, without a title) is 2 pixels per CSS px
    let blob = null;
    const original = URL.createObjectURL;
    URL.createObjectURL = (b) => { if (b.type === 'image/png') blob = b; return original(b); };
    document.getElementById('export-map').click();
    while (!blob) await new Promise((r) => setTimeout(r, 20));
    URL.createObjectURL = original;
    source = await createImageBitmap(blob);
    ratio = source.width / egms.map.getContainer().clientWidth;
  }
  const canvas = new OffscreenCanvas(source.width, source.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(source, 0, 0);
  const box = 30 * ratio;
  const data = ctx.getImageData(at.x * ratio - box, at.y * ratio - box, 2 * box, 2 * box).data;
  return colours.map(([r, g, b]) => {
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const off = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
      if (off < 30 && data[i + 3] > 200) n += 1;
    }
    return n;
  });
}
"""
RING_COLOURS = [(0x11, 0x11, 0x11), (0x00, 0x72, 0xB2)]  # selection ring, first chart colour


def test_a_selection_draws_no_map_frame_before_its_chart_and_rings_the_point(
    viewer: Viewer, click_point: dict[str, Any]
) -> None:
    """The click path of issue 8: with 1M points and no GPU a map frame costs ~80 ms, so the
    chart comes first; the rings go on a canvas over the map, and into the map PNG."""
    point = click_point
    viewer.open(f"#layer={CLICK_LAYER}")
    viewer.js("p => egms.map.jumpTo({center: [p.lon, p.lat], zoom: 17})", point)
    viewer.idle()
    assert viewer.js(FRAMES_BEFORE_CHART_JS, [CLICK_LAYER, point]) == 0
    viewer.wait_for_chart(point["pid"])
    black, blue = viewer.js(RING_PIXELS_JS, [point, RING_COLOURS, False])
    assert black > 20 and blue > 20, (black, blue)
    black, blue = viewer.js(RING_PIXELS_JS, [point, RING_COLOURS, True])
    assert black > 20 and blue > 20, ("map PNG", black, blue)

    viewer.page.keyboard.press("Escape")  # folds the panel: the point stays marked
    assert viewer.page.locator("#panel").is_hidden()
    black, blue = viewer.js(RING_PIXELS_JS, [point, RING_COLOURS, False])
    assert black > 20 and blue > 20, ("folded", black, blue)
    viewer.page.click("#panel-reopen")
    viewer.page.click("#work-clear")
    assert viewer.js(RING_PIXELS_JS, [point, RING_COLOURS, False]) == [0, 0]
    viewer.assert_no_errors()


def test_second_point_of_a_chunk_needs_no_request(viewer: Viewer, built_site: Path) -> None:
    layer = manifest_layer(built_site, CLICK_LAYER)
    chunk = read_chunk(built_site, layer, 0)
    first, second = chunk["first_id"], chunk["first_id"] + len(chunk["pid"]) - 1
    viewer.open(f"#layer={CLICK_LAYER}")
    viewer.js("([l, id]) => egms.selectFeature(l, id)", [CLICK_LAYER, first])
    viewer.wait_for_chart(chunk["pid"][0])
    viewer.js("([l, id]) => egms.selectFeature(l, id)", [CLICK_LAYER, second])
    viewer.wait_for_chart(chunk["pid"][-1])
    assert len(viewer.chunk_requests()) == 1, viewer.chunk_requests()
    want = [None if v is None else v / 10 for v in chunk["d"][-1]]
    assert viewer.js("() => egms.chart.data[1]") == pytest.approx(want, abs=1e-9)
    viewer.assert_no_errors()


def test_permalink_reopens_the_panel(viewer: Viewer, click_point: dict[str, Any]) -> None:
    point = click_point
    viewer.open(f"#layer={CLICK_LAYER}")
    viewer.js("p => egms.map.jumpTo({center: [p.lon, p.lat], zoom: 17})", point)
    viewer.js("([l, id]) => egms.selectFeature(l, id)", [CLICK_LAYER, point["id"]])
    viewer.wait_for_chart(point["pid"])
    permalink = viewer.js("() => location.hash")
    assert f"layer={CLICK_LAYER}" in permalink and f"pt={point['id']}" in permalink

    viewer.page.reload()
    viewer.wait_ready()
    viewer.wait_for_chart(point["pid"])
    assert viewer.js("() => location.hash") == permalink
    assert viewer.page.locator("#layer-select").input_value() == CLICK_LAYER
    velocity = f"{float(point['row']['mean_velocity']):.1f} ±"
    viewer.page.wait_for_function(
        "text => document.getElementById('panel').textContent.includes(text)", arg=velocity
    )

    viewer.page.keyboard.press("Escape")
    assert viewer.page.locator("#panel").is_hidden()
    assert f"pt={point['id']}" in viewer.js("() => location.hash")  # folded, not dropped
    assert viewer.page.locator("#panel-reopen").is_visible()
    viewer.assert_no_errors()


def test_switching_layer_keeps_the_view(viewer: Viewer, built_site: Path) -> None:
    layers = read_manifest(built_site)["layers"]
    up = next(layer for layer in layers if layer["geometry"] == "up")
    west, south, east, north = up["bounds"]
    lon, lat = (west + east) / 2, (south + north) / 2
    viewer.open(f"#13.25/{lat:.6f}/{lon:.6f}&layer={layers[0]['id']}")
    before = viewer.js(JS_VIEW)
    assert before == pytest.approx([13.25, lon, lat], abs=1e-6)

    viewer.page.select_option("#layer-select", up["id"])
    viewer.idle()
    after = viewer.js(JS_VIEW)
    assert after == pytest.approx(before, abs=1e-9)
    assert f"layer={up['id']}" in viewer.js("() => location.hash")
    assert viewer.page.text_content("#legend-note").startswith("positive = up")
    count = viewer.js("l => egms.map.queryRenderedFeatures({layers: l}).length", [CELL_LAYER])
    assert count > 0  # L3 at zoom 13: 100 m cells, 20 px wide
    viewer.assert_no_errors()
