"""Incremental rebuild: ten inputs in ten layers, one of them changed, rebuilt.

The inputs are synthetic (`egms-tiler sample`): L2a and L2b, 2019-2023 and 2020-2024, both
orbits (8 files) plus one L3 tile (U and E: 2 files), each its own layer. After a full build,
one file is reissued (its CSV loses its last row, as a provider's corrected release would
differ) and the site rebuilt; a layer counts as re-tiled when its tiles.pmtiles is a new file
(another inode). The original file is put back afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from proctree import check, measure

POINTS = 20_000
CHANGED = "EGMS_L2a_*_2020_2024_1.zip"


def _sample(folder: Path, seed: int, *options: str) -> None:
    argv = [sys.executable, "-m", "tiler", "sample", "-o", str(folder), "--points",
            str(POINTS), "--seed", str(seed), "-q", *options]  # fmt: skip
    subprocess.run(argv, check=True)


def _inputs(cache: Path) -> Path:
    folder = cache / "incremental-inputs"
    if len(list(folder.glob("*.zip"))) != 10:
        shutil.rmtree(folder, ignore_errors=True)
        _sample(folder, 1, "--level", "L2a", "--level", "L2b", "--period", "2019-2023",
                "--period", "2020-2024")  # fmt: skip
        _sample(folder, 1, "--level", "L3")
    return folder


def _reissue(original: Path, changed: Path) -> None:
    """`changed`: the same ZIP with the last data row of its CSV left out."""
    with (
        zipfile.ZipFile(original) as source,
        zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".csv"):
                data = data.rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n"
            out.writestr(info.filename, data)


def _tiles(site: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_ino for p in (site / "data").glob("*/tiles.pmtiles")}


def measure_incremental(cache: Path, work: Path) -> dict[str, Any]:
    inputs = _inputs(cache)
    work.mkdir(parents=True, exist_ok=True)
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    argv = [sys.executable, "-m", "tiler", "build", str(inputs), "-o", str(site), "-q"]
    full = check(measure(argv, work / "full.log"), work / "full.log")
    before = _tiles(site)
    same = check(measure(argv, work / "same.log"), work / "same.log")
    target = sorted(inputs.glob(CHANGED))[0]
    kept = work / target.name
    shutil.copy2(target, kept)
    try:
        _reissue(kept, target)
        changed = check(measure(argv, work / "changed.log"), work / "changed.log")
        after = _tiles(site)
    finally:
        shutil.copy2(kept, target)  # the cached inputs stay as they were
    retiled = sorted(layer for layer, inode in after.items() if before.get(layer) != inode)
    return {
        "inputs": len(list(inputs.glob("*.zip"))),
        "changed": target.name,
        "layers": len(after),
        "points_per_input": POINTS,
        "full_seconds": full.seconds,
        "unchanged_seconds": same.seconds,
        "one_changed_seconds": changed.seconds,
        "retiled": retiled,
    }
