"""The viewer in a real browser: Debian chromium driven by Playwright, against `egms-tiler serve`.

Expected values come from the built site's files and the ORIGINAL sample CSVs, read here with
gzip/json/csv, never from the viewer's own code. The page keeps its Content-Security-Policy
(no `bypass_csp`), so a policy violation shows up as a console error and fails the test.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "egms"
PALETTES_JS = REPO / "site" / "app" / "palettes.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CIRCLE_LAYER = "egms-velocity"
CLICK_LAYER = "l2b-2020-2024-desc"
CLICK_SAMPLE = SAMPLES / "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip"
VIEWPORT = {"width": 960, "height": 640}
SERVER_START_SECONDS = 20
PAGE_TIMEOUT_MS = 15_000
DATE_COLUMN = re.compile(r"^\d{8}$")

# Resolves once the map has drawn everything its current view needs.
JS_IDLE = "() => new Promise(r => { egms.map.once('idle', r); egms.map.triggerRepaint(); })"

JS_VIEW = "() => [egms.map.getZoom(), egms.map.getCenter().lng, egms.map.getCenter().lat]"


# --- reading the site and the sources back ----------------------------------------------------


def read_manifest(site: Path) -> dict[str, Any]:
    return json.loads((site / "data" / "manifest.json").read_text(encoding="utf-8"))


def manifest_layer(site: Path, layer_id: str) -> dict[str, Any]:
    return next(item for item in read_manifest(site)["layers"] if item["id"] == layer_id)


def read_chunk(site: Path, layer: dict[str, Any], index: int) -> dict[str, Any]:
    path = site / "data" / layer["chunks"]["path"].replace("{chunk}", str(index))
    return json.loads(gzip.decompress(path.read_bytes()))


def source_rows(zip_path: Path) -> Iterator[dict[str, str]]:
    """Rows of the CSV inside an EGMS zip, parsed with the csv module (independent reader)."""
    with zipfile.ZipFile(zip_path) as archive:
        member = next(name for name in archive.namelist() if name.endswith(".csv"))
        with archive.open(member) as raw:
            yield from csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))


def vik_stops() -> list[tuple[float, tuple[int, int, int]]]:
    """The `vik` palette stops from the committed palette file."""
    text = PALETTES_JS.read_text(encoding="utf-8")
    block = text[text.index("vik:") : text.index("],\n  },", text.index("vik:"))]
    stops = re.findall(r"\[([\d.]+), \"#([0-9a-f]{6})\"\]", block)
    return [(float(t), tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))) for t, h in stops]


def expected_colour(velocity: float, half_range: float) -> tuple[float, float, float]:
    """RGB (0-255) that a linear `interpolate` over the vik stops gives for `velocity`."""
    stops = vik_stops()
    t = min(1.0, max(0.0, (velocity + half_range) / (2 * half_range)))
    for (t0, c0), (t1, c1) in zip(stops, stops[1:], strict=False):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return tuple(a + (b - a) * f for a, b in zip(c0, c1, strict=True))
    return tuple(float(c) for c in stops[-1][1])


def isolated_point(site: Path, layer: dict[str, Any]) -> dict[str, Any]:
    """A point of chunk 0 with no other point within ~15 m (so a click cannot hit a neighbour)."""
    first = read_chunk(site, layer, 0)
    rows = {row["pid"]: row for row in source_rows(CLICK_SAMPLE)}
    coords = [(float(r["longitude"]), float(r["latitude"])) for r in rows.values()]
    metres_per_degree = 111_320.0
    for offset, pid in enumerate(first["pid"]):
        row = rows[pid]
        lon, lat = float(row["longitude"]), float(row["latitude"])
        scale = math.cos(math.radians(lat))
        nearest = min(
            math.hypot((x - lon) * scale, y - lat) * metres_per_degree
            for x, y in coords
            if (x, y) != (lon, lat)
        )
        if nearest > 15:
            return {
                "id": first["first_id"] + offset,
                "pid": pid,
                "lon": lon,
                "lat": lat,
                "row": row,
            }
    raise AssertionError("no isolated point in chunk 0 of " + layer["id"])


# --- browser, server and page ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    process.kill()
    process.wait()
    pytest.fail(f"`egms-tiler serve` never answered at {url}; its stderr:\n{log.read_text()}")


@pytest.fixture(scope="session")
def site_url(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site served by the real CLI in a subprocess."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "stderr.txt"
    argv = [sys.executable, "-m", "tiler", "serve", str(built_site), "--port", str(port)]
    with open(log, "wb") as stderr:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url, process, log)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium; install it with "
            "`make system-deps` (apt-get install chromium). Playwright cannot download browsers."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Viewer:
    """One page of the viewer plus what it logged."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def open(self, hash_: str = "") -> None:
        self.page.goto(self.base + hash_)
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_function("() => window.egms !== undefined")
        self.page.evaluate("() => window.egms.ready.then(() => true)")

    def idle(self) -> None:
        self.page.evaluate(JS_IDLE)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait_for_chart(self, pid: str) -> None:
        self.page.wait_for_function(
            "pid => document.getElementById('panel-pid').textContent === pid"
            " && document.body.dataset.chartPoints !== undefined",
            arg=pid,
        )

    def chunk_requests(self) -> list[str]:
        return [url for url in self.requests if "/ts/" in url]

    def assert_no_errors(self) -> None:
        assert self.errors == [], "console errors:\n" + "\n".join(self.errors)


