"""Shared fixtures: the real EGMS samples and one site built from them per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    PAGE_TIMEOUT_MS,
    VIEWPORT,
    Viewer,
    serving,
)
from hypothesis import settings

from tiler.snapshot.capture import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "egms"
L2B_DESC = SAMPLES / "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip"
L2B_ASC = SAMPLES / "EGMS_L2b_117_0227_IW2_VV_2020_2024_1.zip"
L3_UP = SAMPLES / "EGMS_L3_E45N17_100km_U_2020_2024_1.zip"
L3_EAST = SAMPLES / "EGMS_L3_E45N17_100km_E_2020_2024_1.zip"
ALL_SAMPLES = (L2B_DESC, L2B_ASC, L3_UP, L3_EAST)
ASSETS = REPO / "tests" / "data" / "assets" / "ustica-assets.gpkg"  # UTM 33N, made by its script
# The builds of a test run share one cache of the offline basemap (tiler/basemap/cache.py), in
# build/ rather than the user's home; tests/basemap tiles it afresh.
os.environ.setdefault("EGMS_TILER_CACHE", str(REPO / "build" / "test-cache"))
# Time is measured by the benchmarks, not the tests: no example's run time fails a property
# test (hypothesis's default 200 ms deadline failed a first example on a loaded machine).
settings.register_profile("egms-tiler", deadline=None)
settings.load_profile("egms-tiler")


def a_year_earlier(header: list[str]) -> list[str]:
    """The header with each date column moved a year back (29 February to the 28th): a sample
    of 2020-2024 as an older release would date it."""
    return [f"{int(n[:4]) - 1}{'0228' if n[4:] == '0229' else n[4:]}" if n.isdigit() else n
            for n in header]  # fmt: skip


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built once from all four real samples with the Python API (read-only in tests),
    with the map through time (--epochs) as the demo."""
    from tiler import build

    out = tmp_path_factory.mktemp("site") / "out"
    build(list(ALL_SAMPLES), out, quiet=True, epochs=True)
    return out


@pytest.fixture(scope="session")
def packed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The click sample (CLICK_LAYER) built as a large layer is: its series packed
    (`--series-files packed`), its chunk index in blocks (of 8 chunks here, 1,024 in a real
    build: chunkindex.BLOCK_ROWS); and the single-file page; served by packed-series tests
    (read-only)."""
    from tiler import build

    out = tmp_path_factory.mktemp("packed") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tiler.layer.chunkindex.BLOCK_ROWS", 8)
        build([L2B_DESC], out, quiet=True, basemap="none", series_files="packed",
              single_file=True)  # fmt: skip
    return out


@pytest.fixture(scope="session")
def asset_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of the four samples with the bundled assets (`--assets`, ids from `name`)."""
    from tiler import build

    out = tmp_path_factory.mktemp("assets") / "out"
    build(list(ALL_SAMPLES), out, quiet=True, trend=False, assets=ASSETS, assets_id="name")
    return out


# --- the offline basemap, tiled once per area --------------------------------------------------

_BASEMAPS: dict[tuple[float, ...], Path] = {}
_BASEMAPS_LOCK = threading.Lock()


@pytest.fixture(scope="session")
def basemap_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("basemaps")


@contextmanager
def offline_basemap_reused(store: Path) -> Iterator[None]:
    """In-process builds tile the offline basemap (tippecanoe, ~2.5 s a build) once per area in
    the session; a later build of the same area gets a copy of those bytes (kept in `store`).
    The basemap code around it (area, manifest entry, reuse from a previous site, the thread
    making it ahead) runs as always. For tests whose subject is not the basemap: test_basemap.py
    and the determinism test do not use it. A fake tippecanoe (EGMS_TILER_TIPPECANOE) always
    runs."""
    from tiler.basemap import offline

    real = offline._tile_offline

    def tile_once(area: list[float], target: Path, scratch: Path) -> None:
        if os.environ.get("EGMS_TILER_TIPPECANOE"):
            real(area, target, scratch)
            return
        key = tuple(area)
        with _BASEMAPS_LOCK:
            if key not in _BASEMAPS:
                real(area, target, scratch)
                kept = store / f"{len(_BASEMAPS)}.pmtiles"
                shutil.copyfile(target, kept)
                _BASEMAPS[key] = kept
                return
        shutil.copyfile(_BASEMAPS[key], target)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(offline, "_tile_offline", tile_once)
        yield


@pytest.fixture
def reuse_offline_basemap(basemap_store: Path) -> Iterator[None]:
    """offline_basemap_reused for one test (modules use it through pytestmark)."""
    with offline_basemap_reused(basemap_store):
        yield


# --- real browser against the real server (used by every browser test) --------------------


@pytest.fixture(scope="session")
def site_url(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site served by the real CLI in a subprocess."""
    with serving(built_site, tmp_path_factory.mktemp("serve")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium; install it with "
            "`make system-deps` (apt-get install chromium). Playwright cannot download browsers."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def viewer(browser: Any, site_url: str) -> Iterator[Viewer]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    view = Viewer(page, site_url)
    page.on("console", lambda m: m.type == "error" and view.errors.append(console_text(m)))
    page.on("pageerror", lambda e: view.errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: cancelled_tile(r) or view.errors.append(
        f"request failed: {r.url} ({r.failure})"))  # fmt: skip
    page.on("response", lambda r: r.status >= 400 and view.errors.append(f"{r.status} {r.url}"))
    page.on("request", lambda r: view.requests.append(r.url))
    yield view
    context.close()


def cancelled_tile(request: Any) -> bool:
    """A tile request the page cancelled itself (MapLibre drops tiles a moved view no longer
    needs): routine, not an error. Other failures of the same requests still are."""
    return "ERR_ABORTED" in (request.failure or "") and request.url.endswith(".pmtiles")


def console_text(message: Any) -> str:
    """A console message with where it came from (a bare "Error" says little)."""
    where = message.location or {}
    return f"{message.text} [{where.get('url', '?')}:{where.get('lineNumber', '?')}]"


def lock_directory(path: Path) -> None:
    """Read-only even for root: the immutable attribute (chmod does not stop root)."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, f"cannot make {path} read-only: {done.stderr}"


def unlock_directory(path: Path) -> None:
    if os.geteuid() != 0:
        path.chmod(0o755)
    else:
        subprocess.run(["chattr", "-i", str(path)], check=True)
