"""The chunk index written from the units' row files equals json.dumps of every row; a large
layer's, in blocks, holds the same rows, each block within its listed extent."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.layer.chunkindex import index_part, read_rows, row_count, save_rows, write_index

coordinate = st.floats(-180, 180, allow_nan=False).map(lambda value: round(value, 6))
row = st.tuples(st.integers(0, 2**31), st.integers(0, 5000), coordinate, coordinate, coordinate,
                coordinate, st.integers(1, 256))  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(units=st.lists(st.lists(row.map(list), max_size=20), max_size=4), layer=st.text())
def test_the_index_is_the_bytes_json_dumps_writes(
    units: list[list[list[float | int]]], layer: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("index")
    parts = [save_rows(index_part(folder, unit), rows) for unit, rows in enumerate(units)]
    assert [row_count(part) for part in parts] == [len(rows) for rows in units]
    write_index(folder / "index.json", layer, 256, parts, block_rows=10**6)
    every_row = [one for rows in units for one in rows]
    expected = json.dumps({"layer": layer, "size": 256, "chunks": every_row}, separators=(",", ":"))
    assert (folder / "index.json").read_text(encoding="utf-8") == expected


@settings(max_examples=40, deadline=None)
@given(units=st.lists(st.lists(row.map(list), max_size=20), max_size=4),
       block_rows=st.integers(1, 8))  # fmt: skip
def test_a_blocked_index_holds_every_row_once_within_its_blocks_extents(
    units: list[list[list[float | int]]], block_rows: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("index")
    parts = [save_rows(index_part(folder, unit), rows) for unit, rows in enumerate(units)]
    write_index(folder / "index.json", "layer", 256, parts, block_rows=block_rows)
    every_row = [one for rows in units for one in rows]
    assert list(read_rows(folder / "index.json")) == every_row
    document = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    if len(every_row) <= block_rows:
        assert "blocks" not in document
        return
    assert [block[0] for block in document["blocks"]] == list(range(len(document["blocks"])))
    assert sum(block[5] for block in document["blocks"]) == len(every_row)
    for number, west, south, east, north, count in document["blocks"]:
        path = folder / document["block_path"].format(block=number)
        rows = json.loads(gzip.decompress(path.read_bytes()))["chunks"]
        assert len(rows) == count <= block_rows
        assert all(west <= r[2] and south <= r[3] and r[4] <= east and r[5] <= north for r in rows)
