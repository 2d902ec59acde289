"""Browser-test support: read the site and sources back, a served site, a Playwright page.

Shared by every browser test module; the fixtures using it live in conftest.py.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import math
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tiler.layer.seriespack import chunk_bytes

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "build" / "test-artifacts"  # screenshots and exports the tests keep
SAMPLES = REPO / "tests" / "data" / "egms"
PALETTES_JS = REPO / "site" / "app" / "palettes.js"
CIRCLE_LAYER = "egms-velocity"
CELL_LAYER = "egms-cells"  # L3 drawn as its 100 m cells, zoomed in
CLICK_LAYER = "l2b-2020-2024-desc"
CLICK_SAMPLE = SAMPLES / "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip"
VIEWPORT = {"width": 960, "height": 640}
SERVER_START_SECONDS = 20
PAGE_TIMEOUT_MS = 30_000  # two test workers share 2 cores: a slow moment is not a failure
DATE_COLUMN = re.compile(r"^\d{8}$")

# Resolves once the map has drawn everything its current view needs.
JS_IDLE = "() => new Promise(r => { egms.map.once('idle', r); egms.map.triggerRepaint(); })"

JS_VIEW = "() => [egms.map.getZoom(), egms.map.getCenter().lng, egms.map.getCenter().lat]"


# --- reading the site and the sources back ----------------------------------------------------


def read_manifest(site: Path) -> dict[str, Any]:
    return json.loads((site / "data" / "manifest.json").read_text(encoding="utf-8"))


def manifest_layer(site: Path, layer_id: str) -> dict[str, Any]:
    return next(item for item in read_manifest(site)["layers"] if item["id"] == layer_id)


PRODUCTS = {"L2a": "Basic", "L2b": "Calibrated", "L3": "Ortho"}
ORBITS = {"asc": "ascending", "desc": "descending", "up": "vertical", "east": "east-west"}


def default_layer(site: Path) -> dict[str, Any]:
    """The layer the viewer opens on: the newest period's L2b, else L3, else L2a; descending
    before ascending, vertical before east-west."""
    rank = {"L2b": 0, "L3": 1, "L2a": 2}
    order = {"desc": 0, "asc": 1, "up": 0, "east": 1}
    layers = read_manifest(site)["layers"]
    return min(layers, key=lambda y: (-y["period"][1], rank[y["level"]], order[y["geometry"]]))


def option_text(layer: dict[str, Any]) -> str:
    """The layer picker's option: "Calibrated (L2b) 2020-2024 descending, track 22"."""
    tracks = sorted({u["track"] for u in layer["units"] if "track" in u})
    named = f"track {tracks[0]}" if len(tracks) == 1 else ""
    if len(tracks) > 1:
        named = f"tracks {', '.join(map(str, tracks[:-1]))} and {tracks[-1]}"
    name = f"{product_period(layer).removeprefix('EGMS ')} {ORBITS[layer['geometry']]}"
    return f"{name}, {named}" if named else name


def assert_chart_is_the_row(xs: list[float], ys: list[float | None], row: dict[str, str]) -> None:
    """The chart's data (uPlot's [dates, values]) equals a source CSV row, date by date."""
    dates = [name for name in row if DATE_COLUMN.match(name)]
    assert [datetime.fromtimestamp(x, UTC).strftime("%Y%m%d") for x in xs] == dates
    for date, shown in zip(dates, ys, strict=True):
        if row[date] == "":
            assert shown is None, date
        else:
            assert shown == pytest.approx(float(row[date]), abs=1e-9), date


def product_period(layer: dict[str, Any]) -> str:
    level, (first, last) = layer["level"], layer["period"]
    return f"EGMS {PRODUCTS[level]} ({level}) {first}-{last}"


def read_chunk(site: Path, layer: dict[str, Any], index: int) -> dict[str, Any]:
    return json.loads(gzip.decompress(chunk_bytes(site / "data", layer["chunks"], index)))


def source_rows(zip_path: Path) -> Iterator[dict[str, str]]:
    """Rows of the CSV inside an EGMS zip, parsed with the csv module (independent reader)."""
    with zipfile.ZipFile(zip_path) as archive:
        member = next(name for name in archive.namelist() if name.endswith(".csv"))
        with archive.open(member) as raw:
            yield from csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))


