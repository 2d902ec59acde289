"""`build --single-file` and pages opened from disk (file://), in a real browser.

The single file is opened from file:// with no server running: it must draw the points and
chart a clicked point's exact CSV series, load nothing from disk or network, and keep a strict
CSP (a violation is a console error and fails the test).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CLICK_LAYER,
    PAGE_TIMEOUT_MS,
    VIEWPORT,
    Viewer,
    isolated_point,
    manifest_layer,
)
from click.testing import CliRunner
from conftest import ALL_SAMPLES
from site_checks import assert_click_shows_series, assert_points_render

from tiler.cli import main
from tiler.viewer import singlefile

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py


def build_single(site: Path) -> Any:
    """`egms-tiler build ALL_SAMPLES -o SITE --single-file` (layers reused: SITE has them)."""
    argv = ["build", *map(str, ALL_SAMPLES), "-o", str(site), "--single-file", "-q"]
    return CliRunner().invoke(main, argv)


@pytest.fixture(scope="module")
def single_site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site rebuilt by the CLI with --single-file (a copy: `built_site` is shared)."""
    out = tmp_path_factory.mktemp("single") / "site"
    shutil.copytree(built_site, out)
    result = build_single(out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def file_viewer(browser: Any) -> Iterator[Viewer]:
    """A page that records every request and console error (no base URL: set per test)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    view = Viewer(page, "")
    page.on("console", lambda m: m.type == "error" and view.errors.append(m.text))
    page.on("pageerror", lambda e: view.errors.append(f"uncaught: {e}"))
    page.on("request", lambda r: view.requests.append(r.url))
    yield view
    context.close()


def test_single_file_is_written_beside_the_site(single_site: Path) -> None:
    page = single_site / singlefile.NAME
    text = page.read_text(encoding="utf-8")
    assert (single_site / "index.html").is_file()
    assert 'src="assets/' not in text and 'href="assets/' not in text
    assert '<link rel="preload"' not in text and '<link rel="modulepreload"' not in text
    assert "'unsafe-inline'" not in text and "'unsafe-eval'" not in text
    assert page.stat().st_size < 1.4 * sum(
        p.stat().st_size for p in single_site.rglob("*") if p.is_file() and p != page
    )


@pytest.mark.browser
def test_single_file_from_disk_draws_points_and_charts_a_click(
    file_viewer: Viewer, single_site: Path
) -> None:
    point = isolated_point(single_site, manifest_layer(single_site, CLICK_LAYER))
    # a copy alone in an empty folder, like a saved e-mail attachment
    alone = single_site.parent / "attachment" / "egms map.html"
    alone.parent.mkdir(exist_ok=True)
    shutil.copy(single_site / singlefile.NAME, alone)
    file_viewer.base = alone.as_uri()
    assert_points_render(file_viewer)
    assert_click_shows_series(file_viewer, point)
    fetched = [url for url in file_viewer.requests if not url.startswith(("data:", "blob:"))]
    assert fetched == [alone.as_uri()], fetched
    file_viewer.assert_no_errors()


@pytest.mark.browser
def test_index_from_disk_explains_how_to_view_offline(
    file_viewer: Viewer, single_site: Path
) -> None:
    file_viewer.page.goto((single_site / "index.html").as_uri())
    message = file_viewer.page.locator("#offline")
    message.wait_for(state="visible")
    text = message.text_content()
    assert "egms-tiler serve" in text and "--single-file" in text
    box = message.bounding_box()
    assert box["width"] >= VIEWPORT["width"] - 20 and box["height"] >= VIEWPORT["height"] - 20


@pytest.mark.browser
def test_offline_message_stays_hidden_over_http(viewer: Viewer) -> None:
    viewer.open()
    assert viewer.page.locator("#offline").is_hidden()
    viewer.assert_no_errors()


def test_too_much_data_is_refused_and_the_site_kept(
    single_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (single_site / singlefile.NAME).read_bytes()
    monkeypatch.setattr(singlefile, "LIMIT_BYTES", 1_000_000)
    result = build_single(single_site)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: --single-file: the site's data is "), lines[0]
    assert "more than the 976.6 KB one HTML file may hold" in lines[0]
    assert (single_site / singlefile.NAME).read_bytes() == before


@pytest.mark.browser
def test_single_file_of_packed_series_charts_a_click(
    file_viewer: Viewer, packed_site: Path
) -> None:
    """The page answers the packed series' Range requests from its own bytes."""
    point = isolated_point(packed_site, manifest_layer(packed_site, CLICK_LAYER))
    file_viewer.base = (packed_site / singlefile.NAME).as_uri()
    assert_points_render(file_viewer)
    assert_click_shows_series(file_viewer, point)
    fetched = [url for url in file_viewer.requests if not url.startswith(("data:", "blob:"))]
    assert fetched == [file_viewer.base], fetched
    file_viewer.assert_no_errors()
