"""The map's figure frame wherever the map leaves the live viewer (real Chromium, real samples).

Embeds at report sizes, `egms-tiler snapshot` (PNG and PDF), the viewer's Map PNG and a compare
view's export: the colour bar is found in the pixels (the palette's colours in order along one
row), its end values match the layer's range (from the DOM where the key is in the page, by
OCR otherwise), the quantity, unit and layer are named, no control or placeholder is shown, the
selected point stays inside the map and the chart's date labels inside the page.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_support import (
    ARTIFACTS,
    CLICK_LAYER,
    REPO,
    Viewer,
    isolated_point,
    manifest_layer,
    vik_stops,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tiler import __version__
from tiler.layer.passes import ATTRIBUTION

pytestmark = pytest.mark.browser

MINUS = "\u2212"
OTHER_LAYER = "l2b-2020-2024-asc"
UP_LAYER = "l3-2020-2024-up"
TITLE = "Figure 1. Ustica, descending orbit"
CAPTION = "Mean LOS velocity 2020-2024 and the displacement of one point."
REPORT_SIZES = [(480, 320), (640, 420), (800, 500), (1200, 700)]
HIDDEN_WORDS = ["Reset zoom", "Date:", "Map settings", "Linear fit", "Copy embed code", "CSV"]

JS_CHART_BOX = """() => {
  const u = egms.chart, box = u.root.getBoundingClientRect(), ratio = devicePixelRatio;
  const over = u.over.getBoundingClientRect();
  const xs = u.axes[0]._splits.map((v) => over.left + u.valToPos(v, 'x'));
  const panel = document.getElementById('panel').getBoundingClientRect();
  return {root: box.toJSON(), over: over.toJSON(), dates: xs, panel: panel.toJSON()};
}"""
JS_VISIBLE_CONTROLS = (
    "() => [...document.querySelectorAll('.maplibregl-ctrl')].filter(n => n.offsetParent).length"
)
JS_COMPARE_IDLE = """() => new Promise(r => {
  const m = egms.view.compareMap; m.once('idle', r); m.triggerRepaint();
})"""
JS_RING_AT = """([lon, lat]) => {
  const at = egms.map.project([lon, lat]), box = egms.map.getContainer().getBoundingClientRect();
  return {x: box.left + at.x, y: box.top + at.y, box: box.toJSON()};
}"""


# --- the palette and the colour bar in pixels -------------------------------------------------


def ramp(t: np.ndarray) -> np.ndarray:
    """The vik palette's RGB at each t in [0, 1] (linear between its stops)."""
    stops = vik_stops()
    ts = [s[0] for s in stops]
    return np.stack([np.interp(t, ts, [s[1][c] for s in stops]) for c in range(3)], axis=-1)


def run_around(xs: np.ndarray, at: int, step: int) -> int:
    """From `at` in the sorted pixel columns `xs`, the far end of its run (gaps ≤ 2 px) going
    left (step -1) or right (step 1)."""
    i = int(np.searchsorted(xs, at))
    while 0 <= i + step < len(xs) and abs(int(xs[i + step]) - int(xs[i])) <= 3:
        i += step
    return int(xs[i])


