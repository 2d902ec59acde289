"""The build on the real samples, read back independently: manifest, chunks, tiles, site files.

Values are checked against the source CSVs parsed with Python's csv module, not against the
reader under test.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
import sitedata as sd
from conftest import ALL_SAMPLES, L2B_ASC, L2B_DESC, L3_EAST, L3_UP
from pyproj import Transformer

from tiler import build
from tiler.errors import BuildError, InputError

EXPECTED = {
    "l2b-2020-2024-asc": (L2B_ASC, 11_759, 207),
    "l2b-2020-2024-desc": (L2B_DESC, 11_590, 210),
    "l3-2020-2024-east": (L3_EAST, 522, 304),
    "l3-2020-2024-up": (L3_UP, 522, 304),
}
LAEA_TO_LONLAT = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)
TILE_NUMBERS = {"velocity": "mean_velocity", "velocity_std": "mean_velocity_std"}
# a chunk's per-point attributes and the samples' (2020-2024) column of each
CHUNK_COLUMNS = {
    "velocity_std": "mean_velocity_std", "coherence": "temporal_coherence",
    "height": "height_ortho", "acceleration": "acceleration", "seasonality": "seasonality",
    "rmse": "rmse_ts", "incidence_angle": "incidence_angle", "track_angle": "track_angle",
}  # fmt: skip
L2_ONLY = {"coherence", "incidence_angle", "track_angle"}
# computed from the series, not read: checked in tests/layer/test_trendchange_build.py
TREND = {"break_date", "velocity_before", "velocity_before_std", "velocity_after",
         "velocity_after_std", "break_value", "residual_rho", "break_p", "accel_p"}  # fmt: skip


def iso(column: str) -> str:
    return f"{column[:4]}-{column[4:6]}-{column[6:]}"


def test_manifest_lists_one_layer_per_level_period_geometry(built_site: Path) -> None:
    document = sd.manifest(built_site)
    assert document["schema"] == 1
    assert document["generator"].startswith("egms-tiler ")
    assert "Copernicus" in document["attribution"]
    layers = {entry["id"]: entry for entry in document["layers"]}
    assert sorted(layers) == sorted(EXPECTED)
    for layer_id, (source, points, dates) in EXPECTED.items():
        entry = layers[layer_id]
        assert entry["points"] == points
        assert entry["dates"]["count"] == dates
        assert entry["units"] == [entry["units"][0]]
        assert entry["units"][0]["name"] == source.stem
        assert entry["units"][0]["first_id"] == 0
        assert entry["units"][0]["points"] == points
        assert entry["tiles"] == f"{layer_id}/tiles.pmtiles"
        assert entry["chunks"]["path"] == f"{layer_id}/ts/{{chunk}}.json.gz"
        p02, p98 = entry["velocity"]["p02"], entry["velocity"]["p98"]
        assert p02 < p98
    assert layers["l2b-2020-2024-desc"]["geometry"] == "desc"
    assert layers["l2b-2020-2024-asc"]["geometry"] == "asc"
    assert "coherence" not in layers["l3-2020-2024-up"]["attributes"]


@pytest.mark.parametrize("layer_id", sorted(EXPECTED))
def test_chunks_equal_the_csv_rows(built_site: Path, layer_id: str) -> None:
    source, points, _ = EXPECTED[layer_id]
    entry = sd.layer(built_site, layer_id)
    series = sd.series_by_pid(built_site, entry)
    rows = sd.csv_by_pid(source)
    assert set(series) == set(rows), "points lost or invented"
    assert len(series) == points
    ids = sorted(feature_id for feature_id, _, _ in series.values())
    assert ids == list(range(points)), "ids are not dense"
    for pid in random.Random(4).sample(sorted(rows), 150):
        _, dates, values = series[pid]
        columns = sd.date_columns(rows[pid])
        assert dates == [iso(c) for c in columns]
        assert [v / 10 for v in values] == [float(rows[pid][c]) for c in columns], pid


def test_chunks_are_small_on_the_wire(built_site: Path) -> None:
    sizes = [p.stat().st_size for p in (built_site / "data").rglob("*.json.gz")]
    assert max(sizes) <= 256 * 1024


def test_chunk_is_a_compact_patch_of_ground(built_site: Path) -> None:
    """Ids follow a space-filling curve: a chunk covers a small part of the burst."""
    entry = sd.layer(built_site, "l2b-2020-2024-desc")
    rows = sd.csv_by_pid(L2B_DESC)
    west, south, east, north = entry["bounds"]
    data = sd.chunk(built_site, entry, 10)
    lons = [float(rows[pid]["longitude"]) for pid in data["pid"]]
    lats = [float(rows[pid]["latitude"]) for pid in data["pid"]]
    area = (max(lons) - min(lons)) * (max(lats) - min(lats))
    assert area < 0.1 * (east - west) * (north - south)


@pytest.mark.parametrize("layer_id", sorted(EXPECTED))
def test_tiles_hold_every_point_once_at_max_zoom(built_site: Path, layer_id: str) -> None:
    source, points, _ = EXPECTED[layer_id]
    entry = sd.layer(built_site, layer_id)
    tiles = built_site / "data" / entry["tiles"]
    header = sd.pmtiles_header(tiles)
    assert (header["min_zoom"], header["max_zoom"]) == (entry["minzoom"], entry["maxzoom"])
    features = sd.features_at_zoom(tiles, entry["maxzoom"])
    assert sorted(f["id"] for f in features) == list(range(points))
    series = sd.series_by_pid(built_site, entry)
    rows = sd.csv_by_pid(source)
    for feature in features:
        props = feature["properties"]
        assert series[props["pid"]][0] == feature["id"], "tile id and chunk row disagree"
        row = rows[props["pid"]]
        for attribute, column in TILE_NUMBERS.items():
            assert props[attribute] == pytest.approx(float(row[column]), abs=1e-9)
        pixel = 360 / 2 ** entry["maxzoom"] / 4096  # tile coordinates are quantised
        assert feature["lonlat"].lng == pytest.approx(lon_of(row, source), abs=2 * pixel)


def lon_of(row: dict[str, str], source: Path) -> float:
    if "longitude" in row:
        return float(row["longitude"])
    return float(LAEA_TO_LONLAT.transform(float(row["easting"]), float(row["northing"]))[0])


def assert_header_bounds_contain(header: dict[str, Any], lonlat: Any) -> None:
    tolerance = 1e-6
    assert (
        header["min_lon_e7"] / 1e7 - tolerance
        <= lonlat.lng
        <= header["max_lon_e7"] / 1e7 + tolerance
    )
    assert (
        header["min_lat_e7"] / 1e7 - tolerance
        <= lonlat.lat
        <= header["max_lat_e7"] / 1e7 + tolerance
    )


def test_header_bounds_contain_every_csv_point(built_site: Path) -> None:
    entry = sd.layer(built_site, "l2b-2020-2024-asc")
    header = sd.pmtiles_header(built_site / "data" / entry["tiles"])
    for row in sd.csv_rows(L2B_ASC):
        lonlat = type("P", (), {"lng": float(row["longitude"]), "lat": float(row["latitude"])})
        assert_header_bounds_contain(header, lonlat)


def test_site_files_are_in_place(built_site: Path) -> None:
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html
    assets = sorted(p.name for p in (built_site / "assets").iterdir())
    assert [name.split("-")[0] for name in assets] == ["app", "vendor"]
    for name in assets:
        assert f"assets/{name}/" in html, "index.html must reference the hashed asset directory"
    assert not list(built_site.parent.glob(".*building*")), "staging directory left behind"
    assert not (built_site / ".work").exists()


def test_index_preloads_the_manifest_and_every_module_of_the_app(built_site: Path) -> None:
    html = (built_site / "index.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    app = next((built_site / "assets").glob("app-*"))
    assert sorted(Path(href).name for href in preloaded) == sorted(
        p.name for p in app.glob("*.js") if p.name not in ("offline.js", "embedded.js")
    )
    assert all((built_site / href).is_file() for href in preloaded)
    assert '<link rel="preload" href="data/manifest.json" as="fetch" crossorigin>' in html


# --- several units in one layer, missing values -------------------------------------------------


def write_subset(source: Path, target: Path, rows: range, blank: dict[int, list[str]]) -> None:
    """Rows `rows` of `source` as a plain CSV, with cells blanked per row index."""
    tokens = ["", "nan", "NaN", "NA"]
    with open(target, "w", encoding="utf-8", newline="") as out:
        for index, row in enumerate(sd.csv_rows(source)):
            if index == 0:
                out.write(",".join(row) + "\n")
            if index == rows.stop:
                break
            if index < rows.start:
                continue
            for k, column in enumerate(blank.get(index, [])):
                row[column] = tokens[k % len(tokens)]
            out.write(",".join(row.values()) + "\n")


def test_two_units_missing_values_and_chunk_boundaries(tmp_path: Path) -> None:
    first = tmp_path / "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.csv"
    second = tmp_path / "EGMS_L2b_022_0846_IW2_VV_2020_2024_1.csv"
    dates = sd.date_columns(next(sd.csv_rows(L2B_DESC)))
    write_subset(L2B_DESC, first, range(300), {5: [dates[0], dates[7], dates[8], dates[-1]]})
    write_subset(
        L2B_DESC, second, range(1000, 1040), {1000: ["mean_velocity", "temporal_coherence"]}
    )
    result = build([first, second], tmp_path / "out", quiet=True, chunk_size=64)
    entry = result.manifest["layers"][0]
    assert [(u["name"], u["first_id"], u["points"]) for u in entry["units"]] == [
        (first.stem, 0, 300),
        (second.stem, 320, 40),
    ]
    series = sd.series_by_pid(result.output, entry)
    blanked_pid = next(row["pid"] for i, row in enumerate(sd.csv_rows(first)) if i == 5)
    values = series[blanked_pid][2]
    assert [values[0], values[7], values[8], values[-1]] == [None] * 4
    assert None not in values[1:7]
    features = sd.features_at_zoom(result.output / "data" / entry["tiles"], entry["maxzoom"])
    by_id = {f["id"]: f["properties"] for f in features}
    assert sorted(by_id) == list(range(300)) + list(range(320, 360))
    no_velocity = [p for p in by_id.values() if "velocity" not in p]
    assert len(no_velocity) == 1 and "coherence" not in no_velocity[0]
    assert {p["unit"] for p in by_id.values()} == {0, 1}


# --- atomic output ------------------------------------------------------------------------------


def test_failed_build_leaves_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="bad.csv"):
        build([L3_UP, bad], out, quiet=True)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_failed_rebuild_keeps_the_previous_site(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([L3_UP], out, quiet=True)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    truncated = tmp_path / L3_EAST.name
    truncated.write_bytes(L3_EAST.read_bytes()[:5000])
    with pytest.raises(InputError, match=L3_EAST.name):
        build([L3_UP, truncated], out, quiet=True)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([truncated.name, "out"])


def test_rebuild_replaces_the_site_and_refuses_foreign_directories(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([L3_UP], out, quiet=True)
    build([L3_EAST], out, quiet=True)
    assert [e["id"] for e in sd.manifest(out)["layers"]] == ["l3-2020-2024-east"]
    assert not (out / "data" / "l3-2020-2024-up").exists()
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    with pytest.raises(BuildError, match="--force"):
        build([L3_UP], foreign, quiet=True)
    assert (foreign / "thesis.tex").read_text() == "keep me"


def test_published_site_is_world_readable(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([L3_UP], out, quiet=True)
    assert out.stat().st_mode & 0o755 == 0o755


# --- determinism --------------------------------------------------------------------------------


def site_digest(site: Path) -> dict[str, Any]:
    """Every data file's content, PMTiles through their decoded features (not bytes)."""
    digest: dict[str, Any] = {"manifest": sd.manifest(site)}
    for path in sorted((site / "data").rglob("*.json.gz")):
        digest[str(path.relative_to(site))] = json.loads(gzip.decompress(path.read_bytes()))
    for entry in digest["manifest"]["layers"]:
        features = sd.features_at_zoom(site / "data" / entry["tiles"], entry["maxzoom"])
        digest[entry["tiles"]] = sorted((f["id"], json.dumps(f["properties"])) for f in features)
    return digest


