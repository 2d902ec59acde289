"""Exact, mergeable counts of integer values (pure): a sparse histogram with one bin per value.

Parts counted apart (slices of a unit, units on different Dask workers) merge into the counts of
the whole, in any order, so percentiles read from them are those of every value, not of a sample.
Memory is one (value, count) pair per distinct value, at most MAX_BINS: past that, neighbouring
values share a bin (`shift` bits dropped), which keeps the memory bounded whatever the input.
The bins then depend only on the whole's values, never on the order of the merges: a part
coarsens only when the whole must too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_BINS = 1 << 18  # 4 MB of (value, count) pairs
DENSE_SPAN = 1 << 20  # a part whose values span this much or less is counted with bincount


class ValueCounts:
    """How many times each integer value occurs, in bins of 2**shift values."""

    def __init__(self, limit: int = MAX_BINS) -> None:
        self.values = np.zeros(0, dtype=np.int64)  # the bins' first values >> shift, ascending
        self.counts = np.zeros(0, dtype=np.int64)
        self.shift = 0
        self.limit = limit

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def add(self, values: np.ndarray) -> None:
        """Count these values (int64)."""
        values, counts = _distinct(values.astype(np.int64, copy=False) >> self.shift)
        self._combine([(self.values, self.counts), (values, counts)])

    def merge(self, other: ValueCounts) -> None:
        shift = max(self.shift, other.shift)
        parts = [(bins.values >> (shift - bins.shift), bins.counts) for bins in (self, other)]
        self.shift = shift
        self._combine(parts)

    def _combine(self, parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        self.values, self.counts = _summed(parts)
        while len(self.values) > self.limit:
            self.shift += 1
            self.values, self.counts = _summed([(self.values >> 1, self.counts)])

    def at_ranks(self, ranks: np.ndarray) -> np.ndarray:
        """The value of each 0-based rank in the sorted whole (a bin's middle once coarsened)."""
        index = np.searchsorted(np.cumsum(self.counts), ranks, side="right")
        width = 1 << self.shift
        return (self.values[index] << self.shift) + (width - 1) / 2

    def percentiles(self, qs: Sequence[float]) -> list[float]:
        """numpy's default ('linear') percentiles of the counted values."""
        last = self.total - 1
        positions = np.asarray(qs, dtype=np.float64) / 100 * last
        below = np.floor(positions)
        low = self.at_ranks(below.astype(np.int64))
        high = self.at_ranks(np.minimum(below + 1, last).astype(np.int64))
        return [float(v) for v in low + (high - low) * (positions - below)]

    def low_high(self) -> tuple[float, float]:
        return float(self.at_ranks(np.array([0]))[0]), float(
            self.at_ranks(np.array([self.total - 1]))[0]
        )


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if values.size == 0:
        return values, np.zeros(0, dtype=np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low < DENSE_SPAN:
        counts = np.bincount(values - low)
        found = np.flatnonzero(counts)
        return found + low, counts[found]
    return np.unique(values, return_counts=True)


def _summed(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The (values, counts) of several parts, each value once, ascending."""
    values = np.concatenate([values for values, _ in parts])
    counts = np.concatenate([counts for _, counts in parts])
    if values.size == 0:
        return values, counts
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, np.bincount(inverse, weights=counts, minlength=len(unique)).astype(np.int64)