def colour_bars(pixels: np.ndarray, tolerance: float = 26.0) -> list[dict[str, int]]:
    """Colour bars of the vik palette in the image: {y, last, x0, x1} of each (rows merged).

    A candidate row has the palette's first colour (the left arrow) and, further right, its
    last (the right arrow). From the left arrow's tip to the right one's, 90 % of the pixels
    must be colours of the ramp, and their places on it must run from under 0.1 to over 0.9
    without going back: the palette, in order.
    """
    samples = ramp(np.linspace(0, 1, 256))
    rgb = pixels[..., :3].astype(float)
    near_first = np.linalg.norm(rgb - samples[0], axis=-1) < tolerance
    near_last = np.linalg.norm(rgb - samples[-1], axis=-1) < tolerance
    bars: list[dict[str, int]] = []
    for y in np.flatnonzero(near_first.any(axis=1) & near_last.any(axis=1)):
        lefts, rights = np.flatnonzero(near_first[y]), np.flatnonzero(near_last[y])
        if not (lefts < rights.max()).any():
            continue
        right_start = int(rights[rights > lefts.min()].min())
        x0 = run_around(lefts, int(lefts[lefts < right_start].max()), -1)
        x1 = run_around(rights, right_start, 1)
        if x1 - x0 < 60:
            continue
        distances = np.linalg.norm(rgb[y, x0 : x1 + 1, None, :] - samples[None], axis=-1)
        good = distances.min(axis=1) < tolerance
        places = distances.argmin(axis=1)[good] / 255
        in_order = np.all(np.diff(places) >= -0.06) and places.min() < 0.1 and places.max() > 0.9
        if good.mean() < 0.9 or not in_order:
            continue
        if bars and y - bars[-1]["last"] <= 4:  # the next row of the same bar
            bars[-1]["last"] = int(y)
        else:
            bars.append({"y": int(y), "last": int(y), "x0": x0, "x1": x1})
    return bars


def png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def ocr(path: Path) -> str:
    """The words tesseract reads in the image (screen-size images read at twice their size)."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        pytest.fail("tesseract is missing: `make system-deps` installs it (tesseract-ocr)")
    image = Image.open(path)
    if image.width < 1500:
        path = path.with_suffix(".x2.png")
        image.resize((image.width * 2, image.height * 2), Image.Resampling.LANCZOS).save(path)
    done = subprocess.run([tesseract, str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def range_labels(layer: dict[str, Any]) -> tuple[str, str]:
    """The default colour range's ends as the key writes them: ±max(|p02|, |p98|), 1 decimal."""
    half = round(max(abs(layer["velocity"]["p02"]), abs(layer["velocity"]["p98"])), 1)
    text = f"{half:.1f}".removesuffix(".0")
    return f"{MINUS}{text}", text


def save(name: str, data: bytes) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(data)
    return path


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def point(built_site: Path) -> dict[str, Any]:
    return isolated_point(built_site, manifest_layer(built_site, CLICK_LAYER))


def point_view(point: dict[str, Any], zoom: int = 16) -> str:
    return f"#{zoom}/{point['lat']:.6f}/{point['lon']:.6f}&layer={CLICK_LAYER}&pt={point['id']}"


def embed_page(browser: Any, site_url: str, size: tuple[int, int], hash_: str) -> Viewer:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(20_000)
    viewer = Viewer(page, site_url)
    page.on("console", lambda m: m.type == "error" and viewer.errors.append(m.text))
    page.on("pageerror", lambda e: viewer.errors.append(f"uncaught: {e}"))
    viewer.open(hash_)
    viewer.js("() => egms.analysis.settled().then(() => true)")
    viewer.idle()
    viewer.js("() => egms.frame.render()")
    viewer.idle()
    return viewer


