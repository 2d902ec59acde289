"""Per-layer statistics of the tile attributes (colour scales): min, p02, p50, p98, max.

Exact over every point, of the values the tiles carry (rounded to their decimals,
tiler/tiles/features.py TILE_FIELDS): each attribute's values are counted (`ValueCounts`), which
slices, units and Dask workers merge in any order into the same counts, so the single-machine
and the Dask build write the same manifest, with memory bounded by the number of distinct
values (a velocity to 0.1 mm/yr between ±100 mm/yr: 2,001), not by the number of points.
"""

from __future__ import annotations

import numpy as np

from tiler.tiles.features import TILE_FIELDS
from tiler.valuecounts import ValueCounts

NO_STATS = {"overlap"}
PERCENTILES = {"p02": 2, "p50": 50, "p98": 98}
SCALED = {attribute: 10**decimals for attribute, _, decimals in TILE_FIELDS}


class AttributeStats:
    def __init__(self) -> None:
        self.counts: dict[str, ValueCounts] = {}

    def add(self, static: dict[str, np.ndarray]) -> None:
        """Count the finite values of every tile attribute among these points' columns."""
        for attribute, column, _ in TILE_FIELDS:
            if column not in static or attribute in NO_STATS:
                continue
            values = static[column]
            finite = values[np.isfinite(values)]
            if finite.size:
                scaled = np.rint(finite.astype(np.float64, copy=False) * SCALED[attribute]).astype(
                    np.int64
                )
                self.counts.setdefault(attribute, ValueCounts()).add(scaled)

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for attribute, counts in self.counts.items():
            scale = SCALED[attribute]
            low, high = counts.low_high()
            found = dict(
                zip(PERCENTILES, counts.percentiles(list(PERCENTILES.values())), strict=True)
            )
            values = {"min": low, **found, "max": high}
            out[attribute] = {name: round(value / scale, 3) for name, value in values.items()}
        return out

    def merge(self, other: AttributeStats) -> None:
        """Add the counts of `other` (another unit's, or another slice's)."""
        for attribute, counts in other.counts.items():
            self.counts.setdefault(attribute, ValueCounts()).merge(counts)
