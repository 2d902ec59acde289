"""Profiles (cross sections) in a real browser: a line drawn with the mouse or given in the
address, the points within its buffer, their distance along the line and offset across it, the
binned mean ± σ, the exports and the address that restores it.

Expected values come from the ORIGINAL sample CSV (csv module) with the projection written out
here in numpy, checked against shapely (the same plane) and pyproj's geodesics (the stated error
bound); the pure module itself runs under Node against the same references.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sitedata
from browser_support import CLICK_LAYER, CLICK_SAMPLE, Viewer, source_rows
from node_support import run_with_app
from pyproj import Geod
from shapely.geometry import LineString, Point
from test_viewer_analysis import commented_csv, export, map_xy, png_pixels, screenshot

pytestmark = pytest.mark.browser

WGS84_A = 6_378_137.0
WGS84_E2 = 0.006_694_379_990_14
GEOD = Geod(ellps="WGS84")
# three vertices across the descending sample's points (a bend: a round join is exercised)
LINE = [[13.160, 38.700], [13.172, 38.706], [13.185, 38.7045]]
PLANE_TOLERANCE_M = 1e-6  # the same formulas in double precision
PROFILE = "() => egms.analysis.profile()"


# --- the expected profile, from the source rows -------------------------------------------------


@pytest.fixture(scope="module")
def desc_rows() -> dict[str, dict[str, str]]:
    return {row["pid"]: row for row in source_rows(CLICK_SAMPLE)}


def frame_of(line: list[list[float]]) -> dict[str, float]:
    """The local equirectangular frame on the WGS84 ellipsoid about the line's middle."""
    lons, lats = [p[0] for p in line], [p[1] for p in line]
    lat0, lon0 = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    w = 1 - WGS84_E2 * math.sin(math.radians(lat0)) ** 2
    n, m = WGS84_A / math.sqrt(w), WGS84_A * (1 - WGS84_E2) / w**1.5
    return {"lon0": lon0, "lat0": lat0, "kx": n * math.cos(math.radians(lat0)) * math.pi / 180,
            "ky": m * math.pi / 180}  # fmt: skip


def local(frame: dict[str, float], lon: Any, lat: Any) -> tuple[Any, Any]:
    return (np.asarray(lon) - frame["lon0"]) * frame["kx"], (
        np.asarray(lat) - frame["lat0"]
    ) * frame["ky"]


def expected_profile(line: list[list[float]], buffer: float,
                     rows: dict[str, dict[str, str]]) -> dict[str, dict[str, float]]:  # fmt: skip
    """pid → {distance, offset, velocity} of every source point inside the flat-capped buffer
    (with round joins) of `line`, offset positive right of the line."""
    frame = frame_of(line)
    pids = list(rows)
    x, y = local(
        frame,
        [float(rows[p]["longitude"]) for p in pids],
        [float(rows[p]["latitude"]) for p in pids],
    )
    vx, vy = local(frame, [p[0] for p in line], [p[1] for p in line])
    lengths = np.hypot(np.diff(vx), np.diff(vy))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    best = np.full(len(pids), np.inf)
    distance = np.zeros(len(pids))
    offset = np.zeros(len(pids))
    inside = np.zeros(len(pids), dtype=bool)
    last = len(line) - 1
    for i in range(last):
        dx, dy = vx[i + 1] - vx[i], vy[i + 1] - vy[i]
        raw = ((x - vx[i]) * dx + (y - vy[i]) * dy) / (dx * dx + dy * dy)
        t = np.clip(raw, 0, 1)
        gap = np.hypot(x - vx[i] - t * dx, y - vy[i] - t * dy)
        cut = ((raw < 0) & (i == 0)) | ((raw > 1) & (i == last - 1))  # the square ends
        inside |= (gap <= buffer) & ~cut
        nearer = gap < best
        best = np.where(nearer, gap, best)
        distance = np.where(nearer, starts[i] + t * lengths[i], distance)
        cross = dx * (y - vy[i]) - dy * (x - vx[i])
        offset = np.where(nearer, np.where(cross > 0, -gap, gap), offset)
    return {pids[k]: {"distance": float(distance[k]), "offset": float(offset[k]),
                      "velocity": float(rows[pids[k]]["mean_velocity"])}
            for k in np.flatnonzero(inside)}  # fmt: skip


