"""The chunk writer's JSON text (tiler/layer/serieschunks.py): exact values, nulls, any size."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tiler.inputs.reader import MISSING
from tiler.layer.serieschunks import TABLE_LIMIT, numbers_json, rows_json
from tiler.tiles import features

values = st.one_of(
    st.integers(-TABLE_LIMIT - 2, TABLE_LIMIT + 2),
    st.just(int(MISSING)),
    st.integers(np.iinfo(np.int32).min + 1, np.iinfo(np.int32).max),
)
blocks = st.tuples(st.integers(0, 6), st.integers(0, 8)).flatmap(
    lambda shape: arrays(np.int32, shape, elements=values)
)


@settings(max_examples=300, deadline=None)
@given(blocks)
def test_rows_json_is_the_matrix_with_nulls(block: np.ndarray) -> None:
    text = rows_json(block)
    parsed = json.loads(b"[" + text + b"]")
    expected = [[None if v == MISSING else int(v) for v in row] for row in block.tolist()]
    if block.shape[1] == 0:
        expected = []
    assert parsed == expected


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-1e4, 1e4) | st.just(np.nan)))
def test_numbers_json_rounds_and_writes_nan_as_null(values: np.ndarray) -> None:
    """Rounded to the decimal; a value a hair under a tie (0.15 is 0.1499...) may go either way."""
    text = numbers_json(values, 1)
    parsed = json.loads("[" + text + "]")
    assert [v is None for v in parsed] == np.isnan(values).tolist()
    for found, value in zip(parsed, values.tolist(), strict=True):
        assert found is None or abs(found - value) <= 0.05 + 1e-9 * max(1, abs(value))
    assert all(len(number.partition(".")[2]) <= 1 for number in text.split(","))


def _decimal_texts(decimals: int) -> st.SearchStrategy[np.ndarray]:
    """Values as the CSV reader makes them: parsed from text with `decimals` decimals."""
    text = st.integers(-200_000, 200_000).map(lambda k: float(f"{k / 10**decimals:.{decimals}f}"))
    return st.lists(text | st.just(float("nan")) | st.just(-0.0), max_size=30).map(np.array)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2).flatmap(lambda d: st.tuples(_decimal_texts(d), st.just(d))))
def test_tile_attribute_text_from_the_table_equals_formatting(case: tuple) -> None:
    values, decimals = case
    values = values.astype(np.float64)
    assert features.number_text(values, decimals).equals(features._formatted(values, decimals))


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e6, 1e6)), st.integers(0, 2))
def test_tile_attribute_text_is_the_value_rounded(values: np.ndarray, decimals: int) -> None:
    texts = features.number_text(values, decimals).to_pylist()
    for value, text in zip(values.tolist(), texts, strict=True):
        assert abs(float(text) - value) <= 0.5 * 10**-decimals + 1e-9 * max(1, abs(value))
