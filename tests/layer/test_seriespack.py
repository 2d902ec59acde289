"""Packed series (`build --series-files`, tiler/layer/seriespack.py): the same chunk bytes in a
few files and a binary index, read back equal to the CSV, packed and unpacked by rebuilds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sitedata as sd
from browser_support import CLICK_LAYER
from conftest import L2B_DESC, L3_UP

from tiler import build
from tiler.layer import seriespack
from tiler.layer.chunkreader import read_layer
from tiler.layer.seriespack import PackIndex, chunk_bytes, pack_folder, unpack_folder


def test_packed_series_equal_the_csv_for_every_point(packed_site: Path) -> None:
    entry = sd.layer(packed_site, CLICK_LAYER)
    assert "path" not in entry["chunks"] and entry["chunks"]["pack"]["packs"] == 1
    series = sd.series_by_pid(packed_site, entry)
    rows = sd.csv_by_pid(L2B_DESC)
    assert set(series) == set(rows)
    for pid, (_, _, values) in series.items():
        columns = sd.date_columns(rows[pid])
        assert values == [round(float(rows[pid][c]) * 10) if rows[pid][c] else None
                          for c in columns], pid  # fmt: skip


def test_packed_chunks_are_the_loose_bytes(packed_site: Path, built_site: Path) -> None:
    packed, loose = sd.layer(packed_site, CLICK_LAYER), sd.layer(built_site, CLICK_LAYER)
    assert "pack" not in loose["chunks"]  # `auto` leaves a 46-chunk layer loose
    for index in range(seriespack.layer_chunks(loose)):
        got = chunk_bytes(packed_site / "data", packed["chunks"], index)
        assert got == chunk_bytes(built_site / "data", loose["chunks"], index), index
    ts = packed_site / "data" / CLICK_LAYER / "ts"
    assert sorted(path.name for path in ts.iterdir()) == ["pack-0.bin", "pack-index.bin.gz"]
    readers = [c.pid for c in read_layer(packed_site / "data", packed, series=False)]
    assert readers == [c.pid for c in read_layer(built_site / "data", loose, series=False)]


def test_packs_split_at_the_size_limit_and_unpack_to_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seriespack, "PACK_BYTES", 1000)
    folder = tmp_path / "l3-2020-2024-up" / "ts"
    folder.mkdir(parents=True)
    rng = random.Random(1)
    files = {n: rng.randbytes(rng.randint(1, 700)) for n in (*range(0, 9), *range(11, 15))}
    for number, data in files.items():
        (folder / f"{number}.json.gz").write_bytes(data)
    pack = pack_folder(tmp_path, "l3-2020-2024-up/ts")
    names = sorted(path.name for path in folder.iterdir())
    assert names == [*(f"pack-{k}.bin" for k in range(pack["packs"])), "pack-index.bin.gz"]
    assert pack["chunks"] == 15 and pack["packs"] > 5
    assert all((folder / f"pack-{k}.bin").stat().st_size <= 1000 for k in range(pack["packs"]))
    for number, data in files.items():
        assert chunk_bytes(tmp_path, {"pack": pack}, number) == data
    with pytest.raises(FileNotFoundError):
        chunk_bytes(tmp_path, {"pack": pack}, 9)  # a gap: no such chunk
    index = PackIndex.decode((tmp_path / pack["index"]).read_bytes())
    assert index.lengths.tolist() == [len(files.get(n, b"")) for n in range(15)]
    unpack_folder(tmp_path, pack, "l3-2020-2024-up/ts")
    assert {int(p.name.split(".")[0]): p.read_bytes() for p in folder.iterdir()} == files


def test_auto_packs_layers_of_more_than_1024_chunks() -> None:
    assert not seriespack.wants_pack("auto", 1024) and seriespack.wants_pack("auto", 1025)
    assert seriespack.wants_pack("packed", 1) and not seriespack.wants_pack("loose", 10**6)


def test_rebuilds_pack_and_unpack_a_reused_layer(tmp_path: Path) -> None:
    """The layer is reused (its tiles the same file) and only its series change form."""
    out, quick = tmp_path / "site", {"quiet": True, "basemap": "none", "trend": False}
    loose = build([L3_UP], out, series_files="loose", **quick).manifest["layers"][0]
    tiles = (out / "data" / loose["tiles"]).stat().st_ino
    first = chunk_bytes(out / "data", loose["chunks"], 0)
    for mode in ("packed", "loose", "auto"):
        entry = build([L3_UP], out, series_files=mode, **quick).manifest["layers"][0]
        assert (out / "data" / entry["tiles"]).stat().st_ino == tiles, mode
        assert ("pack" in entry["chunks"]) == (mode == "packed"), mode
        assert chunk_bytes(out / "data", entry["chunks"], 0) == first, mode
        assert {**entry, "chunks": None} == {**loose, "chunks": None}
