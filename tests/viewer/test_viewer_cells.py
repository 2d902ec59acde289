"""EGMS Ortho (L3) as its 100 m cells (real Chromium, real samples; the grid by pyproj).

L3 values are cells of a 100 m grid in EPSG:3035, its points the cells' centres (the CSV's
easting/northing). Zoomed in, the viewer draws each cell a cell wide; a click or hover anywhere
in a cell finds its point; "points of other layers" names the L3 cell that holds a point, even
with its centre farther than the 30 m the other layers are searched within. cells.js (the
grid maths, run by Node) against pyproj.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CELL_LAYER,
    CIRCLE_LAYER,
    SAMPLES,
    Viewer,
    manifest_layer,
    read_chunk,
    source_rows,
)
from node_support import run_with_app
from pyproj import Transformer

UP, EAST, DESC = "l3-2020-2024-up", "l3-2020-2024-east", "l2b-2020-2024-desc"
L3_UP = SAMPLES / "EGMS_L3_E45N17_100km_U_2020_2024_1.zip"
L3_EAST = SAMPLES / "EGMS_L3_E45N17_100km_E_2020_2024_1.zip"
ZOOM = 17  # a cell is ~215 px wide at 38.7° N
TO_LAEA = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)

# The map's canvas read back: the box of the pixels of one colour, in CSS px.
JS_COLOUR_BOX = """([r, g, b]) => {
  const source = egms.map.getCanvas();
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [source.width, source.height];
  const ctx = canvas.getContext('2d');
  ctx.drawImage(source, 0, 0);
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < data.length; i += 4) {
    const off = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
    if (off > 24) continue;
    const x = (i / 4) % canvas.width, y = Math.floor(i / 4 / canvas.width);
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + 1), Math.max(y1, y + 1)];
  }
  const ratio = source.width / source.clientWidth;
  return [x0 / ratio, y0 / ratio, x1 / ratio, y1 / ratio];
}"""


@cache
def l3_rows(zip_path: Path) -> dict[tuple[int, int], dict[str, str]]:
    """The rows of an L3 sample by their cell centre (easting, northing)."""
    return {(int(r["easting"]), int(r["northing"])): r for r in source_rows(zip_path)}


def lonlat(easting: float, northing: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(easting, northing)
    return float(lon), float(lat)


def an_l3_point(site: Path) -> dict[str, Any]:
    """A point of the vertical L3 layer with its cell centre from the source CSV."""
    chunk = read_chunk(site, manifest_layer(site, UP), 0)
    row = 40
    pid = chunk["pid"][row]
    (easting, northing), _ = next((k, r) for k, r in l3_rows(L3_UP).items() if r["pid"] == pid)
    return {"id": chunk["first_id"] + row, "pid": pid, "lon": chunk["lon"][row],
            "lat": chunk["lat"][row], "e": easting, "n": northing}  # fmt: skip


def open_at(viewer: Viewer, layer_id: str, lon: float, lat: float, zoom: float = ZOOM) -> None:
    viewer.open(f"#{zoom}/{lat:.6f}/{lon:.6f}&layer={layer_id}")
    viewer.idle()


def screen(viewer: Viewer, lon: float, lat: float) -> tuple[float, float]:
    """Where lon/lat is on the page (the map's position plus its projection)."""
    box = viewer.page.locator("#map").bounding_box()
    at = viewer.js("p => egms.map.project(p)", [lon, lat])
    return box["x"] + at["x"], box["y"] + at["y"]


def rendered(viewer: Viewer, layer: str) -> list[dict[str, Any]]:
    return viewer.js(
        "l => egms.map.getLayer(l) ? egms.map.queryRenderedFeatures({layers: [l]})"
        ".map(f => ({pid: f.properties.pid, at: f.geometry.coordinates})) : []",
        layer,
    )


@pytest.mark.browser
def test_zoomed_in_an_l3_point_is_drawn_as_its_100_m_cell(viewer: Viewer, built_site: Path) -> None:
    point = an_l3_point(built_site)
    open_at(viewer, UP, point["lon"], point["lat"])
    assert rendered(viewer, CIRCLE_LAYER) == [], "zoomed in, no circles"
    cells = {f["pid"]: f["at"] for f in rendered(viewer, CELL_LAYER)}
    assert point["pid"] in cells
    # that cell alone, in one colour: its box on the canvas against the grid cell's corners
    viewer.js(
        """([layer, pid]) => { egms.map.setFilter(layer, ['==', ['get', 'pid'], pid]);
           for (const p of ['icon-color', 'icon-halo-color'])
             egms.map.setPaintProperty(layer, p, '#ff00ff'); }""",
        [CELL_LAYER, point["pid"]],
    )
    viewer.idle()
    x0, y0, x1, y1 = viewer.js(JS_COLOUR_BOX, [255, 0, 255])
    corners = [lonlat(point["e"] + dx, point["n"] + dy) for dx in (-50, 50) for dy in (-50, 50)]
    projected = viewer.js("ps => ps.map(p => egms.map.project(p))", corners)
    want_w = max(p["x"] for p in projected) - min(p["x"] for p in projected)
    want_h = max(p["y"] for p in projected) - min(p["y"] for p in projected)
    assert want_w > 200  # ~215 px: 100 m at zoom 17, 38.7° N
    # + 1 px: the cells' 0.5 px halo (it closes the seams between neighbours)
    assert x1 - x0 == pytest.approx(want_w + 1, abs=1.5)
    assert y1 - y0 == pytest.approx(want_h + 1, abs=1.5)
    # centred on the point as the tiles place it, and that within a metre of the cell's centre
    anchor = viewer.js("p => egms.map.project(p)", cells[point["pid"]])
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((anchor["x"], anchor["y"]), abs=1)
    centre = viewer.js("p => egms.map.project(p)", lonlat(point["e"], point["n"]))
    metre = want_w / 100  # px
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((centre["x"], centre["y"]), abs=metre)

    viewer.js("() => egms.map.jumpTo({zoom: 11})")  # a cell ~4 px wide: circles again
    viewer.idle()
    assert rendered(viewer, CELL_LAYER) == []
    assert point["pid"] in {f["pid"] for f in rendered(viewer, CIRCLE_LAYER)}
    viewer.assert_no_errors()


# The box of the selection ring overlay's opaque pixels, in CSS px.
JS_RING_BOX = """() => {
  const c = document.querySelector('.map-rings');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 3; i < d.length; i += 4) {
    if (d[i] < 128) continue;
    const x = ((i - 3) / 4) % c.width, y = Math.floor((i - 3) / 4 / c.width);
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + 1), Math.max(y1, y + 1)];
  }
  const ratio = c.width / c.clientWidth;
  return [x0 / ratio, y0 / ratio, x1 / ratio, y1 / ratio];
}"""
NEIGHBOURS = ((100, 0), (-100, 0), (0, 100), (0, -100))  # m, EPSG:3035


def an_inner_l3_point(site: Path) -> dict[str, Any]:
    """A point of the vertical L3 layer whose four neighbouring cells are in the sample too."""
    chunk = read_chunk(site, manifest_layer(site, UP), 0)
    by_pid = {r["pid"]: cell for cell, r in l3_rows(L3_UP).items()}
    for row, pid in enumerate(chunk["pid"]):
        easting, northing = by_pid[pid]
        if all((easting + de, northing + dn) in l3_rows(L3_UP) for de, dn in NEIGHBOURS):
            return {"id": chunk["first_id"] + row, "pid": pid, "lon": chunk["lon"][row],
                    "lat": chunk["lat"][row], "e": easting, "n": northing}  # fmt: skip
    raise AssertionError("no point of chunk 0 has its four neighbouring cells")


@pytest.mark.browser
def test_neighbouring_cells_sit_100_m_apart_and_the_selection_ring_on_its_cell(
    viewer: Viewer, built_site: Path
) -> None:
    """The tiles place each cell within a metre of its centre (zoom 13 tiles: 0.6 m at most),
    so neighbours meet edge to edge and the ring (at the chunk's lon/lat) sits on the cell."""
    point = an_inner_l3_point(built_site)
    viewer.open(f"#{ZOOM}/{point['lat']:.6f}/{point['lon']:.6f}&layer={UP}&pt={point['id']}")
    viewer.wait_for_chart(point["pid"])
    viewer.idle()
    cells = {f["pid"]: f["at"] for f in rendered(viewer, CELL_LAYER)}
    west, east = (viewer.js("p => egms.map.project(p)", lonlat(point["e"] + de, point["n"]))
                  for de in (-50, 50))  # fmt: skip
    metre = math.hypot(east["x"] - west["x"], east["y"] - west["y"]) / 100  # px, ~2.1
    here = viewer.js("p => egms.map.project(p)", cells[point["pid"]])
    for de, dn in ((0, 0), *NEIGHBOURS):
        cell = (point["e"] + de, point["n"] + dn)
        pid = l3_rows(L3_UP)[cell]["pid"]
        easting, northing = TO_LAEA.transform(*cells[pid])
        assert math.hypot(easting - cell[0], northing - cell[1]) < 1, (de, dn)
        if (de, dn) == (0, 0):
            continue
        # on the screen: the neighbour's centre 100 m ± 1 m from this cell's, along the grid
        there = viewer.js("p => egms.map.project(p)", cells[pid])
        want = [viewer.js("p => egms.map.project(p)", lonlat(*c)) for c in ((point["e"],
                point["n"]), cell)]  # fmt: skip
        shift = (there["x"] - here["x"], there["y"] - here["y"])
        grid = (want[1]["x"] - want[0]["x"], want[1]["y"] - want[0]["y"])
        step = math.hypot(*grid) / 100  # px a metre that way (EPSG:3035 is not Mercator)
        assert math.hypot(shift[0] - grid[0], shift[1] - grid[1]) < step, (de, dn)
    x0, y0, x1, y1 = viewer.js(JS_RING_BOX)
    assert x1 - x0 < 40, "the selection ring alone"
    ring = ((x0 + x1) / 2, (y0 + y1) / 2)
    assert math.hypot(ring[0] - here["x"], ring[1] - here["y"]) < metre
    viewer.assert_no_errors()


@pytest.mark.browser
def test_a_click_or_hover_anywhere_in_a_cell_finds_its_point(
    viewer: Viewer, built_site: Path
) -> None:
    point = an_l3_point(built_site)
    open_at(viewer, UP, point["lon"], point["lat"])
    # ~49 m and ~48 m from the centre, near opposite corners: no circle reaches there
    hover = lonlat(point["e"] - 38, point["n"] + 30)
    viewer.page.mouse.move(*screen(viewer, *hover))
    viewer.page.wait_for_function("() => !document.querySelector('.map-tooltip').hidden")
    assert viewer.page.text_content(".map-tooltip").startswith(f"{point['pid']} · ")

    viewer.page.mouse.click(*screen(viewer, *lonlat(point["e"] + 35, point["n"] - 35)))
    viewer.wait_for_chart(point["pid"])
    assert viewer.js("() => egms.state.featureId") == point["id"]
    assert viewer.page.text_content("#panel-kind") == "100 m cell"
    viewer.assert_no_errors()


# the paint and filter of a map's circles and cells
JS_POINT_STYLES = """m => [['egms-velocity', 'circle'], ['egms-cells', 'icon']].map(([l, k]) => ({
  colour: m.getPaintProperty(l, `${k}-color`), opacity: m.getPaintProperty(l, `${k}-opacity`),
  halo: k === 'icon' ? m.getPaintProperty(l, 'icon-halo-color') : undefined,
  filter: m.getFilter(l) }))"""


@pytest.mark.browser
def test_cells_follow_filters_opacity_reference_and_the_compare_view(
    viewer: Viewer, built_site: Path
) -> None:
    point = an_l3_point(built_site)
    rows = {r["pid"]: r for r in l3_rows(L3_UP).values()}
    velocity = float(rows[point["pid"]]["mean_velocity"])
    viewer.open(f"#16/{point['lat']:.6f}/{point['lon']:.6f}&layer={UP}&pt={point['id']}"
                f"&ref={UP}:{point['id']}&smax=0.2&opacity=0.7&cmp={EAST}")  # fmt: skip
    viewer.wait_for_chart(point["pid"])
    viewer.page.wait_for_function(
        "() => egms.view.compareMap && egms.view.compareMap.getLayer('egms-cells')"
        " && egms.map.getPaintProperty('egms-cells', 'icon-color')[2][2][0] === '-'"
    )  # re-referenced
    viewer.idle()
    precise = ["<=", ["coalesce", ["get", "velocity_std"], 1e9], 0.2]
    circles, cells = viewer.js(f"() => ({JS_POINT_STYLES})(egms.map)")
    assert cells == {**circles, "halo": circles["colour"]}
    assert cells["filter"] == precise and cells["opacity"] == 0.7
    assert cells["colour"][2][2] == ["-", ["get", "velocity"], pytest.approx(velocity, abs=0.05)]
    shown = {f["pid"] for f in rendered(viewer, CELL_LAYER)}
    assert shown and all(float(rows[pid]["mean_velocity_std"]) <= 0.2 for pid in shown)

    right = viewer.js(f"() => ({JS_POINT_STYLES})(egms.view.compareMap)")
    assert right[1] == {**right[0], "halo": right[0]["colour"]}
    assert right[1]["filter"] == precise and right[1]["opacity"] == 0.7
    viewer.page.wait_for_function(
        "() => egms.view.compareMap.queryRenderedFeatures({layers: ['egms-cells']}).length > 0"
    )
    viewer.assert_no_errors()


def l2b_point_in_an_l3_cell(site: Path) -> dict[str, Any]:
    """An L2b point whose L3 cell centre is > 30 m away (beyond the other layers' search) and
    which is > 2 m inside the cell; the cell from the point's EPSG:3035 metres."""
    layer = manifest_layer(site, DESC)
    chunk = read_chunk(site, layer, 0)
    for row, pid in enumerate(chunk["pid"]):
        lon, lat = chunk["lon"][row], chunk["lat"][row]
        easting, northing = TO_LAEA.transform(lon, lat)
        centre = (math.floor(easting / 100) * 100 + 50, math.floor(northing / 100) * 100 + 50)
        dx, dy = easting - centre[0], northing - centre[1]
        if centre in l3_rows(L3_UP) and math.hypot(dx, dy) > 40 and max(abs(dx), abs(dy)) < 48:
            return {"id": chunk["first_id"] + row, "pid": pid, "lon": lon, "lat": lat,
                    "cell": centre, "off": math.hypot(dx, dy)}  # fmt: skip
    raise AssertionError("no L2b point of chunk 0 lies in an L3 cell, > 40 m from its centre")


@pytest.mark.browser
def test_points_of_other_layers_name_the_l3_cell_holding_the_point(
    viewer: Viewer, built_site: Path
) -> None:
    point = l2b_point_in_an_l3_cell(built_site)
    open_at(viewer, DESC, point["lon"], point["lat"])
    viewer.js("([l, id]) => egms.selectFeature(l, id)", [DESC, point["id"]])
    viewer.wait_for_chart(point["pid"])
    viewer.page.click("#nearby-find")
    viewer.page.wait_for_function("() => egms.view.nearby !== null")
    found = {item["layerId"]: item["point"] for item in viewer.js("() => egms.view.nearby")}
    for layer_id, sample in ((UP, L3_UP), (EAST, L3_EAST)):
        want = l3_rows(sample)[point["cell"]]["pid"]
        assert found[layer_id]["pid"] == want, layer_id
        assert found[layer_id]["cell"] is True
        assert found[layer_id]["distance"] == pytest.approx(point["off"], rel=0.01)  # a sphere
        shown = viewer.page.locator(f".nearby-point[data-layer='{layer_id}']")
        assert shown.text_content() == f"{want}, 100 m cell containing this point "
    viewer.assert_no_errors()


# --- cells.js itself (Node) -------------------------------------------------------------------

CELLS_SCRIPT = """
import { cellAxes, cellHolds, cellImage, cellKey, laea } from './app/cells.js';
const input = JSON.parse(process.argv[2]);
const image = cellImage(cellAxes(13.17, 38.7));
const alpha = (x, y) => image.data[(y * image.width + x) * 4 + 3];
console.log(JSON.stringify({
  laea: input.points.map(([lon, lat]) => laea(lon, lat)),
  keys: input.points.map(([lon, lat]) => cellKey(lon, lat)),
  holds: input.pairs.map(([c, p]) => cellHolds(...c, ...p)),
  axes: input.points.map(([lon, lat]) => cellAxes(lon, lat)),
  image: { centre: alpha(image.width / 2, image.width / 2), corner: alpha(0, 0) },
}));
"""


def run_cells_js(tmp_path: Path, payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = run_with_app(tmp_path, "cells", CELLS_SCRIPT, json.dumps(payload))
    return result


def test_cells_js_grid_is_epsg_3035(tmp_path: Path) -> None:
    """EPSG:3035 metres to a millimetre over Europe (pyproj's); a cell holds exactly the
    places within ±50 m of its centre along the grid axes; its shape on the map: the grid's
    100 m steps projected."""
    points = [(lon, lat) for lon in (-25, -8, 10, 13.17, 30, 40) for lat in (30, 38.7, 52, 65, 71)]
    east, north = 4597550, 1739750  # a cell centre of the L3 samples
    inside = [(49.9, -49.9), (-49.9, 0), (0, 49.9)]
    outside = [(50.1, 0), (0, -50.1), (30, 50.2)]
    pairs = [(lonlat(east, north), lonlat(east + dx, north + dy)) for dx, dy in inside + outside]
    result = run_cells_js(tmp_path, {"points": points, "pairs": pairs})

    for (lon, lat), got in zip(points, result["laea"], strict=True):
        assert got == pytest.approx(list(TO_LAEA.transform(lon, lat)), abs=1e-3), (lon, lat)
    for (lon, lat), key in zip(points, result["keys"], strict=True):
        centre = [math.floor(metres / 100) * 100 + 50 for metres in TO_LAEA.transform(lon, lat)]
        assert key == f"{centre[0]} {centre[1]}"
    assert result["holds"] == [True] * len(inside) + [False] * len(outside)
    for (lon, lat), axes in zip(points, result["axes"], strict=True):
        easting, northing = TO_LAEA.transform(lon, lat)
        for name, (de, dn) in (("east", (100, 0)), ("north", (0, 100))):
            far = lonlat(easting + de, northing + dn)
            # Web Mercator px at zoom 0 (512 px world), y down
            mercator = 1 / math.cos(math.radians(lat))
            want = [(far[0] - lon) * 512 / 360, -(far[1] - lat) * 512 / 360 * mercator]
            assert axes[name] == pytest.approx(want, abs=2e-3 * math.hypot(*want)), (lon, lat, name)
    # the image: full inside; at its border far below the edge (0.75) less its smoothing
    assert result["image"]["centre"] == 255 and result["image"]["corner"] < 0.5 * 255
