"""Per-layer statistics of the tile attributes (colour scales): min, p02, p50, p98, max.

Percentiles come from an evenly strided sample of at most 2 × SAMPLE points per unit, min and
max are exact.
"""

from __future__ import annotations

import numpy as np

from tiler.tiles.features import TILE_FIELDS

SAMPLE = 65_536  # percentiles of a colour scale need no more
NO_STATS = {"overlap"}


def sample_step(points: int) -> int:
    """Every how many points of a unit the percentile sample takes one."""
    return max(1, points // SAMPLE)


class AttributeStats:
    def __init__(self) -> None:
        self.samples: dict[str, list[np.ndarray]] = {}
        self.low: dict[str, float] = {}
        self.high: dict[str, float] = {}

    def add(self, static: dict[str, np.ndarray], first: int = 0, step: int = 1) -> None:
        """Add the points `first`, `first + 1`, ... of a unit: the sample takes every
        `step`-th point of the unit (`sample_step`), so slices add up to the whole."""
        sampled = slice((-first) % step, None, step)
        for attribute, column, _ in TILE_FIELDS:
            if column not in static or attribute in NO_STATS:
                continue
            finite = static[column][np.isfinite(static[column])]
            if finite.size == 0:
                continue
            sample = static[column][sampled]
            self.samples.setdefault(attribute, []).append(sample[np.isfinite(sample)])
            self.low[attribute] = min(self.low.get(attribute, np.inf), float(finite.min()))
            self.high[attribute] = max(self.high.get(attribute, -np.inf), float(finite.max()))

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for attribute, parts in self.samples.items():
            sample = np.concatenate(parts)
            if sample.size == 0:  # a column finite only between the sampled points
                sample = np.array([self.low[attribute], self.high[attribute]])
            p02, p50, p98 = np.percentile(sample, [2, 50, 98])
            out[attribute] = {
                "min": round(self.low[attribute], 3), "p02": round(float(p02), 3),
                "p50": round(float(p50), 3), "p98": round(float(p98), 3),
                "max": round(self.high[attribute], 3),
            }  # fmt: skip
        return out

    def merge(self, other: AttributeStats) -> None:
        """Add the samples of `other` (another unit's) after this one's, as `add` would."""
        for attribute, parts in other.samples.items():
            self.samples.setdefault(attribute, []).extend(parts)
            self.low[attribute] = min(self.low.get(attribute, np.inf), other.low[attribute])
            self.high[attribute] = max(self.high.get(attribute, -np.inf), other.high[attribute])
