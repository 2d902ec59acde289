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
import json
import math
import subprocess
import sys
import zipfile
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
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
from conftest import offline_basemap_reused
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
    assert_series(summary["area"]["min"], low)
    assert_series(summary["area"]["max"], high)
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


def test_exports_chart_png_svg_and_map(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    points = cluster(built_site, desc_rows, 2)
    open_cluster(viewer, points)
    click_point(viewer, points[0])
    viewer.wait_for_chart(points[0]["pid"])
    click_point(viewer, points[1], shift=True)
    settled(viewer)

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


# --- data exports: every value read back against the source CSV ------------------------------

L2_WIDE = ["pid", "latitude", "longitude", "height_ortho", "rmse_ts", "temporal_coherence",
           "incidence_angle", "track_angle", "mean_velocity", "mean_velocity_std", "acceleration",
           "seasonality"]  # fmt: skip
L3_WIDE = ["pid", "latitude", "longitude", "height_ortho", "rmse_ts", "mean_velocity",
           "mean_velocity_std", "acceleration", "seasonality"]  # fmt: skip
LONG_COLUMNS = ["layer", "pid", "latitude", "longitude", "mean_velocity", "mean_velocity_std",
                "temporal_coherence", "date", "displacement_mm"]  # fmt: skip
# GeoJSON properties (EGMS names before the 2020-2024 renames) -> the samples' column
GEOJSON_COLUMNS = {
    "height": "height_ortho", "rmse": "rmse_ts", "temporal_coherence": "temporal_coherence",
    "incidence_angle": "incidence_angle", "track_angle": "track_angle",
    "mean_velocity": "mean_velocity",
    "mean_velocity_std": "mean_velocity_std", "acceleration": "acceleration",
    "seasonality": "seasonality",
}  # fmt: skip
L2_ONLY_PROPERTIES = ("temporal_coherence", "incidence_angle", "track_angle")
L3_UP_LAYER = "l3-2020-2024-up"
L3_UP_SAMPLE = REPO / "tests" / "data" / "egms" / "EGMS_L3_E45N17_100km_U_2020_2024_1.zip"


def number(cell: str | None) -> float | None:
    return None if cell in ("", None) else float(cell)


def export(viewer: Viewer, button: str, folder: Path) -> Path:
    """Click an export button; the downloaded file, saved under its suggested name."""
    with viewer.page.expect_download() as info:
        viewer.page.get_by_role("button", name=button, exact=True).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def commented_csv(path: Path) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """`# ` lines, header and rows of an exported CSV (read as pandas' comment='#' would)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    assert lines[: len(comments)] == comments, "comment lines come first"
    table = csv.DictReader(io.StringIO("\n".join(lines[len(comments) :])))
    rows = list(table)
    return comments, list(table.fieldnames or []), rows


def assert_long_csv(
    path: Path, layer: str, rows: dict[str, dict[str, str]], pids: list[str],
    reference: dict[str, float | None] | None = None, tolerance: float = 1e-9,
) -> list[str]:  # fmt: skip
    """Every cell of the CSV with one row per date against the source rows of `pids`;
    `reference`: the reference's value by date (minus_reference_mm is checked against it)."""
    comments, header, table = commented_csv(path)
    assert header == LONG_COLUMNS + (["minus_reference_mm"] if reference else [])
    assert list(dict.fromkeys(r["pid"] for r in table)) == pids
    for pid in pids:
        got = [r for r in table if r["pid"] == pid]
        source = rows[pid]
        dates, values = csv_series(source)
        assert [r["date"] for r in got] == dates
        for r in got:
            assert r["layer"] == layer
            for column in LONG_COLUMNS[2:7]:
                assert number(r[column]) == number(source[column]), (pid, column)
        assert_series([number(r["displacement_mm"]) for r in got], values)
        if reference:
            want = [None if v is None or reference[d] is None else v - reference[d]
                    for d, v in zip(dates, values, strict=True)]  # fmt: skip
            shown = [number(r["minus_reference_mm"]) for r in got]
            for got_value, wanted in zip(shown, want, strict=True):
                assert (got_value is None) == (wanted is None)
                assert wanted is None or got_value == pytest.approx(wanted, abs=tolerance)
    return comments


def assert_wide_csv(
    path: Path, rows: dict[str, dict[str, str]], pids: list[str], columns: list[str]
) -> list[str]:  # fmt: skip
    """Every cell of the CSV in EGMS columns against the source rows (same names, same dates)."""
    comments, header, table = commented_csv(path)
    source_header = list(rows[pids[0]])
    assert header == columns + [c for c in source_header if DATE_COLUMN.match(c)]
    assert [r["pid"] for r in table] == pids
    for r in table:
        for column in header[1:]:
            assert number(r[column]) == number(rows[r["pid"]][column]), (r["pid"], column)
    return comments


def assert_reader_gives_the_source(path: Path, rows: dict[str, dict[str, str]], layer: str) -> None:
    """egms-tiler's own reader takes the wide CSV as an EGMS file of `layer`, with the same
    pids, positions and series (tenths of a mm) as the source, and `inspect` reads it."""
    from tiler.inputs import reader
    from tiler.inputs.header import scan

    source = scan(path)
    assert source.layer.id == layer
    for batch in reader.iter_batches(source):
        for i, pid in enumerate(batch.pid.to_pylist()):
            row = rows[pid]
            want = [reader.MISSING if row[c] == "" else round(float(row[c]) * 10)
                    for c in source.dates]  # fmt: skip
            assert batch.displacement[i].tolist() == want, pid
            assert (batch.lon[i], batch.lat[i]) == (float(row["longitude"]), float(row["latitude"]))
    argv = [sys.executable, "-m", "tiler", "inspect", "--json", str(path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"layer": "' + layer + '"' in done.stdout


def assert_geojson(
    path: Path, layer: str, rows: dict[str, dict[str, str]], pids: list[str], l3: bool = False
) -> dict[str, Any]:  # fmt: skip
    """Every feature's position, attributes and per-date values against the source rows."""
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection"
    assert "European Ground Motion Service" in document["attribution"]
    assert [f["properties"]["pid"] for f in document["features"]] == pids
    for feature in document["features"]:
        source = rows[feature["properties"]["pid"]]
        properties = feature["properties"]
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        if l3:
            assert (lon, lat) == pytest.approx(laea_lonlat(source), abs=6e-7)
        else:
            assert (lon, lat) == (float(source["longitude"]), float(source["latitude"]))
        assert properties["layer"] == layer
        names = [n for n in GEOJSON_COLUMNS if not (l3 and n in L2_ONLY_PROPERTIES)]
        assert list(properties)[2 : 2 + len(names)] == names
        for name in names:
            assert properties[name] == number(source[GEOJSON_COLUMNS[name]]), name
        dates = [c for c in source if DATE_COLUMN.match(c)]
        assert list(properties)[2 + len(names) :] == dates
        assert [properties[d] for d in dates] == [number(source[d]) for d in dates]
    info = pyogrio.read_info(path)  # GDAL, as QGIS reads it: a numeric field per attribute, date
    assert info["features"] == len(pids)
    assert list(info["fields"][:2]) == ["layer", "pid"]
    assert set(info["dtypes"][2:]) == {"float64"}
    return document


def laea_lonlat(row: dict[str, str]) -> tuple[float, float]:
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)
    return to_lonlat.transform(float(row["easting"]), float(row["northing"]))


def draw_box(viewer: Viewer, width: float, height: float) -> None:
    """Drag a box of width × height pixels around the map's centre with the Draw box tool, from
    its lower right corner (the upper left may lie under the tools box in a small window)."""
    viewer.page.get_by_role("button", name="Draw box").click()
    box = viewer.page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
    viewer.page.mouse.move(cx + width / 2, cy + height / 2)
    viewer.page.mouse.down()
    viewer.page.mouse.move(cx - width / 2, cy - height / 2, steps=6)
    viewer.page.mouse.up()


def test_point_exports_hold_the_source_values(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    points = cluster(built_site, desc_rows, 3)
    pids = [p["pid"] for p in points]
    open_cluster(viewer, points)
    click_point(viewer, points[0])
    viewer.wait_for_chart(points[0]["pid"])
    click_point(viewer, points[1], shift=True)
    click_point(viewer, points[2], shift=True)
    settled(viewer)

    long = assert_long_csv(export(viewer, "CSV (one row per date)", tmp_path), CLICK_LAYER,
                           desc_rows, pids)  # fmt: skip
    assert "# reference: none; displacements as published" in long
    assert long[-1].startswith("# Contains modified Copernicus Sentinel data")
    wide_path = export(viewer, "CSV (EGMS columns)", tmp_path)
    wide = assert_wide_csv(wide_path, desc_rows, pids, L2_WIDE)
    assert any("not in the viewer, so left out: mp_type, easting" in c for c in wide)
    assert_reader_gives_the_source(wide_path, desc_rows, CLICK_LAYER)
    document = assert_geojson(export(viewer, "GeoJSON", tmp_path), CLICK_LAYER, desc_rows, pids)
    assert document["reference"] is None

    viewer.page.get_by_role("button", name=f"Use {pids[1]} as reference").click()
    settled(viewer)
    ref_dates, ref_values = csv_series(points[1]["row"])
    reference = dict(zip(ref_dates, ref_values, strict=True))
    long = assert_long_csv(export(viewer, "CSV (one row per date)", tmp_path), CLICK_LAYER,
                           desc_rows, pids, reference)  # fmt: skip
    assert any(c.startswith(f"# reference: point {pids[1]} of {CLICK_LAYER};") for c in long)
    wide = assert_wide_csv(export(viewer, "CSV (EGMS columns)", tmp_path), desc_rows, pids, L2_WIDE)
    assert any("NOT applied here: every value is as published" in c for c in wide)
    document = assert_geojson(export(viewer, "GeoJSON", tmp_path), CLICK_LAYER, desc_rows, pids)
    assert document["reference"]["pid"] == pids[1]
    assert document["reference"]["displacement_mm"] == ref_values
    viewer.assert_no_errors()


def test_area_exports_every_point_inside(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    [point] = cluster(built_site, desc_rows, 1)
    open_cluster(viewer, [point], zoom=17)
    draw_box(viewer, 260, 200)
    summary = settled(viewer)
    ring = viewer.js("() => egms.state.analysis.poly")
    inside = points_inside(ring, desc_rows)
    assert 5 <= len(inside) == summary["area"]["count"]
    order = summary["area"]["ids"]
    layer = manifest_layer(built_site, CLICK_LAYER)
    pid_of = {}
    for chunk_no in {i // layer["chunks"]["size"] for i in order}:
        chunk = read_chunk(built_site, layer, chunk_no)
        pid_of.update({chunk["first_id"] + k: pid for k, pid in enumerate(chunk["pid"])})
    pids = [pid_of[i] for i in order]
    assert sorted(pids) == sorted(inside)

    long_path = export(viewer, "CSV (one row per date)", tmp_path)
    assert_long_csv(long_path, CLICK_LAYER, desc_rows, pids)
    wide_path = export(viewer, "CSV (EGMS columns)", tmp_path)
    wide = assert_wide_csv(wide_path, desc_rows, pids, L2_WIDE)
    assert f"({len(pids)} inside the drawn area)" in wide[0] and "area polygon" in wide[0]
    assert_reader_gives_the_source(wide_path, desc_rows, CLICK_LAYER)
    assert_geojson(export(viewer, "GeoJSON", tmp_path), CLICK_LAYER, desc_rows, pids)

    area_button = f"Use Area mean ({len(pids)} points) as reference"
    viewer.page.get_by_role("button", name=area_button).click()
    settled(viewer)
    dates, mean, _, _ = python_mean(pids, desc_rows)
    long = assert_long_csv(export(viewer, "CSV (one row per date)", tmp_path), CLICK_LAYER,
                           desc_rows, pids, dict(zip(dates, mean, strict=True)), 5e-5)  # fmt: skip
    assert any(f"reference: the mean of the {len(pids)} points inside the drawn area" in c
               for c in long)  # fmt: skip
    document = assert_geojson(export(viewer, "GeoJSON", tmp_path), CLICK_LAYER, desc_rows, pids)
    assert document["reference"]["kind"] == "area"
    assert document["reference"]["points"] == len(pids)
    viewer.assert_no_errors()


def test_l3_exports_write_latitude_longitude(
    viewer: Viewer, built_site: Path, tmp_path: Path
) -> None:
    rows = {row["pid"]: row for row in source_rows(L3_UP_SAMPLE)}
    layer = manifest_layer(built_site, L3_UP_LAYER)
    chunk = read_chunk(built_site, layer, 0)
    pid = chunk["pid"][3]
    lon, lat = chunk["lon"][3], chunk["lat"][3]
    viewer.open(f"#15/{lat:.6f}/{lon:.6f}&layer={L3_UP_LAYER}&pt={chunk['first_id'] + 3}")
    viewer.wait_for_chart(pid)
    settled(viewer)
    wide_path = export(viewer, "CSV (EGMS columns)", tmp_path)
    comments, header, [row] = commented_csv(wide_path)
    assert header[: len(L3_WIDE)] == L3_WIDE and "easting" not in header
    assert (float(row["longitude"]), float(row["latitude"])) == pytest.approx(
        laea_lonlat(rows[pid]), abs=6e-7
    )
    for column in header[3:]:
        assert number(row[column]) == number(rows[pid][column]), column
    assert any("in place of easting/northing" in c for c in comments)
    assert_geojson(export(viewer, "GeoJSON", tmp_path), L3_UP_LAYER, rows, [pid], l3=True)
    viewer.assert_no_errors()


def test_egms_columns_refuse_points_of_two_layers(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    [point] = cluster(built_site, desc_rows, 1)
    viewer.open(f"#16/{point['lat']:.6f}/{point['lon']:.6f}&layer={CLICK_LAYER}"
                f"&pt={point['id']}&sel={ASC_LAYER}:7")  # fmt: skip
    viewer.wait_for_chart(point["pid"])
    settled(viewer)
    downloads: list[Any] = []
    viewer.page.on("download", lambda download: downloads.append(download))
    viewer.page.get_by_role("button", name="CSV (EGMS columns)", exact=True).click()
    status = viewer.page.locator("#chart-status")
    status.filter(has_text="An EGMS file holds one layer").wait_for()
    assert CLICK_LAYER in status.text_content() and ASC_LAYER in status.text_content()
    assert downloads == []
    viewer.assert_no_errors()


@pytest.mark.parametrize("size", [(390, 844), (1024, 768), (1440, 900)])
def test_export_controls_fit_the_panel(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]], size: tuple[int, int]
) -> None:
    viewer.page.set_viewport_size({"width": size[0], "height": size[1]})
    open_one_point(viewer, built_site, desc_rows)
    panel = viewer.page.locator("#panel").bounding_box()
    viewer.page.get_by_role("group", name="Export the chart").scroll_into_view_if_needed()
    for name in ("CSV (one row per date)", "CSV (EGMS columns)", "GeoJSON", "Chart SVG"):
        button = viewer.page.get_by_role("button", name=name, exact=True)
        assert button.is_visible(), name
        box = button.bounding_box()
        assert panel["x"] <= box["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= size[1], (name, box)
    screenshot(viewer, f"exports-{size[0]}x{size[1]}")
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
               cells: ['p,1', '#2', '=HYPERLINK("x")', '-1', '@x', 'plain'].map(a.csvField),
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
    assert got["cells"] == ['"p,1"', '"#2"', '"\'=HYPERLINK(""x"")"', "'-1", "'@x", "plain"]
    assert got["l2a"] == [True, False, True]
    viewer.assert_no_errors()


# --- L2a: a site with two processing units ------------------------------------------------------


@pytest.fixture(scope="module")
def l2a_site(tmp_path_factory: pytest.TempPathFactory, basemap_store: Path) -> tuple[Path, Path]:
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
    with offline_basemap_reused(basemap_store):
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
