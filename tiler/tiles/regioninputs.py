"""Each region's feature file for a run, copied line by line from the layer's feature files.

The lines a region reads are mostly contiguous (the features are in Hilbert order), so they
are copied as byte spans (tiler/features.py `append_spans`: in the kernel unless tagged).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from tiler.tiles import grid
from tiler.tiles.features import append_spans, read_line_index

SPAN_BYTES = 1 << 22  # a tagged span passes through memory: at most this, joined
LINES_AT_ONCE = 1 << 18  # lines placed in regions at a time: bounded memory whatever the layer


def write_region_files(
    first_zooms: Mapping[Path, int], top: int, directory: Path, tagged: bool
) -> dict[grid.Key, Path]:  # fmt: skip
    """Write `directory`/r<key>.geojsonl for every region of a run the sources' points reach.

    first_zooms: each source file, with the first zoom of the run that shows it; the run
    writes every zoom from there to `top`. tagged: tag each line with that zoom.
    """
    outputs: dict[grid.Key, Path] = {}
    level = grid.level_for(top)
    for source, first in first_zooms.items():
        index = read_line_index(source)
        ends = np.cumsum(index["length"], dtype=np.int64)
        starts = ends - index["length"]
        with open(source, "rb") as text:
            for block in range(0, len(index), LINES_AT_ONCE):
                lines = slice(block, block + LINES_AT_ONCE)
                rows, keys = _memberships(index[lines], range(first, top + 1), level)
                for key, chosen in _groups(keys, rows):
                    path = outputs.setdefault(key, directory / f"r{key}.geojsonl")
                    spans = _spans(starts[lines][chosen], ends[lines][chosen])
                    append_spans(text.fileno(), path, spans, first if tagged else None)
    return outputs


def _memberships(index: np.ndarray, zooms: range, level: int) -> tuple[np.ndarray, np.ndarray]:
    """(line, region) pairs, sorted by region: every region that shows the line at any zoom."""
    if len(zooms) == 1:
        return grid.memberships(index["x"], index["y"], zooms[0], level)
    pairs = [grid.memberships(index["x"], index["y"], zoom, level) for zoom in zooms]
    return grid.unique_pairs(*(np.concatenate(part) for part in zip(*pairs, strict=True)))


def _groups(keys: np.ndarray, rows: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(key, rows) for each run of equal keys (the pairs are sorted by key)."""
    cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    for part in np.split(np.arange(len(keys)), cuts):
        if len(part):
            yield int(keys[part[0]]), rows[part]


def _spans(starts: np.ndarray, ends: np.ndarray) -> Iterator[tuple[int, int]]:
    """Byte spans covering the lines, neighbouring lines joined up to ~SPAN_BYTES."""
    block = starts // SPAN_BYTES
    breaks = np.flatnonzero((starts[1:] != ends[:-1]) | (block[1:] != block[:-1])) + 1
    first = np.r_[0, breaks]
    last = np.r_[breaks - 1, len(starts) - 1]
    yield from zip(starts[first].tolist(), ends[last].tolist(), strict=True)
