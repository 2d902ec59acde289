"""The trend-change screening in the viewer (real Chromium, real samples): the chart of a point
draws the two segments the build fitted, recomputed here from the point's CSV row; the panel
says what was found with σ and p; the map filter "changed since YEAR at p < α" shows exactly the
points whose tile attributes pass it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
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
    source_rows,
)

from tiler.inputs.reader import MISSING
from tiler.layer.trendchange import TILE_LEVEL, decimal_years, screen

pytestmark = pytest.mark.browser

MINUS = "\u2212"
ALPHA = 0.01  # the viewer's default significance (trendchange.js DEFAULT_ALPHA)
JS_TREND_LINE = """() => {
  const u = egms.chart;
  const i = u.series.findIndex((s) => String(s.label).startsWith('two-segment trend'));
  return i < 0 ? null : { x: Array.from(u.data[0]), y: Array.from(u.data[i]) };
}"""


def screened_row(pid: str) -> tuple[dict[str, float], list[str]]:
    """The screening of the point's CSV row, recomputed here, and its dates."""
    row = next(r for r in source_rows(CLICK_SAMPLE) if r["pid"] == pid)
    dates = [name for name in row if name.isdigit() and len(name) == 8]
    values = [[MISSING if row[d] == "" else round(float(row[d]) * 10) for d in dates]]
    found = screen(np.array(values, dtype=np.int32), dates)
    return {name: float(v[0]) for name, v in found.items()}, dates


def chunk_point(site: Path, significant: bool) -> dict[str, Any]:
    """A point of the layer's first chunk whose change is (or is not) significant."""
    chunk = read_chunk(site, manifest_layer(site, CLICK_LAYER), 0)
    for row, p in enumerate(chunk["attributes"]["break_p"]):
        if p is not None and (p < ALPHA) == significant:
            return {"id": chunk["first_id"] + row, "pid": chunk["pid"][row],
                    "lon": chunk["lon"][row], "lat": chunk["lat"][row]}  # fmt: skip
    raise AssertionError("no such point in chunk 0")


def open_point(viewer: Viewer, point: dict[str, Any]) -> None:
    viewer.open(f"#17/{point['lat']:.6f}/{point['lon']:.6f}&layer={CLICK_LAYER}&pt={point['id']}")
    viewer.wait_for_chart(point["pid"])


def test_the_chart_draws_the_fitted_segments(viewer: Viewer, built_site: Path) -> None:
    point = chunk_point(built_site, significant=True)
    open_point(viewer, point)
    fit, dates = screened_row(point["pid"])
    drawn = viewer.js(JS_TREND_LINE)
    assert drawn is not None
    iso = [f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in dates]
    years = dict(zip(iso, decimal_years(dates).tolist(), strict=True))
    checked = 0
    for seconds, value in zip(drawn["x"], drawn["y"], strict=True):
        day = datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
        if day not in years or value is None:
            continue
        dt = years[day] - fit["break_date"]
        rate = fit["velocity_before"] if dt <= 0 else fit["velocity_after"]
        # stored to 0.01 mm and 0.01 mm/yr: ≤ 0.005 + 0.005 × 5 years apart
        assert value == pytest.approx(fit["break_value"] + rate * dt, abs=0.035), day
        checked += 1
    assert checked == len(dates)  # every date of the point, both segments
    text = viewer.page.locator("#chart-trend").inner_text()
    assert f"Trend change {fit['break_date']:.2f}" in text
    before = f"{fit['velocity_before']:.1f} ± {fit['velocity_before_std']:.1f}".replace("-", MINUS)
    after = f"{fit['velocity_after']:.1f} ± {fit['velocity_after_std']:.1f}".replace("-", MINUS)
    assert f"{before} → {after} mm/yr" in text
    assert "p < 0.0001" in text or f"p = {fit['break_p']:.4f}" in text
    about = viewer.page.locator("#chart-trend-about").inner_text()
    assert "white-noise" in about and "annual cycle" in about
    viewer.assert_no_errors()


def test_no_significant_change_is_said_not_drawn(viewer: Viewer, built_site: Path) -> None:
    point = chunk_point(built_site, significant=False)
    open_point(viewer, point)
    fit, _ = screened_row(point["pid"])
    assert viewer.js(JS_TREND_LINE) is None
    text = viewer.page.locator("#chart-trend").inner_text()
    assert "No significant trend change (p = " in text and f"≥ {ALPHA}" in text
    terms = viewer.page.locator("#panel-attributes dt").all_text_contents()
    details = viewer.page.locator("#panel-attributes dd").all_text_contents()
    rows = dict(zip(terms, details, strict=True))
    assert math.isfinite(fit["break_p"]) and fit["break_p"] >= ALPHA
    if fit["break_p"] < TILE_LEVEL:  # in the tiles, not significant at the chart's level
        assert rows["Trend change"].startswith(f"not significant at {ALPHA} (p = ")
    else:
        assert rows["Trend change"] == f"none at p < {TILE_LEVEL} (see the chart)"


def test_the_filter_shows_the_points_that_changed_since_a_year(
    viewer: Viewer, built_site: Path
) -> None:
    layer = manifest_layer(built_site, CLICK_LAYER)
    west, south, east, north = layer["bounds"]
    viewer.open(f"#12/{(south + north) / 2:.6f}/{(west + east) / 2:.6f}&layer={CLICK_LAYER}")
    viewer.idle()
    read = """() => egms.map.queryRenderedFeatures({layers: ['egms-velocity']})
                .map((f) => [f.properties.break_p ?? null, f.properties.break_date ?? null])"""
    everything = viewer.js(read)
    viewer.page.click("#legend-settings-toggle")
    viewer.page.locator("#filter-trend-since").fill("2022")
    viewer.page.locator("#filter-trend-since").dispatch_event("change")
    viewer.idle()
    shown = viewer.js(read)
    passing = [
        [p, d] for p, d in everything if p is not None and p < ALPHA and d is not None and d >= 2022
    ]
    assert 0 < len(shown) < len(everything)
    assert sorted(shown) == sorted(passing)
    assert "tsince=2022" in viewer.page.url
    assert viewer.page.locator("#filter-trend-value").inner_text() == "on"
    words = viewer.page.locator("#filter-trend-since").get_attribute("title") or ""
    assert "trend change since 2022.00 at p < 0.01" in words
    viewer.page.select_option("#filter-trend-alpha", "0.001")
    viewer.idle()
    stricter = viewer.js(read)
    assert sorted(stricter) == sorted([p, d] for p, d in passing if p < 0.001)
    assert "talpha=0.001" in viewer.page.url
    viewer.assert_no_errors()
