"""A point's panel tells where it is and what it measures (real Chromium, real samples).

Coordinates to 6 decimals (copyable), the layer in EGMS words with what its values mean, and
for L2 the measurement geometry: heading, look direction, incidence angle and the LOS unit
vector, checked against the source CSV's `incidence_angle`, `track_angle` and `los_east`,
`los_north`, `los_up`; for L3 the component it measures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import REPO, Viewer, manifest_layer, read_chunk, source_rows

pytestmark = pytest.mark.browser

MINUS = "\u2212"
SAMPLES = REPO / "tests" / "data" / "egms"
L2_CASES = [
    ("l2b-2020-2024-desc", "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip", "descending", "west"),
    ("l2b-2020-2024-asc", "EGMS_L2b_117_0227_IW2_VV_2020_2024_1.zip", "ascending", "east"),
]


def number(text: str) -> float:
    return float(text.replace(MINUS, "-").replace("+", ""))


def panel_rows(viewer: Viewer, list_id: str) -> dict[str, str]:
    terms = viewer.page.locator(f"#{list_id} dt").all_text_contents()
    details = viewer.page.locator(f"#{list_id} dd").all_text_contents()
    return dict(zip(terms, details, strict=True))


def open_point(viewer: Viewer, layer_id: str, point: dict[str, Any]) -> None:
    viewer.open(f"#17/{point['lat']:.6f}/{point['lon']:.6f}&layer={layer_id}&pt={point['id']}")
    viewer.wait_for_chart(point["pid"])
    viewer.page.wait_for_function("() => document.getElementById('panel-geometry').children.length")


def a_point(site: Path, layer_id: str, offset: int = 5) -> dict[str, Any]:
    """A point of the layer's first chunk: feature id, pid and position."""
    chunk = read_chunk(site, manifest_layer(site, layer_id), 0)
    return {"id": chunk["first_id"] + offset, "pid": chunk["pid"][offset],
            "lon": chunk["lon"][offset], "lat": chunk["lat"][offset]}  # fmt: skip


def row_of(zip_name: str, pid: str) -> dict[str, str]:
    return next(row for row in source_rows(SAMPLES / zip_name) if row["pid"] == pid)


@pytest.mark.parametrize(("layer_id", "zip_name", "orbit", "looks"), L2_CASES)
def test_l2_point_names_its_place_and_line_of_sight(
    viewer: Viewer, built_site: Path, layer_id: str, zip_name: str, orbit: str, looks: str
) -> None:
    point = a_point(built_site, layer_id)
    row = row_of(zip_name, point["pid"])
    open_point(viewer, layer_id, point)

    lat, lon = float(row["latitude"]), float(row["longitude"])
    assert viewer.page.text_content("#panel-coords") == f"{lat:.6f}, {lon:.6f}"
    track = int(zip_name.split("_")[2])
    layer_line = viewer.page.text_content("#panel-layer")
    assert layer_line == f"EGMS Calibrated (L2b) 2020-2024 {orbit}, track {track}"
    assert "tied to a GNSS model" in viewer.page.text_content("#panel-about")
    assert viewer.page.text_content("#panel-quantity") == "LOS displacement (mm)"

    rows = panel_rows(viewer, "panel-geometry")
    heading = float(row["track_angle"]) % 360
    assert rows["Heading"].startswith(f"{heading:.1f}° ({orbit}")
    assert rows["Looks"].startswith(looks)
    assert rows["Incidence angle"] == f"{float(row['incidence_angle']):.1f}° from vertical"
    east, north, up = (
        number(part.split()[1]) for part in rows["LOS vector (to the satellite)"].split(", ")
    )
    for shown, column in ((east, "los_east"), (north, "los_north"), (up, "los_up")):
        assert shown == pytest.approx(float(row[column]), abs=0.0015), column
    assert number(rows["1 mm/yr up shows as"].split()[0]) == pytest.approx(
        float(row["los_up"]), abs=0.006
    )
    assert number(rows["1 mm/yr east shows as"].split()[0]) == pytest.approx(
        float(row["los_east"]), abs=0.006
    )
    viewer.assert_no_errors()


