"""Build one layer (level × period × geometry): ids, chunks, tile features, then tippecanoe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from . import tippecanoe
from .egms import iso_date
from .features import SOURCE_LAYER, geojson_lines, tile_attributes, write_lines
from .model import LayerKey, Source
from .spatial import Bounds
from .timeseries import ChunkSpec, chunk_path_template, chunks_needed, write_unit_chunks
from .unit import StagedUnit, stage

ATTRIBUTION = (
    "Contains modified Copernicus Sentinel data processed by the European Ground Motion Service "
    "(EGMS), Copernicus Land Monitoring Service"
)


@dataclass(slots=True)
class LayerResult:
    """What the manifest needs to know about a finished layer."""

    key: LayerKey
    points: int
    bounds: list[float]
    units: list[dict[str, object]]
    attributes: list[str]
    velocity: dict[str, float | None]
    chunk_size: int
    chunks: int
    tiles: Path
    dates: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LayerJob:
    key: LayerKey
    sources: list[Source]
    data_dir: Path  # OUT(staging)/data
    scratch_dir: Path
    chunk_size: int
    on_rows: Callable[[int], None] | None = None


def build_layer(job: LayerJob) -> LayerResult:
    """Stream every unit of the layer, write its chunks and features, then tile."""
    layer_dir = job.data_dir / job.key.id
    (layer_dir / "ts").mkdir(parents=True)
    features_path = job.scratch_dir / f"{job.key.id}.geojsonl"
    state = _LayerState()
    with open(features_path, "wb") as features:
        for index, source in enumerate(job.sources):
            unit = stage(source, job.scratch_dir / f"{job.key.id}-{index}.series", job.on_rows)
            _add_unit(job, state, index, unit, layer_dir, features)
            unit.series_path.unlink()
    tiles = layer_dir / "tiles.pmtiles"
    tippecanoe.run(
        tippecanoe.TileOptions(
            source=features_path,
            output=tiles,
            layer=SOURCE_LAYER,
            name=f"EGMS {job.key.label}",
            attribution=ATTRIBUTION,
            temp_dir=job.scratch_dir,
            cwd=job.data_dir.parent,
        )
    )
    features_path.unlink()
    return state.result(job, tiles)


class _LayerState:
    def __init__(self) -> None:
        self.next_id = 0
        self.points = 0
        self.chunks = 0
        self.bounds = Bounds()
        self.units: list[dict[str, object]] = []
        self.velocities: list[np.ndarray] = []
        self.columns: set[str] = set()
        self.dates: set[str] = set()

    def result(self, job: LayerJob, tiles: Path) -> LayerResult:
        return LayerResult(
            key=job.key,
            points=self.points,
            bounds=self.bounds.as_list(),
            units=self.units,
            attributes=tile_attributes(self.columns),
            velocity=velocity_range(self.velocities),
            chunk_size=job.chunk_size,
            chunks=self.chunks,
            tiles=tiles,
            dates=sorted(self.dates),
        )


def _add_unit(
    job: LayerJob, state: _LayerState, index: int, unit: StagedUnit, layer_dir: Path,
    features: BinaryIO,
) -> None:  # fmt: skip
    order = unit.curve_order()
    first_id = state.next_id
    ids = np.arange(first_id, first_id + unit.rows, dtype=np.int64)
    take = pa.array(order)
    lines = geojson_lines(
        ids, unit.lon[order], unit.lat[order], unit.pid.take(take),
        {name: values[order] for name, values in unit.static.items()}, index,
    )  # fmt: skip
    write_lines(lines, features)
    spec = ChunkSpec(job.key.id, index, job.chunk_size, layer_dir / "ts")
    state.chunks += write_unit_chunks(unit, order, first_id, spec)
    state.next_id = first_id + chunks_needed(unit.rows, job.chunk_size) * job.chunk_size
    state.points += unit.rows
    state.bounds.add(unit.lon, unit.lat)
    state.units.append(unit_entry(index, unit, first_id))
    state.columns.update(unit.static)
    state.dates.update(unit.source.dates)
    if "mean_velocity" in unit.static:
        state.velocities.append(unit.static["mean_velocity"])


def unit_entry(index: int, unit: StagedUnit, first_id: int) -> dict[str, object]:
    source = unit.source
    entry: dict[str, object] = {
        "index": index, "name": source.stem, "first_id": first_id, "points": unit.rows,
        "dates": len(source.dates), "first_date": iso_date(source.dates[0]),
        "last_date": iso_date(source.dates[-1]),
    }  # fmt: skip
    for name in ("track", "burst", "swath", "tile"):
        value = getattr(source, name)
        if value is not None:
            entry[name] = value
    return entry


def velocity_range(parts: list[np.ndarray]) -> dict[str, float | None]:
    """2nd and 98th percentiles of the layer's velocities (the colour scale's clip)."""
    values = np.concatenate(parts) if parts else np.zeros(0)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"p02": None, "p98": None}
    p02, p98 = np.percentile(values, [2, 98])
    return {"p02": round(float(p02), 2), "p98": round(float(p98), 2)}


def tile_zooms(path: Path) -> tuple[int, int]:
    """(minzoom, maxzoom) from a PMTiles header."""
    from pmtiles.reader import MmapSource, Reader

    with open(path, "rb") as stream:
        header = Reader(MmapSource(stream)).header()
    return int(header["min_zoom"]), int(header["max_zoom"])


def chunk_manifest(layer_id: str, size: int) -> dict[str, object]:
    return {"path": chunk_path_template(layer_id), "size": size, "encoding": "gzip"}
