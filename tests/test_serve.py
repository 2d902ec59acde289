"""The local server: Range, MIME types, no compression, safe paths, clear start-up errors.

Most tests run the app in-process through starlette's TestClient. httpx normalises URLs
(`/../x` → `/x`, `//etc/passwd` → host `etc`), so hostile paths are also sent byte for byte with
`http.client` to a real server started in a subprocess.
"""

from __future__ import annotations

import gzip
import http.client
import inspect
import json
import select
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from tiler.errors import ServeError, TilerError
from tiler.serve import make_app, serve

with warnings.catch_warnings():
    # starlette 1.x warns (on import) that its TestClient prefers `httpx2`; httpx works the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

REPO = Path(__file__).resolve().parents[1]
TILES = bytes(range(256)) * 4  # 1024 bytes, every offset's value is known
SIZE = len(TILES)
SECRET = b"TOP-SECRET-do-not-serve-7f3a"
CHUNK = {"layer": "l2a-2019-2023-asc", "first_id": 0, "d": [[0, -12, None]]}


def make_site(tmp_path: Path) -> Path:
    """A small built site, with `secret` beside it and symlinks that lead out of it."""
    root = tmp_path / "site"
    layer = root / "data" / "l2a-2019-2023-asc"
    (layer / "ts").mkdir(parents=True)
    (root / "assets").mkdir()
    (root / "index.html").write_text("<!doctype html><title>egms</title>\n")
    (root / "assets" / "app.js").write_text("export const x = 1;\n")
    (root / "data" / "manifest.json").write_text('{"schema": 1, "layers": []}\n')
    (layer / "tiles.pmtiles").write_bytes(TILES)
    (layer / "ts" / "0.json.gz").write_bytes(gzip.compress(json.dumps(CHUNK).encode()))
    (tmp_path / "secret").write_bytes(SECRET)
    (root / "data" / "leak").symlink_to(tmp_path / "secret")
    (root / "up").symlink_to(tmp_path, target_is_directory=True)
    (root / "tiles-link.pmtiles").symlink_to(layer / "tiles.pmtiles")
    return root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path)


@pytest.fixture
def client(site: Path) -> TestClient:
    return TestClient(make_app(site))


PMTILES = "/data/l2a-2019-2023-asc/tiles.pmtiles"
CHUNK_GZ = "/data/l2a-2019-2023-asc/ts/0.json.gz"


# --- HTTP Range ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=-5", SIZE - 5, SIZE - 1),
        ("bytes=5-", 5, SIZE - 1),
        ("bytes=0-0", 0, 0),
        ("bytes=1000-5000", 1000, SIZE - 1),  # end past the file is clipped, not refused
    ],
)
def test_range_returns_exactly_the_requested_bytes(
    client: TestClient, header: str, first: int, last: int
) -> None:
    r = client.get(PMTILES, headers={"Range": header})
    assert r.status_code == 206, (header, r.status_code, r.text)
    assert r.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert r.headers["content-length"] == str(last - first + 1)
    assert r.content == TILES[first : last + 1]
    assert r.headers["content-type"] == "application/vnd.pmtiles"


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}"])
def test_unsatisfiable_range_is_416_with_the_size(client: TestClient, header: str) -> None:
    r = client.get(PMTILES, headers={"Range": header})
    assert r.status_code == 416, r.text
    assert r.headers["content-range"] == f"bytes */{SIZE}"


def test_full_get_advertises_ranges(client: TestClient) -> None:
    r = client.get(PMTILES)
    assert r.status_code == 200
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-length"] == str(SIZE)
    assert r.content == TILES


def test_head_sends_headers_only(client: TestClient) -> None:
    r = client.head(PMTILES)
    assert r.status_code == 200
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-length"] == str(SIZE)
    assert r.headers["content-type"] == "application/vnd.pmtiles"
    assert r.content == b""


