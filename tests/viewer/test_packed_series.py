"""The viewer on a layer built as a large layer is (series packed, chunk index in blocks) served
by `egms-tiler serve`: the pack index is fetched once, each chunk with one Range request; an area
reads only the index blocks it meets, and its statistics equal the source CSV's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CLICK_LAYER, Viewer, isolated_point, manifest_layer, serving
from site_checks import assert_click_shows_series, assert_points_render
from test_viewer_analysis import points_inside
from test_viewer_areastats import (  # noqa: F401 (a fixture)
    SETTLED,
    assert_area_matches,
    desc_rows,
    open_area,
)

from tiler.layer.chunkindex import read_rows
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


def test_an_area_reads_only_the_index_blocks_it_meets(
    viewer: Viewer,
    packed_url: str,
    packed_site: Path,
    desc_rows: dict[str, dict[str, str]],  # noqa: F811 (the fixture)
) -> None:
    layer = manifest_layer(packed_site, CLICK_LAYER)
    index_path = packed_site / "data" / layer["index"]
    index = json.loads(index_path.read_text(encoding="utf-8"))
    assert len(index["blocks"]) >= 4
    fetched: list[str] = []
    viewer.page.on("request", lambda r: "/index/" in r.url and fetched.append(r.url))
    viewer.base = packed_url
    ring = open_area(viewer, packed_site, desc_rows)
    inside = points_inside(ring, desc_rows)
    assert len(inside) >= 100
    assert_area_matches(viewer.js(SETTLED), packed_site, desc_rows, inside, inside)
    west, south = (min(c[axis] for c in ring) for axis in (0, 1))
    east, north = (max(c[axis] for c in ring) for axis in (0, 1))
    meets = [number for number, w, s, e, n, _ in index["blocks"]
             if w <= east and e >= west and s <= north and n >= south]  # fmt: skip
    base = f"{packed_url}data/{layer['id']}/"
    assert sorted(fetched) == sorted(base + index["block_path"].format(block=b) for b in meets)
    assert 0 < len(meets) < len(index["blocks"])
    assert len(list(read_rows(index_path))) == sum(block[5] for block in index["blocks"])
    viewer.assert_no_errors()
