"""The build on Dask distributed equals the single-machine build of the same inputs.

Same manifest, the same chunk, index, pid and outline files byte for byte, and the same tiles
at every zoom (decoded): the Dask build tiles the same feature files with the same runs. A
worker killed mid-build is replaced and the build still equals it; a task that kills every
worker it runs on stops the build with a clear error and leaves the previous site. The kills
come from tests/daskfaults.py, preloaded into the workers. Ctrl-C stops the build, its workers'
tasks and tippecanoe runs, and leaves the previous site and nothing else.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pytest
import sitedata as sd
from click.testing import CliRunner
from conftest import SAMPLES
from daskfaults import FAULT_ENV, PRELOAD
from interrupting import HOW, STOPPED, exit_code, gone, interrupted_build, stand_in

from tiler import build
from tiler.cli import main
from tiler.errors import BuildError
from tiler.layer import pidindex
from tiler.tiles import balance, runs, zoomchoice

# the basemap is not what these tests are about; packed series: the packs and their index are
# compared byte for byte too
QUICK = {"quiet": True, "basemap": "none", "series_files": "packed"}
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


def data_files(site: Path, every: bool = False) -> dict[str, str]:
    """Every data file but the tiles (or every file of the site), by content."""
    return {
        str(path.relative_to(site)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((site if every else site / "data").rglob("*"))
        if path.is_file() and (every or path.suffix != ".pmtiles")
    }


def assert_same_site(expected: Path, actual: Path) -> None:
    """The same manifest and data files, and every tile of every zoom decoded the same."""
    assert sd.manifest(actual) == sd.manifest(expected)
    assert data_files(actual) == data_files(expected)
    for entry in sd.manifest(expected)["layers"]:
        tiles = sd.every_tile(actual / "data" / entry["tiles"])
        assert {z for z, _, _ in tiles} == set(range(entry["maxzoom"] + 1)), entry["id"]
        assert tiles == sd.every_tile(expected / "data" / entry["tiles"]), entry["id"]


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Workers of the clusters started here preload tests/daskfaults.py: set FAULT_ENV."""
    with dask.config.set({"distributed.worker.preload": [PRELOAD]}):
        yield monkeypatch


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
    """The L2b layer (max zoom 10) and the L3 layers (their points' zoom 6, their cells' 13:
    zoomchoice.CELL_TILE_ZOOM) have the same tiles at every zoom, every L3 point at every zoom
    from 6 up as in the single-machine build; the pid index is written one bucket a task."""
    monkeypatch.setattr(pidindex, "BUCKETS_AT_ONCE", 1)
    out = tmp_path / "site"
    build([inputs], out, **LOCAL)
    assert_same_site(single, out)
    layers = {entry["id"]: entry for entry in sd.manifest(out)["layers"]}
    assert 9 < layers["l2b-2020-2024-asc"]["maxzoom"] < zoomchoice.CELL_TILE_ZOOM
    for layer_id in ("l3-2020-2024-up", "l3-2020-2024-east"):
        assert layers[layer_id]["maxzoom"] == zoomchoice.CELL_TILE_ZOOM
        assert every_point_from(out, layers[layer_id]) == 6
        assert every_point_from(single, layers[layer_id]) == 6


def test_the_real_samples_and_a_layer_cut_into_regions_have_the_same_tiles_on_dask(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled EGMS samples, and six bursts whose maximum zoom's run is cut into regions
    (tiler/tiles/grid.py) and runs of ~3,000 points (tiler/tiles/balance.py), the limits read
    on the client as a real build's 20 MB and 100,000 points are, and the lower zooms thinned:
    every tile at every zoom equals the single-machine build's."""
    monkeypatch.setattr(runs, "REGION_RUN_BYTES", 2_000_000)
    monkeypatch.setattr(balance, "TARGET_POINTS", 3_000)
    bursts = tmp_path / "bursts"
    args = ["sample", "-o", str(bursts), "-q", "--points", "4000", "--bursts", "6", "--orbit",
            "asc"]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0
    inputs = [SAMPLES, bursts]
    build(inputs, tmp_path / "single", **QUICK)
    capfd.readouterr()
    build(inputs, tmp_path / "dask", dask_local=2, basemap="none", series_files="packed")  # phases
    printed = "".join(capfd.readouterr())
    assert_same_site(tmp_path / "single", tmp_path / "dask")
    bursts_layer = next(line for line in printed.splitlines() if "l2b-2020-2024-asc on" in line)
    runs_made = re.search(
        r"tiles \((\d+) runs, [\d,]+ points a run on average, the largest", bursts_layer
    )
    assert runs_made and int(runs_made[1]) >= 5, bursts_layer  # 3 runs when not cut
    assert re.search(r"^Dask dashboard: http://127\.0\.0\.1:\d+/status$", printed, re.M)


def test_dedupe_and_epochs_on_dask_equal_the_single_machine_build(
    bursts: list[Path], tmp_path: Path
) -> None:
    build(bursts, tmp_path / "single", dedupe=True, epochs=True, **QUICK)
    build(bursts, tmp_path / "dask", dedupe=True, epochs=True, **LOCAL)
    assert_same_site(tmp_path / "single", tmp_path / "dask")
    layer = sd.manifest(tmp_path / "dask")["layers"][0]
    assert layer["epochs"]["attribute"] in layer["attributes"]


def test_a_worker_killed_mid_build_is_replaced_and_the_site_is_the_same(
    bursts: list[Path], single_bursts: Path, tmp_path: Path, faults: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "killed-once"
    faults.setenv(FAULT_ENV, f"kill-once:write_unit:{marker}")
    build(bursts, tmp_path / "site", **LOCAL)
    assert marker.exists(), "no worker was killed"
    assert_same_site(single_bursts, tmp_path / "site")


def test_a_task_killing_every_worker_fails_clearly_and_keeps_the_previous_site(
    bursts: list[Path], single_bursts: Path, tmp_path: Path, faults: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    shutil.copytree(single_bursts, out)
    before = data_files(out)
    faults.setenv(FAULT_ENV, "kill-always:merge_runs")
    message = r"^merging the tiles of l2b-2020-2024-asc: the Dask worker running it died"
    with pytest.raises(BuildError, match=message):
        build(bursts, out, rebuild=True, **LOCAL)
    assert data_files(out) == before


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


# --- Ctrl-C (tests/interrupting.py: a real `egms-tiler build` process, a stand-in tippecanoe)


@pytest.mark.parametrize("how", sorted(HOW))
def test_ctrl_c_stops_the_dask_build_and_keeps_the_previous_site(
    bursts: list[Path],
    single_bursts: Path,
    tmp_path: Path,
    how: str,
) -> None:
    """A terminal's Ctrl-C reaches the whole process group (the Dask workers, tippecanoe);
    `kill -INT` only the build, which must stop the workers' tippecanoe runs itself."""
    out = tmp_path / "out" / "site"
    shutil.copytree(single_bursts, out)
    before = data_files(out, every=True)
    script, started = stand_in(tmp_path / "stand-in")
    argv = ["build", *map(str, bursts), "-o", str(out), "--basemap", "none", "--rebuild",
            "--dask-local", "2"]  # fmt: skip
    code, stderr = interrupted_build(argv, script, started, how)
    assert code == exit_code(how), stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.splitlines()[-1] == STOPPED
    assert data_files(out, every=True) == before
    assert os.listdir(out.parent) == ["site"]
    assert all(gone(int(pid)) for pid in started.read_text().split())
    shutil.rmtree(tmp_path / "out")