def numpy_bins(
    points: dict[str, dict[str, float]], length: float, width: float
) -> list[dict[str, Any]]:
    count = max(1, math.ceil(length / width - 1e-9))
    values: list[list[float]] = [[] for _ in range(count)]
    for p in points.values():
        values[min(count - 1, int(p["distance"] // width))].append(p["velocity"])
    bins = []
    for k, v in enumerate(values):
        a = np.array(v)
        bins.append({"from": k * width, "to": min(length, (k + 1) * width), "n": len(v),
                     "mean": float(a.mean()) if len(v) else None,
                     "sd": float(a.std(ddof=1)) if len(v) >= 2 else None})  # fmt: skip
    return bins


def assert_profile(shown: dict[str, Any], want: dict[str, dict[str, float]]) -> None:
    got = {p["pid"]: p for p in shown["points"]}
    assert set(got) == set(want)
    for pid, w in want.items():
        assert got[pid]["distance"] == pytest.approx(w["distance"], abs=PLANE_TOLERANCE_M), pid
        assert got[pid]["offset"] == pytest.approx(w["offset"], abs=PLANE_TOLERANCE_M), pid
        assert got[pid]["value"] == w["velocity"], pid
    distances = [p["distance"] for p in shown["points"]]
    assert distances == sorted(distances)
    bins = numpy_bins(want, shown["length"], shown["binWidth"])
    assert [b["n"] for b in shown["bins"]] == [b["n"] for b in bins]
    for got_bin, want_bin in zip(shown["bins"], bins, strict=True):
        assert got_bin["from"] == pytest.approx(want_bin["from"]) and got_bin[
            "to"
        ] == pytest.approx(want_bin["to"])
        for key in ("mean", "sd"):
            if want_bin[key] is None:
                assert got_bin[key] is None
            else:
                assert got_bin[key] == pytest.approx(want_bin[key], abs=1e-9)


def geodesic_along(line: list[list[float]], distance: float) -> tuple[float, tuple[float, float]]:
    """The geodesic length along `line` to the place `distance` plane metres along it, and that
    place (lon, lat): the plane's place mapped back through the frame."""
    frame = frame_of(line)
    vx, vy = local(frame, [p[0] for p in line], [p[1] for p in line])
    walked = 0.0
    geodesic = 0.0
    for i in range(len(line) - 1):
        seg = math.hypot(vx[i + 1] - vx[i], vy[i + 1] - vy[i])
        if distance <= walked + seg or i == len(line) - 2:
            t = (distance - walked) / seg
            px, py = vx[i] + t * (vx[i + 1] - vx[i]), vy[i] + t * (vy[i + 1] - vy[i])
            foot = (frame["lon0"] + px / frame["kx"], frame["lat0"] + py / frame["ky"])
            return geodesic + GEOD.inv(*line[i], *foot)[2], foot
        walked += seg
        geodesic += GEOD.inv(*line[i], *line[i + 1])[2]
    raise AssertionError("unreachable")


# --- the page ------------------------------------------------------------------------------------


def line_text(line: list[list[float]]) -> str:
    return ",".join(f"{lon:.6f},{lat:.6f}" for lon, lat in line)


def open_profile(viewer: Viewer, line: list[list[float]], extra: str = "") -> dict[str, Any]:
    viewer.open(f"#15.6/38.7040/13.1725&layer={CLICK_LAYER}&prof={line_text(line)}{extra}")
    shown: dict[str, Any] = viewer.js(PROFILE)
    return shown


def test_profile_points_distances_and_bins_equal_the_source_csv(
    viewer: Viewer, desc_rows: dict[str, dict[str, str]]
) -> None:
    shown = open_profile(viewer, LINE, "&buf=60")
    want = expected_profile(LINE, 60, desc_rows)
    assert len(want) >= 50 and shown["buffer"] == 60
    assert_profile(shown, want)
    assert shown["binWidth"] == 200  # 2.4 km in at most 20 round bins
    # the plane against shapely: the same distances along and across the line
    frame = frame_of(LINE)
    plane = LineString(
        list(zip(*local(frame, [p[0] for p in LINE], [p[1] for p in LINE]), strict=True))
    )
    for p in shown["points"]:
        xy = Point(*local(frame, p["lon"], p["lat"]))
        assert plane.project(xy) == pytest.approx(p["distance"], abs=1e-6)
        assert plane.distance(xy) == pytest.approx(abs(p["offset"]), abs=1e-6)
    # the plane against geodesics on the ellipsoid: within the bound the panel states
    bound = shown["errorBound"]
    assert 0 < bound < 1e-3
    assert plane.length == pytest.approx(shown["length"], abs=1e-6)
    worst = 0.0
    for p in shown["points"]:
        along, foot = geodesic_along(LINE, p["distance"])
        across = GEOD.inv(*foot, p["lon"], p["lat"])[2]
        worst = max(worst, abs(along - p["distance"]), abs(across - abs(p["offset"])))
    assert worst <= bound * shown["length"], (worst, bound * shown["length"])
    stated = viewer.page.locator("#profile-assumptions").text_content() or ""
    assert f"distance error < {bound * shown['length']:.2g} m" in stated
    assert "positive towards the satellite" in stated and "ends cut square" in stated
    assert "no σ for bins with fewer than 2 points" in stated
    # the chart: one dot per point, the bins' means, and a readout of n under the cursor
    box = viewer.page.locator("#profile-chart .u-over").bounding_box()
    first = shown["points"][0]
    span = 1.04 * shown["length"]  # the axis: the whole line, 2 % more each side
    x = box["x"] + box["width"] * (first["distance"] + 0.02 * shown["length"]) / span
    viewer.page.mouse.move(x, box["y"] + box["height"] / 2)
    readout = viewer.page.locator("#profile-readout").text_content() or ""
    assert readout.startswith(f"{first['pid']}: ") and "mm/yr" in readout
    [bin_] = [b for b in shown["bins"] if b["from"] <= first["distance"] <= b["to"]]
    assert f"n = {bin_['n']}" in readout
    viewer.assert_no_errors()


def test_with_the_map_through_time_a_profile_plots_the_csv_displacement_at_its_date(
    viewer: Viewer, desc_rows: dict[str, dict[str, str]], built_site: Path
) -> None:
    """color=displacement&at=DATE: each point's value is its CSV displacement from the first
    epoch to DATE (mm), the bins their mean ± σ; the panel, chart and CSV say so."""
    dates = sitedata.layer(built_site, CLICK_LAYER)["epochs"]["dates"]
    first, at = dates[0], dates[9]
    shown = open_profile(viewer, LINE, f"&buf=60&color=displacement&at={at}")
    assert shown["quantity"] == {"kind": "displacement", "from": first, "at": at}
    want = expected_profile(LINE, 60, desc_rows)
    for pid, w in want.items():
        row = desc_rows[pid]
        w["velocity"] = round(float(row[at.replace("-", "")]) - float(row[first.replace("-", "")]),
                              1)  # fmt: skip
    assert_profile(shown, want)
    assert all(p["sigma"] is None for p in shown["points"])
    stated = viewer.page.locator("#profile-assumptions").text_content() or ""
    assert f"LOS displacement {first} → {at} of each point, in mm" in stated
    assert "EGMS gives no σ for one date's value" in stated
    # the slider moves the profile with the map
    viewer.page.locator("#time-slider").fill("4")
    viewer.idle()
    moved = viewer.js(PROFILE)
    assert moved["quantity"]["at"] == dates[4]
    viewer.assert_no_errors()


def test_profile_drawn_with_the_mouse_exports_and_restores(
    viewer: Viewer, desc_rows: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    viewer.open(f"#14.4/38.7028/13.1725&layer={CLICK_LAYER}")  # the whole line in sight
    viewer.page.get_by_role("button", name="Draw profile").click()
    clicks = [map_xy(viewer, lon, lat) for lon, lat in LINE]
    viewer.page.mouse.click(*clicks[0])
    viewer.page.keyboard.press("Escape")  # cancels: nothing drawn
    assert viewer.js("() => egms.state.analysis.prof") is None
    viewer.page.get_by_role("button", name="Draw profile").click()
    for x, y in clicks:
        viewer.page.mouse.click(x, y)
    viewer.page.mouse.click(*clicks[-1])  # a click on the last vertex finishes
    shown = viewer.js(PROFILE)
    drawn = viewer.js("() => egms.state.analysis.prof")
    assert len(drawn) == 3
    for (lon, lat), (want_lon, want_lat) in zip(drawn, LINE, strict=True):
        assert (
            abs(lon - want_lon) < 1e-4 and abs(lat - want_lat) < 1e-4
        )  # a pixel at zoom 14.4: 4e-5°
    assert_profile(shown, expected_profile(drawn, 50, desc_rows))
    assert "prof=" in viewer.js("() => location.hash")
    assert viewer.page.locator("#panel-kind").text_content() == "Profile"

    # the CSV holds the points shown, by distance, with the provenance lines of other exports
    path = export(viewer, "Profile CSV", tmp_path)
    comments, header, table = commented_csv(path)
    assert header[:8] == ["layer", "pid", "longitude", "latitude", "distance_m", "offset_m",
                          "mean_velocity", "mean_velocity_std"]  # fmt: skip
    assert [r["pid"] for r in table] == [p["pid"] for p in shown["points"]]
    for row, p in zip(table, shown["points"], strict=True):
        source = desc_rows[row["pid"]]
        assert row["layer"] == CLICK_LAYER
        assert float(row["distance_m"]) == pytest.approx(p["distance"], abs=0.005)
        assert float(row["offset_m"]) == pytest.approx(p["offset"], abs=0.005)
        assert float(row["mean_velocity"]) == float(source["mean_velocity"])
        assert float(row["mean_velocity_std"]) == float(source["mean_velocity_std"])
        assert float(row["longitude"]) == float(source["longitude"])
        assert float(row["temporal_coherence"]) == float(source["temporal_coherence"])
    text = "\n".join(comments)
    assert (
        f"{len(table)} points of {CLICK_LAYER}" in text and "profile line (lon lat, WGS84)" in text
    )
    assert "Contains modified Copernicus Sentinel data" in text and "distance error <" in text

    # the chart as SVG (axes titled with their units) and PNG
    svg = ET.parse(export(viewer, "Profile SVG", tmp_path)).getroot()
    words = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "Distance along the profile (m)" in words and "LOS velocity (mm/yr)" in words
    assert "mean of a 200 m bin" in words and "bin mean ± σ (n ≥ 2)" in words
    png = export(viewer, "Profile PNG", tmp_path).read_bytes()
    width, height, _ = png_pixels(png)
    assert (width, height) == (3200, 1800)

    # the buffer and the bin width go into the address, which restores the profile
    viewer.page.fill("#profile-buffer", "80")
    viewer.page.press("#profile-buffer", "Enter")
    viewer.page.fill("#profile-bin", "250")
    viewer.page.press("#profile-bin", "Enter")
    wider = viewer.js(PROFILE)
    assert wider["buffer"] == 80 and wider["binWidth"] == 250
    assert_profile(wider, expected_profile(drawn, 80, desc_rows))
    address = viewer.js("() => location.hash")
    assert "buf=80" in address and "pbin=250" in address
    screenshot(viewer, "profile-drawn")
    viewer.page.goto("about:blank")
    viewer.open(address)
    again = viewer.js(PROFILE)
    assert [p["pid"] for p in again["points"]] == [p["pid"] for p in wider["points"]]
    assert again["binWidth"] == 250 and again["buffer"] == 80
    # Clear profile, and Back brings it back (a profile is a step of the history)
    viewer.page.get_by_role("button", name="Clear profile").click()
    assert viewer.js("() => egms.state.analysis.prof") is None
    assert "prof=" not in viewer.js("() => location.hash")
    viewer.page.go_back()
    viewer.page.wait_for_function("() => egms.state.analysis.prof !== null")
    assert len(viewer.js(PROFILE)["points"]) == len(wider["points"])
    viewer.assert_no_errors()


def test_profile_of_an_l3_layer_says_its_quantity(viewer: Viewer) -> None:
    viewer.open(f"#14.5/38.7040/13.1725&layer=l3-2020-2024-up&prof={line_text(LINE)}&buf=200")
    shown = viewer.js(PROFILE)
    assert shown["layer"] == "l3-2020-2024-up" and shown["count"] > 5
    stated = viewer.page.locator("#profile-assumptions").text_content() or ""
    assert "Vertical velocity" in stated and "positive up" in stated
    assert (
        viewer.page.locator("#profile-chart")
        .get_attribute("aria-label")
        .startswith("Vertical velocity (mm/yr)")
    )
    viewer.assert_no_errors()


# --- profile.js itself (Node) -------------------------------------------------------------------

PROFILE_SCRIPT = """
import { binPoints, errorBound, frameOf, pathOf, placeOn, projectMembers } from './app/profile.js';
import { unitWarning } from './app/profilefigure.js';
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
console.log(JSON.stringify(cases.map(({ line, buffer, points, width }) => {
  const members = points.map(([lon, lat], i) => ({ pid: String(i), lon, lat, velocity: i % 7 - 3,
    attributes: {} }));
  const frame = frameOf(line);
  const path = pathOf(line, frame);
  const projected = projectMembers(members, line, buffer);
  return { length: path.length, bound: errorBound(line, frame, buffer),
    points: projected.map((p) => [Number(p.pid), p.distance, p.offset]),
    bins: binPoints(projected, path.length, width).map((b) => [b.n, b.mean, b.sd]),
    warning: unitWarning({ units: [0, 1] }, { level: 'L2a' }) };
})));
"""


def random_cases(seed: int, count: int) -> list[dict[str, Any]]:
    """Polylines of 2-5 vertices over 100 m to 5 km at latitudes 35-70°, points scattered
    around them (a third within 30 m of a vertex: the joins and the square ends)."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(count):
        lat = rng.uniform(35, 70)
        lon = rng.uniform(-10, 30)
        steps = rng.integers(2, 6)
        scale = rng.uniform(100, 5000) / 111_000
        line = [[lon, lat]]
        for _ in range(steps - 1):
            line.append([line[-1][0] + rng.normal(0, scale) / math.cos(math.radians(lat)),
                         line[-1][1] + rng.normal(0, scale)])  # fmt: skip
        buffer = float(rng.uniform(10, 500))
        near = [[v[0] + rng.normal(0, 30 / 80_000), v[1] + rng.normal(0, 30 / 111_000)]
                for v in line for _ in range(20)]  # fmt: skip
        lons = [p[0] for p in line]
        lats = [p[1] for p in line]
        pad = (buffer * 2) / 111_000
        spread = [
            [rng.uniform(min(lons) - 2 * pad, max(lons) + 2 * pad),
             rng.uniform(min(lats) - pad, max(lats) + pad)]
            for _ in range(200)
        ]  # fmt: skip
        cases.append({"line": line, "buffer": buffer, "points": near + spread,
                      "width": float(rng.choice([10, 50, 100, 250]))})  # fmt: skip
    return cases


def test_profile_js_against_numpy_shapely_and_geodesics(tmp_path: Path) -> None:
    cases = random_cases(23, 40)
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    results = run_with_app(tmp_path, "profile", PROFILE_SCRIPT, str(tmp_path / "cases.json"))
    bounds = []
    for case, got in zip(cases, results, strict=True):
        line, buffer = case["line"], case["buffer"]
        rows = {
            str(i): {"longitude": str(lon), "latitude": str(lat), "mean_velocity": str(i % 7 - 3)}
            for i, (lon, lat) in enumerate(case["points"])
        }
        want = expected_profile(line, buffer, rows)
        frame = frame_of(line)
        plane = LineString(
            list(zip(*local(frame, [p[0] for p in line], [p[1] for p in line]), strict=True))
        )
        # a point within a millimetre of the buffer's edge may fall either side in either code
        edge = {pid for pid, w in want.items() if abs(abs(w["offset"]) - buffer) < 1e-3}
        assert {str(p[0]) for p in got["points"]} - edge == set(want) - edge
        for pid, distance, offset in got["points"]:
            xy = Point(*local(frame, case["points"][pid][0], case["points"][pid][1]))
            assert distance == pytest.approx(plane.project(xy), abs=1e-6)
            assert abs(offset) == pytest.approx(plane.distance(xy), abs=1e-6)
            assert abs(offset) <= buffer + 1e-6
        assert got["length"] == pytest.approx(plane.length, abs=1e-6)
        geodesic = sum(GEOD.inv(*line[i], *line[i + 1])[2] for i in range(len(line) - 1))
        assert abs(geodesic - got["length"]) <= got["bound"] * got["length"], (geodesic, got)
        bounds.append(got["bound"])
        projected = {
            str(p[0]): {"distance": p[1], "velocity": float(int(p[0]) % 7 - 3)}
            for p in got["points"]
        }
        for (n, mean, sd), b in zip(
            got["bins"], numpy_bins(projected, got["length"], case["width"]), strict=True
        ):
            assert n == b["n"]
            assert (mean is None) == (b["mean"] is None) and (sd is None) == (b["sd"] is None)
            if b["mean"] is not None:
                assert mean == pytest.approx(b["mean"], abs=1e-12)
            if b["sd"] is not None:
                assert sd == pytest.approx(b["sd"], abs=1e-12)
        assert "2 L2a processing units" in got["warning"]
    # the bound is no blanket: lines of 0.1-20 km at 35-70° N, it stays under 1 %, mostly ≤ 0.1 %
    assert max(bounds) < 1e-2 and float(np.median(bounds)) < 1e-3


def test_profile_drawn_with_taps(
    browser: Any, site_url: str, desc_rows: dict[str, dict[str, str]]
) -> None:
    """On a touch screen: a tap adds a vertex, a tap on the last vertex finishes the line."""
    context = browser.new_context(viewport={"width": 960, "height": 640}, has_touch=True)
    page = context.new_page()
    viewer = Viewer(page, site_url)
    page.on("pageerror", lambda e: viewer.errors.append(f"uncaught: {e}"))
    try:
        viewer.open(f"#14.4/38.7028/13.1725&layer={CLICK_LAYER}")
        page.tap("#draw-line")
        taps = [map_xy(viewer, lon, lat) for lon, lat in LINE[:2]]
        for x, y in taps:
            page.touchscreen.tap(x, y)
            page.wait_for_timeout(400)  # apart: not a double tap
        page.touchscreen.tap(*taps[-1])
        shown = viewer.js(PROFILE)
        drawn = viewer.js("() => egms.state.analysis.prof")
        assert len(drawn) == 2 and viewer.js("() => egms.map.getZoom()") == pytest.approx(14.4)
        assert_profile(shown, expected_profile(drawn, 50, desc_rows))
        viewer.assert_no_errors()
    finally:
        context.close()
