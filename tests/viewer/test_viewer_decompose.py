"""Vertical and east motion at a spot (site/app/decompose.js, decomppanel.js) in real Chromium.

The viewer's numbers are checked against an independent numpy computation from the source
CSVs (same averaging, interpolation and 2×2 solve), once with the LOS vectors the viewer
derives from the points' incidence and track angles (equal to 1e-6) and once with the CSVs'
own los_east/north/up columns (within the first-order perturbation bound of their 3-decimal
rounding); the maths against a synthetic truth with noise; the refusals by their messages.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_support import ARTIFACTS, SAMPLES, Viewer, source_rows
from pyproj import Transformer

pytestmark = pytest.mark.browser

DESC_ZIP = SAMPLES / "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip"
ASC_ZIP = SAMPLES / "EGMS_L2b_117_0227_IW2_VV_2020_2024_1.zip"
L3_UP_ZIP = SAMPLES / "EGMS_L3_E45N17_100km_U_2020_2024_1.zip"
# The guide's spot in the south-west of Ustica: 37 descending and 34 ascending points within 50 m.
SPOT = (13.155614, 38.701172)
# An ascending point 44 m from the nearest descending one.
LONE_ASC = (13.160698, 38.692963)
MAX_GAP_DAYS = 24
MIN_DET = 0.3
EARTH_RADIUS_M = 6371008.8
WINDOWS = [(390, 844), (1024, 768), (1440, 900)]
IMPORT = """const main = document.querySelector('script[type=module]').src;
            const m = await import(new URL('decompose.js', main));"""


# --- the reference computation, in numpy --------------------------------------------------------


def haversine(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    rad = math.pi / 180
    a = (
        np.sin((lats - lat) * rad / 2) ** 2
        + math.cos(lat * rad) * np.cos(lats * rad) * np.sin((lons - lon) * rad / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1, np.sqrt(a)))


def iso(compact: str) -> str:
    return f"{compact[:4]}-{compact[4:6]}-{compact[6:]}"


def day(iso_date: str) -> int:
    return dt.date.fromisoformat(iso_date).toordinal()


def read_geometry(path: Path) -> dict[str, Any]:
    """The rows of an L2 sample within ~300 m of the test spots (the tests use radii up to
    120 m): position, angles, LOS columns, the series (NaN = no value)."""
    with zipfile.ZipFile(path) as archive:
        member = next(name for name in archive.namelist() if name.endswith(".csv"))
        text = io.TextIOWrapper(archive.open(member), encoding="utf-8", newline="")
        reader = csv.reader(text)
        header = next(reader)
        at = {name: i for i, name in enumerate(header)}
        lon, lat = at["longitude"], at["latitude"]
        spots = (SPOT, LONE_ASC)
        rows = [
            r
            for r in reader
            if any(
                abs(float(r[lon]) - x) < 0.004 and abs(float(r[lat]) - y) < 0.003 for x, y in spots
            )
        ]
    dates = [name for name in header if name.isdigit() and len(name) == 8]
    number = lambda text: float(text) if text != "" else math.nan  # noqa: E731
    column = lambda name: np.array([number(r[at[name]]) for r in rows])  # noqa: E731
    return {
        "pid": [r[at["pid"]] for r in rows],
        "lon": column("longitude"),
        "lat": column("latitude"),
        "incidence": column("incidence_angle"),
        "heading": column("track_angle"),
        "los": np.stack([column("los_east"), column("los_north"), column("los_up")], axis=1),
        "dates": [iso(d) for d in dates],
        "values": np.array([[number(r[at[d]]) for d in dates] for r in rows]),
    }


def angle_los(incidence: np.ndarray, heading: np.ndarray) -> np.ndarray:
    theta, alpha = np.radians(incidence), np.radians(heading)
    return np.stack(
        [-np.sin(theta) * np.cos(alpha), np.sin(theta) * np.sin(alpha), np.cos(theta)], axis=1
    )


def line_fit(days: np.ndarray, values: np.ndarray) -> tuple[float, float, float] | None:
    """OLS in years: (slope, σ of the slope, residual σ) or None with fewer than 3 values."""
    ok = np.isfinite(values)
    if ok.sum() < 3:
        return None
    t = (days[ok] - days[ok][0]) / 365.25
    y = values[ok]
    slope, intercept = np.polyfit(t, y, 1)
    rss = float(((y - intercept - slope * t) ** 2).sum())
    n = int(ok.sum())
    stt = float(((t - t.mean()) ** 2).sum())
    return float(slope), math.sqrt(rss / (n - 2) / stt), math.sqrt(rss / (n - 2))


def geometry_mean(values: np.ndarray, dates: list[str]) -> dict[str, Any]:
    """Per-date mean; σ = sd/√n (n ≥ 2) or the residual σ of a line through the mean (n = 1)."""
    n = np.isfinite(values).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(values, axis=0) / np.maximum(n, 1), np.nan)
        sd = np.sqrt(np.nansum((values - mean) ** 2, axis=0) / np.maximum(n - 1, 1))
    days = np.array([day(d) for d in dates], dtype=float)
    fit = line_fit(days, mean)
    noise = fit[2] if fit else math.nan
    sigma = np.where(n >= 2, sd / np.sqrt(np.maximum(n, 1)), np.where(n == 1, noise, np.nan))
    return {"days": days, "mean": mean, "sigma": sigma}


def interpolate_onto(g: dict[str, Any], target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Own dates keep their value (gaps too); others: linear between the acquisitions before
    and after if both have a value and are ≤ 24 days apart; no extrapolation."""
    own, mean, sigma = g["days"], g["mean"], g["sigma"]
    values, sigmas = np.full(len(target), np.nan), np.full(len(target), np.nan)
    for i, t in enumerate(target):
        j = int(np.searchsorted(own, t))
        if j < len(own) and own[j] == t:
            values[i], sigmas[i] = mean[j], sigma[j]
        elif 0 < j < len(own) and own[j] - own[j - 1] <= MAX_GAP_DAYS:
            w = (t - own[j - 1]) / (own[j] - own[j - 1])
            values[i] = (1 - w) * mean[j - 1] + w * mean[j]
            sigmas[i] = (1 - w) * sigma[j - 1] + w * sigma[j]
    return values, sigmas


