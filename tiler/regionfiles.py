"""Each region's feature file for one zoom, copied line by line from the layer's feature files.

The lines a region reads are mostly contiguous (the features are in Hilbert order), so they
are copied as byte spans, in the kernel (`copy_file_range`), without passing through memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from . import regions
from .features import read_line_index


def write_region_files(
    sources: Sequence[Path], zoom: int, directory: Path
) -> dict[regions.Key, Path]:  # fmt: skip
    """Write `directory`/r<key>.geojsonl for every region of `zoom` the sources' points reach."""
    outputs: dict[regions.Key, Path] = {}
    for source in sources:
        index = read_line_index(source)
        ends = np.cumsum(index["length"], dtype=np.int64)
        starts = ends - index["length"]
        rows, keys = regions.memberships(index["x"], index["y"], zoom)
        with open(source, "rb") as text:
            for key, chosen in _groups(keys, rows):
                path = outputs.setdefault(key, directory / f"r{key}.geojsonl")
                out = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
                try:
                    os.lseek(out, 0, os.SEEK_END)  # copy_file_range refuses O_APPEND
                    for start, end in _spans(starts[chosen], ends[chosen]):
                        _copy(text.fileno(), out, start, end)
                finally:
                    os.close(out)
    return outputs


def _groups(keys: np.ndarray, rows: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(key, rows) for each run of equal keys (the pairs are sorted by key)."""
    cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    for part in np.split(np.arange(len(keys)), cuts):
        if len(part):
            yield int(keys[part[0]]), rows[part]


def _spans(starts: np.ndarray, ends: np.ndarray) -> Iterator[tuple[int, int]]:
    """Byte spans covering the lines, neighbouring lines joined."""
    breaks = np.flatnonzero(starts[1:] != ends[:-1]) + 1
    first = np.r_[0, breaks]
    last = np.r_[breaks - 1, len(starts) - 1]
    yield from zip(starts[first].tolist(), ends[last].tolist(), strict=True)


def _copy(source: int, target: int, start: int, end: int) -> None:
    while start < end:
        copied = os.copy_file_range(source, target, end - start, start)
        if copied <= 0:
            raise OSError(f"could not copy feature lines {start}..{end}")
        start += copied
