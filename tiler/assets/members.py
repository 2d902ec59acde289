"""Which points of a layer lie in which asset: the pairs (asset, point) with what the statistics
need of the point. The assets come a block at a time (store.py), each block's points from the
layer's chunks whose extent meets the block's, parsed without their series."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from tiler.assets.store import AssetStore
from tiler.layer.chunkreader import PublishedChunk, chunk_rows, read_chunk

# The default quality filter: a point counts in an asset's statistics when its temporal
# coherence (L2) is at least this and its velocity's standard error at most this (mm/yr)
MIN_COHERENCE = 0.7
MAX_VELOCITY_STD = 1.0


@dataclass(frozen=True, slots=True)
class Members:
    """One row per (asset, point) pair, sorted by asset then point id."""

    asset: np.ndarray  # int64 asset id
    point: np.ndarray  # int64 feature id
    unit: np.ndarray  # int32
    velocity: np.ndarray  # float64 mm/yr
    ok: np.ndarray  # bool: passes the quality filter

    def __len__(self) -> int:
        return len(self.asset)

    def where(self, keep: np.ndarray | slice) -> Members:
        return Members(self.asset[keep], self.point[keep], self.unit[keep],
                       self.velocity[keep], self.ok[keep])  # fmt: skip

    def of_assets(self, first: int, last: int) -> Members:
        """The pairs of assets `first .. last - 1`."""
        low, high = np.searchsorted(self.asset, [first, last])
        return self.where(slice(int(low), int(high)))


def passes_quality(chunk: PublishedChunk) -> np.ndarray:
    """The default quality filter (a missing coherence, as in L3, does not count against)."""
    coherence = chunk.attribute("coherence")
    sigma = chunk.attribute("velocity_std")
    with np.errstate(invalid="ignore"):
        good_coherence = np.isnan(coherence) | (coherence >= MIN_COHERENCE)
        good_sigma = sigma <= MAX_VELOCITY_STD
    return good_coherence & good_sigma & ~np.isnan(chunk.velocity)


def layer_members(data: Path, layer: dict[str, Any], store: AssetStore) -> Members:
    """Every (asset, point) pair of `layer`."""
    return block_members(store, chunk_rows(data, layer),
                         lambda index: read_chunk(data, layer, index, series=False))  # fmt: skip


def block_members(
    store: AssetStore, rows: list[list[float]], read: Callable[[int], PublishedChunk]
) -> Members:  # fmt: skip
    """The pairs of the assets of `store`, a block at a time, with the points of the chunks
    (`rows`: the chunk index, `read`: a chunk by number) whose extent meets the block's."""
    extents = np.array([row[2:6] for row in rows]).reshape(-1, 4)
    parts: list[Members] = []
    for block in store.blocks():
        west, south, east, north = block.extent()
        meets = ((extents[:, 0] <= east) & (west <= extents[:, 2])
                 & (extents[:, 1] <= north) & (south <= extents[:, 3]))  # fmt: skip
        chunks = (read(int(rows[index][0])) for index in np.flatnonzero(meets))
        parts.append(chunk_members(chunks, shapely.STRtree(block.geometries()), block.first))
    return joined(parts)


def chunk_members(
    chunks: Iterable[PublishedChunk], tree: shapely.STRtree, first_asset: int = 0
) -> Members:  # fmt: skip
    """The (asset, point) pairs of the points of `chunks` in the assets of `tree` (numbered
    from `first_asset`)."""
    parts: list[Members] = []
    for chunk in chunks:
        point_index, asset = tree.query(shapely.points(chunk.lon, chunk.lat),
                                        predicate="intersects")  # fmt: skip
        if len(asset):
            parts.append(Members(
                asset.astype(np.int64) + first_asset, chunk.ids[point_index],
                np.full(len(asset), chunk.unit, dtype=np.int32), chunk.velocity[point_index],
                passes_quality(chunk)[point_index]))  # fmt: skip
    return joined(parts)


def joined(parts: list[Members]) -> Members:
    """The pairs of `parts` together, sorted by asset then point."""
    if not parts:
        empty = np.zeros(0)
        return Members(empty.astype(np.int64), empty.astype(np.int64), empty.astype(np.int32),
                       empty, empty.astype(bool))  # fmt: skip
    members = Members(*(np.concatenate([getattr(part, name) for part in parts])
                        for name in ("asset", "point", "unit", "velocity", "ok")))  # fmt: skip
    return members.where(np.lexsort((members.point, members.asset)))
