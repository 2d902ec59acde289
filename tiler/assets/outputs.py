"""The files of one layer's assets, written a block of assets at a time: stats chunks, series
chunks, CSV, GeoPackage and the tile features (docs/site-data.md, "Assets")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from tiler.assets.meanseries import AssetSeries
from tiler.assets.source import KINDS
from tiler.assets.statistics import COUNTS, STATISTICS
from tiler.assets.store import SIDES, AssetBlock, AssetStore
from tiler.files import write_gzip

STATS_SIZE = 4096  # assets per stats chunk (~60 KB gzip): what the table loads for a view
SERIES_SIZE = 256  # assets per series chunk: what a click loads
SOURCE_LAYER = "assets"
RANGE_NAMES = ("min", "p02", "p50", "p98", "max")
RANGE_SAMPLE = 65_536  # assets whose statistics the colour ranges' percentiles use, at most
RANGED = (*STATISTICS, "points", "points_ok")  # what the manifest gives colour ranges of
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


def index_document(store: AssetStore) -> dict[str, Any]:
    """The extent of each stats chunk's assets (the same in every layer)."""
    rows = []
    for block in store.blocks():
        for first in range(0, len(block), STATS_SIZE):
            box = block.bounds[first : first + STATS_SIZE]
            extent = [box[:, 0].min(), box[:, 1].min(), box[:, 2].max(), box[:, 3].max()]
            rows.append([(block.first + first) // STATS_SIZE,
                         *np.round(extent, 6).tolist(), len(box)])  # fmt: skip
    return {"size": STATS_SIZE, "chunks": rows}


class LayerOutputs:
    """One layer's asset files, open while its blocks are added."""

    def __init__(self, folder: Path, layer: dict[str, Any], count: int) -> None:
        self.folder, self.layer = folder, layer
        self.csv: pacsv.CSVWriter | None = None
        self.features = open(folder / "features.geojsonl", "w", encoding="utf-8")  # noqa: SIM115
        self.step = max(1, count // RANGE_SAMPLE)
        self.sample: dict[str, list[np.ndarray]] = {name: [] for name in RANGED}
        self.with_points = self.with_quality_points = 0

    def add(self, block: AssetBlock, stats: dict[str, np.ndarray],
            series: Iterable[AssetSeries]) -> None:  # fmt: skip
        self.write_stats_chunks(block, stats)
        for chunk in series:
            json_gzip(self.folder / "series" / f"{chunk.first // SERIES_SIZE}.json.gz",
                      {"layer": self.layer["id"], "first": chunk.first,
                       "dates": [list(dates) for dates in chunk.date_sets],
                       "assets": chunk.series})  # fmt: skip
        columns = table(block, stats, self.layer["id"])
        self.write_table(columns, block)
        self.write_features(block, stats)
        for name in RANGED:
            self.sample[name].append(stats[name][(-block.first) % self.step :: self.step])
        self.with_points += int((stats["points"] > 0).sum())
        self.with_quality_points += int((stats["points_ok"] > 0).sum())

    def write_stats_chunks(self, block: AssetBlock, stats: dict[str, np.ndarray]) -> None:
        for first in range(0, len(block), STATS_SIZE):
            part = slice(first, first + STATS_SIZE)
            document = {
                "layer": self.layer["id"], "first": block.first + first, "id": block.ids[part],
                "kind": [KINDS[kind] for kind in block.kinds[part]],
                "bbox": np.round(block.bounds[part], 6).tolist(),
                **{name: stats[name][part].astype(int).tolist() for name in COUNTS},
                **{name: values(stats[name][part]) for name in STATISTICS},
            }  # fmt: skip
            chunk = (block.first + first) // STATS_SIZE
            json_gzip(self.folder / "stats" / f"{chunk}.json.gz", document)

    def write_table(self, columns: dict[str, Any], block: AssetBlock) -> None:
        import geopandas

        arrow = pa.table({name: pa.array(column, from_pandas=True)
                          for name, column in columns.items()})  # fmt: skip
        self.csv = self.csv or pacsv.CSVWriter(self.folder / "assets.csv", arrow.schema)
        self.csv.write_table(arrow)
        frame = geopandas.GeoDataFrame(columns, geometry=block.geometries(), crs="EPSG:4326")
        frame.to_file(self.folder / "assets.gpkg", driver="GPKG", layer=SOURCE_LAYER,
                      engine="pyogrio", mode="a" if block.first else "w")  # fmt: skip

    def write_features(self, block: AssetBlock, stats: dict[str, np.ndarray]) -> None:
        shapes = shapely.to_geojson(block.geometries())  # tippecanoe rounds them to its grid
        for offset, shape in enumerate(shapes):
            properties = feature_properties(block, stats, offset)
            self.features.write(f'{{"type":"Feature","id":{block.first + offset},"properties":'
                                f'{json.dumps(properties, ensure_ascii=False)},'
                                f'"geometry":{shape}}}\n')  # fmt: skip

    def close(self) -> dict[str, Any]:
        """What the manifest says of the layer's assets."""
        if self.csv is not None:
            self.csv.close()
        self.features.close()
        return {"with_points": self.with_points, "with_quality_points": self.with_quality_points,
                "ranges": ranges({name: np.concatenate(parts) if parts else np.zeros(0)
                                  for name, parts in self.sample.items()})}  # fmt: skip


def table(block: AssetBlock, stats: dict[str, Any], layer_id: str) -> dict[str, Any]:
    """The asset table's columns (CSV and GeoPackage), in order."""
    return {
        "asset": np.arange(block.first, block.first + len(block)), "id": block.ids,
        "kind": np.array(KINDS)[block.kinds], "layer": np.full(len(block), layer_id),
        **{name: stats[name].astype(np.int64) for name in COUNTS},
        **{CSV_COLUMNS[name]: np.round(stats[name], 2) for name in STATISTICS},
        **{side: np.round(block.bounds[:, index], 6) for index, side in enumerate(SIDES)},
    }  # fmt: skip


def feature_properties(block: AssetBlock, stats: dict[str, Any], index: int) -> dict[str, Any]:
    properties: dict[str, Any] = {"id": block.ids[index], "kind": KINDS[block.kinds[index]],
                                  "points": int(stats["points"][index]),
                                  "points_ok": int(stats["points_ok"][index])}  # fmt: skip
    if properties["points_ok"]:
        properties["units"] = int(stats["units"][index])
        properties.update({name: round(float(stats[name][index]), 2) for name in STATISTICS})
    return properties


def asset_recipe() -> tuple[str, ...]:
    """tippecanoe options for the asset polygons: every asset kept at zoom 14 (as the points),
    small shapes kept as shapes, lower zooms thinned where they are dense. Footprints share few
    edges: --detect-shared-borders cost most of the tiling (11 s for 100,000 footprints)."""
    return ("--minimum-zoom=0", "--maximum-zoom=14", "--drop-densest-as-needed",
            "--extend-zooms-if-still-dropping", "--no-tiny-polygon-reduction")  # fmt: skip


def ranges(stats: dict[str, np.ndarray]) -> dict[str, dict[str, float | None]]:
    """min, p02, p50, p98, max of each statistic over the (sampled) assets that have it."""
    out = {}
    for name in RANGED:
        present = stats[name][~np.isnan(stats[name].astype(np.float64))]
        if len(present):
            quantiles = np.quantile(present, [0, 0.02, 0.5, 0.98, 1])
            out[name] = dict(zip(RANGE_NAMES, values(quantiles), strict=True))
    return out
