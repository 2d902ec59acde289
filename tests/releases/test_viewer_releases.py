"""Series across releases in the real viewer (site/app/releasepanel.js): a point opened by
permalink, "Series across releases" turned on, the chart shows its three releases with the
offsets in words; a point missing from a release says so. Screenshots at three sizes."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PAGE_TIMEOUT_MS, Viewer, serving

from tiler.layer.seriespack import chunk_bytes

pytestmark = pytest.mark.browser

LAYER = "l2b-2019-2023-asc"
SIZES = ((390, 844), (1024, 768), (1440, 900))


@pytest.fixture(scope="module")
def release_url(release_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(release_site, tmp_path_factory.mktemp("serve-releases")) as url:
        yield url


def links(site: Path, other: str) -> list[int | None]:
    """The counterparts in `other` of the points of chunk 0 of LAYER."""
    path = site / "data" / LAYER / "releases" / other / "0.json.gz"
    ids: list[int | None] = json.loads(gzip.decompress(path.read_bytes()))["id"]
    return ids


def points(site: Path) -> tuple[int, int]:
    """A point with a counterpart in both other releases, and one missing from 2018-2022."""
    earlier, later = links(site, "l2b-2018-2022-asc"), links(site, "l2b-2020-2024-asc")
    both = next(i for i, (a, b) in enumerate(zip(earlier, later, strict=True)) if a is not None
                and b is not None)  # fmt: skip
    lost = next(i for i, (a, b) in enumerate(zip(earlier, later, strict=True)) if a is None
                and b is not None)  # fmt: skip
    return both, lost


def open_releases(browser: Any, url: str, size: tuple[int, int], point: int) -> Viewer:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    viewer = Viewer(page, url)
    page.on("pageerror", lambda e: viewer.errors.append(f"uncaught: {e}"))
    viewer.open(f"#layer={LAYER}&pt={point}")
    page.wait_for_function("() => !document.getElementById('releases').hidden")
    page.check("#releases-toggle")
    page.wait_for_function("() => document.getElementById('releases').dataset.releases")
    page.locator("#releases").scroll_into_view_if_needed()
    return viewer


def notes(viewer: Viewer) -> list[str]:
    texts: list[str] = viewer.js(
        "() => [...document.querySelectorAll('#releases-notes li')].map((li) => li.textContent)"
    )
    return texts


def legend(viewer: Viewer) -> list[str]:
    texts: list[str] = viewer.js(
        "() => [...document.querySelectorAll('#releases-chart .u-legend .u-series')]"
        ".filter((row) => !row.hidden).map((row) => row.querySelector('.u-label').textContent)"
    )
    return texts


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_three_releases_joined_with_their_offsets(
    browser: Any, release_url: str, release_site: Path, size: tuple[int, int], tmp_path: Path
) -> None:
    both, _ = points(release_site)
    viewer = open_releases(browser, release_url, size, both)
    assert viewer.js("() => document.getElementById('releases').dataset.releases") == "3"
    labels = legend(viewer)
    assert [label[:9] for label in labels[1:4]] == ["2018-2022", "2019-2023", "2020-2024"]
    texts = notes(viewer)
    assert texts[0].startswith("2019-2023 shifted by ") and "common dates" in texts[0]
    assert texts[1].startswith("2020-2024 shifted by ")
    assert texts[-1].startswith("velocity over 20") and texts[-1].endswith("mm/yr")
    box = viewer.page.locator("#releases").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= size[0] + 1
    viewer.page.locator("#releases").screenshot(path=str(shot(tmp_path, size)))
    viewer.assert_no_errors()
    viewer.page.context.close()


def test_a_point_missing_from_a_release_says_so(
    browser: Any, release_url: str, release_site: Path
) -> None:
    _, lost = points(release_site)
    viewer = open_releases(browser, release_url, SIZES[1], lost)
    assert viewer.js("() => document.getElementById('releases').dataset.releases") == "2"
    assert "no counterpart in 2018-2022" in notes(viewer)
    assert [label[:9] for label in legend(viewer)[1:3]] == ["2019-2023", "2020-2024"]
    viewer.assert_no_errors()
    viewer.page.context.close()


def test_packed_links_join_the_same_releases(
    browser: Any,
    release_url: str,
    release_site: Path,
    packed_release_site: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Link files packed for hosting (`--series-files packed`) are read from their packs and
    join the same releases, with the same offsets, as the loose files."""
    both, _ = points(release_site)
    layer = next(entry for entry in manifest(packed_release_site)["layers"] if entry["id"] == LAYER)
    assert all("pack" in link for link in layer["releases"]) and len(layer["releases"]) == 2
    for link in layer["releases"]:
        packed = json.loads(gzip.decompress(chunk_bytes(packed_release_site / "data", link, 0)))
        assert packed["id"] == links(release_site, link["layer"])
    loose = open_releases(browser, release_url, SIZES[1], both)
    expected = notes(loose), legend(loose)
    loose.page.context.close()
    with serving(packed_release_site, tmp_path_factory.mktemp("serve-packed-releases")) as url:
        viewer = open_releases(browser, url, SIZES[1], both)
        assert (notes(viewer), legend(viewer)) == expected
        fetched = viewer.js("() => performance.getEntriesByType('resource').map((e) => e.name)")
        viewer.assert_no_errors()
        viewer.page.context.close()
    for link in layer["releases"]:
        assert f"{url}data/{link['pack']['index']}" in fetched
        assert f"{url}data/{link['pack']['path'].format(pack=0)}" in fetched
    assert not any(name.endswith(".json.gz") and "/releases/" in name for name in fetched)


def manifest(site: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((site / "data" / "manifest.json").read_text("utf-8"))
    return document


def shot(tmp_path: Path, size: tuple[int, int]) -> Path:
    folder = Path("/tmp/releases-shots")
    folder.mkdir(exist_ok=True)
    return folder / f"releases-{size[0]}x{size[1]}.png"


def test_the_joined_series_is_kept_in_the_address(
    browser: Any, release_url: str, release_site: Path
) -> None:
    both, _ = points(release_site)
    viewer = open_releases(browser, release_url, SIZES[1], both)
    viewer.page.wait_for_function("() => location.hash.includes('rel=1')")
    hash_ = viewer.js("() => location.hash")
    viewer.page.context.close()
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    again = Viewer(page, release_url)
    again.open(hash_)
    page.wait_for_function("() => document.getElementById('releases').dataset.releases === '3'")
    assert page.is_checked("#releases-toggle")
    page.uncheck("#releases-toggle")
    page.wait_for_function("() => !location.hash.includes('rel=1')")
    again.assert_no_errors()
    context.close()
