"""An incremental build with a changed asset file re-does only the asset step; unchanged assets
and layers are taken from the previous site (hard links: the same inode)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas
import pytest
from conftest import ASSETS, L3_UP

from tiler import build

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py


def inode(path: Path) -> int:
    return path.stat().st_ino


def test_a_changed_asset_file_redoes_only_the_asset_step(tmp_path: Path) -> None:
    assets = tmp_path / "assets.gpkg"
    shutil.copy(ASSETS, assets)
    site = tmp_path / "site"
    build([L3_UP], site, quiet=True, trend=False, assets=assets, assets_id="name")
    tiles = site / "data" / "l3-2020-2024-up" / "tiles.pmtiles"
    table = site / "data" / "assets" / "l3-2020-2024-up" / "assets.csv"
    first = (inode(tiles), inode(table))

    build([L3_UP], site, quiet=True, trend=False, assets=assets, assets_id="name")
    assert (inode(tiles), inode(table)) == first  # nothing changed: both reused

    frame = geopandas.read_file(ASSETS, engine="pyogrio")
    frame.iloc[:10].to_file(assets, driver="GPKG", engine="pyogrio")  # the file changes
    build([L3_UP], site, quiet=True, trend=False, assets=assets, assets_id="name")
    assert inode(tiles) == first[0] and inode(table) != first[1]  # only the assets redone
    manifest = json.loads((site / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["assets"]["count"] == 10
    assert len(table.read_text(encoding="utf-8").splitlines()) == 11
