"""Charts as report figures, in real Chromium on the real samples: the tick maths (ticks.js)
against a Python implementation of the same rules, the chart PNG and SVG exports, and the
on-screen chart's axes.

Expected ticks come from numpy and datetime, expected text from the site's data (pids,
coordinates) and the package's own constants, never from the viewer's code. The exported PNGs,
the SVG as Chromium draws it and the on-screen chart at three window sizes go to
build/test-artifacts/.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_support import (
    ARTIFACTS,
    CLICK_LAYER,
    Viewer,
    manifest_layer,
    read_chunk,
)

from tiler import __version__
from tiler.layer.passes import ATTRIBUTION

pytestmark = pytest.mark.browser

SVG = "{http://www.w3.org/2000/svg}"
MINUS = "\u2212"
CREDIT = f"{ATTRIBUTION}. Made with egms-tiler {__version__}."
WINDOWS = [(390, 844), (1024, 768), (1440, 900)]
DEFAULT_FIGURE = (1600, 900, 2)
IMPORT_TICKS = """const main = document.querySelector('script[type=module]').src;
                  const t = await import(new URL('ticks.js', main));"""


# --- the rules, in Python ----------------------------------------------------------------------


def nice_step(span: float, max_intervals: int) -> float:
    """The smallest 1, 2 or 5 × 10^n step cutting `span` into at most `max_intervals` parts."""
    raw = abs(span) / max(1, max_intervals)
    exponent = int(np.floor(np.log10(raw)))
    steps = np.array([m * 10.0**e for e in (exponent, exponent + 1) for m in (1, 2, 5)])
    return float(steps[steps >= raw * (1 - 1e-9)].min())


def value_ticks(low: float, high: float, step: float) -> list[float]:
    ks = np.arange(np.ceil(low / step - 1e-9), np.floor(high / step + 1e-9) + 1)
    return [float(v) for v in ks * step]


DATE_STEPS = (
    [("day", n, float(n)) for n in (1, 2, 5, 10, 15)]
    + [("month", n, n * 30.44) for n in (1, 2, 3, 6)]
    + [("year", n, n * 365.25) for n in (1, 2, 5, 10, 20, 50, 100)]
)
LABEL_CHARACTERS = {"day": 10, "month": 7, "year": 4}


def starts_step(day: date, unit: str, n: int) -> bool:
    if unit == "year":
        return day.month == 1 and day.day == 1 and day.year % n == 0
    if unit == "month":
        return day.day == 1 and (day.month - 1) % n == 0
    return (day.day - 1) % n == 0 and (n == 1 or day.day + n <= 32)


def date_label(day: date, unit: str) -> str:
    return {"year": f"{day.year}", "month": f"{day:%Y-%m}", "day": day.isoformat()}[unit]


def scanned_ticks(t0: float, t1: float, step: tuple[str, int, float]) -> dict[str, Any]:
    """Every day from t0 to t1 scanned (not the viewer's way of listing candidates)."""
    unit, n, _ = step
    day = datetime.fromtimestamp(t0, UTC).date()
    ticks = []
    while (seconds := datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) <= t1:
        if seconds >= t0 and starts_step(day, unit, n):
            ticks.append({"value": seconds, "label": date_label(day, unit)})
        day += timedelta(days=1)
    return {"unit": unit, "step": n, "ticks": ticks}


def date_ticks(t0: float, t1: float, width: float, char_width: float) -> dict[str, Any]:
    """The step that keeps a 3-character gap; if it leaves fewer than two labels, the coarsest
    finer step with two whose labels still do not touch."""
    span = max(t1 - t0, 86_400)

    def spacing(step: tuple[str, int, float]) -> float:
        return width * step[2] * 86_400 / span

    gap = (s for s in DATE_STEPS if spacing(s) >= (LABEL_CHARACTERS[s[0]] + 3) * char_width)
    chosen = next(gap, DATE_STEPS[-1])
    result = scanned_ticks(t0, t1, chosen)
    if len(result["ticks"]) >= 2:
        return result
    for step in reversed(DATE_STEPS[: DATE_STEPS.index(chosen)]):
        if spacing(step) < LABEL_CHARACTERS[step[0]] * char_width:
            break
        candidate = scanned_ticks(t0, t1, step)
        if len(candidate["ticks"]) >= 2:
            return candidate
    return result


def utc_seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()


def is_nice(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 2, 5))


