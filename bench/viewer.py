"""Viewer latency in headless Chromium against `egms-tiler serve`, measured inside the page.

- first points: navigation start (performance.now() = 0) → the first animation frame where
  `egms.map.queryRenderedFeatures({layers: [circle layer]})` is non-empty; a fresh browser
  context (empty cache) per load, median of `loads`.
- click → chart: `egms.selectFeature(layer, id)` on a point of a chunk not fetched before →
  `document.body.dataset.chartPoints` set by the chart (uPlot has drawn), and → the next
  animation frame; median of `clicks` selections, each in a different chunk. Split into: before
  the chunk request, the request (Resource Timing), after it (inflate, parse, panel, chart and
  the map frames the selection's highlight causes).
- chunk load: `egms.chunks.series(layer, id)` alone (fetch + inflate + parse) on other cold
  chunks: the data path without any drawing.
- map frame: `triggerRepaint()` → `render` → next animation frame with the whole layer in view.
  WebGL runs in SwiftShader (software) here, so every map frame costs what a GPU does in a few
  ms; read the click numbers with this one beside them.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-quic"]  # fmt: skip
VIEWPORT = {"width": 960, "height": 640}  # as the browser tests
CIRCLE_LAYER = "egms-velocity"
TIMEOUT_MS = 120_000

FIRST_POINTS_JS = """
(() => {
  const tick = () => {
    try {
      const map = window.egms && window.egms.map;
      if (map && map.getLayer('%s')
          && map.queryRenderedFeatures({layers: ['%s']}).length > 0) {
        window.__benchFirstPoints = performance.now();
        return;
      }
    } catch (error) { /* the style is still loading */ }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
""" % (CIRCLE_LAYER, CIRCLE_LAYER)  # noqa: UP031 (JS braces)

SELECT_JS = """
async ([layerId, id]) => {
  egms.closePanel();
  await new Promise((r) => requestAnimationFrame(r));
  const t0 = performance.now();
  const drawn = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (document.body.dataset.chartPoints !== undefined) {
        observer.disconnect();
        resolve(performance.now());
      }
    });
    observer.observe(document.body, {attributes: true, attributeFilter: ['data-chart-points']});
  });
  egms.selectFeature(layerId, id);
  const t1 = await drawn;
  await new Promise((r) => requestAnimationFrame(r));
  const t2 = performance.now();
  const fetched = performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/ts/') && e.startTime >= t0);
  return {chart_ms: t1 - t0, frame_ms: t2 - t0, featureId: egms.state.featureId,
          points: Number(document.body.dataset.chartPoints), fetches: fetched.length,
          fetch_start_ms: fetched.length ? fetched[0].startTime - t0 : null,
          fetch_ms: fetched.length ? fetched[0].responseEnd - fetched[0].startTime : null,
          after_fetch_ms: fetched.length ? t1 - fetched[0].responseEnd : null,
          chunk_bytes: fetched.length ? fetched[0].encodedBodySize : null};
}
"""

CHUNK_JS = """
async ([layerId, id]) => {
  const layer = egms.manifest.layers.find((l) => l.id === layerId);
  const t0 = performance.now();
  const series = await egms.chunks.series(layer, id);
  return {ms: performance.now() - t0, values: series.values.length};
}
"""

MAP_FRAME_JS = """
async (count) => {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise((r) => { egms.map.once('render', r); egms.map.triggerRepaint(); });
    await new Promise((r) => requestAnimationFrame(r));
    times.push(performance.now() - t0);
  }
  return times;
}
"""

# one feature id in each of `count` chunks spread over the layer, never the same chunk twice
PICK_JS = """
(count) => {
  const layer = egms.manifest.layers[0];
  const size = layer.chunks.size;
  const ids = [];
  for (const unit of layer.units) {
    for (let c = Math.floor(unit.first_id / size);
         c <= Math.floor((unit.first_id + unit.points - 1) / size); c++) {
      const lo = Math.max(c * size, unit.first_id);
      const hi = Math.min((c + 1) * size, unit.first_id + unit.points);
      ids.push(Math.floor((lo + hi) / 2));
    }
  }
  const step = Math.max(1, Math.floor(ids.length / count));
  return {layer: layer.id, chunks: ids.length,
          ids: ids.filter((_, i) => i % step === 0).slice(0, count)};
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(site: Path, log: Path) -> Iterator[str]:
    port = _free_port()
    argv = [sys.executable, "-m", "tiler", "serve", str(site), "--port", str(port)]
    with open(log, "wb") as err:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"serve never answered: {log.read_text()}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _first_points(browser: Any, url: str) -> dict[str, float]:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.add_init_script(FIRST_POINTS_JS)
        page.goto(url)
        page.wait_for_function("() => window.__benchFirstPoints !== undefined")
        ready = page.evaluate("() => egms.ready.then(() => performance.now())")
        return {"first_points_ms": page.evaluate("() => window.__benchFirstPoints"),
                "ready_ms": ready}  # fmt: skip
    finally:
        context.close()


def _parts(results: list[dict[str, Any]]) -> dict[str, float | None]:
    """Medians of where a click's time goes: before the chunk request, the request, after it."""
    parts = {}
    for key in ("fetch_start_ms", "fetch_ms", "after_fetch_ms", "chunk_bytes"):
        values = [r[key] for r in results if r[key] is not None]
        parts[key] = statistics.median(values) if values else None
    parts["fetches"] = statistics.median(r["fetches"] for r in results)
    return parts


def _clicks(browser: Any, url: str, count: int) -> dict[str, Any]:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.evaluate("() => egms.ready.then(() => true)")
        picked = page.evaluate(PICK_JS, 2 * count)
        frames = page.evaluate(MAP_FRAME_JS, 5)
        loads = [page.evaluate(CHUNK_JS, [picked["layer"], i]) for i in picked["ids"][1::2]]
        results = []
        for feature_id in picked["ids"][::2]:
            result = page.evaluate(SELECT_JS, [picked["layer"], feature_id])
            if result["featureId"] != feature_id or not result["points"]:
                raise SystemExit(f"selection of {feature_id} did not chart: {result}")
            results.append(result)
        chart = [r["chart_ms"] for r in results]
        return {
            "clicks": len(results),
            "chunks_in_layer": picked["chunks"],
            "click_chart_ms": statistics.median(chart),
            "click_chart_ms_min": min(chart),
            "click_chart_ms_max": max(chart),
            "click_frame_ms": statistics.median(r["frame_ms"] for r in results),
            "click_parts_ms": _parts(results),
            "click_chart_ms_all": [round(v, 1) for v in chart],
            "chunk_load_ms": statistics.median(r["ms"] for r in loads),
            "chunk_loads": len(loads),
            "map_frame_ms": statistics.median(frames),
        }
    finally:
        context.close()


def measure_viewer(site: Path, work: Path, loads: int = 3, clicks: int = 20) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    work.mkdir(parents=True, exist_ok=True)
    with serving(site, work / "serve.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            firsts = [_first_points(browser, url) for _ in range(loads)]
            result = {
                "site": str(site),
                "loads": loads,
                "first_points_ms": statistics.median(f["first_points_ms"] for f in firsts),
                "first_points_ms_all": [round(f["first_points_ms"], 1) for f in firsts],
                "ready_ms": statistics.median(f["ready_ms"] for f in firsts),
            }
            result.update(_clicks(browser, url, clicks))
            result["chromium"] = browser.version
            result["viewport"] = f"{VIEWPORT['width']}x{VIEWPORT['height']}"
        finally:
            browser.close()
    return result
