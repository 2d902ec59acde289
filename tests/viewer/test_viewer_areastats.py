"""Area statistics in a real browser: the points of a drawn area that pass the quality filters,
their velocity mean ± σ, median and percentiles, the histogram, the mean series with its ±1σ
(or min–max) band, the band in the URL hash, and the exports of the filtered members.

Expected values come from the ORIGINAL sample CSV (csv module, shapely, numpy), never from the
viewer's code; the site's chunks are read only to map feature ids to pids.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_support import (
    CLICK_LAYER,
    CLICK_SAMPLE,
    Viewer,
    manifest_layer,
    read_chunk,
    read_manifest,
    source_rows,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_viewer_analysis import (  # noqa: F401 (fixtures)
    L2_WIDE,
    assert_wide_csv,
    cluster,
    commented_csv,
    csv_series,
    draw_box,
    export,
    l2a_site,
    l2a_url,
    open_cluster,
    points_inside,
    screenshot,
)

pytestmark = pytest.mark.browser

CMIN, SMAX = 0.8, 0.3  # a coherence and a velocity σ cut that leave some of the points
SETTLED = "() => egms.analysis.settled()"


# --- expected values from the source rows ------------------------------------------------------


@pytest.fixture(scope="module")
def desc_rows() -> dict[str, dict[str, str]]:
    return {row["pid"]: row for row in source_rows(CLICK_SAMPLE)}


def passing(pids: list[str], rows: dict[str, dict[str, str]], cmin: float | None,
            smax: float | None) -> list[str]:  # fmt: skip
    """The pids whose source row passes coherence ≥ cmin and velocity σ ≤ smax (None: off)."""
    kept = []
    for pid in pids:
        row = rows[pid]
        if cmin is not None and not float(row["temporal_coherence"]) >= cmin:
            continue
        if smax is not None and not float(row["mean_velocity_std"]) <= smax:
            continue
        kept.append(pid)
    return kept


def velocity_stats(pids: list[str], rows: dict[str, dict[str, str]]) -> dict[str, float]:
    v = np.array([float(rows[pid]["mean_velocity"]) for pid in pids])
    median, p5, p95 = np.percentile(v, [50, 5, 95])
    return {"n": len(v), "mean": v.mean(), "sd": v.std(ddof=1), "median": median, "p5": p5,
            "p95": p95, "min": v.min(), "max": v.max()}  # fmt: skip


def date_stats(pids: list[str], rows: dict[str, dict[str, str]]) -> dict[str, list[Any]]:
    """Per date over the pids' series: numpy's mean, σ (ddof=1), min and max of the values there."""
    dates, _ = csv_series(rows[pids[0]])
    table = np.array(
        [[np.nan if v is None else v for v in csv_series(rows[pid])[1]] for pid in pids]
    )
    out: dict[str, list[Any]] = {"dates": dates, "mean": [], "sd": [], "min": [], "max": []}
    for column in table.T:
        present = column[~np.isnan(column)]
        out["mean"].append(present.mean() if present.size else None)
        out["sd"].append(present.std(ddof=1) if present.size > 1 else None)
        out["min"].append(present.min() if present.size else None)
        out["max"].append(present.max() if present.size else None)
    return out


def assert_close(got: list[Any], want: list[Any], tolerance: float = 1e-9) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if w is None:
            assert g is None, i
        else:
            assert g == pytest.approx(w, abs=tolerance), i


def assert_round_histogram(hist: dict[str, Any], velocities: np.ndarray) -> None:
    """Round bins (a step of 1, 2 or 5 × 10^n, edges its multiples, at most 12 bins) whose counts
    are numpy's over the same edges, and the points outside them counted."""
    step, edges = hist["step"], np.array(hist["edges"])
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    assert round(mantissa, 9) in (1, 2, 5), step
    assert np.allclose(edges / step, np.round(edges / step), atol=1e-6)
    assert 1 <= len(hist["counts"]) <= 12
    counts, _ = np.histogram(velocities, bins=edges)
    assert hist["counts"] == counts.tolist()
    assert hist["below"] == int((velocities < edges[0]).sum())
    assert hist["above"] == int((velocities > edges[-1]).sum())