# --- embeds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", REPORT_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_embed_at_a_report_size_is_a_whole_figure(
    browser: Any, site_url: str, built_site: Path, point: dict[str, Any], size: tuple[int, int]
) -> None:
    words = f"&title={TITLE.replace(' ', '%20')}&caption={CAPTION.replace(' ', '%20')}"
    viewer = embed_page(browser, site_url, size, point_view(point) + words + "&embed=1")
    try:
        viewer.wait_for_chart(point["pid"])
        viewer.idle()
        viewer.js("() => egms.frame.render()")
        shot = viewer.page.screenshot()
        save(f"embed-{size[0]}x{size[1]}.png", shot)
        width, height = size

        ring = viewer.js(JS_RING_AT, [point["lon"], point["lat"]])
        box = ring["box"]
        assert box["left"] + 8 <= ring["x"] <= box["right"] - 8, ring
        assert box["top"] + 8 <= ring["y"] <= box["bottom"] - 8, ring
        assert box["height"] >= 0.25 * height, f"the map is a strip: {box}"

        chart = viewer.js(JS_CHART_BOX)
        assert len(chart["dates"]) >= 2, "the date axis has fewer than two labels"
        assert all(0 <= x <= width for x in chart["dates"]), chart
        assert chart["root"]["bottom"] <= min(height, chart["panel"]["bottom"]) + 1, chart
        assert chart["root"]["right"] <= width + 1, chart

        key = viewer.page.locator("#figure-key svg")
        key_box = key.bounding_box()
        assert key_box and key_box["y"] + key_box["height"] <= height + 1, key_box
        texts = key.locator("text").all_text_contents()
        values = key.locator(".colour-bar-values text").all_text_contents()
        assert (values[0], values[-1]) == range_labels(manifest_layer(built_site, CLICK_LAYER))
        key_text = " ".join(texts)
        assert "LOS velocity (mm/yr)" in key_text
        assert "Positive towards the satellite." in key_text
        assert "EGMS Calibrated (L2b) 2020-2024 descending, track 22" in " ".join(key_text.split())
        assert " m" in viewer.page.locator("#figure-key .frame-scale text").text_content()

        head = " ".join(viewer.page.locator("#figure-head text").all_text_contents())
        foot = " ".join(viewer.page.locator("#figure-foot text").all_text_contents())
        assert head == TITLE
        assert CAPTION in foot
        assert ATTRIBUTION in foot and f"egms-tiler {__version__}." in foot

        shown = viewer.js("() => document.body.innerText")
        for word in HIDDEN_WORDS:
            assert word not in shown, f"{word!r} shows in the embed"
        controls = viewer.js(JS_VISIBLE_CONTROLS)
        assert controls == 0, "map controls show in the embed"

        bars = colour_bars(png_pixels(shot))
        assert len(bars) == 1, bars
        assert key_box["y"] <= bars[0]["y"] <= key_box["y"] + key_box["height"], (bars, key_box)
        viewer.assert_no_errors()
    finally:
        viewer.page.context.close()


def test_embed_title_is_text_never_markup(
    browser: Any, site_url: str, point: dict[str, Any]
) -> None:
    title = '<img src=x onerror="window.hacked=1">Ustica & co'
    hash_ = point_view(point) + "&embed=1&title=" + title.replace(" ", "%20").replace("&", "%26")
    viewer = embed_page(browser, site_url, (800, 500), hash_)
    try:
        assert viewer.page.locator("#figure-head text").all_text_contents() == [title]
        assert viewer.js("() => document.querySelectorAll('img').length") == 0
        assert viewer.js("() => window.hacked === undefined")
    finally:
        viewer.page.context.close()


def shared_labels(site: Path, *layer_ids: str) -> tuple[str, str]:
    """Both sides of a compare view measuring the same quantity: the wider default range."""
    labels = [range_labels(manifest_layer(site, layer_id)) for layer_id in layer_ids]
    return max(labels, key=lambda pair: float(pair[1]))


def test_compare_embed_keys_both_halves(
    browser: Any, site_url: str, built_site: Path, point: dict[str, Any]
) -> None:
    """LOS descending | LOS ascending: one shared range, keyed on both halves; LOS | vertical:
    each half on its own range, each key with its own quantity and sign."""
    centre = f"#15/{point['lat']:.6f}/{point['lon']:.6f}&layer={CLICK_LAYER}"
    cases = [
        (OTHER_LAYER, "LOS velocity (mm/yr)", shared_labels(built_site, CLICK_LAYER, OTHER_LAYER)),
        (UP_LAYER, "Vertical velocity (mm/yr)", range_labels(manifest_layer(built_site, UP_LAYER))),
    ]
    for other, right_title, right_labels in cases:
        viewer = embed_page(browser, site_url, (1024, 600), f"{centre}&cmp={other}&embed=1")
        try:
            viewer.page.wait_for_function(
                "() => egms.view.compareMap && egms.view.compareMap.loaded()"
            )
            viewer.js(JS_COMPARE_IDLE)
            viewer.js("() => egms.frame.render()")
            shot = viewer.page.screenshot()
            save(f"embed-compare-{other}.png", shot)
            blocks = viewer.page.locator("#figure-key .frame-key-layer")
            assert blocks.count() == 2
            left_labels = range_labels(manifest_layer(built_site, CLICK_LAYER))
            if other == OTHER_LAYER:
                left_labels = right_labels
            sides = [
                ("Left", "LOS velocity (mm/yr)", left_labels),
                ("Right", right_title, right_labels),
            ]
            for i, (side, title, labels) in enumerate(sides):
                text = " ".join(blocks.nth(i).locator("text").all_text_contents())
                assert f"{side} of the divider: {title}" in text
                values = blocks.nth(i).locator(".colour-bar-values text").all_text_contents()
                assert (values[0], values[-1]) == labels
            assert len(colour_bars(png_pixels(shot))) == 2
        finally:
            viewer.page.context.close()


