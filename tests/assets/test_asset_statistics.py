"""Each asset's statistics and mean series equal a computation on the source CSV: points in
polygons from the CSV's own coordinates (lon/lat, or L3's EPSG:3035 easting/northing), the
assets read with geopandas and buffered in their own CRS (UTM 33N), not the build's way."""

from __future__ import annotations

import csv
import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

import geopandas
import numpy as np
import pytest
import shapely
from conftest import ASSETS, L2B_ASC, L2B_DESC, L3_EAST, L3_UP
from pyproj import Transformer
from sitedata import csv_rows, date_columns

LAYER_FILES = {"l2b-2020-2024-asc": L2B_ASC, "l2b-2020-2024-desc": L2B_DESC,
               "l3-2020-2024-up": L3_UP, "l3-2020-2024-east": L3_EAST}  # fmt: skip
BUFFER_M = 10.0


@cache
def truth_assets() -> geopandas.GeoDataFrame:
    """The assets as the test reads them, in their own CRS (UTM 33N)."""
    return geopandas.read_file(ASSETS, engine="pyogrio")


@cache
def csv_points(layer: str) -> dict[str, Any]:
    rows = list(csv_rows(LAYER_FILES[layer]))
    if "longitude" in rows[0]:
        forward = Transformer.from_crs(4326, 32633, always_xy=True)
        x, y = forward.transform([float(r["longitude"]) for r in rows],
                                 [float(r["latitude"]) for r in rows])  # fmt: skip
    else:
        forward = Transformer.from_crs(3035, 32633, always_xy=True)
        x, y = forward.transform([float(r["easting"]) for r in rows],
                                 [float(r["northing"]) for r in rows])  # fmt: skip
    dates = date_columns(rows[0])
    return {
        "x": np.array(x), "y": np.array(y),
        "velocity": np.array([float(r["mean_velocity"]) for r in rows]),
        "sigma": np.array([float(r["mean_velocity_std"]) for r in rows]),
        "coherence": np.array([float(r.get("temporal_coherence") or "nan") for r in rows]),
        "series": np.array([[float(r[d]) if r[d] != "" else np.nan for d in dates] for r in rows]),
        "dates": [f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in dates],
    }  # fmt: skip


def inside(layer: str, shape: shapely.Geometry) -> np.ndarray:
    """The points in a polygon, or within BUFFER_M metres of a line or point."""
    points = csv_points(layer)
    if shape.geom_type.endswith("Polygon"):
        return np.flatnonzero(shapely.intersects_xy(shape, points["x"], points["y"]))
    return np.flatnonzero(shapely.distance(shape, shapely.points(points["x"], points["y"]))
                          <= BUFFER_M)  # fmt: skip


def passing(layer: str, rows: np.ndarray) -> np.ndarray:
    points = csv_points(layer)
    coherence = points["coherence"][rows]
    ok = (np.isnan(coherence) | (coherence >= 0.7)) & (points["sigma"][rows] <= 1.0)
    return rows[ok]


def site_table(site: Path, layer: str) -> dict[str, dict[str, str]]:
    path = site / "data" / "assets" / layer / "assets.csv"
    with open(path, encoding="utf-8", newline="") as stream:
        return {row["id"]: row for row in csv.DictReader(stream)}


def number(text: str) -> float:
    return float(text) if text != "" else float("nan")


@pytest.mark.parametrize("layer", sorted(LAYER_FILES))
def test_every_assets_statistics_equal_the_csvs(asset_site: Path, layer: str) -> None:
    table = site_table(asset_site, layer)
    assets = truth_assets()
    assert sorted(table) == sorted(assets["name"])
    some = 0
    for name, polygon in zip(assets["name"], assets.geometry, strict=True):
        row, rows = table[name], inside(layer, polygon)
        good = passing(layer, rows)
        assert (int(row["points"]), int(row["points_ok"])) == (len(rows), len(good)), name
        velocity = csv_points(layer)["velocity"][good]
        if not len(good):
            assert row["mean_velocity_mm_yr"] == "", name
            continue
        some += 1
        expected = {"mean_velocity_mm_yr": velocity.mean(),
                    "median_velocity_mm_yr": np.median(velocity),
                    "p05_velocity_mm_yr": np.percentile(velocity, 5),
                    "p95_velocity_mm_yr": np.percentile(velocity, 95),
                    "velocity_spread_std_mm_yr": velocity.std(),
                    "differential_velocity_mm_yr": velocity.max() - velocity.min()}  # fmt: skip
        for column, value in expected.items():
            assert number(row[column]) == pytest.approx(value, abs=0.0051), (name, column)
    assert some >= (3 if layer.startswith("l3") else 10)


def asset_series(site: Path, layer: str, asset: int) -> tuple[list[str], dict[str, Any]] | None:
    manifest = json.loads((site / "data" / "manifest.json").read_text(encoding="utf-8"))
    size = manifest["assets"]["series_size"]
    path = site / "data" / manifest["assets"]["layers"][layer]["series"].format(chunk=asset // size)
    document = json.loads(gzip.decompress(path.read_bytes()))
    entry = document["assets"][asset - document["first"]]
    return None if entry is None else (document["dates"][entry["dates"]], entry)


@pytest.mark.parametrize("layer", ["l2b-2020-2024-asc", "l3-2020-2024-up"])
def test_every_assets_mean_series_equals_the_csvs(asset_site: Path, layer: str) -> None:
    table, assets, points = site_table(asset_site, layer), truth_assets(), csv_points(layer)
    for name, polygon in zip(assets["name"], assets.geometry, strict=True):
        good = passing(layer, inside(layer, polygon))
        found = asset_series(asset_site, layer, int(table[name]["asset"]))
        if not len(good):
            assert found is None, name
            continue
        assert found is not None, name
        dates, entry = found
        series = points["series"][good]
        assert dates == points["dates"]
        assert entry["points"] == len(good) and entry["left_out"] == 0
        assert entry["n"] == np.sum(~np.isnan(series), axis=0).tolist()
        mean = np.array([np.nan if v is None else v for v in entry["mean"]])
        std = np.array([np.nan if v is None else v for v in entry["std"]])
        np.testing.assert_allclose(mean, np.nanmean(series, axis=0), atol=0.0051)
        np.testing.assert_allclose(std, np.nanstd(series, axis=0), atol=0.0051)


def test_the_manifest_describes_the_assets(asset_site: Path) -> None:
    manifest = json.loads((asset_site / "data" / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["assets"]
    assert entry["count"] == 47 and entry["kinds"] == {"polygon": 41, "line": 3, "point": 3}
    assert entry["id_field"] == "name" and entry["buffer_m"] == 10
    for layer in manifest["layers"]:
        files = entry["layers"][layer["id"]]
        table = site_table(asset_site, layer["id"])
        assert files["with_points"] == sum(int(r["points"]) > 0 for r in table.values())
        assert (asset_site / "data" / files["tiles"]).stat().st_size > 0
        frame = geopandas.read_file(asset_site / "data" / files["gpkg"], engine="pyogrio")
        assert len(frame) == 47 and frame.crs.to_epsg() == 4326
        assert sorted(frame["id"]) == sorted(table)
    empty = site_table(asset_site, "l2b-2020-2024-asc")["Quay (no point)"]
    assert (empty["points"], empty["mean_velocity_mm_yr"]) == ("0", "")