def pids_of(site: Path, ids: list[int]) -> list[str]:
    layer = manifest_layer(site, CLICK_LAYER)
    found: dict[int, str] = {}
    for chunk_no in {i // layer["chunks"]["size"] for i in ids}:
        chunk = read_chunk(site, layer, chunk_no)
        found.update({chunk["first_id"] + k: pid for k, pid in enumerate(chunk["pid"])})
    return [found[i] for i in ids]


# --- page helpers ---------------------------------------------------------------------------------


def open_area(viewer: Viewer, site: Path, rows: dict[str, dict[str, str]], extra: str = "",
              size: tuple[int, int] = (380, 300)) -> list[list[float]]:  # fmt: skip
    """The descending layer at zoom 16 with a box drawn around the map's centre; its ring."""
    [point] = cluster(site, rows, 1)
    open_cluster(viewer, [point], zoom=16)
    if extra:
        viewer.open(viewer.js("() => location.hash") + extra)
        viewer.idle()
    draw_box(viewer, *size)
    viewer.js(SETTLED)
    return viewer.js("() => egms.state.analysis.poly")


def set_filters(viewer: Viewer, cmin: float, smax: float) -> None:
    if viewer.page.locator("#legend-settings").is_hidden():
        viewer.page.click("#legend-settings-toggle")
    viewer.page.locator("#filter-coherence").fill(str(cmin))
    viewer.page.locator("#filter-sigma").fill(str(smax))
    viewer.page.click("#legend-settings-toggle")  # fold the settings away again


def rendered_inside(viewer: Viewer, ring: list[list[float]]) -> set[str]:
    """The pids of the points the map draws inside `ring` (tiles of the current zoom)."""
    from shapely.geometry import Point, Polygon

    viewer.idle()
    features = viewer.js(
        """() => egms.map.queryRenderedFeatures({layers: ['egms-velocity']})
                   .map(f => [f.properties.pid, ...f.geometry.coordinates])"""
    )
    polygon = Polygon(ring)
    return {pid for pid, lon, lat in features if polygon.contains(Point(lon, lat))}


def assert_area_matches(summary: dict[str, Any], site: Path, rows: dict[str, dict[str, str]],
                        inside: list[str], kept: list[str]) -> None:  # fmt: skip
    """The page's area summary against the source rows of the `kept` of the `inside` pids."""
    area = summary["area"]
    assert area["total"] == len(inside)
    assert area["count"] == len(kept)
    assert sorted(pids_of(site, area["ids"])) == sorted(kept)
    want = velocity_stats(kept, rows)
    for key, value in want.items():
        assert area["stats"][key] == pytest.approx(value, abs=1e-9), key
    assert area["velocity"] == pytest.approx(want["mean"], abs=1e-9)
    velocities = np.array([float(rows[pid]["mean_velocity"]) for pid in kept])
    assert_round_histogram(area["histogram"], velocities)
    per_date = date_stats(kept, rows)
    assert area["dates"] == per_date["dates"]
    for key in ("mean", "sd", "min", "max"):
        assert_close(area[key], per_date[key])
    [line] = [s for s in summary["series"] if s["kind"] == "area"]
    assert line["count"] == len(kept)
    assert_close(line["values"], per_date["mean"])
    if line["band"] == "sd":
        pairs = list(zip(per_date["mean"], per_date["sd"], strict=True))
        assert_close(line["high"], [None if s is None else m + s for m, s in pairs])
        assert_close(line["low"], [None if s is None else m - s for m, s in pairs])
    else:
        assert_close(line["high"], per_date["max"])
        assert_close(line["low"], per_date["min"])


def minus(value: float, decimals: int = 1) -> str:
    text = f"{value:.{decimals}f}"
    return "\u2212" + text[1:] if text.startswith("-") and float(text) != 0 else text.lstrip("-")


# --- tests -------------------------------------------------------------------------------------


def test_area_statistics_follow_the_quality_filters(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    ring = open_area(viewer, built_site, desc_rows)
    inside = points_inside(ring, desc_rows)
    assert len(inside) >= 100
    summary = viewer.js(SETTLED)
    assert summary["area"]["filters"] is None
    assert_area_matches(summary, built_site, desc_rows, inside, inside)
    assert viewer.page.locator("#area-count").text_content() == (
        f"{len(inside)} points in the area (no quality filter on)."
    )
    assert rendered_inside(viewer, ring) == set(inside)

    set_filters(viewer, CMIN, SMAX)
    viewer.page.wait_for_function(
        "() => egms.analysis.settled().then(s => s.area && s.area.filters !== null)"
    )
    summary = viewer.js(SETTLED)
    kept = passing(inside, desc_rows, CMIN, SMAX)
    assert 10 <= len(kept) < len(inside) * 0.9, (len(kept), len(inside))
    assert summary["area"]["filters"] == {"cmin": CMIN, "smax": SMAX}
    assert_area_matches(summary, built_site, desc_rows, inside, kept)
    # what the map draws inside the area is what the statistics count
    assert rendered_inside(viewer, ring) == set(kept)
    count = viewer.page.locator("#area-count").text_content()
    assert count == (
        f"{len(inside)} points in the area; {len(kept)} pass the filters"
        f" (coherence ≥ {CMIN:.2f}, velocity σ ≤ {SMAX:.1f} mm/yr)."
    )
    want = velocity_stats(kept, desc_rows)
    stats = viewer.page.locator("#area-velocity").text_content()
    assert f"{minus(want['mean'])} ± {want['sd']:.1f} mm/yr" in stats
    assert f"{minus(want['median'])} mm/yr" in stats
    assert f"{minus(want['p5'])} to {minus(want['p95'])} mm/yr" in stats
    assert f"Area mean ({len(kept)} points)" in viewer.page.locator("#series-table").text_content()
    histogram = viewer.page.locator("#area-histogram svg")
    assert histogram.get_attribute("aria-label").startswith(
        f"Histogram of LOS velocity (mm/yr): {len(kept)} points"
    )
    assert "LOS velocity (mm/yr)" in histogram.text_content()
    labels = viewer.js("() => egms.chart.series.slice(1).map(s => s.label)")
    assert labels[:3] == [f"Area mean ({len(kept)} points)", "area mean + 1σ", "area mean − 1σ"]

    # a coherence-only filter on the same area: recomputed from the same chunks
    requests = len(viewer.chunk_requests())
    set_filters(viewer, 0.9, 100)  # σ slider at its end: off
    viewer.page.wait_for_function(
        "() => egms.analysis.settled().then(s => s.area && s.area.filters"
        " && s.area.filters.smax === null)"
    )
    kept = passing(inside, desc_rows, 0.9, None)
    assert_area_matches(viewer.js(SETTLED), built_site, desc_rows, inside, kept)
    assert len(viewer.chunk_requests()) == requests
    viewer.assert_no_errors()


def test_band_toggle_round_trips_through_the_hash(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]]
) -> None:
    ring = open_area(viewer, built_site, desc_rows, size=(260, 200))
    inside = points_inside(ring, desc_rows)
    assert viewer.page.locator("#area-band").input_value() == "sd"
    assert "band=" not in viewer.js("() => location.hash")

    viewer.page.select_option("#area-band", "minmax")
    summary = viewer.js(SETTLED)
    assert summary["area"]["band"] == "minmax"
    assert "band=minmax" in viewer.js("() => location.hash")
    assert_area_matches(summary, built_site, desc_rows, inside, inside)
    labels = viewer.js("() => egms.chart.series.slice(1).map(s => s.label)")
    assert labels[1:3] == ["area max", "area min"]

    hash_ = viewer.js("() => location.hash")
    viewer.page.goto("about:blank")
    viewer.open(hash_)
    summary = viewer.js(SETTLED)
    assert summary["area"]["band"] == "minmax"
    assert viewer.page.locator("#area-band").input_value() == "minmax"
    assert_area_matches(summary, built_site, desc_rows, inside, inside)

    viewer.page.goto("about:blank")
    viewer.open(hash_.replace("band=minmax", "band=bogus"))
    summary = viewer.js(SETTLED)
    assert summary["area"]["band"] == "sd"
    assert viewer.page.locator("#area-band").input_value() == "sd"
    assert_area_matches(summary, built_site, desc_rows, inside, inside)
    viewer.page.wait_for_function("() => !location.hash.includes('band=')")
    viewer.assert_no_errors()


