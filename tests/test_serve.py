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
import os
import select
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


# --- more of HTTP: several ranges, conditional requests on chunks -------------------------------


def multipart_parts(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """(Content-Range, bytes) of each part of a multipart/byteranges body."""
    boundary = content_type.split("boundary=", 1)[1].encode()
    parts = []
    for part in body.split(b"--" + boundary)[1:-1]:
        head, _, data = part.strip(b"\r\n").partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        parts.append((fields["Content-Range"], data))
    return parts


def test_several_ranges_are_answered_as_multipart(client: TestClient) -> None:
    r = client.get(PMTILES, headers={"Range": "bytes=0-9,20-29,-4"})
    assert r.status_code == 206
    assert r.headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert r.headers["content-length"] == str(len(r.content))
    assert multipart_parts(r.headers["content-type"], r.content) == [
        (f"bytes 0-9/{SIZE}", TILES[0:10]),
        (f"bytes 20-29/{SIZE}", TILES[20:30]),
        (f"bytes {SIZE - 4}-{SIZE - 1}/{SIZE}", TILES[-4:]),
    ]


def test_overlapping_ranges_become_one(client: TestClient) -> None:
    r = client.get(PMTILES, headers={"Range": "bytes=0-9,5-15"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 0-15/{SIZE}"
    assert r.content == TILES[:16]


@pytest.mark.parametrize("header", ["bytes=abc", "items=0-1", "bytes=9-2"])
def test_malformed_range_is_refused_or_ignored(client: TestClient, header: str) -> None:
    r = client.get(PMTILES, headers={"Range": header})
    assert r.status_code in (200, 400), (header, r.status_code)
    assert r.status_code == 400 or r.content == TILES


def test_chunk_revalidation_by_etag_and_date(client: TestClient) -> None:
    first = client.get(CHUNK_GZ)
    by_etag = client.get(CHUNK_GZ, headers={"If-None-Match": first.headers["etag"]})
    by_date = client.get(CHUNK_GZ, headers={"If-Modified-Since": first.headers["last-modified"]})
    changed = client.get(CHUNK_GZ, headers={"If-None-Match": '"another"'})
    assert (by_etag.status_code, by_date.status_code, changed.status_code) == (304, 304, 200)
    assert by_etag.content == b"" and changed.content == first.content
    assert by_etag.headers["etag"] == first.headers["etag"]


# --- more of the live server: hostile paths found by a fuzzer, concurrency, --open -------------

SEGMENTS = [
    "..", ".", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "%252e%252e", "%c0%ae%c0%ae", "..%00",
    "%2f", "%2F", "%5c", "\\", "..\\..", "%252f", "", "data", "secret", "up", "leak", "site",
    "etc", "passwd", "%00", "..;", "tiles-link.pmtiles", "l2a-2019-2023-asc", "%u002e%u002e",
]  # fmt: skip
MORE_HOSTILE = [
    "/%252e%252e/secret",
    "/%c0%ae%c0%ae/secret",
    "/..%00/secret",
    "/./../secret",
    "/data/..;/..;/secret",
    "/etc/passwd",
    "/up%2fsecret",
    "/up/%2e%2e/secret",
    "http://127.0.0.1/../secret",
    "/%2e%2e%5c%2e%2e%5csecret",
]
SERVED = {
    "/": b"<!doctype html>",
    "/index.html": b"<!doctype html>",
    "/tiles-link.pmtiles": TILES,
    PMTILES: TILES,
}


def assert_no_escape(live: Live, path: str) -> None:
    status, headers, body = live.get(path)
    assert SECRET not in body and b"root:" not in body, path
    if status == 307:  # a directory of the root without its slash: redirected, on this host
        assert headers["location"].startswith(f"http://127.0.0.1:{live.port}/"), headers
        return
    if status == 200:  # only files of the root; which one depends on how the path normalises
        assert any(body.startswith(prefix) for prefix in SERVED.values()) or body in (
            b"export const x = 1;\n",
            b'{"schema": 1, "layers": []}\n',
        ), (path, body[:100])
    else:
        assert status in (400, 404, 405), (path, status)


@pytest.mark.parametrize("path", MORE_HOSTILE)
def test_live_more_hostile_paths(live: Live, path: str) -> None:
    assert_no_escape(live, path)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=7), st.sampled_from(["/", "//"]))
def test_live_fuzzed_paths_never_escape(live: Live, segments: list[str], lead: str) -> None:
    assert_no_escape(live, lead + "/".join(segments))


def test_live_serves_while_a_client_stalls(live: Live) -> None:
    """A half-sent request (a slow or stuck client) does not hold up anyone else."""
    stalled = socket.create_connection(("127.0.0.1", live.port), timeout=10)
    try:
        stalled.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")  # no blank line: unfinished
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda _: live.get(PMTILES, {"Range": "bytes=1-8"}), range(48)))
        assert time.monotonic() - started < 10
        assert all(status == 206 and body == TILES[1:9] for status, _, body in results)
    finally:
        stalled.close()


def test_open_launches_the_browser_on_the_site(site: Path, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "fake-browser"
    fake.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    fake.chmod(0o755)
    argv = [sys.executable, "-m", "tiler", "serve", str(site), "--port", "0", "--open"]
    proc = subprocess.Popen(argv, cwd=REPO, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "BROWSER": str(fake)})  # fmt: skip
    assert proc.stderr is not None
    banner = proc.stderr.readline()
    server = Live(proc, int(banner.rsplit(":", 1)[1].split("/")[0]), banner.strip())
    try:
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text().strip() == f"http://127.0.0.1:{server.port}/"
    finally:
        code, err = stop_server(server)
    assert code == 0, err


def test_cli_port_taken_is_one_line(live: Live, site: Path) -> None:
    argv = [sys.executable, "-m", "tiler", "serve", str(site), "--port", str(live.port)]
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: port {live.port} on 127.0.0.1 is in use; pick another with --port\n"
    )
