"""The viewer's core path in a second engine: Firefox ESR (Marionette), with and without WebGL.

With WebGL (xvfb + llvmpipe): points drawn, a real click opens the point's pid and its exact
series, a permalink with a selection, an area and a reference restores. Without WebGL
(headless Firefox): a message in words instead of the map, and search by pid still opens the
point's panel, chart and CSV export.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CIRCLE_LAYER,
    CLICK_LAYER,
    CLICK_SAMPLE,
    assert_chart_is_the_row,
    free_port,
    isolated_point,
    manifest_layer,
    read_chunk,
    source_rows,
)
from firefox_support import Firefox, firefox
from shapely.geometry import Point, Polygon

pytestmark = pytest.mark.browser

JS_IDLE = (
    "return new Promise(r => { egms.map.once('idle', () => r(true)); egms.map.triggerRepaint(); })"
)


@pytest.fixture(scope="module")
def with_webgl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firefox]:
    with firefox(tmp_path_factory.mktemp("firefox-gl"), free_port(), webgl=True) as browser:
        yield browser


@pytest.fixture(scope="module")
def without_webgl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firefox]:
    with firefox(tmp_path_factory.mktemp("firefox-nogl"), free_port(), webgl=False) as browser:
        yield browser


@pytest.fixture(scope="module")
def point(built_site: Path) -> dict[str, Any]:
    return isolated_point(built_site, manifest_layer(built_site, CLICK_LAYER))


def assert_exact_series(browser: Firefox, row: dict[str, str]) -> None:
    assert_chart_is_the_row(*browser.js("return egms.chart.data"), row)


def test_firefox_draws_the_points_and_a_click_opens_the_exact_series(
    with_webgl: Firefox, site_url: str, point: dict[str, Any]
) -> None:
    browser = with_webgl
    browser.open(f"{site_url}#17/{point['lat']:.6f}/{point['lon']:.6f}&layer={CLICK_LAYER}")
    assert browser.js("return egms.mapMissing") is None
    browser.js(JS_IDLE)
    drawn = browser.js(
        f"return egms.map.queryRenderedFeatures({{layers: ['{CIRCLE_LAYER}']}}).length"
    )
    assert drawn > 10
    x, y = browser.js(
        "const p = egms.map.project([arguments[0], arguments[1]]);"
        "const box = egms.map.getCanvas().getBoundingClientRect();"
        "return [Math.round(box.left + p.x), Math.round(box.top + p.y)];",
        point["lon"], point["lat"],
    )  # fmt: skip
    mouse = browser.client.actions.sequence("pointer", "mouse", {"pointerType": "mouse"})
    mouse.pointer_move(x, y).pointer_down().pointer_up().perform()
    browser.wait("return document.body.dataset.chartPoints !== undefined")
    assert browser.js("return egms.state.featureId") == point["id"]
    assert point["pid"] in browser.js("return document.getElementById('panel').textContent")
    assert_exact_series(browser, point["row"])
    assert f"pt={point['id']}" in browser.js("return location.hash")
    assert browser.console_errors() == []


def test_firefox_restores_a_permalink_with_selection_area_and_reference(
    with_webgl: Firefox, site_url: str, built_site: Path, point: dict[str, Any]
) -> None:
    browser = with_webgl
    chunk = read_chunk(built_site, manifest_layer(built_site, CLICK_LAYER), 0)
    reference = chunk["first_id"] + (1 if chunk["first_id"] != point["id"] else 2)
    lon, lat = point["lon"], point["lat"]
    ring = [[lon - 0.002, lat - 0.0015], [lon + 0.002, lat - 0.0015], [lon, lat + 0.002]]
    poly = ",".join(f"{v:.6f}" for xy in ring for v in xy)
    permalink = (f"#16.50/{lat:.6f}/{lon:.6f}&layer={CLICK_LAYER}&pt={point['id']}"
                 f"&ref={CLICK_LAYER}:{reference}&poly={poly}")  # fmt: skip
    browser.open(site_url + "#")  # a new page, not a hash change
    browser.open(site_url + permalink)
    state = browser.js("return egms.analysis.settled()")
    assert browser.js("return location.hash") == permalink
    assert [s["kind"] for s in state["series"]] == ["point", "area"]
    assert state["series"][0]["pid"] == point["pid"]
    polygon = Polygon(ring)
    inside = [row["pid"] for row in source_rows(CLICK_SAMPLE)
              if polygon.contains(Point(round(float(row["longitude"]), 6),
                                        round(float(row["latitude"]), 6)))]  # fmt: skip
    assert state["area"]["count"] == len(inside) > 0
    assert state["reference"] is not None
    assert browser.console_errors() == []


def test_without_webgl_the_page_says_so_and_search_opens_the_point(
    without_webgl: Firefox, site_url: str, point: dict[str, Any]
) -> None:
    browser = without_webgl
    browser.open(site_url)
    assert browser.js("return egms.mapMissing")  # why, in the page's words
    notice = browser.js("return document.querySelector('.map-missing').innerText")
    assert "The map cannot be shown in this browser" in notice
    assert "another browser" in notice and "hardware" in notice and "search a point" in notice
    assert "requestedAttributes" not in browser.js("return document.body.innerText")
    browser.js(
        "document.getElementById('search-input').value = arguments[0];"
        "document.getElementById('search-form').requestSubmit();",
        point["pid"],
    )  # fmt: skip
    browser.wait("return document.body.dataset.chartPoints !== undefined")
    assert point["pid"] in browser.js("return document.getElementById('panel').textContent")
    assert_exact_series(browser, point["row"])

    browser.js("document.getElementById('export-wide').click()")
    exported = wait_for_files(browser.downloads, "*.csv")  # written by Firefox, not the page
    assert point["pid"] in exported[0].read_text(encoding="utf-8")
    assert browser.console_errors() == []


def wait_for_files(folder: Path, pattern: str, timeout: float = 15) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.glob(pattern) if p.stat().st_size > 0]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {pattern} in {folder}: {sorted(folder.iterdir())}")