def test_l3_cell_names_its_component(viewer: Viewer, built_site: Path) -> None:
    layer_id = "l3-2020-2024-up"
    point = a_point(built_site, layer_id)
    open_point(viewer, layer_id, point)
    rows = panel_rows(viewer, "panel-geometry")
    assert rows == {"Measures": rows["Measures"]} and rows["Measures"].startswith(
        "vertical motion, positive up"
    )
    assert viewer.page.text_content("#panel-quantity") == "Vertical displacement (mm)"
    assert viewer.page.text_content("#panel-layer") == "EGMS Ortho (L3) 2020-2024 vertical"
    viewer.assert_no_errors()


def test_coordinates_copy_to_the_clipboard(viewer: Viewer, built_site: Path) -> None:
    layer_id = L2_CASES[0][0]
    point = a_point(built_site, layer_id)
    viewer.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_point(viewer, layer_id, point)
    viewer.page.bring_to_front()  # the clipboard takes writes from the focused page only
    viewer.page.click("#panel-copy-coords")
    # the button says how the copy went once the clipboard's promise settles
    viewer.page.wait_for_function(
        "() => document.querySelector('#panel-copy-coords').textContent !== 'Copy'"
    )
    assert viewer.page.text_content("#panel-copy-coords") == "Copied"
    copied = viewer.js("() => navigator.clipboard.readText()")
    assert copied == viewer.page.text_content("#panel-coords")
    assert copied == f"{point['lat']:.6f}, {point['lon']:.6f}"
    viewer.assert_no_errors()


def test_pure_geometry_matches_the_files_vectors(viewer: Viewer) -> None:
    """losVector(incidence, heading) against every row of both L2 samples: the files' own
    los_east/north/up (written to 3 decimals)."""
    rows = [r for _, name, _, _ in L2_CASES for r in source_rows(SAMPLES / name)][::7]
    angles = [[float(r["incidence_angle"]), float(r["track_angle"])] for r in rows]
    viewer.open()
    url = viewer.js("() => document.querySelector('script[type=module]').src")
    got = viewer.js(
        "async ([url, angles]) => {"
        " const g = await import(url.replace(/main\\.js$/, 'geometry.js'));"
        " return angles.map(([i, h]) => g.losVector(i, h)); }",
        [url, angles],
    )
    for row, vector in zip(rows, got, strict=True):
        for key, column in (("east", "los_east"), ("north", "los_north"), ("up", "los_up")):
            assert vector[key] == pytest.approx(float(row[column]), abs=0.0011), (row["pid"], key)


def test_hover_shows_pid_and_velocity(viewer: Viewer, built_site: Path) -> None:
    layer_id = L2_CASES[0][0]
    point = a_point(built_site, layer_id)
    viewer.open(f"#19/{point['lat']:.6f}/{point['lon']:.6f}&layer={layer_id}")
    viewer.idle()
    at = viewer.js("p => egms.map.project([p.lon, p.lat])", point)
    box = viewer.page.locator("#map").bounding_box()
    viewer.page.mouse.move(box["x"] + at["x"], box["y"] + at["y"])
    tip = viewer.page.locator(".map-tooltip")
    tip.wait_for(state="visible")
    chunk = read_chunk(built_site, manifest_layer(built_site, layer_id), 0)
    velocity = chunk["v"][chunk["pid"].index(point["pid"])]
    assert tip.text_content() == f"{point['pid']} · {velocity:.1f} mm/yr".replace("-", MINUS)
    viewer.page.mouse.move(box["x"] + 2, box["y"] + box["height"] - 2)
    tip.wait_for(state="hidden")
    viewer.assert_no_errors()
