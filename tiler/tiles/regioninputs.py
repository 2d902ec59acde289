"""Each region run's feature file, copied line by line from the layer's feature files, and the
points per tile its plan is made from (tiler/tiles/balance.py), both streamed in blocks.

The lines a run reads are mostly contiguous (the features are in Hilbert order), so they
are copied as byte spans (tiler/features.py `append_spans`: in the kernel unless tagged).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from tiler.tiles import grid
from tiler.tiles.balance import TileCounts, tally
from tiler.tiles.features import append_spans, line_index_blocks

SPAN_BYTES = 1 << 22  # a tagged span passes through memory: at most this, joined
LINES_AT_ONCE = 1 << 16  # lines placed in regions at a time: ~40 MB whatever the layer (zooms
# 8-16: 111 MB with 1 << 18, for the same time)


def count_tiles(first_zooms: Mapping[Path, int], zooms: range) -> TileCounts:
    """The points of each tile of `zooms`, each file's shown from its first zoom: what the plan
    of the runs is made from, counted a block of lines at a time."""
    return TileCounts.added(zooms, [
        tally(index["x"], index["y"], first, zooms)
        for source, first in first_zooms.items()
        for index, _ in _blocks(source)
    ])  # fmt: skip


def _blocks(source: Path) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The line index of `source`, LINES_AT_ONCE lines at a time, with each line's offset."""
    offset = 0
    for index in line_index_blocks(source, LINES_AT_ONCE):
        ends = offset + np.cumsum(index["length"], dtype=np.int64)
        yield index, ends - index["length"]
        offset = int(ends[-1])


def write_run_files(
    first_zooms: Mapping[Path, int], top: int, cut: grid.RunCut, directory: Path, tagged: bool
) -> dict[int, tuple[Path, int]]:  # fmt: skip
    """Write `directory`/r<run>.geojsonl for every run of `cut` the sources' points reach:
    the points of its regions' tiles and of their buffer rings, each line once. Returns each
    run's file and lines.

    first_zooms: each source file, with the first zoom of the run that shows it; the run
    writes every zoom from there to `top`. tagged: tag each line with that zoom.
    """
    outputs: dict[int, tuple[Path, int]] = {}
    for source, first in first_zooms.items():
        with open(source, "rb") as text:
            for index, starts in _blocks(source):
                rows, runs = _memberships(index, range(first, top + 1), cut)
                for run, chosen in _groups(runs, rows):
                    path, count = outputs.get(run, (directory / f"r{run}.geojsonl", 0))
                    outputs[run] = path, count + len(chosen)
                    spans = _spans(starts[chosen], starts[chosen] + index["length"][chosen])
                    append_spans(text.fileno(), path, spans, first if tagged else None)
    return outputs


def _memberships(
    index: np.ndarray, zooms: range, cut: grid.RunCut
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(line, run) pairs, sorted by run: every run that shows the line at any zoom."""
    if len(zooms) == 1:
        return grid.memberships(index["x"], index["y"], zooms[0], cut)
    pairs = [grid.memberships(index["x"], index["y"], zoom, cut) for zoom in zooms]
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
