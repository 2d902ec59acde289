"""PMTiles directories from numpy columns (tiler/tiles/directory.py) are the bytes the pmtiles
package's writer makes from Entry objects: a root alone, and roots over leaves."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pmtiles.tile import Compression, Entry, TileType
from pmtiles.writer import finalize_header as pmtiles_finalize

from tiler.tiles.directory import Entries, finalize_header, varints


def header() -> dict[str, object]:
    return {"tile_type": TileType.MVT, "tile_compression": Compression.GZIP,
            "min_lon_e7": 120_000_000, "min_lat_e7": 380_000_000, "max_lon_e7": 130_000_000,
            "max_lat_e7": 390_000_000, "center_zoom": 8, "center_lon_e7": 125_000_000,
            "center_lat_e7": 385_000_000}  # fmt: skip


def both(tile_ids: list[int], runs: list[int], lengths: list[int], shared: list[bool]) -> bytes:
    """Entries in tile order whose bytes follow one another, or point back (a shared tile)."""
    offsets: list[int] = []
    end = 0
    for length, back in zip(lengths, shared, strict=True):
        if back and offsets:
            offsets.append(offsets[0])
        else:
            offsets.append(end)
            end += length
    objects = [Entry(*values) for values in zip(tile_ids, offsets, lengths, runs, strict=True)]
    columns = Entries(*(np.array(c, dtype=np.uint64) for c in (tile_ids, offsets, lengths, runs)))
    metadata = {"name": "x"}
    expected = pmtiles_finalize(header(), sum(runs), objects, 3, metadata, True, end)
    written = finalize_header(header(), columns, 3, metadata, end)  # type: ignore[arg-type]
    assert written == expected
    return written[3]  # the leaves


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5000), st.integers(1, 3), st.integers(1, 3000),
                          st.booleans()), min_size=1, max_size=60))  # fmt: skip
def test_a_root_directory_is_the_pmtiles_writers(rows: list[tuple[int, int, int, bool]]) -> None:
    gaps, runs, lengths, shared = zip(*rows, strict=True)
    tile_ids = list(np.cumsum([gap + run for gap, run in zip(gaps, runs, strict=True)]))
    both([int(t) for t in tile_ids], list(runs), list(lengths), list(shared))


def test_leaves_under_a_root_are_the_pmtiles_writers() -> None:
    rng = np.random.default_rng(5)
    count = 40_000  # a root of every entry would pass 16 KB: leaves of 4096 (and the varints'
    tile_ids = np.cumsum(rng.integers(1, 10**6, count))  # long forms) are made
    lengths = rng.integers(1, 100_000, count)
    leaves = both([int(t) for t in tile_ids], [1] * count, [int(n) for n in lengths],
                  list(rng.random(count) < 0.1))  # fmt: skip
    assert len(leaves) > 0


@given(st.lists(st.integers(0, 2**64 - 1), max_size=20))
def test_varints_are_leb128(values: list[int]) -> None:
    expected = b""
    for value in values:
        while True:
            low, value = value & 0x7F, value >> 7
            expected += bytes([low | (0x80 if value else 0)])
            if not value:
                break
    assert varints(np.array(values, dtype=np.uint64)) == expected
