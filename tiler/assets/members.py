"""Which points of a layer lie in which asset: the pairs (asset, point) with what the statistics
need of the point, read from the layer's chunks one at a time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from tiler.layer.chunkreader import PublishedChunk, read_layer

# The default quality filter: a point counts in an asset's statistics when its temporal
# coherence (L2) is at least this and its velocity's standard error at most this (mm/yr)
MIN_COHERENCE = 0.7
MAX_VELOCITY_STD = 1.0


@dataclass(frozen=True, slots=True)
class Members:
    """One row per (asset, point) pair, sorted by asset then point id."""

    asset: np.ndarray  # int32
    point: np.ndarray  # int64 feature id
    unit: np.ndarray  # int32
    velocity: np.ndarray  # float64 mm/yr
    ok: np.ndarray  # bool: passes the quality filter

    def __len__(self) -> int:
        return len(self.asset)

    def where(self, keep: np.ndarray) -> Members:
        return Members(self.asset[keep], self.point[keep], self.unit[keep],
                       self.velocity[keep], self.ok[keep])  # fmt: skip


def passes_quality(chunk: PublishedChunk) -> np.ndarray:
    """The default quality filter (a missing coherence, as in L3, does not count against)."""
    coherence = chunk.attribute("coherence")
    sigma = chunk.attribute("velocity_std")
    with np.errstate(invalid="ignore"):
        good_coherence = np.isnan(coherence) | (coherence >= MIN_COHERENCE)
        good_sigma = sigma <= MAX_VELOCITY_STD
    return good_coherence & good_sigma & ~np.isnan(chunk.velocity)


def layer_members(
    data: Path, layer: dict[str, Any], tree: shapely.STRtree, box: list[float]
) -> Members:
    """Every (asset, point) pair of `layer`, for the assets in `tree` (whose extent is `box`)."""
    parts: list[tuple[np.ndarray, ...]] = []
    for chunk in read_layer(data, layer, series=False, box=(box[0], box[1], box[2], box[3])):
        point_index, asset = tree.query(shapely.points(chunk.lon, chunk.lat),
                                        predicate="intersects")  # fmt: skip
        if not len(asset):
            continue
        ok = passes_quality(chunk)[point_index]
        parts.append((asset.astype(np.int32), chunk.ids[point_index],
                      np.full(len(asset), chunk.unit, dtype=np.int32),
                      chunk.velocity[point_index], ok))  # fmt: skip
    return sorted_members(parts)


def sorted_members(parts: list[tuple[np.ndarray, ...]]) -> Members:
    if not parts:
        empty = np.zeros(0)
        return Members(empty.astype(np.int32), empty.astype(np.int64), empty.astype(np.int32),
                       empty, empty.astype(bool))  # fmt: skip
    columns = [np.concatenate([part[index] for part in parts]) for index in range(5)]
    members = Members(*columns)
    return members.where(np.lexsort((members.point, members.asset)))