def tick_number(label: str) -> float:
    return float(label.replace(MINUS, "-"))


def assert_round_value_labels(labels: list[str]) -> None:
    """Evenly spaced at a 1, 2 or 5 × 10^n step, each a multiple of it, with its decimals."""
    values = [tick_number(label) for label in labels]
    assert len(values) >= 2, labels
    step = values[1] - values[0]
    assert step > 0 and is_nice(step), labels
    for low, high in zip(values, values[1:], strict=False):
        assert math.isclose(high - low, step, rel_tol=1e-6), labels
    for value in values:
        assert math.isclose(value / step, round(value / step), abs_tol=1e-6), labels
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    assert all(len(label.partition(".")[2]) == decimals for label in labels), labels
    assert not any(label.startswith("-") for label in labels), "a true minus sign: " + str(labels)


def assert_calendar_labels(labels: list[str]) -> None:
    """All years, all months or all days, on calendar boundaries, evenly stepped."""
    assert len(labels) >= 2, labels
    if all(re.fullmatch(r"\d{4}", label) for label in labels):
        indices = [int(label) for label in labels]
    elif all(re.fullmatch(r"\d{4}-\d{2}", label) for label in labels):
        indices = [int(label[:4]) * 12 + int(label[5:]) - 1 for label in labels]
        assert all(i % 12 % (indices[1] - indices[0]) == 0 for i in indices), labels
    else:
        days = [date.fromisoformat(label) for label in labels]
        step = (days[1] - days[0]).days
        assert all((d.day - 1) % step == 0 for d in days), labels
        return
    steps = {b - a for a, b in zip(indices, indices[1:], strict=False)}
    assert len(steps) == 1 and all(i % steps.pop() == 0 for i in indices[:1]), labels


# --- page helpers ---------------------------------------------------------------------------------


def open_point(viewer: Viewer, layer_id: str, site: Path, row: int = 0) -> dict[str, Any]:
    """Open the viewer on point `row` of chunk 0 of a layer: {id, pid, lat, lon}."""
    layer = manifest_layer(site, layer_id)
    chunk = read_chunk(site, layer, 0)
    point = {"id": chunk["first_id"] + row, "pid": chunk["pid"][row]}
    point.update(lat=chunk["lat"][row], lon=chunk["lon"][row])
    point["break_p"] = chunk["attributes"]["break_p"][row]  # < 0.01: its two segments drawn
    viewer.open(f"#16/{point['lat']:.6f}/{point['lon']:.6f}&layer={layer_id}&pt={point['id']}")
    viewer.wait_for_chart(point["pid"])
    viewer.js("() => egms.analysis.settled()")
    return point


def export(viewer: Viewer, button: str) -> bytes:
    with viewer.page.expect_download() as info:
        viewer.page.get_by_role("button", name=button).click()
    return Path(info.value.path()).read_bytes()


def choose_size(viewer: Viewer, width: int, height: int, ratio: int) -> None:
    viewer.page.fill("#figure-width", str(width))
    viewer.page.fill("#figure-height", str(height))
    viewer.page.select_option("#figure-ratio", str(ratio))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def save(name: str, data: bytes) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(data)
    return path


def group_texts(root: ET.Element, group: str) -> list[str]:
    found = root.find(f".//{SVG}g[@id='{group}']")
    assert found is not None, f"no group {group}"
    return [text.text or "" for text in found.iter(f"{SVG}text")]


