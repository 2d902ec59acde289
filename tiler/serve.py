"""Local static server for a built site: starlette `StaticFiles` + uvicorn.

Starlette does the hard parts (HTTP Range with 206/416, ETag, If-Range, safe path lookup that
refuses `..` and symlinks leading out of the root). This module only adds what a PMTiles site
needs on top: explicit MIME types (`.pmtiles`, and `.gz` chunks served as plain bytes, never with
`Content-Encoding`), `Cache-Control: no-cache` on the files a rebuild changes in place, and a
socket bound up front so that a taken port becomes a one-line `ServeError`.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

from tiler.errors import ServeError, printable

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

# By suffix; anything else falls back to starlette's `mimetypes` guess. `.gz` is explicit because
# `mimetypes.guess_type("x.json.gz")` answers application/json (with encoding "gzip", which
# starlette drops), and the browser would then get gzip bytes labelled as JSON.
MEDIA_TYPES = {
    ".pmtiles": "application/vnd.pmtiles",
    ".json": "application/json",
    ".gz": "application/gzip",
    ".bin": "application/octet-stream",  # packed series chunks, read in ranges
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
}

# Files a rebuild replaces under the same name: the browser must revalidate them (ETag → 304).
NO_CACHE_NAMES = frozenset({"index.html", "manifest.json"})


class SiteFiles(StaticFiles):
    """`StaticFiles` with our MIME table and no-cache headers; lookup and Range stay starlette's."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        path = Path(full_path)
        headers = {"cache-control": "no-cache"} if path.name in NO_CACHE_NAMES else None
        response = FileResponse(
            path,
            status_code=status_code,
            headers=headers,
            media_type=MEDIA_TYPES.get(path.suffix.lower()),
            stat_result=stat_result,
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def check_site(root: Path) -> Path:
    """Return `root` resolved, or raise `ServeError` when it holds no built site."""
    if not (root / "index.html").is_file():
        raise ServeError(
            f"{root} is not a built site (no index.html); run `egms-tiler build` first"
        )
    return root.resolve()


def make_app(root: Path) -> Starlette:
    """The ASGI app serving `root` read-only (GET/HEAD), `index.html` for directories."""
    site = SiteFiles(directory=check_site(root), html=True, follow_symlink=False)
    return Starlette(routes=[Mount("/", app=site)])


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0 = any free port), or a one-line `ServeError`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is in use; pick another with --port") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"no permission to use port {port}; pick one above 1023") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}; check --host") from None


def _open_once_started(server: uvicorn.Server, url: str) -> None:
    """Open the browser once the server runs: Ctrl-C then stops it cleanly (before, uvicorn has
    not taken over the signal yet)."""
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.02)
    webbrowser.open(url)


def site_url(sock: socket.socket) -> str:
    """The http URL of a bound socket (IPv6 hosts in brackets)."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(
    root: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    open_browser: bool = False,
) -> None:
    """Serve the built site in `root` until Ctrl-C (which returns normally)."""
    app = make_app(root)
    sock = bind(host, port)
    url = site_url(sock)
    print(f"Serving {printable(str(root))} at {url} (Ctrl-C stops)", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    if open_browser:
        # a thread because console browsers (BROWSER=lynx) block until they quit
        threading.Thread(target=_open_once_started, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down gracefully, then re-raised SIGINT for us
    finally:
        sock.close()
