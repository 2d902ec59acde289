"""Bad `--assets` input: one line naming the file and the fix, exit 1, the previous site as it
was; invalid polygons that GEOS can repair are repaired with a warning."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas
import pytest
import shapely
from conftest import L3_UP

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py

SQUARE = shapely.box(13.16, 38.70, 13.17, 38.71)
BOWTIE = shapely.Polygon([(13.16, 38.70), (13.17, 38.71), (13.17, 38.70), (13.16, 38.71)])
ROAD = shapely.LineString([(13.16, 38.70), (13.17, 38.71)])
FLAT = shapely.Polygon([(13.16, 38.70), (13.17, 38.71), (13.18, 38.72)])


def egms_tiler(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tiler", *map(str, args)], capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def asset_file(path: Path, names: list[str | None], shapes: list[shapely.Geometry],
               crs: str | None = "EPSG:4326") -> Path:  # fmt: skip
    frame = geopandas.GeoDataFrame({"name": names}, geometry=shapes, crs=crs)
    frame.to_file(path, engine="pyogrio")
    return path


@pytest.fixture(scope="module")
def previous_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad-assets")
    good = asset_file(folder / "good.gpkg", ["a"], [SQUARE])
    site = folder / "site"
    done = egms_tiler("build", L3_UP, "-o", site, "-q", "--no-trend", "--assets", good)
    assert done.returncode == 0, done.stderr
    return site


def no_crs_shapefile(folder: Path) -> Path:
    with warnings.catch_warnings():  # pyogrio's "crs was not provided": that is the point
        warnings.simplefilter("ignore", UserWarning)
        path = asset_file(folder / "no-crs.shp", ["a"], [SQUARE], crs=None)
    folder.joinpath("no-crs.prj").unlink(missing_ok=True)
    return path


def local_crs_shapefile(folder: Path) -> Path:
    path = asset_file(folder / "local.shp", ["a"], [SQUARE])
    folder.joinpath("local.prj").write_text('LOCAL_CS["site grid",UNIT["metre",1]]')
    return path


BAD = {
    "missing": (lambda f: f / "nowhere.gpkg", [], "assets file not found", "check the --assets"),
    "not vector data": (lambda f: f.joinpath("x.gpkg").write_text("hello") and f / "x.gpkg", [],
                        "cannot read the assets file", "GeoPackage"),
    "no geometry": (lambda f: f.joinpath("t.csv").write_text("name,v\na,1\n") and f / "t.csv",
                    [], "no geometry", "polygons, lines or points"),
    "no crs": (no_crs_shapefile, [], "no coordinate reference system", "ogr2ogr -a_srs"),
    "crs not transformable": (local_crs_shapefile, [], "cannot be transformed", "ogr2ogr -t_srs"),
    "id field missing": (lambda f: asset_file(f / "a.gpkg", ["a"], [SQUARE]),
                         ["--assets-id", "ref"], "no field 'ref'", "fields are: name"),
    "id not unique": (lambda f: asset_file(f / "a.gpkg", ["a", "b", "a"], [SQUARE] * 3),
                      ["--assets-id", "name"], "'a' is not unique (rows 1 and 3)", "unique"),
    "id empty": (lambda f: asset_file(f / "a.gpkg", ["a", None], [SQUARE] * 2),
                 ["--assets-id", "name"], "row 2 has no 'name'", "give every feature an id"),
    "polygon without area": (lambda f: asset_file(f / "a.gpkg", ["a"], [FLAT]), [],
                             "row 1 is an invalid polygon with no area", "fix or remove it"),
    "buffer 0 for a line": (lambda f: asset_file(f / "a.gpkg", ["a"], [ROAD]),
                            ["--assets-buffer", "0"], "line or point and --assets-buffer is 0",
                            "give a buffer in metres"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_assets_fail_in_one_line_and_leave_the_site(
    previous_site: Path, tmp_path: Path, case: str
) -> None:
    make, options, problem, fix = BAD[case]
    path = make(tmp_path)
    before = (previous_site / "data" / "manifest.json").read_bytes()
    done = egms_tiler("build", L3_UP, "-o", previous_site, "-q", "--no-trend",
                      "--assets", path, *options)  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert path.name in lines[0] and problem in lines[0] and fix in lines[0], lines[0]
    assert (previous_site / "data" / "manifest.json").read_bytes() == before


def test_a_self_intersecting_polygon_is_repaired_with_a_warning(tmp_path: Path) -> None:
    path = asset_file(tmp_path / "bowtie.gpkg", ["a", "b"], [BOWTIE, SQUARE])
    site = tmp_path / "site"
    done = egms_tiler("build", L3_UP, "-o", site, "--no-trend", "--assets", path)
    assert done.returncode == 0, done.stderr
    assert "1 invalid polygon(s) repaired (the first: row 1)" in done.stderr
    manifest = json.loads((site / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["assets"]["count"] == 2
    strict = egms_tiler("build", L3_UP, "-o", site, "-q", "--no-trend", "--strict",
                        "--assets", path)  # fmt: skip
    assert strict.returncode == 1 and "--strict" in strict.stderr


def test_asset_options_need_an_asset_file(tmp_path: Path) -> None:
    done = egms_tiler("build", L3_UP, "-o", tmp_path / "s", "--assets-id", "name")
    assert done.returncode == 1 and "need --assets FILE" in done.stderr


def test_assets_far_from_the_points_warn_of_the_crs(tmp_path: Path) -> None:
    """Metres in a file that says lon/lat (a wrong .prj): a warning naming the CRS, no crash."""
    metres = shapely.box(500_000, 4_280_000, 500_050, 4_280_050)
    path = asset_file(tmp_path / "utm-said-4326.gpkg", ["a", "b"], [SQUARE, metres])
    done = egms_tiler("build", L3_UP, "-o", tmp_path / "site", "--no-trend", "--assets", path)
    assert done.returncode == 0, done.stderr
    far = asset_file(tmp_path / "far.gpkg", ["a"], [shapely.box(2.0, 48.0, 2.01, 48.01)])
    done = egms_tiler("build", L3_UP, "-o", tmp_path / "site", "--no-trend", "--assets", far)
    assert done.returncode == 0, done.stderr
    assert "none of its 1 assets lies where the points are" in done.stderr
    assert "check the file's CRS" in done.stderr
