"""The files of one layer's assets: stats chunks, series chunks, CSV, GeoPackage, tiles
(docs/site-data.md, "Assets")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from tiler.assets.assetset import AssetSet
from tiler.assets.meanseries import AssetSeries
from tiler.assets.source import KINDS
from tiler.assets.statistics import COUNTS, STATISTICS
from tiler.files import write_gzip

STATS_SIZE = 4096  # assets per stats chunk (~60 KB gzip): what the table loads for a view
SERIES_SIZE = 256  # assets per series chunk: what a click loads
SOURCE_LAYER = "assets"
RANGE_NAMES = ("min", "p02", "p50", "p98", "max")
CSV_COLUMNS = {  # statistic: its CSV column (with the unit)
    "mean": "mean_velocity_mm_yr", "median": "median_velocity_mm_yr",
    "p05": "p05_velocity_mm_yr", "p95": "p95_velocity_mm_yr",
    "std": "velocity_spread_std_mm_yr", "diff": "differential_velocity_mm_yr",
}  # fmt: skip


def values(array: np.ndarray, decimals: int = 2) -> list[float | None]:
    return [None if np.isnan(value) else round(float(value), decimals) for value in array]


def json_gzip(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_gzip(path, json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())


def write_stats_chunks(folder: Path, layer: str, assets: AssetSet, stats: dict[str, Any]) -> None:
    for first in range(0, len(assets), STATS_SIZE):
        part = slice(first, first + STATS_SIZE)
        document = {
            "layer": layer, "first": first, "id": assets.ids[part].tolist(),
            "kind": [KINDS[kind] for kind in assets.kinds[part]],
            "bbox": np.round(assets.bounds[part], 6).tolist(),
            **{name: stats[name][part].astype(int).tolist() for name in COUNTS},
            **{name: values(stats[name][part]) for name in STATISTICS},
        }  # fmt: skip
        json_gzip(folder / "stats" / f"{first // STATS_SIZE}.json.gz", document)


def write_series_chunks(folder: Path, layer: str, chunks: Iterable[AssetSeries]) -> None:
    for chunk in chunks:
        document = {"layer": layer, "first": chunk.first,
                    "dates": [list(dates) for dates in chunk.date_sets], "assets": chunk.series}
        json_gzip(folder / "series" / f"{chunk.first // SERIES_SIZE}.json.gz", document)


def index_document(assets: AssetSet) -> dict[str, Any]:
    rows = []
    for first in range(0, len(assets), STATS_SIZE):
        box = assets.bounds[first : first + STATS_SIZE]
        rows.append([first // STATS_SIZE, *np.round([box[:, 0].min(), box[:, 1].min(),
                     box[:, 2].max(), box[:, 3].max()], 6).tolist(), len(box)])  # fmt: skip
    return {"size": STATS_SIZE, "chunks": rows}


def table(assets: AssetSet, stats: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """The asset table's columns (CSV and GeoPackage), in order."""
    return {
        "asset": np.arange(len(assets)), "id": assets.ids.astype(str),
        "kind": np.array(KINDS)[assets.kinds], "layer": np.full(len(assets), layer["id"]),
        **{name: stats[name].astype(np.int64) for name in COUNTS},
        **{CSV_COLUMNS[name]: np.round(stats[name], 2) for name in STATISTICS},
        **{side: np.round(assets.bounds[:, index], 6)
           for index, side in enumerate(("west", "south", "east", "north"))},
    }  # fmt: skip


def write_csv(path: Path, columns: dict[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    arrays = {name: pa.array(column, from_pandas=True) for name, column in columns.items()}
    pacsv.write_csv(pa.table(arrays), path)


def write_geopackage(path: Path, columns: dict[str, Any], assets: AssetSet) -> None:
    import geopandas

    frame = geopandas.GeoDataFrame(columns, geometry=assets.geometries, crs="EPSG:4326")
    frame.to_file(path, driver="GPKG", layer=SOURCE_LAYER, engine="pyogrio")


def write_tile_features(path: Path, assets: AssetSet, stats: dict[str, Any]) -> None:
    """Newline-delimited GeoJSON features for tippecanoe, in slices."""
    with open(path, "w", encoding="utf-8") as stream:
        for first in range(0, len(assets), STATS_SIZE):
            part = slice(first, first + STATS_SIZE)
            shapes = shapely.to_geojson(shapely.set_precision(assets.geometries[part], 1e-7))
            for offset, shape in enumerate(shapes):
                index = first + offset
                properties = feature_properties(assets, stats, index)
                stream.write(f'{{"type":"Feature","id":{index},"properties":'
                             f'{json.dumps(properties, ensure_ascii=False)},"geometry":{shape}}}\n')


def feature_properties(assets: AssetSet, stats: dict[str, Any], index: int) -> dict[str, Any]:
    properties: dict[str, Any] = {"id": str(assets.ids[index]), "kind": KINDS[assets.kinds[index]],
                                  "points": int(stats["points"][index]),
                                  "points_ok": int(stats["points_ok"][index])}  # fmt: skip
    if properties["points_ok"]:
        properties["units"] = int(stats["units"][index])
        properties.update({name: round(float(stats[name][index]), 2) for name in STATISTICS})
    return properties


def asset_recipe() -> tuple[str, ...]:
    """tippecanoe options for the asset polygons: every asset kept at zoom 14 (as the points),
    small shapes kept as shapes, lower zooms thinned where they are dense."""
    return ("--minimum-zoom=0", "--maximum-zoom=14", "--drop-densest-as-needed",
            "--extend-zooms-if-still-dropping", "--no-tiny-polygon-reduction",
            "--detect-shared-borders")  # fmt: skip


def ranges(stats: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """min, p02, p50, p98, max of each statistic over the assets that have it."""
    out = {}
    for name in STATISTICS:
        present = stats[name][~np.isnan(stats[name])]
        if len(present):
            quantiles = np.quantile(present, [0, 0.02, 0.5, 0.98, 1])
            out[name] = dict(zip(RANGE_NAMES, values(quantiles), strict=True))
    return out
