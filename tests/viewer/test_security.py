"""Hostile data never runs as code: crafted pids, file names, titles and descriptions are shown
as text in a real browser, under the page's Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from badcorpus import l2_rows, write_rows
from browser_support import PAGE_TIMEOUT_MS, VIEWPORT, serving
from conftest import offline_basemap_reused

from tiler import build

pytestmark = pytest.mark.browser

HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=2</script>",
    "<svg/onload=window.__pwned=3>",
    "A" * 256,  # the longest pid a site carries (tiler/layer/processing_unit.py)
]
HOSTILE_FILE = "<img src=x onerror=window.__pwned=4>.csv"
TITLE = "<script>window.__pwned=5</script>"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory, basemap_store: Path) -> Path:
    rows = l2_rows(50)
    for index, pid in enumerate(HOSTILE, start=1):
        rows[index][0] = f'"{pid.replace(chr(34), chr(34) * 2)}"'
    folder = tmp_path_factory.mktemp("hostile")
    source = write_rows(folder / HOSTILE_FILE, rows)
    out = folder / "site"
    with offline_basemap_reused(basemap_store):
        build([source], out, quiet=True, title=TITLE, description=TITLE)
    return out


@pytest.fixture(scope="module")
def hostile_url(hostile_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(hostile_site, tmp_path_factory.mktemp("logs")) as url:
        yield url


def pid_ids(site: Path) -> dict[str, int]:
    import sitedata as sd

    entry = sd.manifest(site)["layers"][0]
    return {pid: feature_id for pid, (feature_id, _, _) in sd.series_by_pid(site, entry).items()}


def test_hostile_values_are_text_and_no_script_runs(
    browser: Any, hostile_url: str, hostile_site: Path
) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_url)
    page.wait_for_function("() => window.egms !== undefined")
    page.evaluate("() => window.egms.ready.then(() => true)")
    ids = pid_ids(hostile_site)
    layer = page.evaluate("() => egms.state.layerId")
    for pid in HOSTILE:
        page.evaluate("([l, i]) => egms.selectFeature(l, i)", [layer, ids[pid]])
        page.wait_for_function(
            "pid => document.getElementById('panel-pid').textContent === pid", arg=pid
        )
        panel_images = page.evaluate(
            "() => document.querySelectorAll('#panel img, #panel svg script').length"
        )
        assert panel_images == 0
    assert TITLE in page.title()
    assert page.evaluate("() => document.body.innerText").count(TITLE) >= 1
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
    context.close()
