"""Each asset's mean displacement series and the spread between its points (±1σ band), written
as chunks of assets; the points' series are read from the layer's chunks, a few at a time.

Assets are numbered along a space-filling curve, so a chunk of assets is a small patch of ground
whose points lie in a few point chunks; those stay cached while the next assets need them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tiler.assets.members import Members
from tiler.assets.statistics import main_units, shifted
from tiler.layer.chunkreader import PublishedChunk, chunk_rows, read_chunk

CACHED_CHUNKS = 64  # decoded point chunks kept (~0.5 MB each at 250 dates)


@dataclass(frozen=True, slots=True)
class AssetSeries:
    """The mean series of assets `first ..` (None for an asset without a passing point)."""

    first: int
    date_sets: list[tuple[str, ...]]
    series: list[dict[str, Any] | None]


class PointChunks:
    """A layer's point chunks, decoded on demand, the last CACHED_CHUNKS kept."""

    def __init__(self, data: Path, layer: dict[str, Any]) -> None:
        self.data, self.layer = data, layer
        self.cache: OrderedDict[int, PublishedChunk] = OrderedDict()

    def get(self, index: int) -> PublishedChunk:
        if index in self.cache:
            self.cache.move_to_end(index)
            return self.cache[index]
        chunk = self.cache[index] = read_chunk(self.data, self.layer, index)
        if len(self.cache) > CACHED_CHUNKS:
            self.cache.popitem(last=False)
        return chunk

    def unit_dates(self) -> dict[int, tuple[str, ...]]:
        """Each processing unit's dates, from its first chunk."""
        dates: dict[int, tuple[str, ...]] = {}
        for row in chunk_rows(self.data, self.layer):
            if int(row[1]) not in dates:
                dates[int(row[1])] = self.get(int(row[0])).dates
        return dates


def series_members(members: Members, count: int, unit_dates: dict[int, tuple[str, ...]]) -> tuple[
    Members, np.ndarray, list[tuple[str, ...]], np.ndarray
]:  # fmt: skip
    """The pairs each asset's mean series averages: passing points of the units measured on the
    dates of its main unit (most of its points). Also each asset's date set (-1: none), the date
    sets, and how many passing points were left out for other dates."""
    sets: list[tuple[str, ...]] = []
    set_of_unit = np.full(max(unit_dates, default=0) + 1, -1, dtype=np.int64)
    for unit, dates in sorted(unit_dates.items()):
        if dates not in sets:
            sets.append(dates)
        set_of_unit[unit] = sets.index(dates)
    main = main_units(members, count)
    asset_set = np.where(main >= 0, set_of_unit[np.maximum(main, 0)], -1)
    good = members.where(members.ok)
    kept = good.where(set_of_unit[good.unit] == asset_set[good.asset])
    used = np.bincount(kept.asset, minlength=count)
    left_out = np.bincount(good.asset, minlength=count) - used
    return kept, asset_set, sets, np.column_stack([used, left_out])


def asset_series(
    points: PointChunks, members: Members, block: tuple[int, int], size: int,
    unit_dates: dict[int, tuple[str, ...]],
) -> Iterator[AssetSeries]:  # fmt: skip
    """The series of the assets of `block` (first id, count; the pairs are theirs), `size`
    assets at a time."""
    offset, count = block
    kept, asset_set, sets, counts = series_members(shifted(members, offset), count, unit_dates)
    chunk_size = int(points.layer["chunks"]["size"])
    for first in range(0, count, size):
        last = min(first + size, count)
        part = kept.of_assets(first, last)
        used = sorted({int(s) for s in asset_set[first:last] if s >= 0})
        width = max((len(sets[s]) for s in used), default=0)
        sums = accumulate(points, part, (first, last - first, width), chunk_size)
        yield AssetSeries(offset + first, [sets[s] for s in used], [
            series_entry(sums, index - first, used.index(int(asset_set[index])),
                         len(sets[asset_set[index]]), counts[index])
            if asset_set[index] >= 0 else None
            for index in range(first, last)
        ])  # fmt: skip


def accumulate(
    points: PointChunks, part: Members, shape: tuple[int, int, int], chunk_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Per asset and date: the sum, the sum of squares and the count of its points' values.
    `shape`: the first asset, how many, the most dates of their date sets (each point read
    once: the dates were known before any chunk of theirs was decoded)."""
    first, assets, width = shape
    total, squares, counts = (np.zeros((assets, width)) for _ in range(3))
    which = part.point // chunk_size
    for index in np.unique(which):
        chunk = points.get(int(index))
        rows = part.where(which == index)
        values = chunk.displacement[rows.point - chunk.first_id]  # type: ignore[index]
        present = ~np.isnan(values)
        values = np.where(present, values, 0.0)
        local = rows.asset - first
        columns = values.shape[1]
        np.add.at(total[:, :columns], local, values)
        np.add.at(squares[:, :columns], local, values * values)
        np.add.at(counts[:, :columns], local, present)
    return total, squares, counts


def series_entry(
    sums: tuple[np.ndarray, np.ndarray, np.ndarray], row: int, dates: int, length: int,
    counts: np.ndarray,
) -> dict[str, Any]:  # fmt: skip
    """One asset's entry: `counts` is (points averaged, passing points left out)."""
    total, squares, present = (array[row, :length] for array in sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / present
        std = np.sqrt(np.maximum(squares / present - mean * mean, 0.0))
    return {"dates": dates, "mean": rounded(mean), "std": rounded(std),
            "n": present.astype(np.int64).tolist(), "points": int(counts[0]),
            "left_out": int(counts[1])}  # fmt: skip


def rounded(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(value) else round(float(value), 2) for value in values]
