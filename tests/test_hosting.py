"""The site on a real static host: Debian's nginx with the documented config (examples/nginx.conf).

nginx runs as a subprocess on a free localhost port with a temporary prefix, serving the sample
site at `/` and under the sub-path `/reports/site-a/`; the example report (examples/report.html)
is served at `/reports/report.html`, next to the site its iframes show. The browser checks are
those every host must pass (site_checks.py); values are compared with the source CSV.
"""

from __future__ import annotations

import getpass
import gzip
import http.client
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CELL_LAYER,
    CIRCLE_LAYER,
    CLICK_LAYER,
    JS_IDLE,
    REPO,
    Viewer,
    drop_aborted,
    forgive_aborted_tiles,
    free_port,
    isolated_point,
    manifest_layer,
)
from site_checks import assert_click_shows_series, assert_points_render

from tiler.layer.seriespack import PackIndex, chunk_bytes

NGINX = Path("/usr/sbin/nginx")
EXAMPLES = REPO / "examples"
SUB_PATH = "/reports/site-a/"
START_SECONDS = 10

pytestmark = pytest.mark.browser


def nginx_conf(site: Path, port: int, prefix: Path) -> str:
    """A whole nginx.conf around the documented server block (examples/nginx.conf)."""
    server = (EXAMPLES / "nginx.conf").read_text(encoding="utf-8")
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    server = server.replace("/srv/egms/site", str(site))
    report = f"    location = /reports/report.html {{ alias {EXAMPLES}/report.html; }}\n}}\n"
    server = server.rstrip()[:-1] + report
    temp = "\n".join(
        f"    {name}_temp_path {prefix}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # root's workers would run as `nobody`, who cannot read pytest's private temp directories
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    return f"""{user}
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
{temp}
{server}
}}
"""


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail(f"nginx did not start on port {port}:\n{log.read_text() if log.exists() else ''}")


@contextmanager
def running_nginx(site: Path, prefix: Path) -> Iterator[str]:
    """`site` served by nginx (temporary files in `prefix`); yields its base URL."""
    if not NGINX.exists():
        pytest.fail(f"{NGINX} is missing: the hosting tests run Debian's nginx; install it "
                    "with `make system-deps` (apt-get install nginx)")  # fmt: skip
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_conf(site, port, prefix), encoding="utf-8")
    log = prefix / "error.log"
    argv = [str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", str(log), "-g", "daemon off;"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_for_port(port, process, log)
    yield f"http://127.0.0.1:{port}"
    process.send_signal(signal.SIGQUIT)  # graceful shutdown
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    assert "[emerg]" not in log.read_text(), log.read_text()


@pytest.fixture(scope="module")
def nginx(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site served by nginx; yields its base URL (http://127.0.0.1:PORT)."""
    with running_nginx(built_site, tmp_path_factory.mktemp("nginx")) as url:
        yield url


@pytest.fixture(scope="module")
def packed_nginx(packed_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site of packed series (conftest.packed_site) served by nginx."""
    with running_nginx(packed_site, tmp_path_factory.mktemp("nginx-packed")) as url:
        yield url


def get(base: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def click_point(built_site: Path) -> dict[str, Any]:
    return isolated_point(built_site, manifest_layer(built_site, CLICK_LAYER))


# --- HTTP: what the viewer relies on ------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/", SUB_PATH])
def test_tiles_are_served_in_ranges_uncompressed(nginx: str, built_site: Path, prefix: str) -> None:
    layer = manifest_layer(built_site, CLICK_LAYER)
    stored = (built_site / "data" / layer["tiles"]).read_bytes()
    path = f"{prefix}data/{layer['tiles']}"
    status, headers, body = get(nginx, path, {"Range": "bytes=0-126", "Accept-Encoding": "gzip"})
    assert status == 206, (status, body[:200])
    assert headers["content-range"] == f"bytes 0-126/{len(stored)}"
    assert headers["content-type"] == "application/vnd.pmtiles"
    assert "content-encoding" not in headers
    assert body == stored[:127]


@pytest.mark.parametrize("prefix", ["/", SUB_PATH])
def test_chunks_are_served_as_stored(nginx: str, built_site: Path, prefix: str) -> None:
    layer = manifest_layer(built_site, CLICK_LAYER)
    name = layer["chunks"]["path"].replace("{chunk}", "0")
    stored = (built_site / "data" / name).read_bytes()
    status, headers, body = get(nginx, f"{prefix}data/{name}", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert "content-encoding" not in headers
    assert body == stored
    assert json.loads(gzip.decompress(body))["layer"] == CLICK_LAYER
    again = get(nginx, f"{prefix}data/{name}", {"If-None-Match": headers["etag"]})
    assert again[0] == 304


@pytest.mark.parametrize("prefix", ["/", SUB_PATH])
def test_packed_chunks_are_served_in_ranges_as_stored(
    packed_nginx: str, packed_site: Path, prefix: str
) -> None:
    layer = manifest_layer(packed_site, CLICK_LAYER)
    pack = layer["chunks"]["pack"]
    index = PackIndex.decode((packed_site / "data" / pack["index"]).read_bytes())
    start, length = int(index.starts[7]), int(index.lengths[7])
    headers = {"Range": f"bytes={start}-{start + length - 1}", "Accept-Encoding": "gzip"}
    path = f"{prefix}data/{pack['path'].format(pack=0)}"
    status, answer, body = get(packed_nginx, path, headers)
    assert status == 206, (status, body[:200])
    assert "content-encoding" not in answer
    if prefix == "/":  # other origins (the sub-path's block adds no CORS, as for .pmtiles)
        assert "Content-Range" in answer["access-control-expose-headers"]
    assert body == chunk_bytes(packed_site / "data", layer["chunks"], 7)
    assert json.loads(gzip.decompress(body))["first_id"] == 7 * layer["chunks"]["size"]
    status, _, stored = get(packed_nginx, f"{prefix}data/{pack['index']}", headers={})
    assert status == 200 and stored == (packed_site / "data" / pack["index"]).read_bytes()


def test_other_origins_may_read_the_archives(nginx: str, built_site: Path) -> None:
    layer = manifest_layer(built_site, CLICK_LAYER)
    headers = {"Origin": "https://reports.example.org", "Range": "bytes=0-9"}
    status, answer, _ = get(nginx, f"/data/{layer['tiles']}", headers)
    assert status == 206
    assert answer["access-control-allow-origin"] == "*"
    assert "Content-Range" in answer["access-control-expose-headers"]


def test_rebuilt_files_are_revalidated(nginx: str) -> None:
    for path in ("/index.html", "/data/manifest.json"):
        status, headers, _ = get(nginx, path, {})
        assert status == 200 and headers["cache-control"] == "no-cache", path


# --- the viewer in a real browser ---------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/", SUB_PATH])
def test_viewer_through_nginx(
    viewer: Viewer, nginx: str, built_site: Path, click_point: dict[str, Any], prefix: str
) -> None:
    viewer.base = nginx + prefix
    assert_points_render(viewer)
    layer = manifest_layer(built_site, CLICK_LAYER)
    index = click_point["id"] // layer["chunks"]["size"]
    chunk = viewer.base + "data/" + layer["chunks"]["path"].replace("{chunk}", str(index))
    assert_click_shows_series(viewer, click_point, chunk)
    viewer.assert_no_errors()


def test_viewer_charts_a_packed_layer_through_nginx(
    viewer: Viewer, packed_nginx: str, packed_site: Path
) -> None:
    viewer.base = packed_nginx + SUB_PATH
    assert_points_render(viewer)
    point = isolated_point(packed_site, manifest_layer(packed_site, CLICK_LAYER))
    pack = manifest_layer(packed_site, CLICK_LAYER)["chunks"]["pack"]
    urls = [viewer.base + "data/" + pack[name] for name in ("index", "path")]
    assert_click_shows_series(viewer, point, [urls[0], urls[1].replace("{pack}", "0")])
    viewer.assert_no_errors()


def test_example_report_embeds_three_live_figures(viewer: Viewer, nginx: str) -> None:
    """Each iframe draws its points and its key (a colour bar with the layer's name)."""
    page = viewer.page
    aborted = forgive_aborted_tiles(viewer)  # lazy iframes moving into view cancel tiles
    page.goto(f"{nginx}/reports/report.html")
    frames = page.locator("iframe")
    assert frames.count() == 3
    for index in range(3):
        frames.nth(index).scroll_into_view_if_needed()  # the iframes load lazily
        frame = frames.nth(index).element_handle().content_frame()
        frame.wait_for_function("() => window.egms !== undefined")
        frame.evaluate("() => egms.ready.then(() => true)")
        assert frame.url.startswith(f"{nginx}{SUB_PATH}#") and "embed=1" in frame.url
        frame.evaluate(JS_IDLE)
        count = frame.evaluate(
            "ls => egms.map.queryRenderedFeatures({layers: ls.filter(l => egms.map.getLayer(l))})"
            ".length",
            [CIRCLE_LAYER, CELL_LAYER],  # an L3 figure at zoom 13.5: its 100 m cells
        )
        assert count > 0, frame.url
        assert frame.evaluate("() => document.body.classList.contains('embed')")
        frame.evaluate("() => egms.frame.render()")
        key = " ".join(frame.locator("#figure-key text").all_text_contents())
        assert "velocity (mm/yr)" in key and "EGMS " in key, key
        assert frame.locator("#figure-key .colour-bar").count() == (2 if "cmp=" in frame.url else 1)
    drop_aborted(viewer, aborted)
    viewer.assert_no_errors()
