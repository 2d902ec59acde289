"""`egms-tiler snapshot`: one view of a built site as a PNG (or PDF) for reports.

The site is served by `tiler.serve`'s app on a free loopback port in a thread; headless Chromium
(driven by Playwright, never downloaded: the system's browser) opens the view in embed mode
(map and chart, no toolbar), waits until the map is idle and, with `chart`, the selected point's
chart is drawn, and writes the page at exactly width × height.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import uvicorn

from tiler.errors import SnapshotError
from tiler.serve import bind, check_site, make_app, site_url
from tiler.snapshot.viewcheck import check_view

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 30_000
CHART_KEYS = ("pt", "sel")  # hash keys that open the chart panel
MAX_WORDS = 1000  # characters of a title or caption

JS_IDLE = "() => new Promise(r => { egms.map.once('idle', r); egms.map.triggerRepaint(); })"
JS_CHART = (
    "() => document.body.dataset.viewProblem !== undefined"
    " || document.getElementById('panel-pid')?.textContent"
    " && document.body.dataset.chartPoints !== undefined"
)
JS_SETTLED = "() => egms.analysis.settled().then(() => true)"  # sel, ref and area loaded
# what the view names in vain, or what the viewer left out of it
JS_PROBLEM = "() => document.body.dataset.viewProblem || egms.notice.parts.join('; ')"
JS_FRAME = "() => egms.frame.render()"  # the figure frame as the view ends, drawn now


def snapshot(
    site: Path, output: Path, view: str = "", width: int = 1200, height: int = 800,
    chart: bool = False, pdf: bool = False, chromium: Path | None = None,
    title: str = "", caption: str = "",
) -> Path:  # fmt: skip
    """Render `view` (a permalink hash or URL) of the site in `site` to `output`.

    The image is written whole or not at all: into a temporary file beside `output` (made
    first, so an unwritable place fails before Chromium starts), renamed at the end.
    """
    fragment = view_hash(view, chart, {"title": title, "caption": caption})
    with image_target(output) as target:
        check_site(site)
        check_view(site, view, width, height)
        executable = find_chromium(chromium)
        sync_playwright = load_playwright()
        with served(site) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(executable), args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(TIMEOUT_MS)
                open_view(page, url + fragment, chart)
                if pdf:
                    image = page.pdf(width=f"{width}px", height=f"{height}px",
                                     print_background=True, page_ranges="1")  # fmt: skip
                else:
                    image = page.screenshot()
            finally:
                browser.close()
        target.write_bytes(image)
    return output


@contextmanager
def image_target(output: Path) -> Iterator[Path]:
    """A new file beside `output` to write the image into; renamed to `output` on success."""
    refuse_special(output)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    except OSError as exc:
        raise SnapshotError(f"cannot write {output}: {write_failure(exc, output)}; "
                            "choose another -o") from None  # fmt: skip
    os.close(fd)
    target = Path(name)
    try:
        yield target
        os.chmod(target, 0o666 & ~current_umask())  # mkstemp's file is private
        os.replace(target, output)
    except OSError as exc:
        raise SnapshotError(f"cannot write {output}: {write_failure(exc, output)}; "
                            "choose another -o") from None  # fmt: skip
    finally:
        target.unlink(missing_ok=True)


def refuse_special(output: Path) -> None:
    """The image replaces `output`: only a regular file (or nothing) may be there."""
    try:
        mode = os.stat(output).st_mode
    except OSError:
        return  # nothing there (or no way there: the temporary file says which)
    if stat.S_ISDIR(mode):
        raise SnapshotError(f"{output} is a directory; give a file name such as map.png")
    if not stat.S_ISREG(mode):
        raise SnapshotError(f"{output} is not a regular file; choose another -o")


def write_failure(exc: OSError, output: Path) -> str:
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno == errno.ENOENT and not output.parent.is_dir():
        return f"no directory {output.parent}"
    if exc.errno == errno.ENOENT:  # /proc and the like: a directory that takes no new files
        return f"{output.parent} takes no new files ({reason})"
    return reason


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def find_chromium(chromium: Path | None) -> Path:
    path = chromium or CHROMIUM
    if not path.is_file():
        raise SnapshotError(
            f"Chromium not found at {path}; install it (Debian/Ubuntu: `sudo apt-get install "
            "chromium`, or `make system-deps`) or give its path with --chromium"
        )
    return path


def load_playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SnapshotError(
            "snapshot needs Playwright for Python: pip install 'playwright>=1.45' (no browser "
            "download needed: it drives the system Chromium)"
        ) from None
    return sync_playwright


def view_hash(view: str, chart: bool, words: dict[str, str] | None = None) -> str:
    """The URL fragment to open: `view`'s hash in embed mode; without `chart`, no panel; the
    figure's `words` (title, caption) given here replace the view's own."""
    params = [p for p in view.split("#", 1)[-1].split("&") if p]
    if chart and not any(p.split("=")[0] in CHART_KEYS for p in params):
        raise SnapshotError("--chart needs a view with a selected point (pt=ID in the hash)")
    if not chart:
        params = [p for p in params if p.split("=")[0] not in CHART_KEYS]
    given = {key: text for key, text in (words or {}).items() if text}
    for key, text in given.items():
        check_words(key, text)
    params = [p for p in params if p != "embed=1" and p.split("=")[0] not in given]
    params += [urlencode({key: text}, quote_via=quote) for key, text in given.items()]
    return "#" + "&".join([*params, "embed=1"])


def check_words(option: str, text: str) -> None:
    """A title or caption is one line of printable text."""
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in text):
        raise SnapshotError(f"--{option} holds a control character; give plain text on one line")
    if len(text) > MAX_WORDS:
        raise SnapshotError(f"--{option} is {len(text):,} characters long; at most {MAX_WORDS:,}")


def open_view(page: Any, url: str, chart: bool) -> None:
    """Load the view and wait until everything it shows is drawn; a `SnapshotError` when the
    viewer could not resolve something the view names."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.goto(url)
        page.wait_for_function("() => window.egms !== undefined")
        page.evaluate("() => egms.ready.then(() => true)")
        page.evaluate(JS_SETTLED)
        page.evaluate(JS_IDLE)
        if chart:
            page.wait_for_function(JS_CHART)
            page.evaluate(JS_IDLE)  # the panel's opening resized the map
        page.evaluate(JS_FRAME)
        page.evaluate(JS_IDLE)  # the key's height may have resized the map
        problem = page.evaluate(JS_PROBLEM)
    except PlaywrightError as exc:
        message = str(exc).splitlines()[0]
        raise SnapshotError(f"the view {url} did not finish drawing: {message}") from None
    if problem:
        raise SnapshotError(f"--view: {problem}")


@contextmanager
def served(site: Path) -> Iterator[str]:
    """The site served on a free loopback port in a thread; yields its URL."""
    app = make_app(site)
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield site_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
