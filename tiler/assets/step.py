"""The asset step of a build: after the layers, each layer's points joined to the user's assets,
the statistics, series, exports and tiles written under `data/assets/`, and the manifest's
`assets` entry. Unchanged assets and layers reuse the previous site's files."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tiler.assets.meanseries import PointChunks, asset_series
from tiler.assets.members import MAX_VELOCITY_STD, MIN_COHERENCE, layer_members
from tiler.assets.outputs import (
    SERIES_SIZE,
    SOURCE_LAYER,
    STATS_SIZE,
    LayerOutputs,
    asset_recipe,
    index_document,
)
from tiler.assets.source import AssetOptions
from tiler.assets.statistics import asset_statistics
from tiler.assets.store import AssetStore, spill_assets
from tiler.errors import InputError, InputWarning
from tiler.files import link_or_copy
from tiler.tiles import tippecanoe

FOLDER = "assets"
STEP_VERSION = 1  # bump when the asset files change, so old ones are not reused


def step_key(options: AssetOptions, file_digest: str, layers: list[dict[str, Any]]) -> str:
    """What the asset files depend on: the file, the options, the filter, the layers' inputs."""
    parts = [STEP_VERSION, file_digest, options.buffer, options.id_field, MIN_COHERENCE,
             MAX_VELOCITY_STD, [layer.get("build_key") for layer in layers]]  # fmt: skip
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def asset_step(
    options: AssetOptions, key: str, data: Path, layers: list[dict[str, Any]],
    previous: tuple[Path, dict[str, Any]] | None, log: Callable[[str], None],
    warn: Callable[[InputWarning], None],
) -> dict[str, Any]:  # fmt: skip
    """Write `data/assets/` and return the manifest's `assets` entry."""
    if previous is not None and previous[1].get("build_key") == key:
        old_folder, entry = previous
        if old_folder.is_dir():
            shutil.copytree(old_folder, data / FOLDER, copy_function=link_or_copy)
            log(f"assets: {options.path.name} and the layers unchanged, reused")
            for said in entry.get("warnings", []):  # said again: --strict must see them
                warn(InputWarning(*said))
            return entry
    warnings: list[InputWarning] = []
    folder = data / FOLDER
    folder.mkdir()
    with tempfile.TemporaryDirectory(prefix=".assets-", dir=data.parent) as scratch:
        store = spill_assets(options, Path(scratch), warnings.append)
        check_place(options, store, layers, warnings.append)
        for warning in warnings:
            warn(warning)
        log(f"assets: {store.count} from {options.path.name}")
        (folder / "index.json").write_text(json.dumps(index_document(store)), encoding="utf-8")
        per_layer = {layer["id"]: layer_assets(data, layer, store) for layer in layers}
    return {
        "name": options.path.name, "id_field": options.id_field, "buffer_m": options.buffer,
        "count": store.count, "kinds": store.kinds,
        "quality": {"min_coherence": MIN_COHERENCE, "max_velocity_std": MAX_VELOCITY_STD},
        "bounds": store.extent, "index": f"{FOLDER}/index.json",
        "stats_size": STATS_SIZE, "series_size": SERIES_SIZE, "layers": per_layer,
        "build_key": key, "warnings": [[w.path, w.problem, w.fix] for w in warnings],
    }  # fmt: skip


def check_place(
    options: AssetOptions, store: AssetStore, layers: list[dict[str, Any]],
    warn: Callable[[InputWarning], None],
) -> None:  # fmt: skip
    """Assets nowhere near the points mostly mean a wrong CRS: say so."""
    west, south, east, north = store.extent
    if not all(math.isfinite(value) for value in store.extent):
        problem = "its coordinates do not transform to longitude and latitude"
        raise InputError(options.path, problem, "check the file's CRS: it does not fit them")
    if any(west <= b[2] and b[0] <= east and south <= b[3] and b[1] <= north
           for b in (layer["bounds"] for layer in layers)):  # fmt: skip
        return
    warn(InputWarning(str(options.path), f"none of its {store.count} assets lies where the "
                      f"points are (its extent: {west:.4f}, {south:.4f}, {east:.4f}, {north:.4f})",
                      "check the file's CRS (a wrong or missing .prj?) and the area"))  # fmt: skip


def layer_assets(data: Path, layer: dict[str, Any], store: AssetStore) -> dict[str, Any]:
    """One layer's asset files, a block of assets at a time; its manifest entry."""
    layer_id = layer["id"]
    folder = data / FOLDER / layer_id
    folder.mkdir(parents=True)
    members = layer_members(data, layer, store)
    points = PointChunks(data, layer)
    unit_dates = points.unit_dates()
    outputs = LayerOutputs(folder, layer, store.count)
    try:
        for block in store.blocks():
            mine = members.of_assets(block.first, block.first + len(block))
            stats = asset_statistics(mine, len(block), block.first)
            series = asset_series(points, mine, (block.first, len(block)), SERIES_SIZE,
                                  unit_dates)  # fmt: skip
            outputs.add(block, stats, series)
    finally:
        summary = outputs.close()
    write_tiles(folder, layer)
    base = f"{FOLDER}/{layer_id}"
    return {
        "tiles": f"{base}/tiles.pmtiles", "source_layer": SOURCE_LAYER,
        "stats": f"{base}/stats/{{chunk}}.json.gz", "series": f"{base}/series/{{chunk}}.json.gz",
        "csv": f"{base}/assets.csv", "gpkg": f"{base}/assets.gpkg", **summary,
    }  # fmt: skip


def write_tiles(folder: Path, layer: dict[str, Any]) -> None:
    source = folder / "features.geojsonl"
    try:
        tippecanoe.run(tippecanoe.TileOptions(
            source=source, output=folder / "tiles.pmtiles", layer=SOURCE_LAYER,
            name=f"Assets, {layer['label']}", temp_dir=folder, string_attributes=("id",),
            cwd=folder, recipe=asset_recipe(), subject=f"the assets of {layer['id']}",
        ))  # fmt: skip
    finally:
        source.unlink()