# --- the viewer's Map PNG ----------------------------------------------------------------------


def test_map_png_of_a_compare_view_has_both_keys_in_its_pixels(
    viewer: Viewer, built_site: Path, point: dict[str, Any]
) -> None:
    viewer.open(point_view(point, 15) + f"&cmp={OTHER_LAYER}&title=Figure%202")
    viewer.page.wait_for_function("() => egms.view.compareMap && egms.view.compareMap.loaded()")
    viewer.js(JS_COMPARE_IDLE)
    viewer.idle()
    with viewer.page.expect_download() as download:
        viewer.page.get_by_role("button", name="Map PNG").click()
    data = Path(download.value.path()).read_bytes()
    path = save("map-compare.png", data)
    pixels = png_pixels(data)
    map_width = viewer.js("() => egms.map.getContainer().clientWidth")
    assert pixels.shape[1] == 2 * map_width, "the Map PNG is not at 2 pixels per CSS px"
    bars = colour_bars(pixels)
    assert len(bars) == 2, bars
    text = ocr(path)
    for words in (
        "Figure 2",
        "Left of the divider",
        "Right of the divider",
        "track 22",
        "track 117",
    ):
        assert words in text, (words, text)
    assert shared_labels(built_site, CLICK_LAYER, OTHER_LAYER)[1] in text
    assert "Made with egms-tiler" in text
    viewer.assert_no_errors()


# --- snapshot ----------------------------------------------------------------------------------


def snapshot(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "tiler", "snapshot", *args]
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_snapshot_png_and_pdf_carry_the_frame(
    built_site: Path, point: dict[str, Any], tmp_path: Path
) -> None:
    import pypdfium2 as pdfium

    words = ["--title", TITLE, "--caption", CAPTION, "--chart"]
    common = [str(built_site), "--view", point_view(point), "--width", "800", "--height", "500"]
    png, pdf = tmp_path / "figure.png", tmp_path / "figure.pdf"
    for out, extra in ((png, []), (pdf, ["--pdf"])):
        done = snapshot(*common, *words, *extra, "-o", str(out))
        assert done.returncode == 0, done.stderr
    pixels = png_pixels(png.read_bytes())
    assert pixels.shape[:2] == (500, 800)
    assert len(colour_bars(pixels)) == 1
    save("snapshot-figure.png", png.read_bytes())
    text = ocr(png)
    for expected in (TITLE, "LOS velocity (mm/yr)", "track 22", "Made with egms-tiler"):
        assert expected in text, (expected, text)

    document = pdfium.PdfDocument(str(pdf))
    assert len(document) == 1
    page = document[0]
    pdf_text = " ".join(page.get_textpage().get_text_range().split())
    low, high = range_labels(manifest_layer(built_site, CLICK_LAYER))
    for expected in (TITLE, CAPTION, "LOS velocity (mm/yr)", low, high, ATTRIBUTION):
        assert expected in pdf_text, (expected, pdf_text)
    rendered = page.render(scale=2).to_pil().convert("RGB")
    rendered.save(ARTIFACTS / "snapshot-figure-pdf.png")
    assert len(colour_bars(np.asarray(rendered))) == 1
    for word in ("Reset zoom", "Date:"):
        assert word not in pdf_text


