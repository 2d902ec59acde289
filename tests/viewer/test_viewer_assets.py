"""The assets in the viewer (site/app/assets.js, assetdata.js, assettable.js, assetpanel.js), in
real Chromium against a site built with `--assets` (the bundled Ustica assets, ids from `name`).

What the page shows is checked against the site's own files: the statistics of a clicked asset
against its row of `assets.csv`, the chart's mean and band against its series chunk, the table's
CSV against the rows the table holds, the map's colours against the legend's statistic.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import ARTIFACTS, PAGE_TIMEOUT_MS, Viewer, serving
from PIL import Image

pytestmark = pytest.mark.browser

LAYER = "l2b-2020-2024-desc"
VIEW = "#15.20/38.7055/13.1760"  # the middle of Ustica: most of the assets, large enough to click
WINDOWS = [(390, 844), (1024, 768), (1440, 900)]
STAT_COLUMNS = {
    "mean": "mean_velocity_mm_yr",
    "median": "median_velocity_mm_yr",
    "p05": "p05_velocity_mm_yr",
    "p95": "p95_velocity_mm_yr",
    "diff": "differential_velocity_mm_yr",
    "std": "velocity_spread_std_mm_yr",
}


@pytest.fixture(scope="module")
def asset_url(asset_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(asset_site, tmp_path_factory.mktemp("serve-assets")) as url:
        yield url


@pytest.fixture
def view(browser: Any, asset_url: str) -> Iterator[Viewer]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    shown = Viewer(page, asset_url)
    page.on("console", lambda m: m.type == "error" and shown.errors.append(m.text))
    page.on("pageerror", lambda e: shown.errors.append(f"uncaught: {e}"))
    yield shown
    context.close()


def csv_rows(site: Path) -> dict[str, dict[str, str]]:
    text = (site / "data" / "assets" / LAYER / "assets.csv").read_text(encoding="utf-8")
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


def series_chunk(site: Path, asset: int, size: int) -> dict[str, Any]:
    path = site / "data" / "assets" / LAYER / "series" / f"{asset // size}.json.gz"
    chunk = json.loads(gzip.decompress(path.read_bytes()))
    item = chunk["assets"][asset - chunk["first"]]
    return {**item, "dates": chunk["dates"][item["dates"]]}


def number(text: str) -> float | None:
    return float(text) if text else None


def open_view(view: Viewer, extra: str = "") -> None:
    view.open(f"{VIEW}&layer={LAYER}{extra}")
    view.idle()


def wait_table(view: Viewer) -> None:
    view.page.wait_for_function("() => document.querySelectorAll('#asset-rows tr').length > 0")


def wait_series(view: Viewer) -> dict[str, Any]:
    view.page.wait_for_function(
        "() => { const s = window.egms.assets.api.selected; return s && s.series; }"
    )
    return view.js("() => window.egms.assets.api")


def table_column(view: Viewer, index: int) -> list[str]:
    return view.js(
        "i => [...document.querySelectorAll('#asset-rows tr')].map(r => r.children[i].textContent)",
        index,
    )


# every rendered asset polygon's centre on the screen, with its statistic
CENTRES = """() => { const m = window.egms.map;
  return m.queryRenderedFeatures({layers: ['egms-assets-fill']}).map(f => {
    const g = f.geometry;
    const c = g.type === 'Polygon' ? g.coordinates[0] : g.coordinates[0][0];
    const n = c.length - 1;
    const [x, y] = c.slice(1).reduce(([a, b], [lon, lat]) => [a + lon / n, b + lat / n], [0, 0]);
    const p = m.project([x, y]);
    return {id: f.properties.id, kind: f.properties.kind, mean: f.properties.mean ?? null,
            ok: f.properties.points_ok, x: p.x, y: p.y}; }); }"""


CLEAR_SPOT = """() => { const m = window.egms.map;
  const points = (x, y, r) => m.queryRenderedFeatures([[x - r, y - r], [x + r, y + r]],
                                                      {layers: ['egms-velocity']}).length;
  const { clientWidth: w, clientHeight: h } = m.getCanvas();
  for (let y = 20; y < h - 20; y += 3) for (let x = 20; x < w - 20; x += 3) {
    const here = m.queryRenderedFeatures([x, y], {layers: ['egms-assets-fill']});
    const found = here.length && here[0].properties;
    if (found && found.points_ok > 0 && !points(x, y, 12)) return {id: found.id, x, y};
  }
  return null; }"""


def as_number(text: str) -> float | None:
    return None if text == "–" else float(text.replace("\u2212", "-"))


def test_layer_and_legend_draw(view: Viewer, asset_site: Path) -> None:
    open_view(view)
    features = view.js(
        "() => window.egms.map.queryRenderedFeatures({layers: ['egms-assets-fill']})"
        ".map(f => ({id: f.id, mean: f.properties.mean ?? null, ok: f.properties.points_ok}))"
    )
    assert len({f["id"] for f in features}) >= 20
    assert len({f["mean"] for f in features if f["mean"] is not None}) >= 5
    assert any(f["ok"] == 0 for f in features)  # drawn, grey
    legend = view.page.locator("#legend-assets")
    assert legend.is_visible()
    assert legend.locator("#legend-assets-title").inner_text() == "Assets: mean velocity (mm/yr)"
    note = legend.locator("#legend-assets-note").inner_text()
    assert "grey = no point passes the quality filter (coherence ≥ 0.7" in note
    # the colours: with the points hidden, a fast asset and a stable one differ, a grey one is grey
    view.js(
        "() => { for (const id of ['egms-velocity', 'egms-cells'])"
        " if (window.egms.map.getLayer(id))"
        " window.egms.map.setLayoutProperty(id, 'visibility', 'none'); }"
    )
    view.idle()
    shot = ARTIFACTS / "assets-colours.png"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    view.page.locator("#map").screenshot(path=str(shot))
    image = Image.open(shot).convert("RGB")
    width, height = image.size
    drawn = view.js(CENTRES)
    inside = [d for d in drawn if d["kind"] == "polygon"
              and 10 < d["x"] < width - 10 and 10 < d["y"] < height - 10]  # fmt: skip
    with_mean = sorted((d for d in inside if d["mean"] is not None), key=lambda d: d["mean"])
    fast, calm = with_mean[0], min(with_mean, key=lambda d: abs(d["mean"]))
    empty = next(d for d in inside if d["ok"] == 0)
    assert fast["mean"] < -1 and abs(calm["mean"]) < 0.5
    colour = {d["id"]: image.getpixel((round(d["x"]), round(d["y"]))) for d in (fast, calm, empty)}
    # a negative velocity on vik: brown-red
    assert colour[fast["id"]][0] > colour[fast["id"]][2] + 30
    assert sum(abs(a - b) for a, b in zip(colour[fast["id"]], colour[calm["id"]], strict=True)) > 60
    grey = colour[empty["id"]]
    assert max(grey) - min(grey) < 12  # grey
    # another statistic: its name and unit in the legend, a sequential palette
    view.page.click("#legend-settings-toggle")
    view.page.select_option("#asset-stat", "diff")
    assert "astat=diff" in view.js("() => location.hash")
    title = view.page.locator("#legend-assets-title").inner_text()
    assert title == "Assets: differential motion (max − min velocity) (mm/yr)"
    assert view.js("() => window.egms.assets.api.colours.palette.kind") == "sequential"
    view.page.select_option("#asset-stat", "none")
    assert not view.page.locator("#legend-assets").is_visible()
    assert not view.js("() => window.egms.map.getLayer('egms-assets-fill')")
    view.assert_no_errors()


def test_table_sorts_and_exports_the_rows_in_view(view: Viewer, asset_site: Path) -> None:
    open_view(view)
    view.page.click("#assets-open")
    wait_table(view)
    means = [as_number(t) for t in table_column(view, 2)]
    known = [m for m in means if m is not None]
    assert known == sorted(known, key=abs, reverse=True)  # fastest first
    assert means.index(None) == len(known) if None in means else True  # no value: last
    in_view = view.js("() => window.egms.assets.api.rows.length")
    assert f"{in_view} of 47 assets in the map view" in view.page.inner_text("#asset-table-status")
    # a header click sorts by that column, again the other way
    view.page.click("#asset-table-head button[data-column='p95']")
    p95 = [as_number(t) for t in table_column(view, 5)]
    values = [v for v in p95 if v is not None]
    assert values == sorted(values) and values != sorted(values, reverse=True)
    view.page.click("#asset-table-head button[data-column='p95']")
    values = [v for v in (as_number(t) for t in table_column(view, 5)) if v is not None]
    assert values == sorted(values, reverse=True)
    view.page.click("#asset-table-head button[data-column='id']")
    ids = table_column(view, 0)
    assert ids == sorted(ids, key=lambda s: [int(p) if p.isdigit() else p for p in s.split()])
    # the CSV of the table: its rows in its order, the values of the site's CSV
    with view.page.expect_download() as download:
        view.page.click("#asset-table-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert LAYER in comments[0] and "in the map view" in comments[0]
    assert any("coherence ≥ 0.7" in line for line in comments)
    assert any("Contains modified Copernicus Sentinel data" in line for line in comments)
    rows = "\n".join(x for x in text.splitlines() if not x.startswith("#"))
    exported = list(csv.DictReader(io.StringIO(rows)))
    assert [r["id"] for r in exported] == ids
    site = csv_rows(asset_site)
    for row in exported:
        for column in ("points", "points_ok", *STAT_COLUMNS.values()):
            assert number(row[column]) == number(site[row["id"]][column]), (row["id"], column)
    # the full files of the manifest
    for link in ("#asset-all-csv", "#asset-all-gpkg"):
        href = view.page.get_attribute(link, "href")
        assert href.endswith((f"{LAYER}/assets.csv", f"{LAYER}/assets.gpkg"))
        assert view.js(f"() => fetch('{href}').then(r => r.status)") == 200
    # zoomed out: every asset (one chunk: none left out)
    view.js("() => window.egms.map.jumpTo({zoom: 12})")
    view.page.wait_for_function("() => window.egms.assets.api.rows.length === 47")
    view.assert_no_errors()


def test_click_shows_the_csv_statistics_and_the_series(view: Viewer, asset_site: Path) -> None:
    open_view(view)
    # a spot of an asset with statistics and no point within the click's reach (points are
    # drawn above the assets and take the click first)
    spot = view.js(CLEAR_SPOT)
    assert spot, "no asset with a spot clear of points in the view"
    name = spot["id"]
    box = view.page.locator("#map canvas.maplibregl-canvas").bounding_box()
    view.page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    shown = wait_series(view)
    row = shown["selected"]["row"]
    assert row["id"] == name
    expected = csv_rows(asset_site)[name]
    assert shown["id"] == int(expected["asset"])
    assert view.page.inner_text("#asset-name") == name
    count = view.page.inner_text("#asset-count")
    assert count.startswith(f"{expected['points']} points inside; {expected['points_ok']} pass")
    values = dict(zip(
        view.js("() => [...document.querySelectorAll('#asset-stats dt')].map(n => n.textContent)"),
        shown["stats"], strict=True,
    ))  # fmt: skip

    def shown_number(text: str) -> float:
        return float(text.split(" ")[0].replace("\u2212", "-"))

    assert shown_number(values["Mean velocity (LOS)"]) == float(expected["mean_velocity_mm_yr"])
    assert shown_number(values["Median velocity"]) == float(expected["median_velocity_mm_yr"])
    low, high = values["5th – 95th percentile"].replace(" mm/yr", "").split(" to ")
    assert shown_number(low) == float(expected["p05_velocity_mm_yr"])
    assert shown_number(high) == float(expected["p95_velocity_mm_yr"])
    differential = float(expected["differential_velocity_mm_yr"])
    assert shown_number(values["Differential motion"]) == differential
    assert shown_number(values["Spread σ"]) == float(expected["velocity_spread_std_mm_yr"])
    # the chart: the series chunk's mean, and its ±1σ band
    size = view.js("() => window.egms.manifest.assets.series_size")
    chunk = series_chunk(asset_site, int(expected["asset"]), size)
    data = view.js("() => window.egms.assets.chart.plot.data.map(a => Array.from(a))")
    assert len(data[0]) == len(chunk["dates"])
    assert data[1] == chunk["mean"]
    for i, (m, s) in enumerate(zip(chunk["mean"], chunk["std"], strict=True)):
        if m is None:
            assert data[2][i] is None and data[3][i] is None
        else:
            assert data[2][i] == pytest.approx(m + s) and data[3][i] == pytest.approx(m - s)
    note = view.page.inner_text("#asset-series-note")
    assert note.startswith(f"Mean of {chunk['points']} points on {len(chunk['dates'])} dates")
    # the table's row is marked, the address names the asset; the series CSV is the chunk's
    row = f"#asset-rows tr[data-asset='{expected['asset']}']"
    assert view.page.get_attribute(row, "aria-selected") == "true"
    assert f"asset={expected['asset']}" in view.js("() => location.hash")
    with view.page.expect_download() as download:
        view.page.click("#asset-series-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0] == "date,mean_mm,std_mm,n"
    assert [number(line.split(",")[1]) for line in lines[1:]] == chunk["mean"]
    with view.page.expect_download() as download:
        view.page.click("#asset-svg")
    svg = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"Mean displacement of asset {name}" in svg and "LOS displacement (mm)" in svg
    view.assert_no_errors()


def test_permalink_row_click_and_no_point_words(view: Viewer, asset_site: Path) -> None:
    rows = csv_rows(asset_site)
    empty = rows["Quay (no point)"]
    open_view(view, f"&asset={empty['asset']}&astat=std")
    view.page.wait_for_function("() => window.egms.assets.api.selected")
    assert view.page.is_visible("#assets")
    assert view.page.inner_text("#asset-name") == "Quay (no point)"
    assert view.page.inner_text("#asset-count") == "No point inside: no statistics."
    assert view.js("() => document.getElementById('asset-stat').value") == "std"
    assert view.page.inner_text("#legend-assets-title").startswith("Assets: velocity spread σ")
    no_pass = next(r for r in rows.values() if r["points"] != "0" and r["points_ok"] == "0")
    wait_table(view)
    view.js("() => window.egms.map.jumpTo({zoom: 12})")
    view.page.wait_for_function("() => window.egms.assets.api.rows.length === 47")
    view.page.click(f"#asset-rows tr[data-asset='{no_pass['asset']}']")
    view.page.wait_for_function(
        f"() => window.egms.assets.api.selected?.row.asset === {no_pass['asset']}"
    )
    assert "no point passes the quality filter (coherence ≥ 0.7, velocity σ ≤ 1 mm/yr)" in (
        view.page.inner_text("#asset-count")
    )
    assert f"asset={no_pass['asset']}" in view.js("() => location.hash")
    # flew to it (and landed: a Back during the flight would be written over when it ends)
    landed = "() => window.egms.map.getZoom() > 14 && !window.egms.map.isMoving()"
    view.page.wait_for_function(landed)
    # Back: the asset before; a reload of the address reopens the same
    view.page.go_back()
    view.page.wait_for_function(
        f"() => window.egms.assets.api.selected?.row.asset === {empty['asset']}"
    )
    view.assert_no_errors()


def test_bad_asset_in_the_address_and_screenshots(view: Viewer, asset_site: Path) -> None:
    open_view(view, "&asset=999")
    assert "asset=999 (the assets are 0 to 46)" in view.page.inner_text("#url-notice")
    assert "asset=" not in view.js("() => location.hash")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    building = csv_rows(asset_site)["Building 01"]["asset"]
    for width, height in WINDOWS:
        view.page.set_viewport_size({"width": width, "height": height})
        view.page.goto("about:blank")  # a fresh page at each size, not a same-page hash change
        open_view(view, f"&asset={building}")
        wait_series(view)
        view.idle()
        view.page.screenshot(path=str(ARTIFACTS / f"assets-{width}x{height}.png"))
        panel = view.page.locator("#assets").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= width + 1
        table = view.page.locator("#asset-table").bounding_box()
        assert table["width"] > 0
        if width < 640:  # the panel under the map: the map keeps its upper part
            assert view.page.locator("#map").bounding_box()["height"] > height * 0.25
    view.page.set_viewport_size({"width": 640, "height": 420})
    view.open(f"{VIEW}&layer={LAYER}&embed=1")
    view.idle()
    view.page.wait_for_function("() => !document.getElementById('figure-key').hidden")
    key = view.page.text_content("#figure-key")
    assert "Assets: mean velocity (mm/yr)" in key
    drawn = "() => window.egms.map.queryRenderedFeatures({layers: ['egms-assets-fill']}).length"
    assert view.js(drawn) > 0
    view.page.screenshot(path=str(ARTIFACTS / "assets-embed-640x420.png"))
    view.assert_no_errors()


def test_an_embed_of_a_selected_asset_gives_the_map_the_whole_width(
    view: Viewer, asset_site: Path
) -> None:
    """The assets panel is not shown in an embed (or a snapshot): it must not keep its column."""
    building = csv_rows(asset_site)["Building 01"]["asset"]
    view.page.set_viewport_size({"width": 1200, "height": 800})
    open_view(view, f"&asset={building}&embed=1")
    view.page.wait_for_function("() => window.egms.assets.api.selected")
    width = view.js("() => window.egms.map.getCanvas().clientWidth")
    assert width >= 1200 - 2, width
    view.assert_no_errors()