def vik_stops() -> list[tuple[float, tuple[int, int, int]]]:
    """The `vik` palette stops from the committed palette file."""
    text = PALETTES_JS.read_text(encoding="utf-8")
    block = text[text.index("vik:") : text.index("],\n  },", text.index("vik:"))]
    stops = re.findall(r"\[([\d.]+), \"#([0-9a-f]{6})\"\]", block)
    return [(float(t), tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))) for t, h in stops]


def expected_colour(velocity: float, half_range: float) -> tuple[float, float, float]:
    """RGB (0-255) that a linear `interpolate` over the vik stops gives for `velocity`."""
    stops = vik_stops()
    t = min(1.0, max(0.0, (velocity + half_range) / (2 * half_range)))
    for (t0, c0), (t1, c1) in zip(stops, stops[1:], strict=False):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return tuple(a + (b - a) * f for a, b in zip(c0, c1, strict=True))
    return tuple(float(c) for c in stops[-1][1])


def isolated_point(site: Path, layer: dict[str, Any]) -> dict[str, Any]:
    """A point of chunk 0 with no other point within ~15 m (so a click cannot hit a neighbour).

    Searched once per site and layer (~1 s), a copy returned each time."""
    key = (site, layer["id"], json.dumps(layer, sort_keys=True))
    if key not in _ISOLATED:
        _ISOLATED[key] = _isolated_point(site, layer)
    return copy.deepcopy(_ISOLATED[key])


_ISOLATED: dict[tuple[Path, str, str], dict[str, Any]] = {}


def _isolated_point(site: Path, layer: dict[str, Any]) -> dict[str, Any]:
    first = read_chunk(site, layer, 0)
    rows = {row["pid"]: row for row in source_rows(CLICK_SAMPLE)}
    coords = [(float(r["longitude"]), float(r["latitude"])) for r in rows.values()]
    metres_per_degree = 111_320.0
    for offset, pid in enumerate(first["pid"]):
        row = rows[pid]
        lon, lat = float(row["longitude"]), float(row["latitude"])
        scale = math.cos(math.radians(lat))
        nearest = min(
            math.hypot((x - lon) * scale, y - lat) * metres_per_degree
            for x, y in coords
            if (x, y) != (lon, lat)
        )
        if nearest > 15:
            return {
                "id": first["first_id"] + offset,
                "pid": pid,
                "lon": lon,
                "lat": lat,
                "row": row,
            }
    raise AssertionError("no isolated point in chunk 0 of " + layer["id"])


# --- browser, server and page ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    process.kill()
    process.wait()
    pytest.fail(f"`egms-tiler serve` never answered at {url}; its stderr:\n{log.read_text()}")


@dataclass
class Viewer:
    """One page of the viewer plus what it logged."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def open(self, hash_: str = "") -> None:
        self.page.goto(self.base + hash_)
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_function("() => window.egms !== undefined")
        self.page.evaluate("() => window.egms.ready.then(() => true)")

    def idle(self) -> None:
        self.page.evaluate(JS_IDLE)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait_for_chart(self, pid: str) -> None:
        self.page.wait_for_function(
            "pid => document.getElementById('panel-pid').textContent === pid"
            " && document.body.dataset.chartPoints !== undefined",
            arg=pid,
        )

    def chunk_requests(self) -> list[str]:
        return [url for url in self.requests if "/ts/" in url]

    def assert_no_errors(self) -> None:
        assert self.errors == [], "console errors:\n" + "\n".join(self.errors)


def forgive_aborted_tiles(viewer: Viewer) -> list[str]:
    """Record requests the page itself aborted (MapLibre cancels tiles a flight no longer
    needs); `drop_aborted` then removes them from the viewer's errors. Other failures stay."""
    aborted: list[str] = []
    viewer.page.on(
        "requestfailed",
        lambda r: "ERR_ABORTED" in (r.failure or "") and r.url.endswith(".pmtiles")
        and aborted.append(r.url),
    )  # fmt: skip
    return aborted


def drop_aborted(viewer: Viewer, aborted: list[str]) -> None:
    viewer.errors[:] = [
        e for e in viewer.errors if e.removeprefix("request failed: ").split(" (")[0] not in aborted
    ]


@contextmanager
def serving(site: Path, log_dir: Path) -> Iterator[str]:
    """`egms-tiler serve SITE` in a subprocess on a free port; yields its URL."""
    port = free_port()
    log = log_dir / f"serve-{port}.txt"
    argv = [sys.executable, "-m", "tiler", "serve", str(site), "--port", str(port)]
    with open(log, "wb") as stderr:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
