"""The asset join at national scale: POLYGONS building footprints (a GeoPackage, cached) joined
with POINTS measurement points, as `build --assets` does it: the file streamed in batches
(tiler/assets/source.py), the points fed 256 at a time as a layer's chunks are
(tiler/assets/members.py), then every asset's statistics. Prints its phases as JSON; run by
bench/run.py under the process-tree sampler, which measures the peak memory.

    python bench/assetjoin.py --points 10000000 --polygons 1000000 --cache build/bench
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import numpy as np
import shapely

BOX = (10.0, 45.0, 10.6, 45.4)  # ~47 x 44 km of northern Italy
CHUNK = 256
SEED = 24


def footprints(cache: Path, count: int, box: tuple[float, ...] = BOX, name: str = "") -> Path:
    """`count` rectangles of 8-30 m in `box`, EPSG:4326, written once."""
    path = cache / f"assets-{name or count}.gpkg"
    if path.is_file():
        return path
    import geopandas

    draw = np.random.default_rng(SEED)
    lon = draw.uniform(box[0], box[2], count)
    lat = draw.uniform(box[1], box[3], count)
    half_w = draw.uniform(4, 15, count) / (111_320 * np.cos(np.radians(lat)))
    half_h = draw.uniform(4, 15, count) / 110_574
    boxes = shapely.box(lon - half_w, lat - half_h, lon + half_w, lat + half_h)
    frame = geopandas.GeoDataFrame({"ref": [f"B{i:07d}" for i in range(count)]},
                                   geometry=boxes, crs="EPSG:4326")  # fmt: skip
    partial = path.with_suffix(".part.gpkg")
    frame.to_file(partial, driver="GPKG", engine="pyogrio")
    partial.rename(path)
    return path


def chunk_grid(points: int, box: tuple[float, ...] = BOX) -> tuple[int, list[list[float]]]:
    """Chunks of CHUNK points on a square grid of cells over `box`, as a layer's chunk index
    (`[chunk, unit, west, south, east, north, points]`): a chunk is a small patch of ground."""
    count = -(-points // CHUNK)
    side = math.ceil(math.sqrt(count))
    width, height = (box[2] - box[0]) / side, (box[3] - box[1]) / side
    rows = []
    for index in range(count):
        west, south = box[0] + (index % side) * width, box[1] + (index // side) * height
        size = min(CHUNK, points - index * CHUNK)
        rows.append([index, 0, west, south, west + width, south + height, size])
    return side, rows


def read_chunk(row: list[float]) -> object:
    """The synthetic chunk of an index row, the same every time it is read."""
    from tiler.layer.chunkreader import PublishedChunk

    index, size = int(row[0]), int(row[6])
    draw = np.random.default_rng((SEED, index))
    return PublishedChunk(
        index=index, unit=0, first_id=index * CHUNK, dates=(), pid=[""] * size,
        lon=draw.uniform(row[2], row[4], size), lat=draw.uniform(row[3], row[5], size),
        velocity=np.round(draw.normal(-1, 2, size), 1),
        attributes={"coherence": draw.uniform(0.5, 1, size),
                    "velocity_std": draw.uniform(0.1, 1.5, size)},
        displacement=None,
    )  # fmt: skip


def measure_join(cache: Path, work: Path, points: int, polygons: int) -> dict[str, Any]:
    """This script run under the process-tree sampler: its phases, wall, CPU and peak memory."""
    from proctree import check, measure

    footprints(cache, polygons)  # made outside the measured run
    work.mkdir(parents=True, exist_ok=True)
    log = work / "assetjoin.log"
    argv = [sys.executable, __file__, "--points", str(points), "--polygons", str(polygons),
            "--cache", str(cache)]  # fmt: skip
    found = check(measure(argv, log), log)
    phases = json.loads(log.read_text().strip().splitlines()[-1])
    return {
        **phases,
        "seconds": found.seconds,
        "cpu_seconds": found.cpu_seconds,
        "peak_rss": found.peak_rss,
    }


@click.command()
@click.option("--points", type=int, default=10_000_000)
@click.option("--polygons", type=int, default=1_000_000)
@click.option("--cache", type=click.Path(path_type=Path), default=Path("build/bench"))
@click.option("--make-only", is_flag=True, help="Only write the cached GeoPackage.")
def main(points: int, polygons: int, cache: Path, make_only: bool) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    path = footprints(cache, polygons)
    if make_only:
        return
    from tiler.assets.members import block_members
    from tiler.assets.source import AssetOptions
    from tiler.assets.statistics import asset_statistics
    from tiler.assets.store import spill_assets

    phases: dict[str, float] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        store = spill_assets(AssetOptions(path, id_field="ref"), Path(scratch), lambda w: None)
        phases["read_sort_s"] = time.perf_counter() - started
        mark = time.perf_counter()
        _, rows = chunk_grid(points)
        members = block_members(store, rows, lambda index: read_chunk(rows[index]))  # type: ignore[arg-type, return-value]
        phases["join_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        with_points = 0
        for block in store.blocks():
            mine = members.of_assets(block.first, block.first + len(block))
            stats = asset_statistics(mine, len(block), block.first)
            with_points += int((stats["points"] > 0).sum())
        phases["statistics_s"] = time.perf_counter() - mark
    click.echo(json.dumps({
        "points": points, "polygons": store.count, "pairs": len(members),
        "assets_with_points": with_points, **phases, "gpkg_bytes": path.stat().st_size,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
