"""Incremental builds: unchanged layers come from the previous site; the result equals a clean
build of the same inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sitedata as sd
from conftest import L3_EAST, L3_UP
from test_build import site_digest

from tiler import build

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py


def tiles_inode(site: Path, layer_id: str) -> int:
    return (site / "data" / layer_id / "tiles.pmtiles").stat().st_ino


def changed_copy(source: Path, target: Path, rows: int) -> Path:
    """The first `rows` rows of an EGMS file, as the same-named plain CSV (new content)."""
    lines = [
        ",".join(row.values()) for _, row in zip(range(rows), sd.csv_rows(source), strict=False)
    ]
    header = ",".join(next(sd.csv_rows(source)).keys())
    target.write_text("\n".join([header, *lines]) + "\n")
    return target


def test_only_the_changed_layer_is_rebuilt(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    inputs = tmp_path / "in"
    inputs.mkdir()
    up = shutil.copy(L3_UP, inputs)
    east = shutil.copy(L3_EAST, inputs)
    site = tmp_path / "site"
    build([up, east], site)
    up_inode, east_inode = (
        tiles_inode(site, "l3-2020-2024-up"),
        tiles_inode(site, "l3-2020-2024-east"),
    )
    Path(east).unlink()
    east = changed_copy(L3_EAST, inputs / f"{L3_EAST.stem}.csv", 400)
    capfd.readouterr()
    result = build([up, east], site)
    log = capfd.readouterr().err
    assert "l3-2020-2024-up: inputs unchanged, layer reused" in log
    assert "l3-2020-2024-east: inputs unchanged" not in log
    assert tiles_inode(site, "l3-2020-2024-up") == up_inode
    assert tiles_inode(site, "l3-2020-2024-east") != east_inode
    assert [e["points"] for e in result.manifest["layers"]] == [400, 522]
    clean = build([up, east], tmp_path / "clean", quiet=True).output
    assert site_digest(site) == site_digest(clean)


def test_rebuild_and_changed_options_retile(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build([L3_UP], site, quiet=True)
    inode = tiles_inode(site, "l3-2020-2024-up")
    build([L3_UP], site, quiet=True, rebuild=True)
    assert tiles_inode(site, "l3-2020-2024-up") != inode
    inode = tiles_inode(site, "l3-2020-2024-up")
    result = build([L3_UP], site, quiet=True, chunk_size=128)
    assert tiles_inode(site, "l3-2020-2024-up") != inode
    assert result.manifest["layers"][0]["chunks"]["size"] == 128
