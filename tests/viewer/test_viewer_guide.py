"""The screenshots of the viewer's user guide (docs/viewer.md), regenerated from the samples.

Each test drives the real viewer (real site of the bundled EGMS samples, real server, real
Chromium) into the state one section of the guide describes, checks what a reader of that
picture sees, and writes docs/img/viewer/<name>.png. Run this module after any change of the
viewer and commit the pictures: `python -m pytest tests/test_viewer_guide.py`.
The last test checks that the guide shows every picture written here and nothing else.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import JS_IDLE, PAGE_TIMEOUT_MS, REPO, Viewer, manifest_layer

pytestmark = pytest.mark.browser

GUIDE = REPO / "docs" / "viewer.md"
IMAGES = REPO / "docs" / "img" / "viewer"
VIEWPORT = {"width": 1024, "height": 640}
EMBED_SIZE = (800, 500)
# Every picture this module writes, in the order of the guide.
PICTURES = [
    "layers", "colours", "click", "overlay", "area", "profile", "reference", "window", "fits",
    "time", "filters", "exports", "exports-chart", "search", "compare", "decompose", "outlines",
    "embed", "snapshot",
]  # fmt: skip
MAX_PICTURE_BYTES = 400_000

DESC = "l2b-2020-2024-desc"
ASC = "l2b-2020-2024-asc"
UP = "l3-2020-2024-up"
# A spot of the descending sample in the south-west of Ustica: a point subsiding at 4.5 mm/yr,
# two neighbours 28 m and 77 m away, and a reference 42 m away; each more than 12 m from any
# other point (so a click hits it at zoom 17).
MAIN = "166ax56nev"
NEAR = ["166ax56FYr", "166ax57LkZ"]
REF = "166ax56FYd"
ZOOM = 17
# Resolves once the map has loaded what it shows (at once when it has: no extra frame).
JS_DRAWN = "() => egms.map.loaded() || new Promise(r => egms.map.once('idle', () => r(true)))"
PANEL_SHIFT_PX = 190  # half the point panel's width: the spot stays in sight beside the panel


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spot(built_site: Path) -> dict[str, dict[str, Any]]:
    """Feature id and position of the spot's points, read from the site's chunks."""
    layer = manifest_layer(built_site, DESC)
    wanted = {MAIN, REF, *NEAR}
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((built_site / "data" / DESC / "ts").glob("*.json.gz")):
        chunk = json.loads(gzip.decompress(path.read_bytes()))
        for k, pid in enumerate(chunk["pid"]):
            if pid in wanted:
                found[pid] = {"id": chunk["first_id"] + k, "pid": pid,
                              "lon": chunk["lon"][k], "lat": chunk["lat"][k]}  # fmt: skip
    assert set(found) == wanted, "the spot's points are in the descending sample"
    assert layer["points"] > 10_000
    return found


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    """One browser context for the whole module; each test opens its own page in it."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    made = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield made
    made.close()


@pytest.fixture
def guide(context: Any, site_url: str) -> Iterator[Viewer]:
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    view = Viewer(page, site_url)
    aborted: list[str] = []  # tiles MapLibre cancels itself when a flight no longer needs them

    def failed(request: Any) -> None:
        if "ERR_ABORTED" in (request.failure or "") and request.url.endswith(".pmtiles"):
            aborted.append(request.url)
        else:
            view.errors.append(f"request failed: {request.url}")

    page.on("console", lambda m: m.type == "error" and view.errors.append(m.text))
    page.on("pageerror", lambda e: view.errors.append(f"uncaught: {e}"))
    page.on("requestfailed", failed)
    page.on("response", lambda r: r.status >= 400 and view.errors.append(f"{r.status} {r.url}"))
    yield view
    errors = list(view.errors)  # what closing the page aborts is no error of the viewer
    page.close()
    assert errors == [], "console errors:\n" + "\n".join(errors)


# --- helpers ----------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def check_picture(name: str) -> Path:
    """A written picture: one of PICTURES, a PNG, not tiny (blank) and not too big for git."""
    assert name in PICTURES, name
    path = IMAGES / f"{name}.png"
    data = path.read_bytes()
    width, height = png_size(data)
    assert width >= 300 and height >= 200, (name, width, height)
    assert 10_000 < len(data) < MAX_PICTURE_BYTES, (name, len(data))
    return path


