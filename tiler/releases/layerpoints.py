"""A built layer's points as the arrays the matching rule reads, and its chunks' extent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tiler.layer.chunkreader import read_layer
from tiler.spatial import lonlat_to_laea

from .match import Points


@dataclass(frozen=True, slots=True)
class LayerPoints:
    """Every point of a layer in id order (`ids`), and its chunks as (chunk, first id, rows)."""

    points: Points
    ids: np.ndarray
    chunks: list[tuple[int, int, int]]


def read_points(data: Path, layer: dict[str, Any]) -> LayerPoints:
    """The layer's pids, EPSG:3035 positions, heights and tracks, read chunk by chunk."""
    tracks = {unit["index"]: unit.get("track", 0) for unit in layer["units"]}
    parts: dict[str, list[np.ndarray]] = {"pid": [], "lon": [], "lat": [], "height": [],
                                          "track": [], "ids": []}  # fmt: skip
    chunks = []
    for chunk in read_layer(data, layer, series=False):
        rows = len(chunk.pid)
        chunks.append((chunk.index, chunk.first_id, rows))
        parts["pid"].append(np.array(chunk.pid, dtype="S"))
        parts["lon"].append(chunk.lon)
        parts["lat"].append(chunk.lat)
        parts["height"].append(chunk.attribute("height").astype(np.float32))
        parts["track"].append(np.full(rows, tracks.get(chunk.unit, 0), dtype=np.int32))
        parts["ids"].append(chunk.ids)
    joined = {name: np.concatenate(values) if values else np.zeros(0)
              for name, values in parts.items()}  # fmt: skip
    x, y = lonlat_to_laea(joined["lon"], joined["lat"])
    points = Points(joined["pid"].astype("S"), x, y, joined["height"].astype(np.float32),
                    joined["track"].astype(np.int32))  # fmt: skip
    return LayerPoints(points, joined["ids"].astype(np.int64), chunks)
