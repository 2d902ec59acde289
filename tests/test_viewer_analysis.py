"""The viewer's analysis features in a real browser: chart, selection, area mean, reference,
date window and fits, exports, embed mode, permalinks.

Expected values come from the ORIGINAL sample CSVs (csv module, numpy, shapely), never from the
viewer's code; the site's chunks are read only to map feature ids to pids. Screenshots of the
main states go to build/test-artifacts/ and are checked not to be blank.
"""

from __future__ import annotations

import csv
import html
import io
import math
import subprocess
import sys
import zipfile
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_support import (
    ARTIFACTS,
    CIRCLE_LAYER,
    CLICK_LAYER,
    CLICK_SAMPLE,
    DATE_COLUMN,
    JS_VIEW,
    REPO,
    Viewer,
    expected_colour,
    free_port,
    manifest_layer,
    read_chunk,
    read_manifest,
    source_rows,
    wait_until_up,
)
from shapely.geometry import Point, Polygon

pytestmark = pytest.mark.browser

ASC_LAYER = "l2b-2020-2024-asc"
ASC_SAMPLE = REPO / "tests" / "data" / "egms" / "EGMS_L2b_117_0227_IW2_VV_2020_2024_1.zip"
SETTLED = "() => egms.analysis.settled()"


# --- expected values from the sources ----------------------------------------------------------


@pytest.fixture(scope="module")
def desc_rows() -> dict[str, dict[str, str]]:
    return {row["pid"]: row for row in source_rows(CLICK_SAMPLE)}


def csv_series(row: dict[str, str]) -> tuple[list[str], list[float | None]]:
    """ISO dates and values (None = empty cell) of one source CSV row."""
    columns = [name for name in row if DATE_COLUMN.match(name)]
    dates = [f"{c[:4]}-{c[4:6]}-{c[6:]}" for c in columns]
    return dates, [None if row[c] == "" else float(row[c]) for c in columns]


def assert_series(shown: list[Any], want: list[float | None]) -> None:
    assert len(shown) == len(want)
    for i, (got, expected) in enumerate(zip(shown, want, strict=True)):
        if expected is None:
            assert got is None, i
        else:
            assert got == pytest.approx(expected, abs=1e-9), i


