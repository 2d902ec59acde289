"""The build on Dask distributed equals the single-machine build of the same inputs.

Same manifest, the same chunk, index, pid and outline files byte for byte, and tiles holding
exactly the same features at the maximum zoom (buffer copies removed; lower zooms are thinned
differently). A worker killed mid-build is replaced and the build still equals it; a task that
kills every worker it runs on stops the build with a clear error and leaves the previous site.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sitedata as sd
from click.testing import CliRunner

from tiler import build
from tiler.cli import main
from tiler.distributed import client
from tiler.distributed.tasks import FAULT_ENV
from tiler.errors import BuildError
from tiler.tiles import partition, zoomchoice

QUICK = {"quiet": True, "basemap": "none"}  # the basemap is not what these tests are about
LOCAL = {"dask_local": 2, **QUICK}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three overlapping L2b bursts and two adjacent L3 tiles (three layers)."""
    folder = tmp_path_factory.mktemp("dask-inputs")
    runner = CliRunner()
    for args in (["--points", "3000", "--bursts", "3", "--orbit", "asc"],
                 ["--level", "L3", "--points", "1500", "--bursts", "2"]):  # fmt: skip
        result = runner.invoke(main, ["sample", "-o", str(folder), "-q", *args])
        assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def single(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("single") / "site"
    build([inputs], out, **QUICK)
    return out


@pytest.fixture(scope="module")
def bursts(inputs: Path) -> list[Path]:
    return sorted(inputs.glob("EGMS_L2b_*.zip"))


@pytest.fixture(scope="module")
def single_bursts(bursts: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("single-bursts") / "site"
    build(bursts, out, **QUICK)
    return out


def data_files(site: Path) -> dict[str, str]:
    """Every data file but the tiles, by content."""
    return {
        str(path.relative_to(site)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((site / "data").rglob("*"))
        if path.is_file() and path.suffix != ".pmtiles"
    }


def max_zoom_features(site: Path, entry: dict[str, Any]) -> list[tuple[Any, ...]]:
    features = sd.features_at_zoom(site / "data" / entry["tiles"], entry["maxzoom"])
    return sorted(
        (f["id"], json.dumps(f["properties"], sort_keys=True), f["lonlat"].lng, f["lonlat"].lat)
        for f in features
    )


def assert_same_site(expected: Path, actual: Path) -> None:
    assert sd.manifest(actual) == sd.manifest(expected)
    assert data_files(actual) == data_files(expected)
    for entry in sd.manifest(expected)["layers"]:
        found = max_zoom_features(actual, entry)
        assert len(found) == entry["points"], entry["id"]
        assert found == max_zoom_features(expected, entry), entry["id"]


def every_point_from(site: Path, entry: dict[str, Any]) -> int:
    """The first zoom whose tiles hold every point of the layer (checked up to the maximum)."""
    chunks = list(sd.all_chunks(site, entry))
    lon, lat = (np.concatenate([chunk[axis] for chunk in chunks]) for axis in ("lon", "lat"))
    base = zoomchoice.point_max_zoom(lon, lat)
    for zoom in range(base, entry["maxzoom"] + 1):
        found = sd.ids_at_zoom(site / "data" / entry["tiles"], zoom)
        assert len(found) == entry["points"], (entry["id"], zoom)
    assert len(sd.ids_at_zoom(site / "data" / entry["tiles"], base - 1)) < entry["points"]
    return base


def test_local_cluster_build_equals_the_single_machine_build(
    inputs: Path, single: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At partition zoom 9 the L2b layer (max zoom 10) and the L3 layers (their points' zoom 6,
    their cells' 13: zoomchoice.CELL_TILE_ZOOM) are tiled in partitions plus an overview, every L3
    point at every zoom from 6 up as in the single-machine build; the pid index is written one
    bucket a task."""
    monkeypatch.setattr(client, "PID_GROUP", 1)
    out = tmp_path / "site"
    build([inputs], out, partition_zoom=9, **LOCAL)
    assert_same_site(single, out)
    layers = {entry["id"]: entry for entry in sd.manifest(out)["layers"]}
    assert 9 < layers["l2b-2020-2024-asc"]["maxzoom"] < zoomchoice.CELL_TILE_ZOOM
    for layer_id in ("l3-2020-2024-up", "l3-2020-2024-east"):
        assert layers[layer_id]["maxzoom"] == zoomchoice.CELL_TILE_ZOOM
        assert every_point_from(out, layers[layer_id]) == 6
        assert every_point_from(single, layers[layer_id]) == 6


def test_dedupe_on_dask_equals_the_single_machine_dedupe(
    bursts: list[Path], tmp_path: Path
) -> None:
    """At partition zoom 12 the layer (max zoom 10) is tiled in one run over every point."""
    build(bursts, tmp_path / "single", dedupe=True, **QUICK)
    build(bursts, tmp_path / "dask", dedupe=True, partition_zoom=12, **LOCAL)
    assert_same_site(tmp_path / "single", tmp_path / "dask")


def test_a_worker_killed_mid_build_is_replaced_and_the_site_is_the_same(
    bursts: list[Path], single_bursts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "killed-once"
    monkeypatch.setenv(FAULT_ENV, f"kill-once:write_unit:{marker}")
    build(bursts, tmp_path / "site", partition_zoom=9, **LOCAL)
    assert marker.exists(), "no worker was killed"
    assert_same_site(single_bursts, tmp_path / "site")


def test_a_task_killing_every_worker_fails_clearly_and_keeps_the_previous_site(
    bursts: list[Path], single_bursts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    shutil.copytree(single_bursts, out)
    before = data_files(out)
    monkeypatch.setenv(FAULT_ENV, "kill-always:merge_tiles")
    message = r"^merging the tiles of l2b-2020-2024-asc: the Dask worker running it died"
    with pytest.raises(BuildError, match=message):
        build(bursts, out, partition_zoom=9, rebuild=True, **LOCAL)
    assert data_files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "leftovers beside OUT"


def test_cluster_options_are_checked_before_any_work(inputs: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    both = ["build", str(inputs), "-o", str(tmp_path / "s"), "--dask-local", "1",
            "--scheduler", "tcp://127.0.0.1:1"]  # fmt: skip
    result = runner.invoke(main, both)
    assert result.exit_code == 1
    assert "give --scheduler ADDRESS or --dask-local N, not both" in result.output
    result = runner.invoke(main, ["build", str(inputs), "-o", str(tmp_path / "s"),
                                  "--shared-dir", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 1
    assert "--shared-dir is for --scheduler or --dask-local builds" in result.output
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("seed", range(4))
def test_the_maximum_zoom_from_partition_statistics_is_the_single_machine_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    centres = rng.uniform([-10, 35], [30, 60], size=(5, 2))
    spread = rng.choice([0.01, 0.3, 2.0])
    points = np.concatenate([c + rng.normal(0, spread, size=(4000, 2)) for c in centres])
    lon, lat = points[:, 0], points[:, 1]
    for zoom in (5, 8):
        keys = partition.own_keys(lon, lat, zoom)
        stats = [partition.zoom_stats(k, lon[keys == k], lat[keys == k], zoom)
                 for k in np.unique(keys).tolist()]  # fmt: skip
        assert partition.max_zoom(stats, zoom) == zoomchoice.point_max_zoom(lon, lat)


def test_neighbours_are_the_points_within_the_margin_of_another_partition() -> None:
    zoom = 8
    size = 360 / 2**zoom  # a partition's width in degrees
    edge = -180 + 100 * size  # a partition boundary
    lon = np.array([edge - 0.001 * size, edge - 0.5 * size, edge + 0.01 * size])
    lat = np.zeros(3) + 0.1
    rows, keys = partition.neighbour_pairs(lon, lat, zoom)
    own = partition.own_keys(lon, lat, zoom)
    assert rows.tolist() == [0, 2]
    assert keys.tolist() == [own[2], own[0]]
