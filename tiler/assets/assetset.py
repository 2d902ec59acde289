"""Every asset of the file, in memory in compact form, numbered along a space-filling curve."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import shapely

from tiler.assets.source import KINDS, AssetBatch, AssetOptions, read_batches
from tiler.errors import InputError, InputWarning
from tiler.spatial import hilbert_order


@dataclass(slots=True)
class AssetSet:
    """Asset `i` (its dense id) is `ids[i]`, `kinds[i]`, `geometries[i]` (lon/lat polygons)."""

    ids: np.ndarray  # object: str
    kinds: np.ndarray  # uint8 index into KINDS
    geometries: np.ndarray  # shapely
    bounds: np.ndarray  # (n, 4) west, south, east, north

    def __len__(self) -> int:
        return len(self.ids)

    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geometries)

    def kind_counts(self) -> dict[str, int]:
        counts = np.bincount(self.kinds, minlength=len(KINDS))
        return {kind: int(count) for kind, count in zip(KINDS, counts, strict=True)}

    def extent(self) -> list[float]:
        return [round(float(value), 6) for value in (
            self.bounds[:, 0].min(), self.bounds[:, 1].min(),
            self.bounds[:, 2].max(), self.bounds[:, 3].max())]  # fmt: skip


def read_assets(options: AssetOptions, warn: Callable[[InputWarning], None]) -> AssetSet:
    """The whole file, checked (ids unique), in space-filling-curve order."""
    return from_batches(options, read_batches(options, warn))


def from_batches(options: AssetOptions, batches: Iterable[AssetBatch]) -> AssetSet:
    ids: list[str] = []
    kinds: list[np.ndarray] = []
    geometries: list[np.ndarray] = []
    for batch in batches:
        ids += batch.ids
        kinds.append(batch.kinds)
        geometries.append(batch.geometries)
    if not ids:
        raise InputError(options.path, "the file holds no feature with a geometry",
                         "pass a file of polygons, lines or points")  # fmt: skip
    id_array = np.array(ids, dtype=object)
    check_unique(options, id_array)
    shapes = np.concatenate(geometries)
    bounds = shapely.bounds(shapes)
    order = hilbert_order((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
    return AssetSet(id_array[order], np.concatenate(kinds)[order], shapes[order], bounds[order])


def check_unique(options: AssetOptions, ids: np.ndarray) -> None:
    values, counts = np.unique(ids.astype(str), return_counts=True)
    if (counts > 1).any():
        twice = int(np.argmax(counts > 1))
        rows = np.flatnonzero(ids.astype(str) == values[twice])[:2] + 1
        field = options.id_field or "row number"
        raise InputError(options.path, f"{field} {str(values[twice])!r} is not unique "
                         f"(rows {rows[0]} and {rows[1]})",
                         "pick an --assets-id field whose values are unique")  # fmt: skip
