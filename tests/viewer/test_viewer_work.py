"""No lost work (issue 21 item 6), in real Chromium on the real samples: the panel folds instead
of dropping the points and the area; Clear has Undo; Back and Forward step through the work;
a box ends wherever the pointer is released; touch and keyboard can pick and add points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import CLICK_LAYER, VIEWPORT, Viewer
from test_viewer_analysis import click_point, cluster, desc_rows, map_xy, open_cluster

pytestmark = pytest.mark.browser
__all__ = ["desc_rows"]  # a fixture, imported for the tests below

SETTLED = "() => egms.analysis.settled()"
KEYS_OF_WORK = ("pt=", "sel=", "poly=")


def ring_around(points: list[dict[str, Any]], margin: float = 0.0004) -> list[list[float]]:
    lons = [p["lon"] for p in points]
    lats = [p["lat"] for p in points]
    west, east = min(lons) - margin, max(lons) + margin
    south, north = min(lats) - margin, max(lats) + margin
    return [[west, south], [east, south], [east, north], [west, north]]


def series_keys(viewer: Viewer) -> list[str]:
    return [s["key"] for s in viewer.js(SETTLED)["series"]]


def hash_of(viewer: Viewer) -> str:
    return str(viewer.js("() => location.hash"))


def open_work(viewer: Viewer, points: list[dict[str, Any]]) -> str:
    """The first point selected, the second Shift+clicked, an area around both: the address."""
    open_cluster(viewer, points)
    click_point(viewer, points[0])
    viewer.wait_for_chart(points[0]["pid"])
    click_point(viewer, points[1], shift=True)
    viewer.js("ring => egms.analysis.setArea(ring)", ring_around(points[:2]))
    viewer.js(SETTLED)
    return hash_of(viewer)


@pytest.fixture(scope="module")
def pair(built_site: Path, desc_rows: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    return cluster(built_site, desc_rows, 3)


def test_escape_and_close_fold_the_panel_and_keep_the_work(
    viewer: Viewer, pair: list[dict[str, Any]]
) -> None:
    before = open_work(viewer, pair)
    assert all(key in before for key in KEYS_OF_WORK), before
    for fold in (
        lambda: viewer.page.keyboard.press("Escape"),
        lambda: viewer.page.click("#panel-close"),
    ):
        fold()
        assert viewer.page.locator("#panel").is_hidden()
        assert viewer.page.locator("#panel-reopen").is_visible()
        assert hash_of(viewer) == before
        viewer.page.mouse.click(
            *map_xy(viewer, pair[2]["lon"] + 0.002, pair[2]["lat"])
        )  # empty map
        assert hash_of(viewer) == before, "a click on empty map dropped the work"
        viewer.page.click("#panel-reopen")
        assert viewer.page.locator("#panel").is_visible()
        assert len(series_keys(viewer)) == 3  # two points and the area's mean
    viewer.assert_no_errors()


def test_clear_is_undone_by_undo_and_by_back(viewer: Viewer, pair: list[dict[str, Any]]) -> None:
    before = open_work(viewer, pair)
    viewer.page.click("#work-clear")
    after = hash_of(viewer)
    assert not any(key in after for key in KEYS_OF_WORK), after
    note = viewer.page.locator("#undo-note")
    assert note.is_visible() and "Cleared 2 points and the area" in (note.text_content() or "")
    viewer.page.click("#undo-button")
    viewer.page.wait_for_function("h => location.hash === h", arg=before)
    viewer.wait_for_chart(pair[0]["pid"])
    assert len(series_keys(viewer)) == 3
    assert note.is_hidden()

    viewer.page.click("#work-clear")
    viewer.page.go_back()
    viewer.page.wait_for_function("h => location.hash === h", arg=before)
    assert len(series_keys(viewer)) == 3
    viewer.assert_no_errors()


def test_back_steps_through_the_selection(viewer: Viewer, pair: list[dict[str, Any]]) -> None:
    first, second, third = pair
    open_cluster(viewer, pair)
    click_point(viewer, first)
    viewer.wait_for_chart(first["pid"])
    click_point(viewer, second)
    viewer.wait_for_chart(second["pid"])
    click_point(viewer, third, shift=True)
    viewer.js(SETTLED)
    with_third = hash_of(viewer)
    viewer.js("() => egms.map.panBy([30, 0], {duration: 0})")  # the view alone: no entry
    viewer.page.go_back()
    viewer.page.wait_for_function("() => !location.hash.includes('sel=')")
    assert f"pt={second['id']}" in hash_of(viewer)
    viewer.page.go_back()
    viewer.page.wait_for_function(
        "id => new RegExp(`&pt=${id}(&|$)`).test(location.hash)", arg=first["id"]
    )
    viewer.wait_for_chart(first["pid"])
    assert series_keys(viewer) == [f"{CLICK_LAYER}:{first['id']}"]
    viewer.page.go_forward()
    viewer.page.go_forward()
    viewer.page.wait_for_function("() => location.hash.includes('sel=')")
    assert hash_of(viewer).split("&", 1)[1] == with_third.split("&", 1)[1]
    assert len(series_keys(viewer)) == 2
    viewer.assert_no_errors()


def test_a_box_released_over_the_legend_is_drawn(
    viewer: Viewer, pair: list[dict[str, Any]]
) -> None:
    open_cluster(viewer, pair, zoom=16)
    viewer.page.click("#draw-box")
    x0, y0 = map_xy(
        viewer, min(p["lon"] for p in pair) - 0.001, max(p["lat"] for p in pair) + 0.001
    )
    legend = viewer.page.locator("#legend").bounding_box()
    viewer.page.mouse.move(x0, y0)
    viewer.page.mouse.down()
    viewer.page.mouse.move(legend["x"] + 20, legend["y"] + 20, steps=6)
    viewer.page.mouse.up()
    viewer.page.wait_for_function("() => location.hash.includes('poly=')")
    assert viewer.page.get_attribute("#draw-box", "aria-pressed") == "false"
    assert viewer.js(SETTLED)["area"]["count"] >= 3
    viewer.assert_no_errors()


def test_a_polygon_closes_on_its_first_corner(viewer: Viewer, pair: list[dict[str, Any]]) -> None:
    open_cluster(viewer, pair, zoom=16)
    viewer.page.click("#draw-polygon")
    corners = [map_xy(viewer, lon, lat) for lon, lat in ring_around(pair, 0.001)]
    for x, y in [*corners, corners[0]]:
        viewer.page.mouse.click(x, y)
        viewer.page.wait_for_timeout(350)  # not a double-click
    viewer.page.wait_for_function("() => location.hash.includes('poly=')")
    assert viewer.js(SETTLED)["area"]["count"] >= 3
    viewer.assert_no_errors()


def test_enter_picks_the_point_nearest_the_centre(
    viewer: Viewer, pair: list[dict[str, Any]]
) -> None:
    point = pair[0]
    viewer.open(f"#17/{point['lat'] + 0.00004:.6f}/{point['lon']:.6f}&layer={CLICK_LAYER}")
    viewer.idle()
    viewer.page.focus(".maplibregl-canvas")
    viewer.page.keyboard.press("Enter")
    viewer.wait_for_chart(point["pid"])
    assert f"pt={point['id']}" in hash_of(viewer)
    viewer.assert_no_errors()


def test_taps_add_points_while_add_points_is_on(
    browser: Any, site_url: str, pair: list[dict[str, Any]]
) -> None:
    context = browser.new_context(viewport=VIEWPORT, has_touch=True, is_mobile=True)
    page = context.new_page()
    viewer = Viewer(page, site_url)
    page.on("pageerror", lambda e: viewer.errors.append(f"uncaught: {e}"))
    try:
        open_cluster(viewer, pair)
        page.touchscreen.tap(*map_xy(viewer, pair[0]["lon"], pair[0]["lat"]))
        viewer.wait_for_chart(pair[0]["pid"])
        page.tap("#add-mode")
        assert page.get_attribute("#add-mode", "aria-pressed") == "true"
        for point in pair[1:]:
            page.touchscreen.tap(*map_xy(viewer, point["lon"], point["lat"]))
        page.wait_for_function(
            "() => (location.hash.match(/sel=([^&]*)/) || ['', ''])[1].split(',').length === 2"
        )
        assert len(series_keys(viewer)) == 3
        viewer.assert_no_errors()
    finally:
        context.close()


def test_clear_area_has_undo(viewer: Viewer, pair: list[dict[str, Any]]) -> None:
    before = open_work(viewer, pair)
    viewer.page.click("#area-clear")
    assert "poly=" not in hash_of(viewer) and f"pt={pair[0]['id']}" in hash_of(viewer)
    assert viewer.page.text_content("#undo-text") == "Cleared the area."
    viewer.page.click("#undo-button")
    viewer.page.wait_for_function("h => location.hash === h", arg=before)
    assert viewer.js(SETTLED)["area"]["count"] > 0
    viewer.assert_no_errors()
