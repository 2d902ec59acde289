"""The chunk index written from the units' row files equals json.dumps of every row."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.layer.chunkindex import index_part, row_count, save_rows, write_index

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
    write_index(folder / "index.json", layer, 256, parts)
    every_row = [one for rows in units for one in rows]
    expected = json.dumps({"layer": layer, "size": 256, "chunks": every_row}, separators=(",", ":"))
    assert (folder / "index.json").read_text(encoding="utf-8") == expected