def shoot(
    view: Viewer, name: str, clip: dict[str, float] | None = None, palette: bool = False
) -> Path:
    """Screenshot of the page (or `clip` of it) as the guide's picture `name`; `palette`: in
    256 colours (a map-filled picture: ~250 KB -> ~90 KB; the pictures must stay under 3 MB
    together)."""
    view.page.evaluate(JS_DRAWN)
    path = IMAGES / f"{name}.png"
    view.page.screenshot(path=str(path), clip=clip)
    if palette:
        from PIL import Image

        Image.open(path).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(
            path, optimize=True
        )
    return check_picture(name)


def open_spot(view: Viewer, spot: dict[str, dict[str, Any]], zoom: float = ZOOM,
              extra: str = "") -> None:  # fmt: skip
    """The descending layer on the spot, left of the centre so that the panel does not hide it."""
    points = [spot[MAIN], spot[REF], *(spot[pid] for pid in NEAR)]
    lon = sum(p["lon"] for p in points) / len(points)
    lat = sum(p["lat"] for p in points) / len(points)
    lon += PANEL_SHIFT_PX * 360 / (512 * 2**zoom)  # MapLibre's world is 512 × 2^zoom px wide
    view.open(f"#{zoom}/{lat:.6f}/{lon:.6f}&layer={DESC}{extra}")


def click(view: Viewer, point: dict[str, Any], shift: bool = False) -> None:
    xy = view.js("p => egms.map.project([p.lon, p.lat])", point)
    box = view.page.locator("#map").bounding_box()
    if shift:
        view.page.keyboard.down("Shift")
    view.page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    if shift:
        view.page.keyboard.up("Shift")


