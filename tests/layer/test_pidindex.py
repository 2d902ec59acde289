"""The pid bucket hash is FNV-1a 32 bit, exactly as the viewer computes it."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from tiler.layer.pidindex import bucket_count, fnv1a32


def reference(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


@given(st.lists(st.text(max_size=30), max_size=50))
def test_vectorised_hash_equals_the_definition(texts: list[str]) -> None:
    assert fnv1a32(pa.array(texts, pa.string())).tolist() == [reference(t) for t in texts]


def test_known_values() -> None:
    assert fnv1a32(pa.array(["", "a", "1xWzx3iGQ4"])).tolist() == [
        2166136261,
        3826002220,
        3608013129,
    ]


@given(st.integers(min_value=0, max_value=10**9))
def test_buckets_hold_at_most_4096_pids_on_average(points: int) -> None:
    buckets = bucket_count(points)
    assert buckets >= 1 and points / buckets <= 4096
