"""The rule that pairs a point with its counterpart in another release of the same ground.

1. The same pid (L3 always: the pid is the 100 m cell; L2 where EGMS kept the pixel, since the
   pid encodes track, burst, swath, line and pixel but not the release).
2. Otherwise, among the points neither release paired by pid, the nearest point of the other
   release in the same track within RADIUS metres horizontally and HEIGHT metres in height (the
   height test is skipped where either height is missing). Each point is used at most once:
   greedy by distance, computed as rounds of mutual nearest neighbours (the same pairs, since a
   pair that is nearest for both has no shorter pair in its way).

Pure numpy on arrays of both layers; positions in metres (EPSG:3035).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RADIUS = 5.0  # m: a pixel step in range (~2.3 m on the ground) plus geolocation changes (~1 m)
HEIGHT = 5.0  # m: two releases' heights of one scatterer agree within a few metres
NONE, BY_PID, BY_POSITION = 0, 1, 2  # how a point was paired (the link files' "by")
NEIGHBOURS = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]


@dataclass(frozen=True, slots=True)
class Points:
    """One release's points: pid (bytes), position (m), height (m, NaN if missing), track."""

    pid: np.ndarray
    x: np.ndarray
    y: np.ndarray
    height: np.ndarray
    track: np.ndarray

    def __len__(self) -> int:
        return int(self.pid.size)


@dataclass(frozen=True, slots=True)
class Match:
    """For each point of `a`: its counterpart's row in `b` (-1: none), how (NONE, BY_PID,
    BY_POSITION) and the horizontal distance between them (m, NaN where none)."""

    row: np.ndarray
    by: np.ndarray
    distance: np.ndarray

    def inverse(self, size: int) -> Match:
        """The same pairs seen from `b` (`size` points)."""
        paired = np.flatnonzero(self.row >= 0)
        row = np.full(size, -1, dtype=np.int64)
        by = np.zeros(size, dtype=np.uint8)
        distance = np.full(size, np.nan)
        row[self.row[paired]] = paired
        by[self.row[paired]] = self.by[paired]
        distance[self.row[paired]] = self.distance[paired]
        return Match(row, by, distance)


def match(a: Points, b: Points, radius: float = RADIUS, height: float = HEIGHT) -> Match:
    """Each point of `a` paired with at most one point of `b` by the rule above."""
    row = same_pid(a.pid, b.pid)
    by = np.where(row >= 0, BY_PID, NONE).astype(np.uint8)
    left = np.flatnonzero(row < 0)
    free = np.ones(len(b), dtype=bool)
    free[row[row >= 0]] = False
    right = np.flatnonzero(free)
    found = nearest_pairs(subset(a, left), subset(b, right), radius, height)
    row[left[found >= 0]] = right[found[found >= 0]]
    by[left[found >= 0]] = BY_POSITION
    distance = np.full(len(a), np.nan)
    paired = row >= 0
    distance[paired] = np.hypot(a.x[paired] - b.x[row[paired]], a.y[paired] - b.y[row[paired]])
    return Match(row, by, distance)


def same_pid(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each pid of `a`, the row of the same pid in `b` (its first), or -1."""
    if not b.size:
        return np.full(a.size, -1, dtype=np.int64)
    order = np.argsort(b, kind="stable")
    ranked = b[order]
    at = np.minimum(np.searchsorted(ranked, a), b.size - 1)
    return np.where(ranked[at] == a, order[at], -1).astype(np.int64)


def subset(points: Points, rows: np.ndarray) -> Points:
    return Points(points.pid[rows], points.x[rows], points.y[rows], points.height[rows],
                  points.track[rows])  # fmt: skip


def nearest_pairs(a: Points, b: Points, radius: float, height: float) -> np.ndarray:
    """One-to-one pairs within `radius` and `height` in the same track, nearest first: for
    each point of `a`, its row in `b` or -1."""
    first, second, distance = candidates(a, b, radius, height)
    row = np.full(len(a), -1, dtype=np.int64)
    while first.size:
        mutual = nearest_of(first, distance) & nearest_of(second, distance)
        row[first[mutual]] = second[mutual]
        keep = (row[first] < 0) & ~np.isin(second, second[mutual])
        first, second, distance = first[keep], second[keep], distance[keep]
    return row


def nearest_of(owner: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Whether each candidate is its owner's nearest (ties: the first in order)."""
    order = np.lexsort((distance, owner))
    best = np.zeros(owner.size, dtype=bool)
    starts = np.ones(owner.size, dtype=bool)
    starts[1:] = owner[order][1:] != owner[order][:-1]
    best[order[starts]] = True
    return best


def candidates(
    a: Points, b: Points, radius: float, height: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (row of a, row of b, distance) in the same track within `radius` and `height`,
    found through a grid of `radius` cells (the 3 x 3 cells around each point of `a`)."""
    cells = cell_keys(b, radius, 0, 0)
    order = np.argsort(cells, kind="stable")
    ranked = cells[order]
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for dx, dy in NEIGHBOURS:
        keys = cell_keys(a, radius, dx, dy)
        start, stop = np.searchsorted(ranked, keys), np.searchsorted(ranked, keys, side="right")
        counts = stop - start
        first = np.repeat(np.arange(len(a)), counts)
        offsets = np.arange(first.size) - np.repeat(np.cumsum(counts) - counts, counts)
        found.append((first, order[np.repeat(start, counts) + offsets]))
    first = np.concatenate([pair[0] for pair in found]).astype(np.int64)
    second = np.concatenate([pair[1] for pair in found]).astype(np.int64)
    distance = np.hypot(a.x[first] - b.x[second], a.y[first] - b.y[second])
    rise = np.abs(a.height[first] - b.height[second])
    near = (distance <= radius) & ~(rise > height)  # a missing height passes (NaN > h is False)
    return first[near], second[near], distance[near]


def cell_keys(points: Points, size: float, dx: int, dy: int) -> np.ndarray:
    """One int64 key per point for its track and grid cell moved by (dx, dy) cells."""
    column = np.floor(points.x / size).astype(np.int64) + dx
    row = np.floor(points.y / size).astype(np.int64) + dy
    return (points.track.astype(np.int64) << 48) + ((row & 0xFFFFFF) << 24) + (column & 0xFFFFFF)
