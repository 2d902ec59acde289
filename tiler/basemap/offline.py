"""The offline basemap written into the site: Natural Earth tiled by tippecanoe (once per
machine: tiler/basemap/cache.py), a PMTiles file copied, or an identical archive linked from
the site being replaced."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tiler.basemap.cache import cached_copy, key
from tiler.basemap.choices import FILE_NAME, Basemap, online_entry
from tiler.basemap.topojson import ArcTable, area_features
from tiler.files import link_or_copy

SOURCE_LAYERS = ("land", "borders")
WORLD = (-180.0, -85.0, 180.0, 85.0)
WORLD_ATLAS = "countries-10m.json"
# Zoom 5 tiles in 16384 units (tippecanoe's --full-detail=14) are ~76 m a unit at 38° N, finer
# than Natural Earth's quantisation in world-atlas (0.0036° x 0.0017°, ~300 m x 190 m): the
# overzoomed z5 tiles hold every position the data has (measured: 75.8 % of the samples' points
# on land, 74.0 % with the raw data), the whole world in ~1.8 MB.
MAX_ZOOM = 5
FULL_DETAIL = 14
OFFLINE_ATTRIBUTION = "Natural Earth"
RECIPE_VERSION = 1  # of the offline tiling, in the cache key (tiler/basemap/cache.py)


def install(
    choice: Basemap,
    data_dir: Path,
    bounds: Sequence[float],
    scratch: Path,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Put the basemap into `data_dir` (the site's data/); return its manifest entry.

    `previous` is the manifest entry of the site being replaced (its data/ beside `data_dir`'s
    parent): an identical offline basemap is taken from it instead of being tiled again.
    The offline map covers the whole world whatever `bounds` are (no edge to pan to).
    """
    if choice.kind == "none":
        return {"kind": "none"}
    if not choice.local:
        return online_entry(choice, [])
    target = data_dir / FILE_NAME
    if choice.kind == "pmtiles":
        shutil.copyfile(choice.value, target)
        return {"kind": "pmtiles", "tiles": FILE_NAME, **archive_facts(target)}
    area = list(WORLD)
    entry = {"kind": "offline", "tiles": FILE_NAME, "layers": list(SOURCE_LAYERS),
             "source": f"Natural Earth 1:10m ({world_atlas_version()})",
             "attribution": OFFLINE_ATTRIBUTION, "area": area, "maxzoom": MAX_ZOOM}  # fmt: skip
    old_file = Path(previous.get("file", "")) if previous else None
    if previous and old_file and previous.get("entry") == entry and old_file.is_file():
        link_or_copy(str(old_file), str(target))
    else:
        cached_copy(_cache_name(entry), target, lambda path: _tile_offline(area, path, scratch))
    return entry


def _cache_name(entry: dict[str, Any]) -> str:
    """The cached archive's name: a key of what the tiling depends on (bump RECIPE_VERSION when
    `_tile_offline` changes in a way the entry and the recipe do not show)."""
    from tiler.tiles import tippecanoe

    version = tippecanoe.binary_version(tippecanoe.find_binary())
    parts: list[bytes | str] = [json.dumps(entry, sort_keys=True), world_atlas_file().read_bytes()]
    parts += [*polygon_recipe(entry["area"]), repr(version), str(RECIPE_VERSION)]
    return f"basemap-{key(*parts)}.pmtiles"


def _tile_offline(area: list[float], target: Path, scratch: Path) -> None:
    from tiler.tiles import tippecanoe

    topology = json.loads(world_atlas_file().read_text(encoding="utf-8"))
    arcs = ArcTable(topology.pop("arcs"), topology.get("transform"))
    source = scratch / "basemap.geojsonl"
    with open(source, "w", encoding="utf-8") as stream:
        for feature in area_features(topology, area, arcs):
            stream.write(json.dumps(feature, separators=(",", ":")) + "\n")
    tippecanoe.run(
        tippecanoe.TileOptions(
            source=source, output=target, layer="land", name="Natural Earth basemap",
            attribution=OFFLINE_ATTRIBUTION, temp_dir=scratch, string_attributes=(),
            cwd=scratch, recipe=polygon_recipe(area),
        )
    )  # fmt: skip
    source.unlink()


def polygon_recipe(area: Sequence[float]) -> tuple[str, ...]:
    """tippecanoe options for land and borders: z0-MAX_ZOOM, exact clip, shapes kept whole, the
    last zoom at FULL_DETAIL (what the viewer overzooms to street level). Land polygons share no
    edges, so no --detect-shared-borders (it cost 1.7 s of 7.4 s for the world)."""
    west, south, east, north = area
    return (
        "--minimum-zoom=0", f"--maximum-zoom={MAX_ZOOM}",
        f"--clip-bounding-box={west},{south},{east},{north}",
        "--no-tile-size-limit", "--no-feature-limit", f"--full-detail={FULL_DETAIL}",
        "--simplification=2",
    )  # fmt: skip


def archive_facts(path: Path) -> dict[str, Any]:
    """Tile type and vector layer names of a PMTiles archive (how the viewer draws it)."""
    from pmtiles.reader import MmapSource, Reader
    from pmtiles.tile import TileType

    with open(path, "rb") as stream:
        reader = Reader(MmapSource(stream))
        header, metadata = reader.header(), reader.metadata()
    tile_type = header["tile_type"]
    kind = {TileType.MVT: "vector", TileType.PNG: "raster", TileType.JPEG: "raster",
            TileType.WEBP: "raster", TileType.AVIF: "raster"}.get(tile_type, "unknown")  # fmt: skip
    layers = [layer.get("id") for layer in metadata.get("vector_layers", [])]
    facts: dict[str, Any] = {"tile_type": kind, "layers": [x for x in layers if x]}
    if metadata.get("attribution"):
        facts["attribution"] = str(metadata["attribution"])
    return facts


def world_atlas_file() -> Path:
    from tiler.resources import resource_dir

    return resource_dir("site", "naturalearth") / WORLD_ATLAS


def world_atlas_version() -> str:
    from tiler.resources import resource_dir

    versions = resource_dir("site", "naturalearth") / "VERSIONS.txt"
    for line in versions.read_text(encoding="utf-8").splitlines():
        if line.startswith("world-atlas "):
            return line.strip()
    return "world-atlas"