def select_main(view: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    open_spot(view, spot)
    click(view, spot[MAIN])
    view.wait_for_chart(MAIN)


def settled(view: Viewer) -> dict[str, Any]:
    return view.js("() => egms.analysis.settled()")


def open_settings(view: Viewer) -> None:
    if view.page.locator("#legend-settings").is_hidden():
        view.page.click("#legend-settings-toggle")


def panel_from(view: Viewer, selector: str) -> None:
    """Scroll the point panel so that `selector` is at its top (and back to its left edge)."""
    view.js(
        """sel => { const panel = document.getElementById('panel');
           panel.scrollTo(0, document.querySelector(sel).offsetTop - 6); }""",
        selector,
    )


def text(view: Viewer, selector: str) -> str:
    return view.page.locator(selector).text_content() or ""


def download(view: Viewer, button: str) -> Any:
    with view.page.expect_download() as info:
        view.page.get_by_role("button", name=button, exact=True).click()
    return info.value


def chart_series(view: Viewer) -> list[str]:
    return view.js("() => egms.chart.series.slice(1).map(s => s.label)")


# --- one test per section of the guide ---------------------------------------------------------


def test_layers(guide: Viewer, built_site: Path) -> None:
    guide.open(f"#layer={UP}")
    assert guide.page.locator("#layer-select").input_value() == UP
    assert text(guide, "#layer-select option:checked") == "Ortho (L3) 2020-2024 vertical"
    assert text(guide, "#status") == f"{manifest_layer(built_site, UP)['points']:,} points"
    assert text(guide, "#legend-note").startswith("positive = up")
    shoot(guide, "layers")


def test_colours(guide: Viewer) -> None:
    guide.open(f"#layer={DESC}")
    guide.page.select_option("#palette-select", "roma")
    open_settings(guide)
    guide.page.select_option("#range-preset", "2")
    assert text(guide, "#legend-title") == "LOS velocity (mm/yr)"
    assert (text(guide, "#legend-min"), text(guide, "#legend-max")) == ("-2.0", "+2.0")
    assert guide.page.locator("#range-preset").input_value() == "2"
    assert "cmap=roma" in guide.js("() => location.hash")
    shoot(guide, "colours")


def test_click(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    select_main(guide, spot)
    assert text(guide, "#panel-pid") == MAIN
    assert text(guide, "#panel-layer") == "EGMS Calibrated (L2b) 2020-2024 descending, track 22"
    assert "-4.5 ±" in text(guide, "#panel-attributes")
    assert chart_series(guide) == [MAIN]
    assert guide.page.locator("#chart canvas").is_visible()
    shoot(guide, "click")


def test_overlay(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    select_main(guide, spot)
    for pid in NEAR:
        click(guide, spot[pid], shift=True)
    summary = settled(guide)
    assert [s["pid"] for s in summary["series"]] == [MAIN, *NEAR]
    assert guide.page.locator("#series-rows tr").count() == 3
    panel_from(guide, ".panel-subtitle")
    assert guide.page.locator("#chart canvas").is_visible()
    shoot(guide, "overlay")


def test_area(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    open_spot(guide, spot, extra="&cmin=0.85")
    guide.page.get_by_role("button", name="Draw polygon").click()
    xy = guide.js("p => egms.map.project([p.lon, p.lat])", spot[MAIN])
    box = guide.page.locator("#map").bounding_box()
    cx, cy = box["x"] + xy["x"], box["y"] + xy["y"]
    corners = [(math.cos(a) * 120, math.sin(a) * 95) for a in (0.3, 1.5, 2.6, 3.6, 4.9)]
    for dx, dy in corners[:-1]:
        guide.page.mouse.click(cx + dx, cy + dy)
    guide.page.mouse.dblclick(cx + corners[-1][0], cy + corners[-1][1])
    summary = settled(guide)
    count = summary["area"]["count"]
    assert count >= 10
    [area] = [s for s in summary["series"] if s["kind"] == "area"]
    assert area["low"] != area["high"]
    assert text(guide, "#panel-pid") == "" and "Area" in text(guide, "#panel-kind")
    assert f"Area mean ({count} points)" in text(guide, "#series-table")
    band = ["area mean + 1σ", "area mean − 1σ"]
    assert chart_series(guide)[:3] == [f"Area mean ({count} points)", *band]
    total = summary["area"]["total"]
    assert total > count
    assert text(guide, "#area-count") == (
        f"{total} points in the area; {count} pass the filters (coherence ≥ 0.85)."
    )
    assert "LOS velocity, mean ± σ" in text(guide, "#area-velocity")
    assert guide.page.locator("#area-histogram svg rect").count() >= 3
    shoot(guide, "area")


# a profile across the south of the island: 2.4 km, a bend, a gap without points in the middle
PROFILE_LINE = "13.160000,38.700000,13.172000,38.706000,13.185000,38.704500"


def test_profile(guide: Viewer) -> None:
    guide.open(f"#13.6/38.702500/13.183300&layer={DESC}&cmin=0.7&prof={PROFILE_LINE}")
    shown = guide.js("() => egms.analysis.profile()")
    assert shown["total"] > shown["count"] >= 30 and shown["binWidth"] == 200
    assert text(guide, "#panel-kind") == "Profile"
    assert text(guide, "#profile-count") == (
        f"{shown['total']} points within 50 m of the 2381 m line; {shown['count']} pass the "
        "filters (coherence ≥ 0.70)."
    )
    assert "distance error < 0.14 m" in text(guide, "#profile-assumptions")
    # hover the chart over the first point: its pid, distance, offset and value ± σ, and its bin
    first = shown["points"][0]
    box = guide.page.locator("#profile-chart .u-over").bounding_box()
    x = box["x"] + box["width"] * (first["distance"] + 0.02 * shown["length"]) / (
        1.04 * shown["length"]
    )
    guide.page.mouse.move(x, box["y"] + box["height"] / 2)
    readout = text(guide, "#profile-readout")
    assert readout.startswith(f"{first['pid']}: ") and "bin 200–400 m: n = " in readout
    shoot(guide, "profile")


def test_reference(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    select_main(guide, spot)
    click(guide, spot[REF], shift=True)
    settled(guide)
    guide.page.get_by_role("button", name=f"Use {REF} as reference").click()
    summary = settled(guide)
    assert summary["reference"]["label"].startswith(REF)
    assert all(v in (0, None) for v in summary["series"][1]["values"])
    assert text(guide, "#ref-text").startswith(f"Reference: {REF}")
    velocity = summary["reference"]["velocity"]
    shown = f"{velocity:.1f}".replace("-", "\u2212")
    assert f"Map velocities minus the reference's {shown} mm/yr" in text(guide, "#map-ref-warning")
    panel_from(guide, ".panel-subtitle")
    shoot(guide, "reference")


def drag_window(view: Viewer, start: float, end: float) -> None:
    over = view.page.locator("#chart .u-over")
    over.scroll_into_view_if_needed()
    box = over.bounding_box()
    view.page.mouse.move(box["x"] + box["width"] * start, box["y"] + 30)
    view.page.mouse.down()
    view.page.mouse.move(box["x"] + box["width"] * end, box["y"] + 30, steps=5)
    view.page.mouse.up()


def test_window(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    select_main(guide, spot)
    drag_window(guide, 0.35, 0.8)
    t0, t1 = settled(guide)["window"]
    assert t0 and t1 and "2020-01-01" < t0 < t1 < "2025-01-01", (t0, t1)
    assert text(guide, "#chart-window").startswith(f"Date window: {t0} to {t1}")
    assert f"t0={t0}" in guide.js("() => location.hash")
    panel_from(guide, ".panel-subtitle")
    shoot(guide, "window")


def test_fits(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    select_main(guide, spot)
    guide.page.get_by_label("Linear fit").check()
    guide.page.get_by_label("Seasonal fit").check()
    summary = settled(guide)
    slope = summary["series"][0]["fit"]["slope"]
    assert chart_series(guide) == [MAIN, f"linear fit {MAIN}", f"seasonal fit {MAIN}"]
    window = text(guide, "#series-rows td.window")
    assert window.startswith(f"{slope:.2f} ±") and "seasonal fit" in window
    panel_from(guide, ".panel-subtitle")
    shoot(guide, "fits")


def test_time(guide: Viewer) -> None:
    guide.open(f"#13/38.7075/13.1755&layer={DESC}")
    guide.page.click("#time-toggle")
    guide.page.locator("#time-slider").fill("10")
    guide.idle()
    date = text(guide, "#time-date")
    assert text(guide, "#legend-title").replace("\u2011", "-") == (
        f"LOS displacement 2020-01-03 → {date} (mm)"
    )
    assert f"color=displacement&at={date}" in guide.js("() => location.hash")
    shoot(guide, "time", palette=True)


def test_filters(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    open_spot(guide, spot, zoom=16)
    open_settings(guide)
    before = guide.js("l => egms.map.queryRenderedFeatures({layers: [l]}).length", "egms-velocity")
    guide.page.locator("#filter-coherence").fill("0.7")
    guide.page.locator("#filter-sigma").fill("0.3")
    guide.idle()
    after = guide.js("l => egms.map.queryRenderedFeatures({layers: [l]}).length", "egms-velocity")
    assert 0 < after < before, (before, after)
    assert text(guide, "#filter-coherence-value") == "≥ 0.70"
    assert text(guide, "#filter-sigma-value") == "≤ 0.3 mm/yr"
    assert "cmin=0.7" in guide.js("() => location.hash")
    shoot(guide, "filters")


def test_exports(guide: Viewer, spot: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    select_main(guide, spot)
    click(guide, spot[NEAR[0]], shift=True)
    settled(guide)

    long = download(guide, "CSV (one row per date)")
    lines = Path(long.path()).read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(io.StringIO("\n".join(x for x in lines if not x.startswith("#")))))
    assert {row["pid"] for row in rows} == {MAIN, NEAR[0]}
    wide = download(guide, "CSV (EGMS columns)")
    header = next(x for x in Path(wide.path()).read_text().splitlines() if not x.startswith("#"))
    assert header.startswith("pid,latitude,longitude") and re.search(r",20\d{6}", header)
    geojson = json.loads(Path(download(guide, "GeoJSON").path()).read_text(encoding="utf-8"))
    assert [f["properties"]["pid"] for f in geojson["features"]] == [MAIN, NEAR[0]]
    svg = Path(download(guide, "Chart SVG").path()).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and MAIN in svg
    assert png_size(Path(download(guide, "Map PNG").path()).read_bytes())[0] > 300

    guide.page.fill("#figure-width", "800")
    guide.page.fill("#figure-height", "450")
    guide.page.select_option("#figure-ratio", "1")
    chart = download(guide, "Chart PNG")
    chart.save_as(IMAGES / "exports-chart.png")
    assert png_size((IMAGES / "exports-chart.png").read_bytes()) == (800, 450)
    check_picture("exports-chart")

    exports = guide.page.get_by_role("group", name="Export the chart")
    exports.scroll_into_view_if_needed()
    for name in ("CSV (one row per date)", "CSV (EGMS columns)", "GeoJSON", "Chart PNG"):
        assert guide.page.get_by_role("button", name=name, exact=True).is_visible(), name
    assert guide.page.get_by_role("button", name="Map PNG").is_visible()
    shoot(guide, "exports")


def test_search(guide: Viewer, built_site: Path) -> None:
    guide.open(f"#layer={ASC}")
    guide.page.fill("#search-input", MAIN)
    guide.page.press("#search-input", "Enter")
    guide.wait_for_chart(MAIN)
    guide.page.wait_for_function(
        "() => document.getElementById('search-status').textContent.startsWith('Point')"
    )
    want = f"Point {MAIN} in EGMS Calibrated (L2b) 2020-2024 descending, track 22"
    assert text(guide, "#search-status") == want
    assert guide.page.locator("#layer-select").input_value() == DESC
    assert guide.js("() => egms.map.getZoom()") >= 17
    shoot(guide, "search")


def test_compare(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    open_spot(guide, spot, zoom=15.5)
    guide.page.select_option("#compare-select", ASC)
    guide.page.wait_for_function("() => egms.view.compareMap && egms.view.compareMap.loaded()")
    guide.page.evaluate(JS_IDLE.replace("egms.map", "egms.view.compareMap"))
    assert guide.page.locator("#compare-divider").is_visible()
    assert text(guide, "#compare-left") == "◀ EGMS Calibrated (L2b) 2020-2024 descending, track 22"
    assert text(guide, "#compare-right") == "EGMS Calibrated (L2b) 2020-2024 ascending, track 117 ▶"
    drawn = guide.js(
        "() => egms.view.compareMap.queryRenderedFeatures({layers: ['egms-velocity']}).length"
    )
    assert drawn > 100
    shoot(guide, "compare")


def test_decompose(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    main = spot[MAIN]
    lon = main["lon"] + PANEL_SHIFT_PX * 360 / (512 * 2**ZOOM)
    guide.open(f"#{ZOOM}/{main['lat']}/{lon:.6f}&dec={main['lon']},{main['lat']}&r=50")
    guide.page.wait_for_function("() => (egms.decomp.result?.velocities || []).length > 0")
    shown = guide.js("() => egms.decomp.result")
    assert shown["refusal"] == "" and len(shown["used"]["asc"]) == 34
    assert shown["velocities"][0].endswith("mm/yr (up positive)")
    assert "North motion assumed zero" in text(guide, "#decomp-assumptions")
    shoot(guide, "decompose", palette=True)


def test_outlines(guide: Viewer, built_site: Path) -> None:
    west, south, east, north = manifest_layer(built_site, DESC)["bounds"]
    guide.open(f"#13/{(south + north) / 2:.6f}/{(west + east) / 2:.6f}&layer={DESC}")
    open_settings(guide)
    guide.page.check("#outlines-toggle")
    guide.idle()
    drawn = guide.js("() => egms.map.queryRenderedFeatures({layers: ['egms-units-line']}).length")
    assert drawn >= 1
    assert "units=1" in guide.js("() => location.hash")
    shoot(guide, "outlines", palette=True)


def test_embed(guide: Viewer, spot: dict[str, dict[str, Any]]) -> None:
    select_main(guide, spot)
    guide.page.get_by_role("button", name="Copy embed code").click()
    code = html.unescape(guide.page.locator("#embed-code").input_value())
    assert code.startswith('<iframe src="') and code.endswith("</iframe>")
    src = code.split('"')[1]
    assert src.endswith("&embed=1") and f"pt={spot[MAIN]['id']}" in src

    guide.page.set_viewport_size({"width": EMBED_SIZE[0], "height": EMBED_SIZE[1]})
    guide.page.goto("about:blank")
    guide.page.goto(src)
    guide.wait_ready()
    guide.wait_for_chart(MAIN)
    assert guide.page.locator(".toolbar").is_hidden()
    assert guide.page.locator("#map").is_visible() and guide.page.locator("#chart").is_visible()
    guide.idle()
    guide.js("() => egms.frame.render()")
    key = " ".join(guide.page.locator("#figure-key text").all_text_contents())
    assert "LOS velocity (mm/yr)" in key and "track 22" in key, key
    assert png_size(shoot(guide, "embed").read_bytes()) == EMBED_SIZE


SNAPSHOT_TITLE = "Figure 1. Ustica, descending orbit"


def test_snapshot(built_site: Path, spot: dict[str, dict[str, Any]]) -> None:
    point = spot[MAIN]
    view = f"#{ZOOM}/{point['lat']:.6f}/{point['lon']:.6f}&layer={DESC}&pt={point['id']}"
    out = IMAGES / "snapshot.png"
    argv = [sys.executable, "-m", "tiler", "snapshot", str(built_site), "--view", view,
            "-o", str(out), "--width", "800", "--height", "500", "--chart",
            "--title", SNAPSHOT_TITLE]  # fmt: skip
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert png_size(out.read_bytes()) == (800, 500)
    check_picture("snapshot")
    command = GUIDE.read_text(encoding="utf-8")
    assert f"--view '{view}'" in command and f"--title '{SNAPSHOT_TITLE}'" in command


def test_the_guide_shows_every_picture() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    shown = re.findall(r"\]\(img/viewer/([^)\s]+)\.png\)", guide)
    assert sorted(set(shown)) == sorted(PICTURES), "pictures written here and shown in the guide"
    for name in shown:
        assert (IMAGES / f"{name}.png").is_file(), name
    total = sum((IMAGES / f"{name}.png").stat().st_size for name in PICTURES)
    assert total < 3_000_000, f"the guide's pictures weigh {total:,} bytes"