@pytest.fixture
def viewer(browser: Any, site_url: str) -> Iterator[Viewer]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    view = Viewer(page, site_url)
    page.on("console", lambda m: m.type == "error" and view.errors.append(m.text))
    page.on("pageerror", lambda e: view.errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: view.errors.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and view.errors.append(f"{r.status} {r.url}"))
    page.on("request", lambda r: view.requests.append(r.url))
    yield view
    context.close()


# --- tests ---------------------------------------------------------------------------------------


def test_page_loads_clean_and_lists_the_layers(viewer: Viewer, built_site: Path) -> None:
    viewer.open()
    layers = read_manifest(built_site)["layers"]
    options = viewer.js(
        "() => [...document.querySelectorAll('#layer-select option')]"
        ".map(o => [o.value, o.textContent])"
    )
    assert len(layers) == 4
    assert options == [[layer["id"], layer["label"]] for layer in layers]
    assert viewer.page.get_by_label("Layer").is_enabled()
    first = layers[0]
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
    layer = read_manifest(built_site)["layers"][0]
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
    viewer.open()
    open_point(viewer, point)

    xs, ys = viewer.js("() => egms.chart.data")
    dates = [name for name in row if DATE_COLUMN.match(name)]
    assert [datetime.fromtimestamp(x, UTC).strftime("%Y%m%d") for x in xs] == dates
    for date, shown in zip(dates, ys, strict=True):
        if row[date] == "":
            assert shown is None, date
        else:
            assert shown == pytest.approx(float(row[date]), abs=1e-9), date
    drawn = sum(1 for date in dates if row[date] != "")
    assert viewer.js("() => document.body.dataset.chartPoints") == str(drawn)

    panel = viewer.page.locator("#panel")
    velocity = f"{float(row['mean_velocity']):.1f} ± {float(row['mean_velocity_std']):.1f} mm/yr"
    assert velocity in panel.text_content()
    assert f"{float(row['temporal_coherence']):.2f}" in panel.text_content()
    assert CLICK_SAMPLE.stem in panel.text_content()
    assert f"pt={point['id']}" in viewer.js("() => location.hash")
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
    assert "pt=" not in viewer.js("() => location.hash")
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
    count = viewer.js("l => egms.map.queryRenderedFeatures({layers: [l]}).length", CIRCLE_LAYER)
    assert count > 0
    viewer.assert_no_errors()
