"""The browser checks every way of hosting the site must pass (serve, nginx, sub-path, file).

Expected values come from the site's files and the ORIGINAL sample CSV (browser_support).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from browser_support import CIRCLE_LAYER, CLICK_LAYER, DATE_COLUMN, Viewer


def rendered_points(viewer: Viewer) -> list[dict[str, Any]]:
    viewer.idle()
    return viewer.js(
        "l => egms.map.queryRenderedFeatures({layers: [l]}).map(f => ({id: f.id,"
        " v: f.properties.velocity}))",
        CIRCLE_LAYER,
    )


def assert_points_render(viewer: Viewer, hash_: str = "") -> None:
    """The page opens clean and the map draws points of the first layer from the tiles."""
    viewer.open(hash_)
    points = rendered_points(viewer)
    assert len(points) > 100, points[:5]
    assert any(point["v"] is not None for point in points)


def assert_click_shows_series(
    viewer: Viewer, point: dict[str, Any], chunk: str | list[str] | None = None
) -> None:
    """Clicking `point` (an isolated point of CLICK_LAYER) charts its exact CSV series.

    `chunk`: the one chunk URL the click must fetch (None: the page makes no requests), or the
    series URLs the page fetched in all (a packed layer: its pack index, then the pack).
    """
    viewer.page.select_option("#layer-select", CLICK_LAYER)
    viewer.js("p => egms.map.jumpTo({center: [p.lon, p.lat], zoom: 18})", point)
    viewer.idle()
    xy = viewer.js("p => egms.map.project([p.lon, p.lat])", point)
    box = viewer.page.locator("#map").bounding_box()
    viewer.page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    viewer.wait_for_chart(point["pid"])
    row = point["row"]
    xs, ys = viewer.js("() => egms.chart.data")
    dates = [name for name in row if DATE_COLUMN.match(name)]
    assert [datetime.fromtimestamp(x, UTC).strftime("%Y%m%d") for x in xs] == dates
    want = [None if row[date] == "" else float(row[date]) for date in dates]
    assert ys == pytest.approx(want, abs=1e-9)
    assert f"pt={point['id']}" in viewer.js("() => location.hash")
    assert viewer.page.text_content("#panel-pid") == point["pid"]
    expected = chunk if isinstance(chunk, list) else [] if chunk is None else [chunk]
    assert viewer.chunk_requests() == expected
