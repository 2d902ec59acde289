"""Online basemaps in the viewer, against a local style and tile server the test starts and stops.

The site is built with `--basemap offline,osm=URL,aerial=URL` (the presets moved to the local
server): nothing is fetched from it until a basemap is chosen; the chosen one draws under the
points; `bm=` keeps it in the hash; once the server stops, the viewer falls back to the offline
map with a one-line note.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import mapbox_vector_tile
import pytest
from browser_support import PAGE_TIMEOUT_MS, VIEWPORT, serving
from conftest import L2B_ASC, L2B_DESC
from PIL import Image

OSM_FILL = (40, 160, 60)  # the local "OSM" style's one fill: every vector tile is covered by it
AERIAL = (200, 30, 200)  # the local "aerial" tiles: one colour


def vector_tile() -> bytes:
    """One MVT tile with a polygon over the whole tile in layer `landuse`."""
    square = "POLYGON ((-64 -64, 4160 -64, 4160 4160, -64 4160, -64 -64))"
    data = mapbox_vector_tile.encode(
        [{"name": "landuse", "features": [{"geometry": square, "properties": {"class": "grass"}}]}]
    )
    return gzip.compress(data)


def raster_tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), AERIAL).save(out, format="PNG")
    return out.getvalue()


class TileServer:
    """A style, vector tiles and raster tiles on 127.0.0.1, with the requests it answered."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                server.requests.append(self.path)
                body, kind, extra = server.answer(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Type", kind)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.pbf, self.png = vector_tile(), raster_tile()

    def style(self) -> dict[str, Any]:
        source = {"type": "vector", "maxzoom": 14,
                  "tiles": [f"{self.origin}/tiles/{{z}}/{{x}}/{{y}}.pbf"],
                  "attribution": "© OpenMapTiles © OpenStreetMap contributors"}  # fmt: skip
        fill = "rgb({}, {}, {})".format(*OSM_FILL)
        return {
            "version": 8,
            "sources": {"openmaptiles": source},
            "layers": [
                {"id": "background", "type": "background", "paint": {"background-color": "#eee"}},
                {"id": "landuse", "type": "fill", "source": "openmaptiles",
                 "source-layer": "landuse", "paint": {"fill-color": fill}},
            ],
        }  # fmt: skip

    def answer(self, path: str) -> tuple[bytes | None, str, dict[str, str]]:
        if path == "/styles/liberty":
            return json.dumps(self.style()).encode(), "application/json", {}
        if path.startswith("/tiles/") and path.endswith(".pbf"):
            return self.pbf, "application/x-protobuf", {"Content-Encoding": "gzip"}
        if path.startswith("/aerial/") and path.endswith(".png"):
            return self.png, "image/png", {}
        return None, "text/plain", {}

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    if server.thread.is_alive():
        server.stop()


@pytest.fixture(scope="module")
def online_site(tiles: TileServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tiler import build

    out = tmp_path_factory.mktemp("online") / "site"
    build([L2B_DESC, L2B_ASC], out, quiet=True,
          basemap=["offline", f"osm={tiles.origin}/styles/liberty",
                   f"aerial={tiles.origin}/aerial/{{z}}/{{y}}/{{x}}.png"])  # fmt: skip
    with serving(out, tmp_path_factory.mktemp("serve-online")) as url:
        yield url


@pytest.fixture
def page(browser: Any, online_site: str) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    yield page
    context.close()


IDLE = """() => Promise.race([
  window.egms.ready.then(() => new Promise((resolve) => {
    window.egms.map.once('idle', resolve); window.egms.map.triggerRepaint(); })),
  new Promise((_, reject) => setTimeout(() => reject(new Error('map not idle in 30 s')), 30000)),
])"""

# share of sampled canvas pixels (a grid, away from the points) that are `colour`, ±12 a channel
SHARE_OF = """([r, g, b]) => {
  const map = window.egms.map, source = map.getCanvas();
  const copy = document.createElement('canvas');
  [copy.width, copy.height] = [source.width, source.height];
  const ctx = copy.getContext('2d');
  ctx.drawImage(source, 0, 0);
  let hits = 0, all = 0;
  for (let x = 0.05; x < 0.3; x += 0.05) for (let y = 0.1; y < 0.9; y += 0.1) {
    const at = [Math.round(x * copy.width), Math.round(y * copy.height)];
    const [pr, pg, pb] = ctx.getImageData(...at, 1, 1).data;
    all += 1;
    if (Math.abs(pr - r) <= 12 && Math.abs(pg - g) <= 12 && Math.abs(pb - b) <= 12) hits += 1;
  }
  return hits / all;
}"""


def open_viewer(page: Any, url: str) -> None:
    page.goto(url)
    page.evaluate(IDLE)


def choose(page: Any, basemap: str) -> None:
    if page.locator("#legend-settings").is_hidden():
        page.click("#legend-settings-toggle")
    page.select_option("#basemap-select", basemap)
    page.wait_for_function("(id) => window.egms.basemaps.shown === id", arg=basemap)
    page.evaluate(IDLE)


def layer_ids(page: Any) -> list[str]:
    ids: list[str] = page.evaluate("window.egms.map.getStyle().layers.map((l) => l.id)")
    return ids


def open_on_the_default(page: Any, url: str, tiles: TileServer) -> None:
    """Open `url` with no request recorded yet; the page shows the default (offline) map."""
    tiles.requests.clear()
    open_viewer(page, url)
    assert page.evaluate("window.egms.basemaps.shown") == "offline"


def test_online_basemaps_are_fetched_when_chosen_and_draw_under_the_points(
    page: Any, online_site: str, tiles: TileServer
) -> None:
    open_on_the_default(page, online_site + "#14/38.705/13.175", tiles)
    assert page.evaluate("window.egms.basemaps.list.map((b) => b.id)") == [
        "offline", "osm", "aerial"]  # fmt: skip
    assert tiles.requests == [], "nothing is fetched from an online basemap not shown"
    assert page.evaluate(SHARE_OF, list(OSM_FILL)) == 0

    choose(page, "osm")
    assert "/styles/liberty" in tiles.requests
    assert any(path.startswith("/tiles/14/") for path in tiles.requests), tiles.requests
    assert page.evaluate(SHARE_OF, list(OSM_FILL)) > 0.5, "the OSM style draws (between the points)"
    drawn = page.evaluate(
        "window.egms.map.queryRenderedFeatures({layers: ['basemap:landuse']}).length"
    )
    assert drawn > 0
    ids = layer_ids(page)
    points = page.evaluate(
        "window.egms.map.getStyle().layers.findIndex((l) => l.type === 'circle')"
    )
    assert ids.index("basemap:landuse") < points, "the basemap is under the points"
    assert "bm=osm" in page.evaluate("location.hash")
    credits = page.inner_text(".maplibregl-ctrl-attrib")
    assert "© OpenStreetMap contributors" in credits

    choose(page, "aerial")
    assert any(path.startswith("/aerial/14/") for path in tiles.requests), tiles.requests
    assert page.evaluate(SHARE_OF, list(AERIAL)) > 0.5, "the aerial tiles draw (between the points)"
    assert "basemap:landuse" not in layer_ids(page), "the OSM layers are gone"
    assert "bm=aerial" in page.evaluate("location.hash")
    assert "EOX IT Services GmbH" in page.inner_text(".maplibregl-ctrl-attrib")

    choose(page, "offline")
    assert "bm=" not in page.evaluate("location.hash"), "the default is not written"
    assert page.evaluate(SHARE_OF, list(AERIAL)) == 0
    assert page.evaluate("window.egms.basemaps.note") == ""


def test_unknown_basemap_in_the_hash_opens_the_default_and_is_dropped(
    page: Any, online_site: str, tiles: TileServer
) -> None:
    open_on_the_default(page, online_site + "#14/38.705/13.175&bm=nonsense", tiles)
    assert "bm=" not in page.evaluate("location.hash")
    assert page.evaluate("window.egms.basemaps.note") == ""
    assert tiles.requests == []


def test_a_permalink_opens_on_its_online_basemap(page: Any, online_site: str) -> None:
    open_viewer(page, online_site + "#14/38.705/13.175&bm=aerial")
    assert page.evaluate("window.egms.basemaps.shown") == "aerial"
    assert page.evaluate(SHARE_OF, list(AERIAL)) > 0.5
    assert page.input_value("#basemap-select") == "aerial"


def test_the_compare_view_shows_and_follows_the_basemap(page: Any, online_site: str) -> None:
    open_viewer(page, online_site + "#14/38.705/13.175&bm=aerial")
    ids = "window.egms.manifest.layers.map((l) => l.id)"
    other = page.evaluate(f"{ids}.find((id) => id !== window.egms.state.layerId)")
    page.evaluate("(id) => window.egms.view.setCompare(id)", other)
    sources = "() => Object.keys(window.egms.view.compareMap.getStyle().sources)"
    page.wait_for_function(
        "() => window.egms.view.compareMap && window.egms.view.compareMap.loaded()"
    )
    assert "basemap" in page.evaluate(sources)
    kind = "window.egms.view.compareMap.getSource('basemap').type"
    assert page.evaluate(kind) == "raster", "the right half opens on the shown basemap"
    choose(page, "osm")
    assert "basemap-openmaptiles" in page.evaluate(sources), "and follows a switch"
    assert "basemap" not in page.evaluate(sources)


def test_when_the_server_stops_the_viewer_falls_back_with_a_note(
    page: Any, online_site: str, tiles: TileServer
) -> None:
    open_viewer(page, online_site + "#14/38.705/13.175&bm=osm")
    assert page.evaluate(SHARE_OF, list(OSM_FILL)) > 0.5
    tiles.stop()
    page.evaluate("window.egms.map.jumpTo({center: [13.3, 38.9], zoom: 12})")  # new tiles
    page.wait_for_function("() => window.egms.basemaps.shown === 'offline'")
    page.evaluate(IDLE)
    note = page.locator("#basemap-note")
    assert note.is_visible()
    text = page.evaluate("window.egms.basemaps.note")
    assert (
        text
        == "Basemap OpenStreetMap could not be reached (no connection); showing the offline map."
    )
    box = note.bounding_box()
    assert box is not None and box["height"] < 40, "one line"
    assert page.evaluate(SHARE_OF, list(OSM_FILL)) == 0
    assert "basemap:landuse" not in layer_ids(page)
    assert "bm=" not in page.evaluate("location.hash")
    assert page.locator(".basemap-note").count() == 1, "said once"

    # opened later while the server is down: the offline map at once, with the same note
    page.goto("about:blank")
    open_viewer(page, online_site + "#14/38.705/13.175&bm=osm")
    assert page.evaluate("window.egms.basemaps.shown") == "offline"
    assert "could not be reached" in page.locator("#basemap-note").inner_text()
