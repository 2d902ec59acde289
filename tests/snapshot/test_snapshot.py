"""`egms-tiler snapshot`: a view of the sample site rendered by headless Chromium to PNG / PDF.

The CLI runs in a subprocess (Playwright's sync API cannot nest inside the session browser).
The PNG is decoded here with zlib (no imaging library): its size, that it is not blank, and
that the layer's velocity colours (the vik palette, read from the committed palette file)
appear in it.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from browser_support import CLICK_LAYER, REPO, isolated_point, manifest_layer, vik_stops

from tiler.snapshot.capture import CHROMIUM

pytestmark = pytest.mark.browser


def snapshot(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "tiler", "snapshot", *args]
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)


def read_png(path: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB/RGBA PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    channels = 3 if colour == 2 else 4
    rows = unfilter(zlib.decompress(idat), width * channels, height, channels)
    pixels = [tuple(row[i : i + 3]) for row in rows for i in range(0, len(row), channels)]
    return width, height, pixels


def unfilter(raw: bytes, stride: int, height: int, bpp: int) -> list[bytearray]:
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (
                    line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
                ) & 255
        rows.append(line)
        previous = line
    return rows


def palette_colours(steps: int = 200) -> list[tuple[float, float, float]]:
    """Colours of the vik ramp away from its pale middle (which basemaps share)."""
    stops = vik_stops()
    colours = []
    for k in range(steps + 1):
        t = k / steps
        if 0.4 < t < 0.6:
            continue
        for (t0, c0), (t1, c1) in zip(stops, stops[1:], strict=False):
            if t0 <= t <= t1:
                f = (t - t0) / (t1 - t0) if t1 > t0 else 0
                colours.append(tuple(a + (b - a) * f for a, b in zip(c0, c1, strict=True)))
                break
    return colours


def palette_share(pixels: list[tuple[int, int, int]]) -> float:
    """The share of pixels within a small distance of a velocity colour."""
    colours = palette_colours()
    seen: dict[tuple[int, int, int], bool] = {}
    hits = 0
    for pixel in pixels:
        if pixel not in seen:
            seen[pixel] = any(
                sum((a - b) ** 2 for a, b in zip(pixel, c, strict=True)) < 12**2 for c in colours
            )
        hits += seen[pixel]
    return hits / len(pixels)


@pytest.fixture(scope="module")
def view(built_site: Path) -> str:
    point = isolated_point(built_site, manifest_layer(built_site, CLICK_LAYER))
    return f"#15/{point['lat']:.6f}/{point['lon']:.6f}&layer={CLICK_LAYER}&pt={point['id']}"


def test_png_of_a_view_has_the_size_and_the_point_colours(
    built_site: Path, view: str, tmp_path: Path
) -> None:
    out = tmp_path / "map.png"
    result = snapshot(str(built_site), "--view", view, "-o", str(out), "--width", "640",
                      "--height", "420")  # fmt: skip
    assert result.returncode == 0, result.stderr
    width, height, pixels = read_png(out)
    assert (width, height) == (640, 420)
    assert len(set(pixels)) > 200, "blank or nearly blank image"
    assert palette_share(pixels) > 0.05, "the points' velocity colours are missing"


def test_pdf_with_the_chart(built_site: Path, view: str, tmp_path: Path) -> None:
    out = tmp_path / "map.pdf"
    result = snapshot(str(built_site), "--view", view, "-o", str(out), "--chart", "--pdf")
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10_000
    assert (
        data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type/Page") >= 1
    )


def test_chart_needs_a_selected_point(built_site: Path, tmp_path: Path) -> None:
    result = snapshot(str(built_site), "--view", f"#15/38.7/13.17&layer={CLICK_LAYER}",
                      "-o", str(tmp_path / "x.png"), "--chart")  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: --chart needs a view with a selected point (pt=ID in the hash)"
    )


def test_missing_chromium_is_named_with_the_fix(built_site: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"
    result = snapshot(str(built_site), "-o", str(tmp_path / "x.png"), "--chromium", str(missing))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: Chromium not found at {missing}; install it (Debian/Ubuntu: `sudo apt-get "
        "install chromium`, or `make system-deps`) or give its path with --chromium"
    )
    assert not (tmp_path / "x.png").exists()


LAYERS = "l2b-2020-2024-asc, l2b-2020-2024-desc, l3-2020-2024-east, l3-2020-2024-up"
DESC_IDS = "its point ids: 0-11589"
BAD_VIEWS = [
    # (name, what the view adds to a good one, the message after "Error: --view: ")
    ("layer", "&layer=nope", "no layer 'nope' in {site}; layers: " + LAYERS),
    ("pt", f"&layer={CLICK_LAYER}&pt=99999",
     f"no point '99999' (pt=) in layer {CLICK_LAYER}; " + DESC_IDS),
    ("pt-text", f"&layer={CLICK_LAYER}&pt=abc", f"no point 'abc' (pt=) in layer {CLICK_LAYER}; "
     + DESC_IDS),
    ("sel", f"&layer={CLICK_LAYER}&pt=3&sel=4,l2b-2020-2024-asc:11759",
     "no point '11759' (sel=) in layer l2b-2020-2024-asc; its point ids: 0-11758"),
    ("sel-layer", f"&layer={CLICK_LAYER}&sel=nope:4",
     "no layer 'nope' in {site} (sel=nope:4); layers: " + LAYERS),
    ("ref", f"&layer={CLICK_LAYER}&ref=20000", f"no point '20000' (ref=) in layer {CLICK_LAYER}; "
     + DESC_IDS),
    ("ref-poly", f"&layer={CLICK_LAYER}&ref=poly",
     "ref=poly needs the drawn area it refers to (poly=lon,lat,...)"),
]  # fmt: skip


def assert_refused(result: subprocess.CompletedProcess[str], message: str, out: Path) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [f"Error: --view: {message}"], result.stderr
    assert list(out.parent.iterdir()) == [], "no image, no leftover"


@pytest.mark.parametrize(
    "extra, message", [case[1:] for case in BAD_VIEWS], ids=[case[0] for case in BAD_VIEWS]
)
def test_a_view_naming_what_the_site_lacks_is_refused_before_chromium(
    built_site: Path, tmp_path: Path, extra: str, message: str
) -> None:
    out = tmp_path / "out" / "map.png"
    out.parent.mkdir()
    # no Chromium at all: the manifest alone refuses these views, before a browser would start
    result = snapshot(str(built_site), "--view", "#15/38.7/13.17" + extra, "-o", str(out),
                      "--chromium", str(tmp_path / "no-chromium"))  # fmt: skip
    assert_refused(result, message.format(site=built_site), out)


def test_a_view_outside_the_data_is_refused(built_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "map.png"
    out.parent.mkdir()
    view = f"#15/0/0&layer={CLICK_LAYER}"
    result = snapshot(str(built_site), "--view", view, "-o", str(out), "--width", "640",
                      "--height", "420")  # fmt: skip
    bounds = manifest_layer(built_site, CLICK_LAYER)["bounds"]
    west, south, east, north = (f"{v:g}" for v in bounds)
    assert_refused(result, f"15/0/0 at 640x420 px shows none of layer {CLICK_LAYER}, whose points "
                   f"lie within lon {west} to {east}, lat {south} to {north} (e.g. --view "
                   f"'#15/{(bounds[1] + bounds[3]) / 2:.4f}/{(bounds[0] + bounds[2]) / 2:.4f}"
                   f"&layer={CLICK_LAYER}')", out)  # fmt: skip
    near = f"#15/{bounds[1] - 0.002}/{bounds[0] - 0.002}&layer={CLICK_LAYER}"  # a corner shows
    result = snapshot(str(built_site), "--view", near, "-o", str(out), "--width", "640",
                      "--height", "420")  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_reference_area_without_points_is_refused_by_the_page(
    built_site: Path, view: str, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "map.png"
    out.parent.mkdir()
    far = "poly=0.1,0.1,0.2,0.1,0.2,0.2"  # a drawn area in the Gulf of Guinea: no point inside
    result = snapshot(str(built_site), "--view", f"{view}&{far}&ref=poly", "-o", str(out))
    assert_refused(result, f"ref=poly: the drawn area (poly=) holds no point of {CLICK_LAYER}", out)


def test_the_default_chromium_is_there() -> None:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: run `make system-deps`"
