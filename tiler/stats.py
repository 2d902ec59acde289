"""Per-layer statistics of the tile attributes (colour scales): min, p02, p50, p98, max.

Percentiles come from an evenly strided sample of at most SAMPLE values per unit, so memory
stays bounded whatever the layer's size; min and max are exact.
"""

from __future__ import annotations

import numpy as np

from .features import TILE_FIELDS

SAMPLE = 250_000
NO_STATS = {"overlap"}


class AttributeStats:
    def __init__(self) -> None:
        self.samples: dict[str, list[np.ndarray]] = {}
        self.low: dict[str, float] = {}
        self.high: dict[str, float] = {}

    def add(self, static: dict[str, np.ndarray]) -> None:
        for attribute, column, _ in TILE_FIELDS:
            if column not in static or attribute in NO_STATS:
                continue
            values = static[column][np.isfinite(static[column])]
            if values.size == 0:
                continue
            step = max(1, values.size // SAMPLE)
            self.samples.setdefault(attribute, []).append(values[::step].astype(np.float64))
            self.low[attribute] = min(self.low.get(attribute, np.inf), float(values.min()))
            self.high[attribute] = max(self.high.get(attribute, -np.inf), float(values.max()))

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for attribute, parts in self.samples.items():
            p02, p50, p98 = np.percentile(np.concatenate(parts), [2, 50, 98])
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