def test_head_with_range(client: TestClient) -> None:
    r = client.head(PMTILES, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 10-19/{SIZE}"
    assert r.content == b""


def test_if_range_with_stale_etag_sends_the_whole_file(client: TestClient) -> None:
    r = client.get(PMTILES, headers={"Range": "bytes=10-19", "If-Range": '"stale"'})
    assert r.status_code == 200
    assert r.content == TILES


def test_writes_are_refused(client: TestClient) -> None:
    r = client.post(PMTILES, content=b"x")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"


# --- MIME types, compression, caching -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        (PMTILES, "application/vnd.pmtiles"),
        ("/data/manifest.json", "application/json"),
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        (CHUNK_GZ, "application/gzip"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_media_types(client: TestClient, path: str, media_type: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    assert r.headers["content-type"] == media_type


@pytest.mark.parametrize(
    "path", [PMTILES, "/data/manifest.json", "/assets/app.js", CHUNK_GZ, "/index.html"]
)
def test_never_compressed(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert r.status_code == 200
    assert "content-encoding" not in r.headers, dict(r.headers)


def test_gzip_chunk_is_served_as_its_stored_bytes(client: TestClient, site: Path) -> None:
    stored = (site / CHUNK_GZ.lstrip("/")).read_bytes()
    # Read the raw stream: httpx would inflate on its own if a Content-Encoding slipped in.
    with client.stream("GET", CHUNK_GZ, headers={"Accept-Encoding": "gzip"}) as r:
        body = b"".join(r.iter_raw())
    assert body == stored
    assert json.loads(gzip.decompress(body)) == CHUNK


@pytest.mark.parametrize("path", ["/", "/index.html", "/data/manifest.json"])
def test_rebuilt_in_place_files_are_revalidated(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["cache-control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"


def test_tiles_carry_no_cache_control(client: TestClient) -> None:
    assert "cache-control" not in client.get(PMTILES).headers


# --- safe paths ---------------------------------------------------------------------------------

# Sent byte for byte to the live server; the in-process client normalises some of them away.
HOSTILE_PATHS = [
    "/../secret",
    "/%2e%2e/secret",
    "/%2E%2E/secret",
    "/..%2fsecret",
    "/..%2Fsecret",
    "/%2e%2e%2fsecret",
    "/data/../../secret",
    "/data/%2e%2e/%2e%2e/secret",
    "/data%2f..%2f..%2fsecret",
    "/..\\secret",
    "/%5c..%5csecret",
    "/..%5csecret",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/data/leak",  # symlink inside root → file outside
    "/up/secret",  # symlink inside root → directory outside
    "/up/site/../secret",
    "/secret%00.json",
]


@pytest.mark.parametrize("path", [p for p in HOSTILE_PATHS if "/../" not in p and "//" not in p])
def test_paths_outside_root_are_404_in_process(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert SECRET not in r.content


def test_symlink_inside_root_to_a_file_inside_root_is_served(client: TestClient) -> None:
    r = client.get("/tiles-link.pmtiles")
    assert r.status_code == 200
    assert r.content == TILES


def test_directory_without_index_is_not_listed(client: TestClient) -> None:
    assert client.get("/data/").status_code == 404


# --- start-up errors and defaults ---------------------------------------------------------------


def test_not_a_built_site(tmp_path: Path) -> None:
    with pytest.raises(ServeError) as err:
        make_app(tmp_path)
    assert isinstance(err.value, TilerError)
    assert str(err.value) == (
        f"{tmp_path} is not a built site (no index.html); run `egms-tiler build` first"
    )


def test_missing_directory_is_not_a_built_site(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="is not a built site"):
        serve(tmp_path / "nope", port=0)


def test_binds_loopback_by_default() -> None:
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


# --- a real server in a subprocess --------------------------------------------------------------


@dataclass
class Live:
    proc: subprocess.Popen[str]
    port: int
    banner: str

    def get(self, raw_path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        """One request with `raw_path` exactly as written (no client-side normalisation)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest("GET", raw_path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            conn.endheaders()
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()


def start_server(root: Path) -> Live:
    """`serve(root, port=0)` in a subprocess; the port comes from the banner on stderr."""
    code = (
        "from pathlib import Path; from tiler.serve import serve; "
        f"serve(Path({str(root)!r}), port=0)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    ready, _, _ = select.select([proc.stderr], [], [], 20)
    banner = proc.stderr.readline() if ready else ""
    if not banner.startswith("Serving "):
        proc.kill()
        pytest.fail(f"server did not start: {banner}{proc.communicate(timeout=10)[1]}")
    port = int(banner.rsplit(":", 1)[1].split("/")[0])
    return Live(proc, port, banner.strip())


def stop_server(live: Live) -> tuple[int, str]:
    """Ctrl-C the server; its exit code and the rest of its stderr."""
    if live.proc.poll() is None:
        live.proc.send_signal(signal.SIGINT)
    try:
        _, err = live.proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        live.proc.kill()
        _, err = live.proc.communicate()
    return live.proc.returncode, err


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start_server(make_site(tmp_path_factory.mktemp("live")))
    yield server
    stop_server(server)


def test_live_banner_names_root_and_loopback_url(live: Live) -> None:
    assert live.banner.endswith(f" at http://127.0.0.1:{live.port}/ (Ctrl-C stops)"), live.banner


def test_live_range_request(live: Live) -> None:
    status, headers, body = live.get(PMTILES, {"Range": "bytes=10-19", "Accept-Encoding": "gzip"})
    assert status == 206, body
    assert headers["content-range"] == f"bytes 10-19/{SIZE}"
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-type"] == "application/vnd.pmtiles"
    assert "content-encoding" not in headers
    assert body == TILES[10:20]


def test_live_unsatisfiable_range(live: Live) -> None:
    status, headers, _ = live.get(PMTILES, {"Range": f"bytes={SIZE}-"})
    assert status == 416
    assert headers["content-range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_live_paths_outside_root_never_leak(live: Live, path: str) -> None:
    status, _, body = live.get(path)
    assert SECRET not in body, path
    assert status in (400, 404), (path, status, body[:200])


def test_live_port_taken(live: Live, site: Path) -> None:
    with pytest.raises(ServeError) as err:
        serve(site, port=live.port)
    assert str(err.value) == (f"port {live.port} on 127.0.0.1 is in use; pick another with --port")


def test_ctrl_c_stops_cleanly(site: Path) -> None:
    server = start_server(site)
    status, _, body = server.get("/")
    assert status == 200 and b"egms" in body
    code, err = stop_server(server)
    assert code == 0, err
    assert "Traceback" not in err, err