def rendered_text_boxes(viewer: Viewer, svg_path: Path, width: int, height: int) -> list[dict]:
    """The SVG opened as a document in Chromium at its own size: every text's box and group."""
    page = viewer.page.context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(svg_path.as_uri())
    page.screenshot(path=str(svg_path.with_suffix(".svg.png")))
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('text')].map(t => {
             const b = t.getBoundingClientRect();
             return {group: t.parentNode.id || t.id, text: t.textContent,
                     left: b.left, right: b.right, top: b.top, bottom: b.bottom};
           })"""
    )
    page.close()
    return boxes


def assert_apart(boxes: list[dict]) -> None:
    ordered = sorted(boxes, key=lambda b: b["left"])
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert a["right"] <= b["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"], (a, b)


# --- tests ---------------------------------------------------------------------------------------


def test_tick_maths_matches_python(viewer: Viewer) -> None:
    viewer.open()
    rng = np.random.default_rng(20)
    value_cases = [
        [float(rng.uniform(-500, 500)), float(10 ** rng.uniform(-3, 4)), int(rng.integers(2, 12))]
        for _ in range(200)
    ]
    date_cases = []
    for _ in range(60):
        t0 = float(rng.uniform(utc_seconds("2015-01-01"), utc_seconds("2025-01-01")))
        span = float(86_400 * 10 ** rng.uniform(0.5, 4.2))
        date_cases.append([t0, t0 + span, float(rng.uniform(100, 2000)), float(rng.uniform(5, 14))])
    years = [utc_seconds("2020-01-03"), utc_seconds("2024-12-25"), 300, 7]
    quarters = [utc_seconds("2021-02-10"), utc_seconds("2021-11-20"), 300, 7]
    got = viewer.js(
        f"""async ([values, dates, years, quarters]) => {{
             {IMPORT_TICKS}
             const ticksOf = ([low, span, n]) => t.valueTicks(low, low + span, t.niceStep(span, n));
             return {{
               values: values.map(([low, span, n]) => ({{
                 step: t.niceStep(span, n), ticks: ticksOf([low, span, n]),
                 labels: ticksOf([low, span, n]).map(v => t.formatTick(v, t.niceStep(span, n))),
               }})),
               dates: dates.map(([t0, t1, width, char]) => t.dateTicks(t0, t1, width, char)),
               brief: [t.niceStep(19.8, 5), t.valueTicks(-12.5, 7.3, t.niceStep(19.8, 5)),
                       t.formatTick(-5, 5), t.formatTick(0.1 + 0.2, 0.1), t.formatTick(-1e-12, 1),
                       t.paddedRange(3, 3), t.paddedRange(-10, 10)],
               years: t.dateTicks(...years),
               quarters: t.dateTicks(...quarters),
             }};
           }}""",
        [value_cases, date_cases, years, quarters],
    )
    for (low, span, n), result in zip(value_cases, got["values"], strict=True):
        step = nice_step(span, int(n))
        assert result["step"] == pytest.approx(step, rel=1e-12), (low, span, n)
        assert result["ticks"] == pytest.approx(value_ticks(low, low + span, step), abs=1e-9)
        assert len(result["ticks"]) <= n + 1
        if len(result["ticks"]) > 1:
            assert_round_value_labels(result["labels"])
    for case, result in zip(date_cases, got["dates"], strict=True):
        assert result == date_ticks(*case), case
    assert got["brief"] == [5, [-10, -5, 0, 5], f"{MINUS}5", "0.3", "0", [2, 4], [-11, 11]]
    assert [t["label"] for t in got["years"]["ticks"]] == ["2021", "2022", "2023", "2024"]
    assert [t["label"] for t in got["quarters"]["ticks"]] == ["2021-04", "2021-07", "2021-10"]
    viewer.assert_no_errors()


def test_chart_png_has_the_chosen_size_whatever_the_window(
    viewer: Viewer, built_site: Path
) -> None:
    open_point(viewer, CLICK_LAYER, built_site)
    pngs = []
    for width, height in WINDOWS:
        viewer.page.set_viewport_size({"width": width, "height": height})
        viewer.page.locator("#chart").scroll_into_view_if_needed()
        viewer.page.wait_for_function(
            "() => Math.abs(egms.chart.width - document.getElementById('chart').clientWidth) < 2"
        )
        viewer.page.screenshot(path=str(ARTIFACTS / f"chart-screen-{width}x{height}.png"))
        pngs.append(export(viewer, "Chart PNG"))
        save(f"chart-figure-from-{width}x{height}.png", pngs[-1])
    width, height, ratio = DEFAULT_FIGURE
    assert png_size(pngs[0]) == (width * ratio, height * ratio)
    assert pngs[1] == pngs[0] and pngs[2] == pngs[0], "the figure changed with the window"

    choose_size(viewer, 1200, 700, 3)
    chosen = export(viewer, "Chart PNG")
    assert png_size(chosen) == (3600, 2100)
    save("chart-figure-1200x700@3.png", chosen)
    choose_size(viewer, 99_999, 10, 2)  # out of range: held to the control's limits
    assert png_size(export(viewer, "Chart PNG")) == (6400, 600)
    viewer.assert_no_errors()


def test_chart_png_reads_as_a_figure(viewer: Viewer, built_site: Path) -> None:
    """OCR (tesseract) of the default PNG: title, place, reference and the whole credit."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        pytest.fail("tesseract is missing: `make system-deps` installs it (tesseract-ocr)")
    point = open_point(viewer, CLICK_LAYER, built_site)
    path = save("chart-figure-ocr.png", export(viewer, "Chart PNG"))
    done = subprocess.run([tesseract, str(path), "-"], capture_output=True, text=True, check=True)
    text = " ".join(done.stdout.split())
    for wanted in (
        f"Displacement of point {point['pid']}",
        "EGMS Calibrated (L2b) 2020-2024 descending",
        f"lat {point['lat']:.5f}, lon {point['lon']:.5f}",
        "no reference",
        "LOS displacement (mm)",
        CREDIT,
    ):
        assert wanted in text, (wanted, text)
    viewer.assert_no_errors()


