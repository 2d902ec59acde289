"""The viewer on a layer of packed series (`build --series-files packed`) served by
`egms-tiler serve`: the pack index is fetched once, each chunk with one Range request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CLICK_LAYER, Viewer, isolated_point, manifest_layer, serving
from site_checks import assert_click_shows_series, assert_points_render

from tiler.layer.seriespack import PackIndex

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def packed_url(packed_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(packed_site, tmp_path_factory.mktemp("serve-packed")) as url:
        yield url


def test_click_charts_a_point_read_with_one_range_request(
    viewer: Viewer, packed_url: str, packed_site: Path
) -> None:
    layer = manifest_layer(packed_site, CLICK_LAYER)
    pack = layer["chunks"]["pack"]
    point = isolated_point(packed_site, layer)
    ranges: list[str | None] = []
    viewer.page.on(
        "request", lambda r: "/ts/pack-0" in r.url and ranges.append(r.headers.get("range"))
    )
    viewer.base = packed_url
    assert_points_render(viewer)
    index_url, pack_url = (f"{packed_url}data/{pack[name]}" for name in ("index", "path"))
    assert_click_shows_series(viewer, point, [index_url, pack_url.replace("{pack}", "0")])
    index = PackIndex.decode((packed_site / "data" / pack["index"]).read_bytes())
    chunk = point["id"] // layer["chunks"]["size"]
    start, length = int(index.starts[chunk]), int(index.lengths[chunk])
    assert ranges == [f"bytes={start}-{start + length - 1}"]
    viewer.assert_no_errors()