def decompose(geometries: dict[str, tuple[np.ndarray, list[str], np.ndarray]]) -> dict[str, Any]:
    """{key: (values [points × dates], dates, los vectors [points × 3])} for asc and desc."""
    means = {k: geometry_mean(v, d) for k, (v, d, _) in geometries.items()}
    a = np.array(
        [[geometries[k][2][:, 0].mean(), geometries[k][2][:, 2].mean()] for k in ("asc", "desc")]
    )
    dates = sorted(set(geometries["asc"][1]) | set(geometries["desc"][1]))
    target = np.array([day(d) for d in dates], dtype=float)
    (d_a, s_a), (d_d, s_d) = (interpolate_onto(means[k], target) for k in ("asc", "desc"))
    inverse = np.linalg.inv(a)
    east, up = inverse @ np.vstack([d_a, d_d])
    east_sigma = np.sqrt(inverse[0, 0] ** 2 * s_a**2 + inverse[0, 1] ** 2 * s_d**2)
    up_sigma = np.sqrt(inverse[1, 0] ** 2 * s_a**2 + inverse[1, 1] ** 2 * s_d**2)
    return {
        "dates": dates,
        "days": target,
        "matrix": a,
        "det": float(np.linalg.det(a)),
        "east": east,
        "up": up,
        "eastSigma": east_sigma,
        "upSigma": up_sigma,
        "velocity": {k: line_fit(target, v)[:2] for k, v in (("east", east), ("up", up))},
    }


def within(g: dict[str, Any], lon: float, lat: float, radius: float) -> np.ndarray:
    distance = haversine(lon, lat, g["lon"], g["lat"])
    margin = np.abs(distance - radius).min()
    assert margin > 0.01, (
        f"a point lies {margin:.3f} m from the radius: the selection would be a coin toss"
    )
    return np.flatnonzero(distance <= radius)


def reference(
    sources: dict[str, Any], lon: float, lat: float, radius: float, los: str
) -> dict[str, Any]:
    """The decomposition from the CSVs; `los` 'angles' (as the viewer) or 'columns' (EGMS's)."""
    parts, used = {}, {}
    for key, g in sources.items():
        rows = within(g, lon, lat, radius)
        vectors = (
            angle_los(g["incidence"][rows], g["heading"][rows])
            if los == "angles"
            else g["los"][rows]
        )
        parts[key] = (g["values"][rows], g["dates"], vectors)
        used[key] = sorted(g["pid"][i] for i in rows)
    return {**decompose(parts), "used": used}


