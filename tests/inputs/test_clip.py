"""`--clip`: only the points inside the area of interest are kept, in any CRS the file uses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
import sitedata as sd
from conftest import L2B_ASC, L3_UP
from pyproj import Transformer

from tiler import build
from tiler.errors import BuildError, InputError

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py

BOX = shapely.box(13.15, 38.69, 13.17, 38.705)


def write_geojson(path: Path, geometry: shapely.Geometry) -> Path:
    feature = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geometry)}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def expected_pids(source: Path, area: shapely.Geometry) -> set[str]:
    rows = list(sd.csv_rows(source))
    lon = np.array([float(r["longitude"]) for r in rows])
    lat = np.array([float(r["latitude"]) for r in rows])
    keep = shapely.intersects_xy(area, lon, lat)
    return {r["pid"] for r, k in zip(rows, keep, strict=True) if k}


def test_clip_keeps_exactly_the_points_inside(tmp_path: Path) -> None:
    aoi = write_geojson(tmp_path / "aoi.geojson", BOX)
    result = build([L2B_ASC], tmp_path / "out", clip=aoi, quiet=True)
    (entry,) = result.manifest["layers"]
    kept = set(sd.series_by_pid(result.output, entry))
    assert kept == expected_pids(L2B_ASC, BOX)
    assert 1000 < entry["points"] < 11_759
    features = sd.features_at_zoom(result.output / "data" / entry["tiles"], entry["maxzoom"])
    assert sorted(f["id"] for f in features) == list(range(entry["points"]))


def test_clip_file_in_another_crs(tmp_path: Path) -> None:
    to_laea = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    projected = shapely.transform(
        BOX, lambda xy: np.column_stack(to_laea.transform(xy[:, 0], xy[:, 1]))
    )
    gpkg = tmp_path / "aoi.gpkg"
    pyogrio.raw.write(gpkg, np.array([shapely.to_wkb(projected)], dtype=object), [], [],
                      geometry_type="Polygon", crs="EPSG:3035", driver="GPKG")  # fmt: skip
    result = build([L2B_ASC], tmp_path / "out", clip=gpkg, quiet=True)
    kept = set(sd.series_by_pid(result.output, result.manifest["layers"][0]))
    reference = expected_pids(L2B_ASC, BOX)
    assert len(kept ^ reference) <= 0.002 * len(reference)  # edges move slightly when reprojected


def test_layers_without_points_inside_are_left_out(tmp_path: Path) -> None:
    far = write_geojson(tmp_path / "far.geojson", shapely.box(13.19, 38.71, 13.2, 38.72))
    result = build([L2B_ASC, L3_UP], tmp_path / "out", clip=far, quiet=True)
    assert [e["id"] for e in result.manifest["layers"]] == ["l2b-2020-2024-asc"]


def test_clip_errors(tmp_path: Path) -> None:
    nowhere = write_geojson(tmp_path / "sea.geojson", shapely.box(0, 0, 1, 1))
    with pytest.raises(BuildError, match="inside the --clip area"):
        build([L3_UP], tmp_path / "out", clip=nowhere, quiet=True)
    line = write_geojson(tmp_path / "line.geojson", shapely.LineString([(0, 0), (1, 1)]))
    with pytest.raises(InputError, match="no polygon"):
        build([L3_UP], tmp_path / "out", clip=line, quiet=True)
    with pytest.raises(InputError, match="clip file not found"):
        build([L3_UP], tmp_path / "out", clip=tmp_path / "nope.gpkg", quiet=True)
    assert not (tmp_path / "out").exists()
