"""Benchmark: click → chart with a layer's series loose against packed, clicks interleaved.

One layer built twice from the same burst (`--series-files loose` and `packed`), both served at
once (`egms-tiler serve`, or nginx with --nginx), one headless Chromium. The same points are
clicked in both sites in turn (the order swapped every pair), each in a chunk not fetched
before: a load that comes and goes on a shared machine slows both alike. Reports the median
click → chart of each and the median of the per-pair ratios (packed ÷ loose), with the
Resource Timing split of bench/viewer.py.

    python bench/series_ab.py --points 200000 --clicks 60
    python bench/series_ab.py --nginx
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from viewer import ARGS, CHROMIUM, PICK_JS, SELECT_JS, TIMEOUT_MS, VIEWPORT, _free_port, serving

REPO = Path(__file__).resolve().parents[1]
FORMS = ("loose", "packed")


def say(message: str) -> None:
    click.echo(f"[series-ab] {message}", err=True)


def build_sites(points: int, cache: Path) -> dict[str, Path]:
    bursts = cache / f"burst-{points}"
    if not any(bursts.glob("*.zip")):
        argv = [sys.executable, "-m", "tiler", "sample", "-o", str(bursts), "--level", "L2a",
                "--points", str(points), "--orbit", "asc", "--seed", "1", "-q"]  # fmt: skip
        subprocess.run(argv, check=True)
    sites = {}
    for form in FORMS:
        site = sites[form] = cache / f"site-{points}-{form}"
        if not (site / "index.html").is_file():
            argv = [sys.executable, "-m", "tiler", "build", str(bursts), "-o", str(site), "-q",
                    "--basemap", "none", "--series-files", form]  # fmt: skip
            subprocess.run(argv, check=True)
    return sites


NGINX_CONF = """
daemon off; pid {root}/nginx.pid; error_log {root}/error.log; worker_processes 1;
events {{ worker_connections 64; }}
http {{
  access_log off; client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp;
  fastcgi_temp_path {root}/tmp; uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  types {{ text/html html; application/javascript js mjs; text/css css;
          application/json json; application/octet-stream bin gz pmtiles; }}
  server {{ listen 127.0.0.1:{port}; root {site}; add_header Cache-Control no-cache; }}
}}
"""


@contextmanager
def nginx_serving(site: Path, work: Path) -> Iterator[str]:
    """nginx (Debian's) serving `site` on a free port, as a static host would."""
    if shutil.which("nginx") is None:
        raise SystemExit("nginx is not installed (apt-get install -y nginx)")
    root = work / f"nginx-{site.name}"
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, port=port, site=site))
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(root)])
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


def hosted(site: Path, nginx: bool, cache: Path) -> Any:
    return nginx_serving(site, cache) if nginx else serving(site, cache / f"{site.name}.log")


def open_site(browser: Any, url: str) -> Any:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.evaluate("() => egms.ready.then(() => true)")
    return page


def select(page: Any, layer: str, feature_id: int) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(SELECT_JS, [layer, feature_id])
    if result["featureId"] != feature_id or not result["points"]:
        raise SystemExit(f"selection of {feature_id} did not chart: {result}")
    return result


def interleaved(urls: dict[str, str], clicks: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            pages = {form: open_site(browser, url) for form, url in urls.items()}
            picked = pages["loose"].evaluate(PICK_JS, clicks)
            results: dict[str, list[dict[str, Any]]] = {form: [] for form in FORMS}
            for number, feature_id in enumerate(picked["ids"]):
                order = FORMS if number % 2 == 0 else FORMS[::-1]
                for form in order:
                    results[form].append(select(pages[form], picked["layer"], feature_id))
        finally:
            browser.close()
    return summary(results, picked["chunks"])


def summary(results: dict[str, list[dict[str, Any]]], chunks: int) -> dict[str, Any]:
    def median(form: str, key: str) -> float | None:
        values = [r[key] for r in results[form] if r[key] is not None]
        return round(statistics.median(values), 2) if values else None

    ratios = [p["chart_ms"] / q["chart_ms"]
              for p, q in zip(results["packed"], results["loose"], strict=True)]  # fmt: skip
    out: dict[str, Any] = {"clicks": len(ratios), "chunks_in_layer": chunks}
    for form in FORMS:
        keys = ("chart_ms", "fetch_start_ms", "fetch_ms", "after_fetch_ms", "chunk_bytes")
        out[form] = {key: median(form, key) for key in keys}
    out["packed_over_loose"] = round(out["packed"]["chart_ms"] / out["loose"]["chart_ms"], 3)
    out["median_pair_ratio"] = round(statistics.median(ratios), 3)
    return out


@click.command()
@click.option("--points", type=click.IntRange(min=1000), default=200_000, show_default=True)
@click.option("--clicks", type=click.IntRange(min=2), default=60, show_default=True)
@click.option("--nginx", is_flag=True, help="Serve with nginx instead of `egms-tiler serve`.")
@click.option("--cache", type=click.Path(path_type=Path), default=REPO / "build" / "series-ab",
              show_default=True)  # fmt: skip
def main(points: int, clicks: int, nginx: bool, cache: Path) -> None:
    sites = build_sites(points, cache)
    with (
        hosted(sites["loose"], nginx, cache) as loose,
        hosted(sites["packed"], nginx, cache) as packed,
    ):
        say(f"{clicks} clicks in turn, {'nginx' if nginx else 'egms-tiler serve'}")
        result = interleaved({"loose": loose, "packed": packed}, clicks)
    result["server"] = "nginx" if nginx else "egms-tiler serve"
    click.echo(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
