"""The viewer's layout holds at a phone's, a small laptop's and a desktop's window (real Chromium).

One page per size, measured from element boxes: with the map settings open, then with three
points, an area and a seasonal fit in the panel: nothing wider than the window or than the box
it sits in (the panel, the legend, the toolbar, the tools box), the series table inside the
panel with every pid on one line, every select's and input's value whole in its box, the map's
canvas the size of its container, what the screen shows of the map what the canvas holds, and
neither the legend nor anything else over the selected point.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from browser_support import CLICK_LAYER, Viewer, manifest_layer, read_chunk
from PIL import Image

pytestmark = pytest.mark.browser

SIZES = [(390, 844), (1024, 768), (1440, 900)]
AREA_HALF_DEGREES = 0.0015
SELECT_ARROW_PX = 16  # the width Chromium keeps for a select's arrow
COLOUR_TOLERANCE = 8

# Boxes whose content must stay inside them: a descendant's right edge beyond it is cut off (or,
# inside the panel, makes it scroll sideways).
JS_SPILLS = """() => {
  const BOXES = '.toolbar, #tools, #legend, #panel, .settings-filters';
  const shown = (e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden';
  const out = [];
  const name = (e) => `${e.tagName.toLowerCase()}#${e.id}.${e.getAttribute('class')}`;
  const spill = (e, edge, of) => {
    const right = e.getBoundingClientRect().right;
    if (right > edge + 0.5) out.push(`${name(e)} ends at ${right.toFixed(1)}, ${of} at ${edge}`);
  };
  for (const box of document.querySelectorAll(BOXES)) {
    if (!shown(box)) continue;
    const edge = box.getBoundingClientRect().right;
    for (const e of box.querySelectorAll('*')) {
      if (shown(e) && !e.closest('.visually-hidden')) spill(e, edge, name(box));
    }
  }
  for (const e of document.body.querySelectorAll('*')) {
    if (shown(e)) spill(e, innerWidth, 'the window');
  }
  return out;
}"""

# Every shown select's and text/number input's value, and whether it fits its box.
JS_CUT_VALUES = """(arrow) => {
  const measure = document.createElement('canvas').getContext('2d');
  const out = [];
  const fields = 'select, input[type=number], input[type=text], input[type=search]';
  for (const e of document.querySelectorAll(fields)) {
    if (!e.getClientRects().length) continue;
    const style = getComputedStyle(e);
    measure.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = e.tagName === 'SELECT' ? (e.selectedOptions[0] || { text: '' }).text : e.value;
    const room = e.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
      - (e.tagName === 'SELECT' ? arrow : 0);
    const width = measure.measureText(text).width;
    // 1 px: a fractional flex width may round the scroll width up
    if (width > room + 0.5 || e.scrollWidth > e.clientWidth + 1) {
      out.push(`${e.id}: "${text}" needs ${width.toFixed(1)} px, has ${room.toFixed(1)}`);
    }
  }
  return out;
}"""

JS_PANEL = """() => {
  const panel = document.getElementById('panel');
  const box = panel.getBoundingClientRect();
  const cells = [...document.querySelectorAll('#series-table th, #series-table td')];
  return {
    scrollWidth: panel.scrollWidth, clientWidth: panel.clientWidth,
    outside: cells.filter((c) => c.getBoundingClientRect().right > box.right + 0.5
      || c.getBoundingClientRect().left < box.left - 0.5).map((c) => c.textContent),
    pidLines: [...document.querySelectorAll('#series-rows .pid')]
      .map((p) => [p.textContent, p.getClientRects().length]),
    rows: document.querySelectorAll('#series-rows tr').length,
  };
}"""

JS_CANVAS = """() => {
  const canvas = egms.map.getCanvas(), container = egms.map.getContainer();
  return [canvas.clientWidth, canvas.clientHeight, container.clientWidth, container.clientHeight];
}"""

# What covers the screen position of [lon, lat]: the map's canvas when nothing does.
JS_OVER_POINT = """([lon, lat]) => {
  const at = egms.map.project([lon, lat]);
  const box = egms.map.getContainer().getBoundingClientRect();
  const top = document.elementFromPoint(box.left + at.x, box.top + at.y);
  if (top === egms.map.getCanvas()) return null;
  return `${top.tagName.toLowerCase()}#${top.id}.${top.getAttribute('class')}`;
}"""

# Points on a grid over the map where nothing covers the canvas (within 2 px: a box's edge may
# fall between pixels) and no ring is drawn, with the colour the canvas holds there.
JS_CANVAS_SAMPLES = """(step) => {
  const canvas = egms.map.getCanvas(), box = canvas.getBoundingClientRect();
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  context.drawImage(canvas, 0, 0);
  const rings = document.querySelector('.map-rings');
  const ringPixels = rings.getContext('2d').getImageData(0, 0, rings.width, rings.height).data;
  const samples = [];
  for (let y = box.top + step / 2; y < box.bottom; y += step) {
    for (let x = box.left + step / 2; x < box.right; x += step) {
      const corners = [[-2, -2], [2, -2], [-2, 2], [2, 2]];
      const over = ([dx, dy]) => document.elementFromPoint(x + dx, y + dy);
      if (corners.some((corner) => over(corner) !== canvas)) continue;
      const cx = Math.floor(x - box.left), cy = Math.floor(y - box.top);
      if (ringPixels[(cy * rings.width + cx) * 4 + 3]) continue;
      const rgb = [...context.getImageData(cx, cy, 1, 1).data.slice(0, 3)];
      samples.push([Math.floor(x), Math.floor(y), rgb]);
    }
  }
  return samples;
}"""


def three_points(site: Path) -> list[dict[str, Any]]:
    chunk = read_chunk(site, manifest_layer(site, CLICK_LAYER), 0)
    return [{"id": chunk["first_id"] + i, "pid": chunk["pid"][i], "lon": chunk["lon"][i],
             "lat": chunk["lat"][i]} for i in (5, 6, 7)]  # fmt: skip


def square(lon: float, lat: float) -> list[list[float]]:
    d = AREA_HALF_DEGREES
    return [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d],
            [lon - d, lat - d]]  # fmt: skip


def open_settings(viewer: Viewer) -> None:
    viewer.page.click("#legend-settings-toggle")
    viewer.page.wait_for_selector("#legend-settings:not([hidden])")


def analyse(viewer: Viewer, points: list[dict[str, Any]]) -> None:
    """The first point in the panel, the others on its chart, an area and a seasonal fit."""
    first = points[0]
    viewer.js("([l, id]) => egms.selectFeature(l, id)", [CLICK_LAYER, first["id"]])
    viewer.wait_for_chart(first["pid"])
    for point in points[1:]:
        viewer.js("([l, id]) => egms.analysis.addPoint(l, id)", [CLICK_LAYER, point["id"]])
    viewer.js("ring => egms.analysis.setArea(ring)", square(first["lon"], first["lat"]))
    viewer.page.get_by_label("Seasonal fit").check()
    viewer.js("() => egms.analysis.settled()")
    viewer.idle()


def screen_differs_from_canvas(viewer: Viewer) -> list[str]:
    """Grid points where the screen does not show what the map's canvas holds."""
    samples = viewer.js(JS_CANVAS_SAMPLES, 23)
    assert len(samples) > 20, "too little of the map is uncovered to compare"
    shot = Image.open(io.BytesIO(viewer.page.screenshot())).convert("RGB")
    differs = []
    for x, y, rgb in samples:
        shown = shot.getpixel((x, y))
        if max(abs(a - b) for a, b in zip(shown, rgb, strict=True)) > COLOUR_TOLERANCE:
            differs.append(f"({x}, {y}): screen {shown}, canvas {tuple(rgb)}")
    return differs


def assert_fits(viewer: Viewer) -> None:
    assert viewer.js("() => document.scrollingElement.scrollWidth") <= viewer.js("innerWidth")
    assert viewer.js(JS_SPILLS) == []
    assert viewer.js(JS_CUT_VALUES, SELECT_ARROW_PX) == []


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_layout_fits_the_window(viewer: Viewer, built_site: Path, width: int, height: int) -> None:
    points = three_points(built_site)
    viewer.page.set_viewport_size({"width": width, "height": height})
    viewer.open(f"#16/{points[0]['lat']:.6f}/{points[0]['lon']:.6f}&layer={CLICK_LAYER}")
    credits = viewer.page.locator(".maplibregl-ctrl-attrib").bounding_box()
    assert credits["height"] < 40 or width > 640, f"credits unfolded on a phone: {credits}"
    open_settings(viewer)
    assert_fits(viewer)

    analyse(viewer, points)
    assert_fits(viewer)
    panel = viewer.js(JS_PANEL)
    assert panel["rows"] == 4
    assert panel["scrollWidth"] <= panel["clientWidth"], "the panel scrolls sideways"
    assert panel["outside"] == [], "table cells outside the panel"
    pid_lines = panel["pidLines"]
    assert len(pid_lines) == 3 and all(lines == 1 for _, lines in pid_lines), pid_lines

    canvas_width, canvas_height, map_width, map_height = viewer.js(JS_CANVAS)
    assert (canvas_width, canvas_height) == (map_width, map_height)
    assert viewer.js(JS_OVER_POINT, [points[0]["lon"], points[0]["lat"]]) is None
    differs = screen_differs_from_canvas(viewer)
    assert differs == [], "\n".join(differs)
    viewer.assert_no_errors()