def test_snapshot_refuses_a_title_with_control_characters(built_site: Path, tmp_path: Path) -> None:
    done = snapshot(str(built_site), "-o", str(tmp_path / "x.png"), "--title", "a\x1b[31mb")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: --title holds a control character; give plain text on one line"
    ]
    assert not (tmp_path / "x.png").exists()


# --- the pure parts: colour bar values and the scale bar ----------------------------------------


RANGES = st.tuples(
    st.floats(-500, 500, allow_nan=False), st.floats(0.01, 1000), st.integers(2, 8),
    st.floats(0.05, 0.4),
)  # fmt: skip
SCALES = st.tuples(st.floats(0.001, 100_000), st.floats(40, 300))
JS_PURE = """async ([ranges, bars]) => {
  const main = document.querySelector('script[type=module]').src;
  const url = main.replace(/main\\.js$/, 'mapfigure.js');
  const m = await import(url);
  return [ranges.map(([lo, span, n, gap]) => m.colourTicks({min: lo, max: lo + span}, n, gap)),
          bars.map(([mpp, room]) => m.scaleBar(mpp, room))];
}"""


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ranges=st.lists(RANGES, min_size=50, max_size=50),
    bars=st.lists(SCALES, min_size=50, max_size=50),
)
def test_colour_ticks_and_scale_bars(viewer: Viewer, ranges: list[Any], bars: list[Any]) -> None:
    """Colour bar values: both ends as written, round values between them never nearer an end
    than the gap; a scale bar of 1, 2 or 5 × 10^n metres, at most the room given and at least
    40 % of it. Batches of cases evaluated in the page (the modules the viewer runs)."""
    if not viewer.page.url.startswith(viewer.base):
        viewer.open()
    ticks_of, bar_of = viewer.js(JS_PURE, [ranges, bars])
    for (low, span, count, gap), ticks in zip(ranges, ticks_of, strict=True):
        assert ticks[0]["t"] == 0 and ticks[-1]["t"] == 1
        assert float(ticks[0]["label"].replace(MINUS, "-")) == pytest.approx(low, abs=1e-3)
        assert len(ticks) <= count + 2
        inner = ticks[1:-1]
        assert all(gap - 1e-9 <= t["t"] <= 1 - gap + 1e-9 for t in inner), (low, span, ticks)
        steps = {round(b["value"] - a["value"], 9) for a, b in zip(inner, inner[1:], strict=False)}
        assert len(steps) <= 1, ticks
    for (metres_per_px, room), bar in zip(bars, bar_of, strict=True):
        mantissa = bar["metres"] / 10 ** np.floor(np.log10(bar["metres"]) + 1e-9)
        assert round(mantissa, 6) in (1, 2, 5), bar
        assert 0.4 * room - 1e-6 <= bar["px"] <= room + 1e-6, (metres_per_px, room, bar)
        unit = "km" if bar["metres"] >= 1000 else "m"
        assert bar["label"].endswith(f" {unit}")


def test_embed_with_several_points_names_each_line_and_fits(
    browser: Any, site_url: str, point: dict[str, Any]
) -> None:
    """Several series: the chart's legend names each pid (no date or value placeholders) and
    the chart with its legend stays inside its box."""
    hash_ = point_view(point) + f"&sel={CLICK_LAYER}:20,{OTHER_LAYER}:7&embed=1"
    viewer = embed_page(browser, site_url, (800, 500), hash_)
    try:
        viewer.wait_for_chart(point["pid"])
        viewer.page.wait_for_function("() => document.body.dataset.chartSeries === '3'")
        viewer.page.wait_for_timeout(100)  # the legend's fit, a frame after the chart
        legend = viewer.page.locator("#chart .u-legend")
        assert legend.is_visible()
        shown = legend.inner_text()
        assert point["pid"] in shown and "Date" not in shown and "–" not in shown, shown
        chart = viewer.js(JS_CHART_BOX)
        assert chart["root"]["bottom"] <= chart["panel"]["bottom"] + 1, chart
        save("embed-several.png", viewer.page.screenshot())
        viewer.assert_no_errors()
    finally:
        viewer.page.context.close()