def test_chart_svg_is_a_plain_svg_figure(viewer: Viewer, built_site: Path) -> None:
    point = open_point(viewer, CLICK_LAYER, built_site)
    width, height = 1200, 700
    choose_size(viewer, width, height, 2)
    data = export(viewer, "Chart SVG")
    text = data.decode("utf-8")
    path = save("chart-figure.svg", data)

    root = ET.fromstring(text)  # plain SVG 1.1: what Inkscape and LibreOffice open
    assert root.tag == f"{SVG}svg" and root.get("version") == "1.1"
    assert (root.get("width"), root.get("height")) == (str(width), str(height))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    for absent in ("<style", "style=", "var(", "foreignObject", "<script", "class="):
        assert absent not in text, absent
    texts = list(root.iter(f"{SVG}text"))
    assert texts and {t.get("font-family") for t in texts} == {"sans-serif"}

    heading = group_texts(root, "heading")
    assert heading[0] == f"Displacement of point {point['pid']}"
    assert "EGMS Calibrated (L2b) 2020-2024 descending" in heading
    assert f"Point at lat {point['lat']:.5f}, lon {point['lon']:.5f} (WGS84)" in heading
    assert any("no reference" in line for line in heading)
    title = root.find(f".//{SVG}text[@id='value-title']")
    assert title is not None and title.text == "LOS displacement (mm)"
    assert " ".join(group_texts(root, "credit")) == CREDIT
    segments = [f"two-segment trend {point['pid']}"] if (point["break_p"] or 1) < 0.01 else []
    assert group_texts(root, "legend") == [point["pid"], *segments]
    assert_round_value_labels(group_texts(root, "value-ticks"))
    dates = group_texts(root, "date-ticks")
    assert_calendar_labels(dates)

    boxes = rendered_text_boxes(viewer, path, width, height)
    for box in boxes:
        assert box["left"] >= 0 and box["right"] <= width, box
        assert box["top"] >= 0 and box["bottom"] <= height, box
    assert_apart([b for b in boxes if b["group"] == "date-ticks"])
    assert_apart([b for b in boxes if b["group"] in ("heading", "legend", "credit")])
    viewer.assert_no_errors()