def test_two_builds_are_identical(built_site: Path, tmp_path: Path) -> None:
    again = build(
        list(reversed(ALL_SAMPLES)), tmp_path / "again", quiet=True, jobs=1, epochs=True
    ).output  # as built_site
    assert site_digest(again) == site_digest(built_site)
    for path in (built_site / "data").rglob("*.json.gz"):
        assert path.read_bytes() == (again / path.relative_to(built_site)).read_bytes()


# --- indexes for the viewer: chunk coordinates, chunk boxes, pid buckets, outlines, stats -------


def fnv1a32(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


@pytest.mark.parametrize("layer_id", sorted(EXPECTED))
def test_chunk_coordinates_velocity_attributes_and_index_boxes(
    built_site: Path, layer_id: str
) -> None:
    source = EXPECTED[layer_id][0]
    entry = sd.layer(built_site, layer_id)
    rows = sd.csv_by_pid(source)
    index = json.loads((built_site / "data" / entry["index"]).read_text())
    assert index["size"] == entry["chunks"]["size"]
    assert sum(row[6] for row in index["chunks"]) == entry["points"]
    for chunk_no, unit, west, south, east, north, count in index["chunks"]:
        data = sd.chunk(built_site, entry, chunk_no)
        assert data["unit"] == unit and len(data["pid"]) == count == len(data["lon"])
        columns = (data["pid"], data["lon"], data["lat"], data["v"])
        for pid, lon, lat, velocity in zip(*columns, strict=True):
            assert west <= lon <= east and south <= lat <= north
            assert velocity == float(rows[pid]["mean_velocity"])
            assert lon == pytest.approx(lon_of(rows[pid], source), abs=1e-6)
        l3 = layer_id.startswith("l3")
        expected = set(CHUNK_COLUMNS) - (L2_ONLY if l3 else set())
        assert set(data["attributes"]) == expected | TREND
        for name in expected:
            values, column = data["attributes"][name], CHUNK_COLUMNS[name]
            for pid, value in zip(data["pid"], values, strict=True):
                assert value == (float(rows[pid][column]) if rows[pid][column] else None), name


@pytest.mark.parametrize("layer_id", sorted(EXPECTED))
def test_pid_buckets_find_every_point(built_site: Path, layer_id: str) -> None:
    entry = sd.layer(built_site, layer_id)
    pids = entry["pids"]
    assert pids["hash"] == "fnv1a32"
    buckets = {}
    for bucket in range(pids["buckets"]):
        path = built_site / "data" / pids["path"].format(bucket=bucket)
        buckets[bucket] = json.loads(gzip.decompress(path.read_bytes()))
    assert sum(len(b) for b in buckets.values()) == entry["points"]
    for pid, (feature_id, _, _) in sd.series_by_pid(built_site, entry).items():
        assert buckets[fnv1a32(pid) % pids["buckets"]][pid] == feature_id


def test_unit_outlines_cover_their_points(built_site: Path) -> None:
    import shapely

    entry = sd.layer(built_site, "l2b-2020-2024-asc")
    outlines = json.loads((built_site / "data" / entry["outlines"]).read_text())
    (feature,) = outlines["features"]
    assert feature["properties"] == {"index": 0, "name": L2B_ASC.stem, "points": 11_759}
    polygon = shapely.geometry.shape(feature["geometry"])
    rows = list(sd.csv_rows(L2B_ASC))
    lon = [float(r["longitude"]) for r in rows]
    lat = [float(r["latitude"]) for r in rows]
    inside = shapely.contains_xy(polygon.buffer(1e-6), lon, lat)
    assert inside.mean() > 0.995
    hull = shapely.MultiPoint(list(zip(lon, lat, strict=True))).convex_hull
    assert polygon.area < 1.05 * hull.area


def test_stats_are_percentiles_of_the_csv(built_site: Path) -> None:
    import numpy as np

    entry = sd.layer(built_site, "l2b-2020-2024-desc")
    rows = list(sd.csv_rows(L2B_DESC))
    for attribute, column in [("velocity", "mean_velocity"), ("coherence", "temporal_coherence")]:
        values = np.array([float(r[column]) for r in rows])
        stats = entry["stats"][attribute]
        assert stats["min"] == pytest.approx(values.min()) and stats["max"] == values.max()
        assert stats["p02"] == pytest.approx(np.percentile(values, 2), abs=1e-3)
        assert stats["p98"] == pytest.approx(np.percentile(values, 98), abs=1e-3)
    assert entry["velocity"] == {"p02": entry["stats"]["velocity"]["p02"],
                                 "p98": entry["stats"]["velocity"]["p98"]}  # fmt: skip


def test_options_are_typed_and_an_unknown_one_is_named(tmp_path: Path) -> None:
    import tiler

    with pytest.raises(BuildError, match=r"unknown build option titel: the options are .*title"):
        build([L3_UP], tmp_path / "a", quiet=True, titel="Ustica")
    assert not (tmp_path / "a").exists()
    options = tiler.BuildOptions(title="Ustica", quiet=True)
    result = build([L3_UP], tmp_path / "b", options, description="overrides take their field")
    assert result.manifest["title"] == "Ustica"
    assert result.manifest["description"] == "overrides take their field"