def days(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


def numpy_velocity(dates: list[str], values: list[float | None], t0: str, t1: str) -> float:
    pairs = [
        (days(d), v) for d, v in zip(dates, values, strict=True) if t0 <= d <= t1 and v is not None
    ]
    t = np.array([p[0] for p in pairs], dtype=float) / 365.25
    y = np.array([p[1] for p in pairs])
    return float(np.polyfit(t, y, 1)[0])


def cluster(site: Path, rows: dict[str, dict[str, str]], count: int) -> list[dict[str, Any]]:
    """`count` points of chunk 0 of the click layer, 25-150 m apart from each other and with no
    neighbour within 12 m (so clicks hit them), all on one screen at zoom 17."""
    layer = manifest_layer(site, CLICK_LAYER)
    chunk = read_chunk(site, layer, 0)
    lon = np.array([float(r["longitude"]) for r in rows.values()])
    lat = np.array([float(r["latitude"]) for r in rows.values()])
    scale = math.cos(math.radians(float(lat[0]))) * 111_320.0

    def metres(x: float, y: float) -> np.ndarray:
        return np.hypot((lon - x) * scale, (lat - y) * 111_320.0)

    chosen: list[dict[str, Any]] = []
    for offset, pid in enumerate(chunk["pid"]):
        row = rows[pid]
        x, y = float(row["longitude"]), float(row["latitude"])
        distances = metres(x, y)
        if np.sort(distances)[1] < 12:  # [0] is the point itself
            continue
        gaps = [math.hypot((p["lon"] - x) * scale, (p["lat"] - y) * 111_320.0) for p in chosen]
        if not all(25 < gap < 150 for gap in gaps):
            continue
        chosen.append(
            {"id": chunk["first_id"] + offset, "pid": pid, "lon": x, "lat": y, "row": row}
        )
        if len(chosen) == count:
            return chosen
    raise AssertionError(f"no cluster of {count} isolated points in chunk 0")


# --- page helpers ---------------------------------------------------------------------------------


def map_xy(viewer: Viewer, lon: float, lat: float) -> tuple[float, float]:
    xy = viewer.js("p => egms.map.project([p.lon, p.lat])", {"lon": lon, "lat": lat})
    box = viewer.page.locator("#map").bounding_box()
    return box["x"] + xy["x"], box["y"] + xy["y"]


def click_point(viewer: Viewer, point: dict[str, Any], shift: bool = False) -> None:
    x, y = map_xy(viewer, point["lon"], point["lat"])
    if shift:
        viewer.page.keyboard.down("Shift")
    viewer.page.mouse.click(x, y)
    if shift:
        viewer.page.keyboard.up("Shift")


def chart_box(viewer: Viewer) -> dict[str, float]:
    """The chart's plotting area, scrolled into the panel's view (mouse events need it)."""
    over = viewer.page.locator("#chart .u-over")
    over.scroll_into_view_if_needed()
    return over.bounding_box()


def settled(viewer: Viewer) -> dict[str, Any]:
    return viewer.js(SETTLED)


def screenshot(viewer: Viewer, name: str) -> Path:
    """Save a screenshot under build/test-artifacts and check it is not blank."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    viewer.page.screenshot(path=str(path))
    assert_png_not_blank(path.read_bytes())
    return path


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the inflated scanlines of a PNG (enough to tell a blank image)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def assert_png_not_blank(data: bytes) -> None:
    width, height, raw = png_pixels(data)
    assert width > 50 and height > 50, (width, height)
    # filtered scanlines of a one-colour image hold (almost) only zeros after the first row
    distinct = len(set(raw[: 4 * width * min(height, 400)]))
    assert distinct > 20, f"image looks blank ({distinct} distinct byte values)"


def open_cluster(viewer: Viewer, points: list[dict[str, Any]], zoom: float = 17) -> None:
    lon = sum(p["lon"] for p in points) / len(points)
    lat = sum(p["lat"] for p in points) / len(points)
    viewer.open(f"#{zoom}/{lat:.6f}/{lon:.6f}&layer={CLICK_LAYER}")
    viewer.idle()


def open_one_point(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """Open the viewer on one isolated point, click it and wait for its chart."""
    [point] = cluster(built_site, desc_rows, 1)
    open_cluster(viewer, [point])
    click_point(viewer, point)
    viewer.wait_for_chart(point["pid"])
    return point


# --- tests -------------------------------------------------------------------------------------


def test_chart_hover_zoom_reset_and_every_attribute(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    point = open_one_point(viewer, built_site, desc_rows)
    dates, want = csv_series(point["row"])
    assert_series(viewer.js("() => egms.chart.data[1]"), want)

    panel = viewer.page.locator("#panel-attributes").text_content()
    row = point["row"]
    for text in (
        f"{float(row['mean_velocity_std']):.1f} mm/yr",
        f"{float(row['height_ortho']):.1f} m",
        f"{float(row['acceleration']):.2f} mm/yr²",
        f"{float(row['seasonality']):.1f} mm",
        f"{float(row['rmse_ts']):.1f} mm",
        f"{float(row['temporal_coherence']):.2f}",
        CLICK_SAMPLE.stem,
    ):
        assert text in panel, text

    over = chart_box(viewer)
    viewer.page.mouse.move(over["x"] + over["width"] * 0.5, over["y"] + over["height"] * 0.5)
    idx = viewer.js("() => egms.chart.cursor.idx")
    legend = viewer.page.locator("#chart .u-legend").text_content()
    assert dates[idx] in legend
    shown = "–" if want[idx] is None else f"{want[idx]:.1f} mm"
    assert shown in legend, (shown, legend)

    x0, x1 = over["x"] + over["width"] * 0.3, over["x"] + over["width"] * 0.6
    viewer.page.mouse.move(x0, over["y"] + 20)
    viewer.page.mouse.down()
    viewer.page.mouse.move(x1, over["y"] + 40, steps=5)
    viewer.page.mouse.up()
    t0, t1 = viewer.js("() => [egms.state.analysis.t0, egms.state.analysis.t1]")
    assert t0 and t1 and dates[0] < t0 < t1 < dates[-1], (t0, t1)
    assert f"t0={t0}" in viewer.js("() => location.hash")
    viewer.page.get_by_role("button", name="Reset zoom").click()
    assert viewer.js("() => [egms.state.analysis.t0, egms.state.analysis.t1]") == [None, None]
    assert "t0=" not in viewer.js("() => location.hash")
    screenshot(viewer, "point-chart")
    viewer.assert_no_errors()


def test_shift_click_adds_series_and_table_removes_one(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    points = cluster(built_site, desc_rows, 3)
    open_cluster(viewer, points)
    click_point(viewer, points[0])
    viewer.wait_for_chart(points[0]["pid"])
    click_point(viewer, points[1], shift=True)
    click_point(viewer, points[2], shift=True)
    summary = settled(viewer)
    assert [s["pid"] for s in summary["series"]] == [p["pid"] for p in points]
    for series, point in zip(summary["series"], points, strict=True):
        dates, want = csv_series(point["row"])
        assert series["dates"] == dates
        assert_series(series["values"], want)
    colours = [s["colour"] for s in summary["series"]]
    assert len(set(colours)) == 3
    plotted = viewer.js("() => egms.chart.data.slice(1)")
    assert_series(plotted[2], csv_series(points[2]["row"])[1])
    rows = viewer.page.locator("#series-rows tr")
    assert rows.count() == 3
    table = viewer.page.locator("#series-table").text_content()
    for point in points:
        assert point["pid"] in table
        assert f"{float(point['row']['temporal_coherence']):.2f}" in table
    sel = f"sel={CLICK_LAYER}:{points[1]['id']},{CLICK_LAYER}:{points[2]['id']}"
    assert sel in viewer.js("() => location.hash")
    screenshot(viewer, "three-points")

    viewer.page.get_by_role("button", name=f"Remove {points[1]['pid']} from the chart").click()
    summary = settled(viewer)
    assert [s["pid"] for s in summary["series"]] == [points[0]["pid"], points[2]["pid"]]
    assert viewer.js("() => document.body.dataset.chartSeries") == "2"
    assert rows.count() == 2
    viewer.assert_no_errors()


def points_inside(ring: list[list[float]], rows: dict[str, dict[str, str]]) -> list[str]:
    polygon = Polygon(ring)
    return [
        pid
        for pid, row in rows.items()
        if polygon.contains(
            Point(round(float(row["longitude"]), 6), round(float(row["latitude"]), 6))
        )
    ]


def python_mean(pids: list[str], rows: dict[str, dict[str, str]]) -> tuple[list, list, list, list]:
    dates, _ = csv_series(rows[pids[0]])
    columns = [list(csv_series(rows[pid])[1]) for pid in pids]
    mean, low, high = [], [], []
    for i in range(len(dates)):
        present = [c[i] for c in columns if c[i] is not None]
        mean.append(sum(present) / len(present) if present else None)
        low.append(min(present) if present else None)
        high.append(max(present) if present else None)
    return dates, mean, low, high


def test_drawn_polygon_gives_the_mean_of_every_point_inside(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    [point] = cluster(built_site, desc_rows, 1)
    open_cluster(viewer, [point], zoom=16)
    viewer.page.get_by_role("button", name="Draw polygon").click()
    box = viewer.page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5
    corners = [(math.cos(a) * 170, math.sin(a) * 140) for a in np.linspace(0, 2 * math.pi, 6)[:-1]]
    for dx, dy in corners[:-1]:
        viewer.page.mouse.click(cx + dx, cy + dy)
    viewer.page.mouse.dblclick(cx + corners[-1][0], cy + corners[-1][1])
    summary = settled(viewer)
    ring = viewer.js("() => egms.state.analysis.poly")
    assert len(ring) == 5
    inside = points_inside(ring, desc_rows)
    assert len(inside) >= 20
    assert summary["area"]["count"] == len(inside)
    [area] = [s for s in summary["series"] if s["kind"] == "area"]
    dates, mean, low, high = python_mean(inside, desc_rows)
    assert area["dates"] == dates
    assert_series(
        [None if v is None else round(v, 9) for v in area["values"]],
        [None if v is None else round(v, 9) for v in mean],
    )
    assert_series(area["min"], low)
    assert_series(area["max"], high)
    assert summary["area"]["chunks"] < manifest_layer(built_site, CLICK_LAYER)["points"] / 256
    assert (
        f"Area mean ({len(inside)} points)" in viewer.page.locator("#series-table").text_content()
    )
    assert "poly=" in viewer.js("() => location.hash")
    screenshot(viewer, "polygon-mean")
    viewer.assert_no_errors()


def feature_colours(viewer: Viewer) -> list[dict[str, Any]]:
    return viewer.js(
        """layer => egms.map.queryRenderedFeatures({layers: [layer]}).slice(0, 40).map(f => ({
             v: f.properties.velocity,
             rgb: ['r', 'g', 'b'].map(k => f.layer.paint['circle-color'][k] * 255)}))""",
        CIRCLE_LAYER,
    )


def test_reference_point_rereferences_chart_and_map(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    points = cluster(built_site, desc_rows, 2)
    open_cluster(viewer, points)
    click_point(viewer, points[0])
    viewer.wait_for_chart(points[0]["pid"])
    click_point(viewer, points[1], shift=True)
    settled(viewer)
    viewer.page.get_by_role("button", name=f"Use {points[1]['pid']} as reference").click()
    summary = settled(viewer)
    _, a = csv_series(points[0]["row"])
    _, b = csv_series(points[1]["row"])
    want = [None if x is None or y is None else x - y for x, y in zip(a, b, strict=True)]
    assert_series(summary["series"][0]["values"], want)
    assert all(v in (0, None) for v in summary["series"][1]["values"])
    assert f"ref={CLICK_LAYER}:{points[1]['id']}" in viewer.js("() => location.hash")

    ref_velocity = float(points[1]["row"]["mean_velocity"])
    assert summary["mapReference"]["velocity"] == pytest.approx(ref_velocity)
    viewer.idle()
    layer = manifest_layer(built_site, CLICK_LAYER)
    half = max(abs(layer["velocity"]["p02"]), abs(layer["velocity"]["p98"]))
    features = [f for f in feature_colours(viewer) if f["v"] is not None]
    assert features
    for feature in features:
        wanted = expected_colour(feature["v"] - ref_velocity, half)
        assert feature["rgb"] == pytest.approx(wanted, abs=1.0), feature
    screenshot(viewer, "reference")

    viewer.page.get_by_role("button", name="Clear reference").click()
    summary = settled(viewer)
    assert_series(summary["series"][0]["values"], a)
    viewer.idle()
    for feature in [f for f in feature_colours(viewer) if f["v"] is not None]:
        assert feature["rgb"] == pytest.approx(expected_colour(feature["v"], half), abs=1.0)
    viewer.assert_no_errors()


def test_date_window_velocity_and_fits_match_numpy(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    point = open_one_point(viewer, built_site, desc_rows)
    over = chart_box(viewer)
    viewer.page.mouse.move(over["x"] + over["width"] * 0.2, over["y"] + 30)
    viewer.page.mouse.down()
    viewer.page.mouse.move(over["x"] + over["width"] * 0.75, over["y"] + 30, steps=5)
    viewer.page.mouse.up()
    viewer.page.get_by_label("Linear fit").check()
    viewer.page.get_by_label("Seasonal fit").check()
    summary = settled(viewer)
    t0, t1 = summary["window"]
    dates, values = csv_series(point["row"])
    slope = numpy_velocity(dates, values, t0, t1)
    fit = summary["series"][0]["fit"]
    assert fit["slope"] == pytest.approx(slope, abs=0.01)
    inside = [
        (days(d), v) for d, v in zip(dates, values, strict=True) if t0 <= d <= t1 and v is not None
    ]
    assert fit["n"] == len(inside)
    t = (np.array([p[0] for p in inside], dtype=float) - inside[0][0]) / 365.25
    y = np.array([p[1] for p in inside])
    design = np.column_stack([np.ones_like(t), t, np.sin(2 * np.pi * t), np.cos(2 * np.pi * t)])
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
    assert summary["series"][0]["seasonal"]["coefficients"] == pytest.approx(coefficients, abs=1e-6)
    residuals = y - (fit["intercept"] + fit["slope"] * t)
    sigma = math.sqrt(residuals @ residuals / (len(t) - 2) / ((t - t.mean()) @ (t - t.mean())))
    assert fit["sigma"] == pytest.approx(sigma, rel=1e-6)
    window_cell = viewer.page.locator("#series-rows td.window").first.text_content()
    assert window_cell.startswith(f"{slope:.2f} ± {sigma:.2f}"), window_cell
    fits = viewer.js("() => egms.chart.series.map(s => s.label).filter(l => l.includes('fit'))")
    assert fits == [f"linear fit {point['pid']}", f"seasonal fit {point['pid']}"]
    assert "fit=lin,seas" in viewer.js("() => location.hash")
    screenshot(viewer, "window-fits")
    viewer.assert_no_errors()


def test_permalink_restores_the_whole_analysis(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    points = cluster(built_site, desc_rows, 2)
    lon = sum(p["lon"] for p in points) / 2
    lat = sum(p["lat"] for p in points) / 2
    ring = [[lon - 0.002, lat - 0.0015], [lon + 0.002, lat - 0.0015], [lon, lat + 0.002]]
    poly = ",".join(f"{v:.6f}" for xy in ring for v in xy)
    permalink = (
        f"#16.50/{lat:.6f}/{lon:.6f}&layer={CLICK_LAYER}&pt={points[0]['id']}&cmap=roma"
        f"&sel={CLICK_LAYER}:{points[1]['id']},{ASC_LAYER}:7&ref={CLICK_LAYER}:{points[1]['id']}"
        f"&poly={poly}&t0=2021-03-01&t1=2023-06-30&fit=lin"
    )
    viewer.open(permalink)
    viewer.wait_for_chart(points[0]["pid"])
    first = settled(viewer)
    assert viewer.js("() => location.hash") == permalink
    assert viewer.js(JS_VIEW) == pytest.approx([16.5, lon, lat], abs=1e-6)
    assert [s["kind"] for s in first["series"]] == ["point", "point", "point", "area"]
    assert first["window"] == ["2021-03-01", "2023-06-30"]
    assert first["reference"]["label"].startswith(points[1]["pid"])
    assert first["area"]["count"] == len(points_inside(ring, desc_rows))
    scale = viewer.js("() => [egms.chart.scales.x.min, egms.chart.scales.x.max]")
    assert scale == [
        (days("2021-03-01") - date(1970, 1, 1).toordinal()) * 86400,
        (days("2023-06-30") - date(1970, 1, 1).toordinal()) * 86400,
    ]
    asc = {row["pid"]: row for row in source_rows(ASC_SAMPLE)}
    asc_series = first["series"][2]
    assert asc_series["layer"] == ASC_LAYER and asc_series["referenced"] is not None
    _, asc_values = csv_series(asc[asc_series["pid"]])
    _, ref_values = csv_series(points[1]["row"])
    asc_dates, _ = csv_series(asc[asc_series["pid"]])
    ref_by_date = dict(zip(csv_series(points[1]["row"])[0], ref_values, strict=True))
    want = [
        None if v is None or ref_by_date.get(d) is None else v - ref_by_date[d]
        for d, v in zip(asc_dates, asc_values, strict=True)
    ]
    assert_series(asc_series["values"], want)

    viewer.page.reload()
    viewer.wait_ready()
    viewer.wait_for_chart(points[0]["pid"])
    again = settled(viewer)
    assert viewer.js("() => location.hash") == permalink
    assert again == first
    assert viewer.page.locator("#palette-select").input_value() == "roma"
    assert viewer.page.get_by_label("Linear fit").is_checked()
    viewer.assert_no_errors()


def test_exports_csv_png_svg_and_map(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    points = cluster(built_site, desc_rows, 2)
    open_cluster(viewer, points)
    click_point(viewer, points[0])
    viewer.wait_for_chart(points[0]["pid"])
    click_point(viewer, points[1], shift=True)
    settled(viewer)

    with viewer.page.expect_download() as info:
        viewer.page.get_by_role("button", name="CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments[0] == "# reference: none, values as published"
    table = list(
        csv.DictReader(
            io.StringIO("\n".join(x for x in text.splitlines() if not x.startswith("#")))
        )
    )
    assert list(table[0]) == ["layer", "pid", "date", "value_mm"]
    for point in points:
        got = [r for r in table if r["pid"] == point["pid"]]
        dates, want = csv_series(point["row"])
        assert [r["layer"] for r in got] == [CLICK_LAYER] * len(dates)
        assert [r["date"] for r in got] == dates
        assert_series([None if r["value_mm"] == "" else float(r["value_mm"]) for r in got], want)

    with viewer.page.expect_download() as info:
        viewer.page.get_by_role("button", name="Chart PNG").click()
    assert info.value.suggested_filename.endswith(".png")
    assert_png_not_blank(Path(info.value.path()).read_bytes())

    with viewer.page.expect_download() as info:
        viewer.page.get_by_role("button", name="Chart SVG").click()
    svg = Path(info.value.path()).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert svg.count("<path") >= 2 and "European Ground Motion Service" in svg
    assert points[0]["pid"] in svg and "no reference" in svg

    with viewer.page.expect_download() as info:
        viewer.page.get_by_role("button", name="Map PNG").click()
    assert_png_not_blank(Path(info.value.path()).read_bytes())
    viewer.assert_no_errors()


def test_embed_mode_and_embed_code(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    point = open_one_point(viewer, built_site, desc_rows)
    viewer.page.get_by_role("button", name="Copy embed code").click()
    code = html.unescape(viewer.page.locator("#embed-code").input_value())
    assert code.startswith('<iframe src="') and code.endswith("</iframe>")
    src = code.split('"')[1]
    assert src.endswith("&embed=1") and f"pt={point['id']}" in src
    viewer.page.keyboard.press("Escape")
    assert viewer.page.locator("#embed-box").is_hidden()
    assert viewer.page.locator("#panel").is_visible()

    viewer.page.goto(src)
    viewer.wait_ready()
    viewer.wait_for_chart(point["pid"])
    for chrome in (".toolbar", ".footer", "#tools", "#series-table", "#panel-attributes"):
        assert viewer.page.locator(chrome).is_hidden(), chrome
    assert viewer.page.locator("#map").is_visible()
    assert viewer.page.locator("#chart").is_visible()
    assert "embed=1" in viewer.js("() => location.hash")
    screenshot(viewer, "embed")
    viewer.page.goto(viewer.base + "?embed=1#" + src.split("#", 1)[1].replace("&embed=1", ""))
    viewer.wait_ready()
    assert viewer.page.locator(".toolbar").is_hidden()
    viewer.assert_no_errors()


def test_pure_modules_against_numpy(viewer: Viewer) -> None:
    viewer.open()
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0, 4, 60))
    y = 3 - 2.5 * t + 1.5 * np.sin(2 * np.pi * t) + rng.normal(0, 0.3, 60)
    ring = [[0, 0], [4, 0], [4, 3], [2, 1.5], [0, 3]]
    probes = [[1, 1], [2, 2.5], [3, 1], [5, 1], [2, 1.4], [2, 1.6]]
    got = viewer.js(
        """async ([t, y, ring, probes]) => {
             const main = document.querySelector('script[type=module]').src;
             const a = await import(new URL('analysis.js', main));
             const pairs = t.map((v, i) => [v, y[i]]);
             return {
               lin: a.linearFit(pairs), seas: a.seasonalFit(pairs),
               inside: probes.map(p => a.pointInPolygon(p, ring)),
               mean: a.meanSeries([{dates: ['2020-01-01', '2020-01-07'], values: [1, null]},
                                   {dates: ['2020-01-07', '2020-01-13'], values: [4, 6]},
                                   {dates: ['2020-01-01'], values: [3]}]),
               reref: a.rereference({dates: ['d1', 'd2', 'd3'], values: [5, null, 7]},
                                    {dates: ['d3', 'd1'], values: [2, 1]}),
               csv: a.seriesCsv([{layer: 'l', pid: 'p,1', dates: ['2020-01-01', '2020-01-07'],
                                  values: [1.25, null]}], ['ref: none']),
               formula: a.seriesCsv([{layer: 'l', pid: '=HYPERLINK("x")', dates: ['2020-01-01'],
                                      values: [-1]}]),
               l2a: [a.canRereference({level: 'L2a', layerId: 'x', unit: 0},
                                      {level: 'L2a', layerId: 'x', unit: 0}),
                     a.canRereference({level: 'L2a', layerId: 'x', unit: 0},
                                      {level: 'L2a', layerId: 'x', unit: 1}),
                     a.canRereference({level: 'L2b', layerId: 'x', unit: 0},
                                      {level: 'L2b', layerId: 'y', unit: 1})],
             };
           }""",
        [t.tolist(), y.tolist(), ring, probes],
    )
    slope, intercept = np.polyfit(t, y, 1)
    assert got["lin"]["slope"] == pytest.approx(slope, abs=1e-9)
    assert got["lin"]["intercept"] == pytest.approx(intercept, abs=1e-9)
    design = np.column_stack([np.ones_like(t), t, np.sin(2 * np.pi * t), np.cos(2 * np.pi * t)])
    assert got["seas"]["coefficients"] == pytest.approx(
        np.linalg.lstsq(design, y, rcond=None)[0], abs=1e-9
    )
    polygon = Polygon(ring)
    assert got["inside"] == [polygon.contains(Point(p)) for p in probes]
    assert got["mean"] == {
        "dates": ["2020-01-01", "2020-01-07", "2020-01-13"],
        "mean": [2, 4, 6], "min": [1, 4, 6], "max": [3, 4, 6], "count": [2, 1, 1],
    }  # fmt: skip
    assert got["reref"] == [4, None, 5]
    assert (
        got["csv"]
        == '# ref: none\nlayer,pid,date,value_mm\nl,"p,1",2020-01-01,1.25\nl,"p,1",2020-01-07,\n'
    )
    assert got["formula"].splitlines()[1] == 'l,"\'=HYPERLINK(""x"")",2020-01-01,-1'
    assert got["l2a"] == [True, False, True]
    viewer.assert_no_errors()


# --- L2a: a site with two processing units ------------------------------------------------------


@pytest.fixture(scope="module")
def l2a_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two L2a "bursts" cut from the real desc sample (its first 300 and next 300 rows, same
    columns), built into one L2a layer with two processing units."""
    from tiler import build

    root = tmp_path_factory.mktemp("l2a")
    samples = root / "in"
    samples.mkdir()
    with zipfile.ZipFile(CLICK_SAMPLE) as archive:
        member = next(name for name in archive.namelist() if name.endswith(".csv"))
        lines = archive.read(member).decode("utf-8").splitlines(keepends=True)
    for burst, part in (("0845", lines[1:301]), ("0846", lines[301:601])):
        path = samples / f"EGMS_L2a_022_{burst}_IW2_VV_2020_2024_1.csv"
        path.write_text(lines[0] + "".join(part), encoding="utf-8")
    out = root / "out"
    build(sorted(samples.glob("*.csv")), out, quiet=True)
    return samples, out


@pytest.fixture(scope="module")
def l2a_url(l2a_site: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    port = free_port()
    log = tmp_path_factory.mktemp("serve-l2a") / "stderr.txt"
    argv = [sys.executable, "-m", "tiler", "serve", str(l2a_site[1]), "--port", str(port)]
    with open(log, "wb") as stderr:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url, process, log)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_l2a_reference_stays_inside_one_unit(
    viewer: Viewer, l2a_site: tuple[Path, Path], l2a_url: str
) -> None:
    samples, site = l2a_site
    [layer] = read_manifest(site)["layers"]
    assert layer["level"] == "L2a" and len(layer["units"]) == 2
    unit0, unit1 = layer["units"]
    rows = {}
    for path in sorted(samples.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            rows.update({row["pid"]: row for row in csv.DictReader(handle)})
    chunk0 = read_chunk(site, layer, unit0["first_id"] // layer["chunks"]["size"])
    chunk1 = read_chunk(site, layer, unit1["first_id"] // layer["chunks"]["size"])
    a, b = unit0["first_id"], unit0["first_id"] + 1
    c = unit1["first_id"]
    pa, pb, pc = chunk0["pid"][0], chunk0["pid"][1], chunk1["pid"][0]
    viewer.base = l2a_url
    viewer.open(f"#layer={layer['id']}&pt={a}&sel={b},{c}&ref={b}")
    viewer.wait_for_chart(pa)
    summary = settled(viewer)
    by_pid = {s["pid"]: s for s in summary["series"]}
    _, va = csv_series(rows[pa])
    _, vb = csv_series(rows[pb])
    _, vc = csv_series(rows[pc])
    assert_series(
        by_pid[pa]["values"],
        [None if x is None or y is None else x - y for x, y in zip(va, vb, strict=True)],
    )
    assert by_pid[pa]["referenced"] and not by_pid[pc]["referenced"]
    assert_series(by_pid[pc]["values"], vc)
    assert summary["warnings"] == [pc]
    warning = viewer.page.locator("#ref-warning")
    assert warning.is_visible() and "L2a" in warning.text_content() and pc in warning.text_content()
    assert summary["mapReference"] == {
        "velocity": pytest.approx(float(rows[pb]["mean_velocity"])),
        "unit": 0,
    }
    assert "only in unit" in viewer.page.locator("#map-ref-warning").text_content()
    screenshot(viewer, "l2a-warning")
    viewer.assert_no_errors()