def test_area_exports_hold_the_filtered_members(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    ring = open_area(viewer, built_site, desc_rows, size=(260, 200))
    inside = points_inside(ring, desc_rows)
    set_filters(viewer, CMIN, SMAX)
    viewer.page.wait_for_function(
        "() => egms.analysis.settled().then(s => s.area && s.area.filters !== null)"
    )
    summary = viewer.js(SETTLED)
    kept = passing(inside, desc_rows, CMIN, SMAX)
    assert 0 < len(kept) < len(inside)
    pids = pids_of(built_site, summary["area"]["ids"])
    assert sorted(pids) == sorted(kept)
    words = (f"{len(kept)} inside the drawn area that pass the quality filters (coherence ≥ 0.80,"
             f" velocity σ ≤ 0.3 mm/yr; {len(inside)} points inside before filtering)")  # fmt: skip
    wide = assert_wide_csv(export(viewer, "CSV (EGMS columns)", tmp_path), desc_rows, pids, L2_WIDE)
    assert words in wide[0], wide[0]
    comments, _, table = commented_csv(export(viewer, "CSV (one row per date)", tmp_path))
    assert words in comments[0]
    assert sorted({r["pid"] for r in table}) == sorted(kept)
    geojson = export(viewer, "GeoJSON", tmp_path).read_text(encoding="utf-8")
    assert words in geojson

    use = f"Use Area mean ({len(kept)} points) as reference"
    viewer.page.get_by_role("button", name=use).click()
    viewer.js(SETTLED)
    comments, _, _ = commented_csv(export(viewer, "CSV (one row per date)", tmp_path))
    assert any(f"reference: the mean of the {len(kept)} points {words.split(' ', 1)[1]}" in c
               for c in comments)  # fmt: skip
    viewer.assert_no_errors()


@pytest.mark.parametrize("size", [(1024, 768), (1440, 900)])
def test_area_section_fits_the_panel(
    viewer: Viewer, built_site: Path, desc_rows: dict[str, dict[str, str]], size: tuple[int, int]
) -> None:
    viewer.page.set_viewport_size({"width": size[0], "height": size[1]})
    open_area(viewer, built_site, desc_rows)
    set_filters(viewer, CMIN, SMAX)
    viewer.page.wait_for_function(
        "() => egms.analysis.settled().then(s => s.area && s.area.filters !== null)"
    )
    section = viewer.page.locator("#area-stats")
    section.scroll_into_view_if_needed()
    panel = viewer.page.locator("#panel").bounding_box()
    # the section itself never overflows (the series table below it is another matter: #21 item 7)
    assert viewer.js("() => { const s = document.getElementById('area-stats');"
                     " return s.scrollWidth <= s.clientWidth; }")  # fmt: skip
    for selector in ("#area-count", "#area-velocity", "#area-histogram svg", "#area-band"):
        box = viewer.page.locator(selector).bounding_box()
        assert box and box["width"] > 0, selector
        assert panel["x"] <= box["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"]
    # the histogram's text is no smaller than 10 CSS px
    scale = viewer.js("""() => { const s = document.querySelector('#area-histogram svg');
                         return s.getBoundingClientRect().width / s.viewBox.baseVal.width; }""")
    assert scale * 11 >= 10, scale
    viewer.js("() => document.getElementById('panel')"
              ".scrollTo(0, document.getElementById('area-stats').offsetTop - 40)")  # fmt: skip
    screenshot(viewer, f"area-stats-{size[0]}x{size[1]}")
    viewer.assert_no_errors()


# --- the pure statistics module against numpy -----------------------------------------------------

JS_STATS = """async ([values, members]) => {
  const main = document.querySelector('script[type=module]').src;
  const s = await import(new URL('areastats.js', main));
  return {describe: s.describe(values), histogram: s.histogram(values),
          dates: s.dateStats(members)};
}"""

finite = st.floats(min_value=-80, max_value=80, allow_nan=False).map(lambda v: round(v, 1))
tenths = st.one_of(st.none(), finite)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(finite, min_size=1, max_size=300),
    table=st.lists(st.lists(tenths, min_size=5, max_size=5), min_size=1, max_size=30),
)
def test_statistics_functions_against_numpy(
    viewer: Viewer, values: list[float], table: list[list[float | None]]
) -> None:
    if not viewer.js("() => Boolean(window.egms)"):
        viewer.open()
    dates = [f"2021-01-{day:02d}" for day in (1, 7, 13, 19, 25)]
    members = [{"dates": dates, "values": row} for row in table]
    got = viewer.js(JS_STATS, [values, members])
    v = np.array(values)
    d = got["describe"]
    assert d["n"] == len(v)
    assert d["mean"] == pytest.approx(v.mean(), abs=1e-9)
    if len(v) > 1:
        assert d["sd"] == pytest.approx(v.std(ddof=1), abs=1e-9)
    else:
        assert d["sd"] is None
    median, p5, p95 = np.percentile(v, [50, 5, 95])
    assert (d["median"], d["p5"], d["p95"]) == pytest.approx((median, p5, p95), abs=1e-9)
    assert (d["min"], d["max"]) == (v.min(), v.max())
    assert_round_histogram(got["histogram"], v)
    # outliers aside, the bins span the data
    hist = got["histogram"]
    p1, p99 = np.percentile(v, [1, 99])
    assert hist["edges"][0] <= max(v.min(), p1) and hist["edges"][-1] >= min(v.max(), p99)

    grid = np.array([[np.nan if x is None else x for x in row] for row in table])
    assert got["dates"]["dates"] == dates
    for i, column in enumerate(grid.T):
        present = column[~np.isnan(column)]
        n = present.size
        assert got["dates"]["count"][i] == n
        if n == 0:
            assert got["dates"]["mean"][i] is None and got["dates"]["sd"][i] is None
            continue
        assert got["dates"]["mean"][i] == pytest.approx(present.mean(), abs=1e-9)
        assert got["dates"]["min"][i] == present.min() and got["dates"]["max"][i] == present.max()
        sd = got["dates"]["sd"][i]
        assert sd is None if n == 1 else sd == pytest.approx(present.std(ddof=1), abs=1e-9)
    viewer.assert_no_errors()


