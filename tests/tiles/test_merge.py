"""Merging PMTiles archives with disjoint tile sets: tiles come back byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from pmtiles.reader import MmapSource, Reader, all_tiles

from tiler.errors import ToolError
from tiler.tiles.merge import Part, merge


def tiles_of(path: Path) -> dict[tuple[int, int, int], bytes]:
    with open(path, "rb") as stream:
        return {tuple(zxy): bytes(data) for zxy, data in all_tiles(MmapSource(stream))}


def metadata_of(path: Path) -> dict[str, object]:
    with open(path, "rb") as stream:
        return Reader(MmapSource(stream)).metadata()


@pytest.fixture(scope="module")
def layer_tiles(built_site: Path) -> Path:
    return sorted((built_site / "data").glob("*/tiles.pmtiles"))[0]


def test_an_archive_split_by_zoom_merges_back_to_the_same_tiles(
    layer_tiles: Path, tmp_path: Path
) -> None:
    low, high = tmp_path / "low.pmtiles", tmp_path / "high.pmtiles"
    metadata = metadata_of(layer_tiles)
    merge([Part(layer_tiles, lambda z, x, y: z < 9)], low, metadata)
    merge([Part(layer_tiles, lambda z, x, y: z >= 9)], high, metadata)
    whole = tmp_path / "whole.pmtiles"
    header = merge([Part(high), Part(low)], whole, metadata)

    original = tiles_of(layer_tiles)
    assert tiles_of(whole) == original
    assert set(tiles_of(low)) == {zxy for zxy in original if zxy[0] < 9}
    assert metadata_of(whole) == metadata
    assert (header["min_zoom"], header["max_zoom"]) == (
        min(z for z, _, _ in original),
        max(z for z, _, _ in original),
    )


def test_a_tile_in_two_parts_is_refused(layer_tiles: Path, tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="is in both"):
        merge([Part(layer_tiles), Part(layer_tiles)], tmp_path / "x.pmtiles", {})


def test_a_partition_by_column_keeps_every_tile_once(layer_tiles: Path, tmp_path: Path) -> None:
    def west(z: int, x: int, y: int) -> bool:
        return x < (1 << z) // 2 + (1 << z) // 16

    parts = [Part(layer_tiles, west), Part(layer_tiles, lambda z, x, y: not west(z, x, y))]
    merge(parts, tmp_path / "cols.pmtiles", {})
    assert tiles_of(tmp_path / "cols.pmtiles") == tiles_of(layer_tiles)