def test_legend_title_and_reference_of_several_points(viewer: Viewer, built_site: Path) -> None:
    layer = manifest_layer(built_site, CLICK_LAYER)
    chunk = read_chunk(built_site, layer, 0)
    a, b = chunk["first_id"], chunk["first_id"] + 1
    viewer.open(f"#layer={CLICK_LAYER}&pt={a}&sel={CLICK_LAYER}:{b}&ref={CLICK_LAYER}:{b}&fit=lin")
    viewer.wait_for_chart(chunk["pid"][0])
    viewer.js("() => egms.analysis.settled()")
    root = ET.fromstring(export(viewer, "Chart SVG"))
    pa, pb = chunk["pid"][0], chunk["pid"][1]
    heading = " ".join(group_texts(root, "heading"))
    assert heading.startswith(f"Displacement of points {pa} and {pb} ")
    for i in (0, 1):
        where = f"lat {chunk['lat'][i]:.5f}, lon {chunk['lon'][i]:.5f}"
        assert f"{chunk['pid'][i]} at {where}" in heading
    assert f"Reference: point {pb} at lat {chunk['lat'][1]:.5f}" in heading
    assert group_texts(root, "legend") == [pa, pb, f"linear fit {pa}", f"linear fit {pb}"]
    legend = root.find(f".//{SVG}g[@id='legend']")
    assert legend is not None
    strokes = [line.get("stroke") for line in legend.iter(f"{SVG}line")]
    assert strokes == ["#0072B2", "#D55E00", "#0072B2", "#D55E00"]
    dashes = [line.get("stroke-dasharray") for line in legend.iter(f"{SVG}line")]
    assert dashes[:2] == [None, None] and None not in dashes[2:]
    viewer.assert_no_errors()


@pytest.mark.parametrize(
    ("layer_id", "quantity", "product"),
    [
        ("l2b-2020-2024-asc", "LOS displacement (mm)", "EGMS Calibrated (L2b) 2020-2024 ascending"),
        ("l3-2020-2024-up", "vertical displacement (mm)", "EGMS Ortho (L3) 2020-2024 vertical"),
        ("l3-2020-2024-east", "east-west displacement (mm)", "EGMS Ortho (L3) 2020-2024 east-west"),
    ],
)
def test_value_axis_names_the_quantity_of_each_geometry(
    viewer: Viewer, built_site: Path, layer_id: str, quantity: str, product: str
) -> None:
    open_point(viewer, layer_id, built_site)
    shown = "() => { const a = egms.chart.axes[1]; return typeof a.label === 'function' ? a.label(egms.chart, 1) : a.label; }"  # noqa: E501
    assert viewer.js(shown) == quantity
    root = ET.fromstring(export(viewer, "Chart SVG"))
    title = root.find(f".//{SVG}text[@id='value-title']")
    assert title is not None and title.text == quantity
    assert product in group_texts(root, "heading")
    viewer.assert_no_errors()


def test_on_screen_axes_tick_like_the_figure(viewer: Viewer, built_site: Path) -> None:
    open_point(viewer, CLICK_LAYER, built_site)
    shown = "() => egms.chart.axes.map(a => a._values)"
    dates, values = viewer.js(shown)
    assert_calendar_labels(dates)
    assert all(re.fullmatch(r"\d{4}", label) for label in dates), dates
    assert_round_value_labels(values)

    viewer.js("() => egms.analysis.setWindow('2022-03-01', '2022-09-30')")
    viewer.js("() => egms.analysis.settled()")
    dates, values = viewer.js(shown)
    assert all(re.fullmatch(r"2022-\d{2}", label) for label in dates), dates
    assert_calendar_labels(dates)
    assert_round_value_labels(values)
    root = ET.fromstring(export(viewer, "Chart SVG"))
    figure_dates = group_texts(root, "date-ticks")
    assert_calendar_labels(figure_dates)
    assert all("2022-03" <= label <= "2022-09" for label in figure_dates), figure_dates
    viewer.assert_no_errors()