def as_array(values: list[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources() -> dict[str, Any]:
    return {"asc": read_geometry(ASC_ZIP), "desc": read_geometry(DESC_ZIP)}


def open_decomposition(
    viewer: Viewer, lon: float, lat: float, radius: int, zoom: float = 17
) -> dict[str, Any]:
    viewer.open(f"#{zoom}/{lat}/{lon}&dec={lon},{lat}&r={radius}")
    return wait_decomposed(viewer)


def wait_decomposed(viewer: Viewer) -> dict[str, Any]:
    viewer.page.wait_for_function(
        "() => { const r = egms.decomp.result;"
        " return r && (r.refusal || (r.result.ok && r.velocities.length > 0)); }"
    )
    return viewer.js("() => egms.decomp.result")


def assert_matches(shown: dict[str, Any], ref: dict[str, Any], tolerance: float) -> None:
    """Series, σ, velocities equal within `tolerance` mm (mm/yr); gaps at the same dates."""
    result = shown["result"]
    assert result["dates"] == ref["dates"]
    for key in ("east", "up", "eastSigma", "upSigma"):
        got, want = as_array(result[key]), ref[key]
        assert np.array_equal(np.isnan(got), np.isnan(want)), f"{key}: gaps differ"
        assert np.nanmax(np.abs(got - want)) <= tolerance, (key, np.nanmax(np.abs(got - want)))
    for key in ("east", "up"):
        slope, sigma = ref["velocity"][key]
        assert abs(result["velocity"][key]["value"] - slope) <= tolerance
        assert abs(result["velocity"][key]["sigma"] - sigma) <= tolerance


def perturbation_bound(angles: dict[str, Any], columns: dict[str, Any]) -> float:
    """First-order bound on |Δx| when the matrix moves from the angles' to the columns' LOS:
    ‖A⁻¹‖₂·‖ΔA‖₂·‖x‖, over every date, times 1.5 for the second order and rounding."""
    inverse = np.linalg.inv(angles["matrix"])
    change = np.linalg.norm(columns["matrix"] - angles["matrix"], 2)
    x = np.hypot(angles["east"], angles["up"])
    return float(1.5 * np.linalg.norm(inverse, 2) * change * np.nanmax(x)) + 1e-9


# --- the tests ----------------------------------------------------------------------------------


def test_spot_from_the_address_matches_the_source_csvs(
    viewer: Viewer, sources: dict[str, Any]
) -> None:
    lon, lat = SPOT
    shown = open_decomposition(viewer, lon, lat, 50)
    assert shown["refusal"] == ""
    angles = reference(sources, lon, lat, 50, "angles")
    columns = reference(sources, lon, lat, 50, "columns")
    assert {k: sorted(v) for k, v in shown["used"].items()} == angles["used"]
    assert len(angles["used"]["asc"]) == 34 and len(angles["used"]["desc"]) == 37
    assert_matches(shown, angles, 1e-6)  # the same maths on the same numbers
    bound = perturbation_bound(angles, columns)
    assert bound < 0.05, bound  # the angles give EGMS's LOS columns to their rounding
    assert_matches(shown, columns, bound)
    up = shown["result"]["velocity"]["up"]
    sign = "+" if up["value"] > 0 else "\u2212"
    text = f"{sign}{abs(up['value']):.2f} ± {up['sigma']:.2f} mm/yr (up positive)"
    assert shown["velocities"][0] == text
    assert shown["velocities"][1].endswith("mm/yr (east positive)")
    # the L3 cell compared is the one whose 100 m square (EPSG:3035) holds the spot
    x, y = Transformer.from_crs(4326, 3035, always_xy=True).transform(lon, lat)
    centre = (math.floor(x / 100) * 100 + 50, math.floor(y / 100) * 100 + 50)
    cell = next(
        r for r in source_rows(L3_UP_ZIP) if (float(r["easting"]), float(r["northing"])) == centre
    )
    assert shown["l3"]["up"]["pid"] == cell["pid"]
    assert shown["l3"]["up"]["velocity"] == float(cell["mean_velocity"])
    assert f"dec={lon:.6f},{lat:.6f}&r=50" in location_hash(viewer)
    viewer.assert_no_errors()


def location_hash(viewer: Viewer) -> str:
    return viewer.js("() => location.hash")


def test_click_pick_radius_and_reload(viewer: Viewer, sources: dict[str, Any]) -> None:
    lon, lat = SPOT
    viewer.open(f"#17/{lat}/{lon}")
    viewer.idle()
    viewer.page.click("#decomp-pick")
    box = viewer.page.locator("#map").bounding_box()
    at = viewer.js("([lon, lat]) => egms.map.project([lon, lat])", [lon, lat])
    viewer.page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
    shown = wait_decomposed(viewer)
    spot = viewer.js("() => egms.state.decomp")
    assert haversine(lon, lat, np.array([spot["lon"]]), np.array([spot["lat"]]))[0] < 2
    assert spot["r"] == 50
    assert_matches(shown, reference(sources, spot["lon"], spot["lat"], 50, "angles"), 1e-6)
    assert viewer.page.locator("#panel").is_hidden(), "a click while picking picks no point"
    # the radius box redoes it; the address keeps it, and a reload shows the same numbers
    viewer.page.fill("#decomp-radius", "120")
    viewer.page.dispatch_event("#decomp-radius", "change")
    viewer.page.wait_for_function(
        "() => egms.decomp.result && egms.decomp.result.used"
        " && egms.state.decomp.r === 120 && egms.decomp.result.velocities.length"
    )
    wider = viewer.js("() => egms.decomp.result")
    spot = viewer.js("() => egms.state.decomp")
    ref = reference(sources, spot["lon"], spot["lat"], 120, "angles")
    assert {k: sorted(v) for k, v in wider["used"].items()} == ref["used"]
    assert_matches(wider, ref, 1e-6)
    assert "&r=120" in location_hash(viewer)
    viewer.page.reload()
    viewer.wait_ready()
    again = wait_decomposed(viewer)
    assert again["velocities"] == wider["velocities"]
    viewer.page.keyboard.press("Escape")
    assert viewer.page.locator("#decomp").is_hidden() and "dec=" not in location_hash(viewer)
    viewer.assert_no_errors()


def test_a_bad_spot_in_the_address_is_left_out(viewer: Viewer) -> None:
    viewer.open(f"#17/{SPOT[1]}/{SPOT[0]}&dec=200,99&r=50")
    notice = viewer.page.locator("#url-notice-text").text_content() or ""
    assert "dec=200,99 (not a valid value)" in notice and "r=50" in notice
    assert "dec=" not in location_hash(viewer) and viewer.page.locator("#decomp").is_hidden()


def test_a_missing_geometry_is_refused(viewer: Viewer, sources: dict[str, Any]) -> None:
    lon, lat = LONE_ASC
    shown = open_decomposition(viewer, lon, lat, 10)
    assert (
        len(within(sources["asc"], lon, lat, 10)) >= 1
        and len(within(sources["desc"], lon, lat, 10)) == 0
    )
    assert shown["refusal"] == "No descending point within 10 m: widen the radius."
    assert viewer.page.locator("#decomp-result").is_hidden()
    assert viewer.page.locator("#decomp-refusal").is_visible()
    viewer.assert_no_errors()


def test_the_maths_against_a_synthetic_truth(viewer: Viewer) -> None:
    """Known east and vertical motion seen by 6 ascending and 6 descending points, each with its
    own LOS (incidence ±1°), noise σ = 2 mm per point and date, the orbits 3 days apart."""
    rng = np.random.default_rng(7)
    start = dt.date(2020, 1, 3)
    asc_days = np.arange(0, 1800, 12)
    desc_days = np.arange(3, 1800, 12)
    true_up = lambda d: -6.0 * d / 365.25 + 3 * np.sin(2 * np.pi * d / 365.25)  # noqa: E731
    true_east = lambda d: 2.5 * d / 365.25  # noqa: E731
    noise, n = 2.0, 6
    geometries = {}
    for key, days, heading, incidence in (
        ("asc", asc_days, -9.0, 39.0),
        ("desc", desc_days, 191.4, 37.3),
    ):
        points = []
        for _ in range(n):
            inc = incidence + rng.uniform(-1, 1)
            e, _, u = angle_los(np.array([inc]), np.array([heading]))[0]
            values = e * true_east(days) + u * true_up(days) + rng.normal(0, noise, len(days))
            values[rng.random(len(days)) < 0.05] = np.nan  # a few gaps
            points.append(
                {
                    "dates": [(start + dt.timedelta(days=int(d))).isoformat() for d in days],
                    "values": [None if np.isnan(v) else float(v) for v in values],
                    "incidence": inc,
                    "heading": heading,
                }
            )
        geometries[key] = points
    got = viewer_decompose(viewer, geometries)
    assert got["ok"], got
    days = np.array([day(d) - start.toordinal() for d in got["dates"]], dtype=float)
    for key, truth in (("up", true_up), ("east", true_east)):
        values, sigma = as_array(got[key]), as_array(got[f"{key}Sigma"])
        ok = np.isfinite(values)
        assert ok.sum() > 250
        z = (values[ok] - truth(days[ok])) / sigma[ok]
        # σ per date is right: the errors in σ units have a spread of 1 (n = 6 per date makes
        # each σ uncertain by ~30 %, so ± 0.25 on ~290 dates), and none beyond 5σ
        assert 0.75 < np.sqrt(np.mean(z**2)) < 1.25, np.sqrt(np.mean(z**2))
        assert np.abs(z).max() < 5
        # the velocity within 4 of its σ of the truth's slope (the seasonal term adds nothing to
        # a 5-year fit beyond ~0.1 mm/yr: included in the allowance)
        slope = np.polyfit(days[ok] / 365.25, truth(days[ok]), 1)[0]
        velocity = got["velocity"][key]
        assert abs(velocity["value"] - slope) < 4 * velocity["sigma"] + 0.1, (key, velocity, slope)
    # the expected per-date σ: 2 mm / √6 per geometry through the inverse (condition ~1.1)
    assert 0.5 < np.nanmedian(as_array(got["upSigma"])) < 1.6


def viewer_decompose(
    viewer: Viewer, geometries: dict[str, Any], radius: int = 50
) -> dict[str, Any]:
    if not viewer.js("() => Boolean(window.egms)"):
        viewer.open()
    return viewer.js(
        f"""async ([geometries, radius]) => {{ {IMPORT}
            const points = (list) => list.map((p) => ({{...p, los: m.pointLos(
              {{incidence_angle: p.incidence, track_angle: p.heading}})}}));
            const both = {{asc: points(geometries.asc), desc: points(geometries.desc)}};
            const r = m.decompose(both, {{radius}});
            return JSON.parse(JSON.stringify(r)); }}""",
        [geometries, radius],
    )


def test_parallel_lines_of_sight_and_gaps(viewer: Viewer) -> None:
    dates = ["2020-01-03", "2020-01-15", "2020-01-27", "2020-03-01", "2020-03-13"]

    def point(incidence: float, heading: float, values: list[float]) -> dict[str, Any]:
        return {"dates": dates, "values": values, "incidence": incidence, "heading": heading}

    same_orbit = {"asc": [point(33, -9, [0, 1, 2, 3, 4])], "desc": [point(44, -9, [0, 1, 2, 3, 4])]}
    got = viewer_decompose(viewer, same_orbit)
    assert got == {"ok": False, "reason": got["reason"]}
    assert got["reason"].startswith("The two lines of sight are nearly parallel here (|det| = 0.1")
    assert got["reason"].endswith(f"< {MIN_DET}): vertical and east motion cannot be told apart.")
    none = viewer_decompose(
        viewer, {"asc": [point(39, -9, [0, 1, 2, 3, 4])], "desc": []}, radius=80
    )
    assert none == {"ok": False, "reason": "No descending point within 80 m: widen the radius."}
    # the 2×2 system without noise: east 3 mm and up −5 mm on every date, recovered exactly
    los = {"asc": (38.97, -8.94), "desc": (37.31, 191.42)}
    exact = {}
    for key, (incidence, heading) in los.items():
        e, _, u = angle_los(np.array([incidence]), np.array([heading]))[0]
        exact[key] = [point(incidence, heading, [e * 3 + u * -5] * 5)]
    got = viewer_decompose(viewer, exact)
    assert np.allclose(got["east"], 3, atol=1e-9) and np.allclose(got["up"], -5, atol=1e-9)
    assert abs(got["velocity"]["up"]["value"]) < 1e-9
    # L2a: one processing unit per geometry, or refused
    units = viewer.js(
        f"""async () => {{ {IMPORT}
            const p = (unit) => ({{unit}});
            return [m.l2aUnitProblem({{asc: [p(0), p(0)], desc: [p(3)]}}),
                    m.l2aUnitProblem({{asc: [p(0)], desc: [p(3), p(4)]}})]; }}"""
    )
    assert units[0] == ""
    assert units[1].startswith("The descending points come from 2 processing units, and L2a")
    # the descending orbit 6 days later; its gap of 34 days (01-27 to 03-01) and its own missing
    # value stay gaps, nothing is extrapolated past its last date
    shifted = ["2020-01-09", "2020-01-21", "2020-01-27", "2020-03-01", "2020-03-07"]
    desc = {"dates": shifted, "values": [0, 1, None, 3, 4], "incidence": 37, "heading": 191}
    got = viewer_decompose(viewer, {"asc": [point(39, -9, [0, 1, 2, 3, 4])], "desc": [desc]})
    assert got["ok"]
    assert got["dates"] == sorted(set(dates) | set(shifted))
    defined = [d for d, v in zip(got["dates"], got["up"], strict=True) if v is not None]
    # 01-03 is before the descending first date; 01-27 its own gap; 03-13 after its last date;
    # 01-15 lies between 01-09 and 01-21 (12 days): interpolated
    assert defined == ["2020-01-09", "2020-01-15", "2020-01-21", "2020-03-01", "2020-03-07"]


def test_exports_and_screenshots(viewer: Viewer) -> None:
    lon, lat = SPOT
    shown = open_decomposition(viewer, lon, lat, 50)
    with viewer.page.expect_download() as download:
        viewer.page.click("#decomp-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments[0].startswith(
        f"# EGMS vertical and east displacement at lat {lat:.6f}, lon {lon:.6f}"
    )
    assert any("North motion assumed zero" in line for line in comments)
    assert any("Contains modified Copernicus Sentinel data" in line for line in comments)
    rows = list(
        csv.DictReader(
            io.StringIO("\n".join(x for x in text.splitlines() if not x.startswith("#")))
        )
    )
    assert list(rows[0]) == ["date", "east_mm", "east_sigma_mm", "up_mm", "up_sigma_mm"]
    result = shown["result"]
    assert [r["date"] for r in rows] == result["dates"]
    up = as_array([float(r["up_mm"]) if r["up_mm"] else None for r in rows])
    assert np.allclose(up, as_array(result["up"]), atol=5e-5, equal_nan=True)  # 4 decimals
    with viewer.page.expect_download() as download:
        viewer.page.click("#decomp-svg")
    svg = Path(download.value.path()).read_text(encoding="utf-8")
    for words in (
        "vertical (up +)",
        "east (east +)",
        "L3 cell vertical",
        "±1σ",
        "displacement (mm)",
    ):
        assert words in svg, words
    with viewer.page.expect_download() as download:
        viewer.page.click("#decomp-png")
    # the chart's hover value has its σ
    over = viewer.page.locator("#decomp-chart .u-over")
    over.scroll_into_view_if_needed()
    box = over.bounding_box()
    over.hover(position={"x": box["width"] * 0.6, "y": box["height"] / 2})
    legend = viewer.page.locator("#decomp-chart .u-legend").inner_text()
    assert re.search(r"vertical \(up \+\)\s*[−-]?\d+\.\d ± \d+\.\d mm", legend), legend
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    download.value.save_as(ARTIFACTS / "decompose-chart.png")
    assert (ARTIFACTS / "decompose-chart.png").read_bytes()[:4] == b"\x89PNG"
    for width, height in WINDOWS:
        viewer.page.set_viewport_size({"width": width, "height": height})
        viewer.idle()
        viewer.page.screenshot(path=str(ARTIFACTS / f"decompose-{width}x{height}.png"))
        panel = viewer.page.locator("#decomp").bounding_box()
        assert panel["width"] <= width and panel["x"] >= 0
    viewer.assert_no_errors()
