"""A bad address opens a valid page that says, once, what it left out (real Chromium).

Unknown layer, out-of-range point, sel/ref naming points the site lacks, malformed values and
unknown keys: the page opens on the default layer, lists each part it ignored in one notice,
writes the address without them and never waits forever ("Reference: loading…"). A valid
address with every key shows no notice. `egms-tiler snapshot` refuses what the page left out.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import REPO, Viewer, default_layer

pytestmark = pytest.mark.browser

DESC, ASC = "l2b-2020-2024-desc", "l2b-2020-2024-asc"
BAD = (
    "#16/38.693645/13.153807&layer=nope&pt=999999&sel=" + DESC + ":5," + DESC + ":9999999"
    "&ref=" + ASC + ":888888&foo=bar&vmin=abc&cmap=nonsense&t0=yesterday"
)
GOOD = (
    "#16/38.693645/13.153807&layer=" + DESC + "&pt=7&cmap=roma&color=velocity&vmin=-3&vmax=3"
    "&size=1.5&opacity=0.8&cmin=0.5&smax=1&units=1&cmp="
    + ASC
    + "&sel="
    + DESC
    + ":20,"
    + ASC
    + ":7&ref="
    + DESC
    + ":20&t0=2021-01-01&t1=2023-12-31&fit=lin,seas"
    "&title=Figure%201&caption=A%20caption"
)


def wait_settled(viewer: Viewer) -> None:
    viewer.js("() => egms.analysis.settled().then(() => true)")
    viewer.idle()


def test_a_bad_address_opens_a_valid_page_and_says_what_it_left_out(
    viewer: Viewer, built_site: Path
) -> None:
    viewer.open(BAD)
    wait_settled(viewer)
    viewer.page.wait_for_function("() => egms.notice.parts.length >= 8")
    parts = viewer.js("() => egms.notice.parts")
    default = default_layer(built_site)["id"]
    want = [
        f"layer=nope (no such layer; showing {default})",
        f"pt=999999 ({default} has points 0 to {default_layer(built_site)['points'] - 1})",
        "foo=bar (not a key of this viewer)",
        "vmin=abc (not a valid value)",
        "cmap=nonsense (not a valid value)",
        "t0=yesterday (not a valid value)",
        f"sel={DESC}:9999999 ({DESC} has no point 9999999)",
        f"ref={ASC}:888888 ({ASC} has no point 888888)",
    ]
    assert sorted(parts) == sorted(want)
    assert viewer.page.locator("#url-notice").is_visible()
    hash_ = viewer.js("() => location.hash")
    assert hash_ == f"#16.00/38.693645/13.153807&layer={default}&sel={DESC}:5"
    assert viewer.js("() => egms.state.layerId") == default
    assert "loading" not in (viewer.page.text_content("#ref-text") or "").lower()
    viewer.page.click("#url-notice-close")
    assert viewer.page.locator("#url-notice").is_hidden()


def test_a_valid_address_with_every_key_shows_no_notice(viewer: Viewer) -> None:
    viewer.open(GOOD)
    wait_settled(viewer)
    viewer.page.wait_for_function("() => document.body.dataset.chartSeries === '3'")
    assert viewer.js("() => egms.notice.parts") == []
    assert viewer.page.locator("#url-notice").is_hidden()
    kept = viewer.js("() => location.hash")
    for part in (
        "pt=7",
        "cmap=roma",
        "cmp=" + ASC,
        "ref=" + DESC + ":20",
        "title=Figure",
        "fit=lin,seas",
    ):
        assert part in kept, (part, kept)
    viewer.assert_no_errors()


def test_snapshot_refuses_what_the_viewer_left_out(built_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    argv = [sys.executable, "-m", "tiler", "snapshot", str(built_site), "-o", str(out),
            "--view", f"#15/38.7/13.17&layer={DESC}&colour=vik"]  # fmt: skip
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: --view: colour=vik (not a key of this viewer)"
    ]
    assert not out.exists()