def test_l2a_area_across_units_keeps_its_warning(
    viewer: Viewer,
    l2a_site: tuple[Path, Path],  # noqa: F811 (the fixture)
    l2a_url: str,  # noqa: F811 (the fixture)
) -> None:
    """An L2a area over both processing units: the panel still warns that its mean mixes unit
    references, with and without a filter, and its counts are the source rows'."""
    import csv

    samples, site = l2a_site
    [layer] = read_manifest(site)["layers"]
    rows: dict[str, dict[str, str]] = {}
    for path in sorted(samples.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            rows.update({row["pid"]: row for row in csv.DictReader(handle)})
    lon = [float(r["longitude"]) for r in rows.values()]
    lat = [float(r["latitude"]) for r in rows.values()]
    ring = [[min(lon) - 1e-4, min(lat) - 1e-4], [max(lon) + 1e-4, min(lat) - 1e-4],
            [max(lon) + 1e-4, max(lat) + 1e-4], [min(lon) - 1e-4, max(lat) + 1e-4]]  # fmt: skip
    poly = ",".join(f"{v:.6f}" for xy in ring for v in xy)
    viewer.base = l2a_url
    viewer.open(f"#layer={layer['id']}&poly={poly}")
    summary = viewer.js(SETTLED)
    assert summary["area"]["total"] == summary["area"]["count"] == len(rows) == 600
    assert summary["area"]["units"] == [0, 1]
    warning = viewer.page.locator("#ref-warning")
    assert "spans 2 L2a processing units" in warning.text_content()
    set_filters(viewer, CMIN, SMAX)
    viewer.page.wait_for_function(
        "() => egms.analysis.settled().then(s => s.area && s.area.filters !== null)"
    )
    summary = viewer.js(SETTLED)
    kept = passing(list(rows), rows, CMIN, SMAX)
    assert summary["area"]["count"] == len(kept) and summary["area"]["total"] == 600
    assert summary["area"]["stats"]["mean"] == pytest.approx(
        velocity_stats(kept, rows)["mean"], abs=1e-9
    )
    assert summary["area"]["units"] == [0, 1]
    assert "spans 2 L2a processing units" in warning.text_content()
    viewer.assert_no_errors()
