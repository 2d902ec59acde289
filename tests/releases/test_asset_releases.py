"""An asset's mean series across releases: the same asset (one id in every layer) in the three
releases of the synthetic site, joined in the viewer; each offset the median over the common
dates of (earlier mean − later mean), computed here from the series chunks."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas
import numpy as np
import pytest
import shapely
from browser_support import PAGE_TIMEOUT_MS, Viewer, serving

from releases.releasedata import PERIODS
from tiler.synthetic import SampleOptions

pytestmark = pytest.mark.browser


def layer_id(period: tuple[int, int]) -> str:
    return f"l2b-{period[0]}-{period[1]}-asc"


@pytest.fixture(scope="module")
def asset_release_site(release_options: SampleOptions, release_site: Path) -> Path:
    """The three releases with their ground cut in 5 x 5 rectangles as assets."""
    from tiler import build

    manifest = json.loads((release_site / "data" / "manifest.json").read_text())
    west, south, east, north = manifest["layers"][0]["bounds"]
    xs, ys = np.linspace(west, east, 6), np.linspace(south, north, 6)
    squares = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(5) for j in range(5)]
    path = release_options.output.parent / "squares.geojson"
    frame = geopandas.GeoDataFrame({"name": [f"S{i:02d}" for i in range(25)]}, geometry=squares,
                                   crs="EPSG:4326")  # fmt: skip
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    out = release_options.output.parent / "asset-site"
    build([release_options.output], out, quiet=True, trend=False, assets=path, assets_id="name")
    return out


def mean_series(site: Path, layer: str, asset: int) -> dict[str, float] | None:
    manifest = json.loads((site / "data" / "manifest.json").read_text())
    entry = manifest["assets"]["layers"][layer]
    size = manifest["assets"]["series_size"]
    path = site / "data" / entry["series"].replace("{chunk}", str(asset // size))
    chunk = json.loads(gzip.decompress(path.read_bytes()))
    item = chunk["assets"][asset - chunk["first"]]
    if item is None:
        return None
    dates = chunk["dates"][item["dates"]]
    return {d: v for d, v in zip(dates, item["mean"], strict=True) if v is not None}


def expected_offsets(site: Path, asset: int) -> list[float]:
    """Each later release's shift: the median of (earlier, already shifted − later)."""
    series = [mean_series(site, layer_id(period), asset) for period in PERIODS]
    assert all(s is not None for s in series)
    offsets, before = [], series[0]
    for later in series[1:]:
        common = sorted(set(before) & set(later))
        offset = float(np.median([before[d] - later[d] for d in common]))
        offsets.append(offset)
        before = {d: v + offset for d, v in later.items()}
    return offsets


@pytest.fixture(scope="module")
def asset_release_url(
    asset_release_site: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with serving(asset_release_site, tmp_path_factory.mktemp("serve-asset-rel")) as url:
        yield url


def test_an_assets_mean_series_joined_across_releases(
    browser: Any, asset_release_url: str, asset_release_site: Path
) -> None:
    table = asset_release_site / "data" / "assets" / layer_id(PERIODS[0]) / "assets.csv"
    rows = [line.split(",") for line in table.read_text().splitlines()[1:]]
    asset = next(int(r[0]) for r in rows if int(r[5]) >= 5)  # points_ok
    offsets = expected_offsets(asset_release_site, asset)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    viewer = Viewer(page, asset_release_url)
    viewer.open(f"#layer={layer_id(PERIODS[0])}&asset={asset}")
    page.wait_for_function("() => !document.getElementById('asset-releases').hidden")
    page.check("#asset-releases-toggle")
    page.wait_for_function("() => document.getElementById('asset-releases').dataset.releases")
    assert viewer.js("() => document.getElementById('asset-releases').dataset.releases") == "3"
    notes: list[str] = viewer.js("() => [...document.querySelectorAll('#asset-releases-notes li')]"
                                 ".map((li) => li.textContent)")  # fmt: skip
    for period, offset, note in zip(PERIODS[1:], offsets, notes, strict=False):
        sign = "+" if offset >= 0 else "−"
        assert note.startswith(f"{period[0]}-{period[1]} shifted by {sign}{abs(offset):.1f} mm")
    assert notes[-1].startswith("velocity over ") and notes[-1].endswith("mm/yr")
    page.locator("#asset-releases").scroll_into_view_if_needed()
    page.locator("#asset-releases").screenshot(path="/tmp/releases-shots/asset-releases.png")
    viewer.assert_no_errors()
    context.close()
