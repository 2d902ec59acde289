"""Choosing the maximum zoom before tiling, the per-zoom runs and their fallback."""

from __future__ import annotations

import gzip
import json
import math
import shutil
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import numpy as np
import pyarrow as pa
import pytest
import sitedata as sd
from conftest import L2B_ASC, L3_EAST, L3_UP
from hypothesis import given, settings
from hypothesis import strategies as st
from pmtiles.reader import MmapSource, all_tiles
from pyproj import Transformer

from tiler.tiles import balance, grid, regioninputs, runs, sampling, tippecanoe, zoomchoice
from tiler.tiles.features import FeatureFiles
from tiler.tiles.grid import world_xy
from tiler.tiles.runs import Pyramid, tile_layer
from tiler.tiles.zoomchoice import density_zoom, guessed_zoom, point_max_zoom

coordinates = st.lists(
    st.tuples(st.floats(-179.9, 179.9), st.floats(-80, 80)), min_size=2, max_size=300
)


def lonlat(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    array = np.array(points, dtype=np.float64)
    return array[:, 0], array[:, 1]


@settings(max_examples=50, deadline=None)
@given(coordinates, st.integers(min_value=1, max_value=50))
def test_density_zoom_is_the_first_zoom_under_the_limit(
    points: list[tuple[float, float]], limit: int
) -> None:
    lon, lat = lonlat(points)
    zoom = density_zoom(lon, lat, limit)
    wx, wy = world_xy(lon, lat)

    def densest(z: int) -> int:
        keys = [(int(x) >> (32 - z), int(y) >> (32 - z)) for x, y in zip(wx, wy, strict=True)]
        return max(keys.count(k) for k in set(keys))

    if zoom < 18:
        assert densest(zoom) <= limit
    if 0 < zoom < 18:
        assert densest(zoom - 1) > limit


def features(points: list[tuple[float, float]], path: Path, pids: bool = False) -> Path:
    with open(path, "w") as out:
        for index, (lon, lat) in enumerate(points):
            geometry = {"type": "Point", "coordinates": [lon, lat]}
            properties = (
                {"pid": f"{index * 7919:010x}", "velocity": index % 97 / 10} if pids else {}
            )
            out.write(json.dumps({"type": "Feature", "id": index, "geometry": geometry,
                                  "properties": properties}) + "\n")  # fmt: skip
    return path


def sample_points(source: Path) -> list[tuple[float, float]]:
    return [(float(r["longitude"]), float(r["latitude"])) for r in sd.csv_rows(source)]


def test_guess_equals_tippecanoe_zg(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    sets = [
        sample_points(L2B_ASC),
        list(zip(rng.uniform(5, 6, 3000), rng.uniform(45, 46, 3000), strict=True)),
        list(zip(rng.normal(10, 0.001, 2000), rng.normal(50, 0.001, 2000), strict=True)),
    ]
    for number, points in enumerate(sets):
        out = tmp_path / f"{number}.pmtiles"
        options = tippecanoe.TileOptions(features(points, tmp_path / f"{number}.json"), out)
        tippecanoe.run(options)  # the documented recipe, -zg
        header = sd.pmtiles_header(out)
        lon, lat = lonlat(points)
        assert guessed_zoom(lon, lat) == header["max_zoom"], number


def pyramid_of(source: Path, lon: np.ndarray, lat: np.ndarray, max_zoom: int) -> Pyramid:
    """The feature lines of `source` split into files by point as a layer build does."""
    keys = sampling.file_keys(lon, lat, np.arange(len(lon)))
    folder = source.with_name(f"{source.stem}-{max_zoom}")
    shutil.rmtree(folder, ignore_errors=True)
    store = FeatureFiles(folder)
    store.write(keys, pa.array(source.read_text().splitlines(keepends=True)), lon, lat)
    files = {divmod(key, sampling.BANDS): path for key, path in store.paths.items()}
    first_bands = sampling.zoom_bands(zoomchoice.densest_per_zoom(lon, lat, max_zoom))
    return Pyramid(files, max_zoom, first_bands)


@pytest.mark.slow
def test_a_failed_run_falls_back_to_the_documented_recipe(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    points = list(
        zip(rng.uniform(13.15, 13.2, 60_000), rng.uniform(38.69, 38.72, 60_000), strict=True)
    )
    source = features(points, tmp_path / "points.json", pids=True)
    lon, lat = lonlat(points)
    options = tippecanoe.TileOptions((), tmp_path / "out.pmtiles", string_attributes=())
    ran: list[str] = []
    too_low = pyramid_of(source, lon, lat, max_zoom=0)  # 60k points in one tile: over 500 KB
    assert tile_layer(options, too_low, lambda: ran.append("chunks")) == "documented"
    assert ran == ["chunks"]
    assert sd.pmtiles_header(options.output)["max_zoom"] >= 14

    fast = tippecanoe.TileOptions((), tmp_path / "fast.pmtiles", string_attributes=())
    zoom = point_max_zoom(lon, lat)
    assert zoom > guessed_zoom(lon, lat), "dense points: the density decides"
    assert tile_layer(fast, pyramid_of(source, lon, lat, zoom), lambda: None) == "fast"
    assert len(sd.features_at_zoom(fast.output, zoom)) == len(points)
    assert not list(tmp_path.glob("*-z*.pmtiles")), "the runs' archives are merged and removed"


def test_the_fallback_of_a_cell_layer_keeps_its_zooms_and_every_point_from_the_base_zoom(
    tmp_path: Path,
) -> None:
    """The documented recipe (-zg) would stop L3 tiles at the points' zoom: its fallback keeps
    the cell zoom, and every point from the base zoom (tippecanoe's -B) up."""
    rng = np.random.default_rng(7)
    points = list(zip(rng.uniform(13.1, 13.3, 500), rng.uniform(38.6, 38.8, 500), strict=True))
    source = features(points, tmp_path / "points.json", pids=True)
    lon, lat = lonlat(points)
    base = point_max_zoom(lon, lat)
    top = zoomchoice.tile_max_zoom("L3", base)
    assert base < top
    densest = zoomchoice.densest_per_zoom(lon, lat, base)
    layer = pyramid_of(source, lon, lat, base)
    layer = Pyramid(layer.files, top, sampling.zoom_bands(densest) + [0] * (top - base))
    assert runs._fallback_recipe(layer) != tippecanoe.POINT_RECIPE
    out = tmp_path / "fallback.pmtiles"
    recipe = runs._fallback_recipe(layer)
    tippecanoe.run(tippecanoe.TileOptions(source, out, recipe=recipe))
    assert sd.pmtiles_header(out)["max_zoom"] == top
    for zoom in range(base, top + 1):
        assert len(sd.ids_at_zoom(out, zoom)) == len(points), zoom
    assert len(sd.ids_at_zoom(out, base - 1)) < len(points)


def test_lower_zooms_keep_one_point_in_2_5_a_zoom_out_and_every_place(built_site: Path) -> None:
    for entry in sd.manifest(built_site)["layers"]:
        tiles = built_site / "data" / entry["id"] / "tiles.pmtiles"
        header = sd.pmtiles_header(tiles)
        top, points = header["max_zoom"], entry["points"]
        assert header["min_zoom"] == 0, "the place is visible from the whole-world view"
        everywhere = {
            (f["lonlat"].lng // 1, f["lonlat"].lat // 1) for f in sd.features_at_zoom(tiles, top)
        }
        chunks = list(sd.all_chunks(built_site, entry))
        lon, lat = (np.concatenate([c[axis] for c in chunks]) for axis in ("lon", "lat"))
        base = point_max_zoom(lon, lat)  # every point from here up (L3: below `top`)
        for zoom in range(base - 4, base):
            shown = sd.features_at_zoom(tiles, zoom)
            expected = points * 0.4 ** (base - zoom)
            assert abs(len(shown) - expected) < 4 * math.sqrt(expected) + 4**zoom, (
                entry["id"],
                zoom,
            )
        assert len(sd.features_at_zoom(tiles, 0)) >= 1
        assert everywhere


TO_LAEA = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)


def test_l3_tiles_hold_every_cell_centre_to_a_metre_from_the_points_zoom_up(
    built_site: Path,
) -> None:
    """The viewer draws L3 points as their 100 m cells (EPSG:3035) from the tiles' maximum
    zoom on: that zoom is deep enough for positions to a metre, and every zoom from the one the
    points' spacing gives (tippecanoe's -zg, as L2 layers get it) up holds every point."""
    for layer_id, sample in (("l3-2020-2024-up", L3_UP), ("l3-2020-2024-east", L3_EAST)):
        entry = sd.layer(built_site, layer_id)
        tiles = built_site / "data" / entry["tiles"]
        top = entry["maxzoom"]
        assert top == sd.pmtiles_header(tiles)["max_zoom"] >= 13, layer_id
        cells = {row["pid"]: (float(row["easting"]), float(row["northing"]))
                 for row in sd.csv_rows(sample)}  # fmt: skip
        lon, lat = TO_LONLAT.transform(*np.array(list(cells.values())).T)
        spacing = point_max_zoom(lon, lat)
        assert spacing < top, "the samples' 100 m spacing alone gives a shallower zoom"
        pids = {data["first_id"] + row: pid for data in sd.all_chunks(built_site, entry)
                for row, pid in enumerate(data["pid"])}  # fmt: skip
        for zoom in range(spacing, top + 1):
            found = sd.ids_at_zoom(tiles, zoom)
            assert sorted(pids[i] for i in found) == sorted(cells), (layer_id, zoom)
        assert len(sd.ids_at_zoom(tiles, spacing - 1)) < len(cells)
        for feature in sd.features_at_zoom(tiles, top):
            easting, northing = TO_LAEA.transform(feature["lonlat"].lng, feature["lonlat"].lat)
            want = cells[pids[feature["id"]]]
            error = math.hypot(easting - want[0], northing - want[1])
            assert error < 1, (layer_id, pids[feature["id"]], error)


def test_the_shared_run_shows_each_zoom_the_same_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = sample_points(L2B_ASC)
    source = features(points, tmp_path / "points.json", pids=True)
    lon, lat = lonlat(points)
    zoom = point_max_zoom(lon, lat)
    ids_per_zoom = []
    for shared_bytes in (0, runs.SHARED_RUN_BYTES):
        monkeypatch.setattr(runs, "SHARED_RUN_BYTES", shared_bytes)
        options = tippecanoe.TileOptions((), tmp_path / f"{shared_bytes}.pmtiles")
        pyramid_files = pyramid_of(source, lon, lat, zoom)
        ranges = runs.zoom_ranges(pyramid_files)
        assert len(ranges) == (zoom + 1 if shared_bytes == 0 else 2), ranges
        assert tile_layer(options, pyramid_files, lambda: None) == "fast"
        ids_per_zoom.append(
            [sorted(f["id"] for f in sd.features_at_zoom(options.output, z)) for z in range(zoom)]
        )
    alone, shared = ids_per_zoom
    assert shared == alone


def all_tiles_decoded(path: Path) -> dict[tuple[int, int, int], list[Any]]:
    """Every tile, its features (buffer copies included) as sorted (id, geometry, properties)."""
    found = {}
    with open(path, "rb") as stream:
        for tile, data in all_tiles(MmapSource(stream)):
            layers = mapbox_vector_tile.decode(gzip.decompress(data))
            found[tile] = sorted(
                (f["id"], tuple(f["geometry"]["coordinates"]),
                 json.dumps(f["properties"], sort_keys=True))
                for layer in layers.values() for f in layer["features"]
            )  # fmt: skip
    return found


def _near_buffer_edge(features: list[Any], rounding: int) -> set[int]:
    edges = (-BUFFER_UNITS, 4096 + BUFFER_UNITS)
    return {f[0] for f in features if any(abs(c - e) <= rounding for c in f[1] for e in edges)}


BUFFER_UNITS = 80  # tippecanoe's 5 pixels of 256, in units of a 4096 extent


def assert_same_tiles(found: dict, wanted: dict, rounding: int = 0) -> None:
    """The same tiles with the same features; coordinates may differ by `rounding` units.

    tippecanoe keeps a run's coordinates at its maximum zoom's precision: a zoom tiled in a run
    that goes deeper is rounded twice, so a point may sit 1 unit of 4096 away (~0.6 m at 14),
    and a buffer copy that close to the buffer's edge may be in one and not the other.
    """
    assert found.keys() == wanted.keys()
    for tile, features in found.items():
        edge = _near_buffer_edge(features, rounding) | _near_buffer_edge(wanted[tile], rounding)
        features = [f for f in features if f[0] not in edge]
        other = [f for f in wanted[tile] if f[0] not in edge]
        assert [(f[0], f[2]) for f in features] == [(f[0], f[2]) for f in other], tile
        moved = [abs(a - b) for f, g in zip(features, other, strict=True)
                 for a, b in zip(f[1], g[1], strict=True)]  # fmt: skip
        assert max(moved, default=0) <= rounding, tile


@pytest.mark.slow
def test_regions_write_the_tiles_of_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiled by region (as the big zooms of a large layer are), every tile is the same: with
    zooms 13 to 15 in region runs (the lower zooms' lines tagged), and with every zoom; the runs
    parts of dense regions and groups of sparse ones (tiler/tiles/balance.py)."""
    rng = np.random.default_rng(11)
    west = rng.uniform(12.99, 13.1, 20_000)  # across a z10 (and z11) tile edge (13.0078°)
    points = list(zip(west, rng.uniform(38.66, 38.75, 20_000), strict=True))
    source = features(points, tmp_path / "points.json", pids=True)
    lon, lat = lonlat(points)
    zoom = 15  # regions of zoom 11 tiles, and coarser ones along their edges
    thirteen = runs._size(pyramid_of(source, lon, lat, zoom).sources(13))
    monkeypatch.setattr(regioninputs, "LINES_AT_ONCE", 3_000)  # a file's lines in several blocks
    monkeypatch.setattr(balance, "TARGET_POINTS", 2_500)
    tiles, reports = [], []
    cuts = {1 << 40: [(15, 15), (0, 14)], thirteen: [(13, 15), (0, 12)], 0: [(0, 15)]}
    for region_bytes, ranges in cuts.items():
        monkeypatch.setattr(runs, "REGION_RUN_BYTES", region_bytes)
        options = tippecanoe.TileOptions((), tmp_path / f"{region_bytes}.pmtiles")
        layer = pyramid_of(source, lon, lat, zoom)
        assert runs.zoom_ranges(layer) == ranges
        assert tile_layer(options, layer, lambda: None, reports.append) == "fast"
        tiles.append(all_tiles_decoded(options.output))
    alone, by_region, all_by_region = tiles
    assert [int(line.split()[1]) for line in reports] == [2, 8, 7], reports  # 2,500 points a run
    assert_same_tiles(by_region, alone, rounding=1)
    assert_same_tiles(all_by_region, alone, rounding=1)
    deep = {tile: features for tile, features in all_by_region.items() if tile[0] >= 13}
    assert_same_tiles({tile: by_region[tile] for tile in deep}, deep)
    deepest = [tile for tile in alone if tile[0] == 15]
    assert {tile: by_region[tile] for tile in deepest} == {tile: alone[tile] for tile in deepest}
    assert len(alone) > 150
    wx, wy = world_xy(lon, lat)
    keys = grid.memberships(wx, wy, zoom, grid.regions(grid.level_for(zoom)))[1]
    levels = {grid.region_tile(key)[0] for key in keys}
    top = grid.level_for(zoom)
    assert top in levels and min(levels) < top, "the deepest regions, coarser along their edges"
    assert not list(tmp_path.rglob("*-regions")), "the regions' inputs are removed"
