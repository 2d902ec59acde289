"""The pid bucket hash is FNV-1a 32 bit, exactly as the viewer computes it."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiler.layer import pidindex
from tiler.layer.pidindex import (
    bucket_count,
    fnv1a32,
    save_pairs,
    write_buckets,
    write_pid_index,
)


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


def test_a_group_of_buckets_keeps_no_unit_file_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each group copies its slice of every unit's pairs: views of the memory-mapped files kept
    every unit's pages resident until the group was written (+170 MiB at 30 units of 1M
    points), memory that grew with the units. The index itself holds every pair."""
    files = []
    for unit in range(3):
        ids = np.arange(unit * 5000, unit * 5000 + 5000)
        files.append(tmp_path / f"unit-{unit}.arrow")
        save_pairs(files[-1], pa.array([f"P{i}" for i in ids]), ids)
    mapped_while_writing: list[list[str]] = []

    def writing(*args: Any) -> None:
        mapped_while_writing.append(still_mapped(files))
        write_buckets(*args)

    monkeypatch.setattr(pidindex, "write_buckets", writing)
    monkeypatch.setattr(pidindex, "BUCKETS_AT_ONCE", 1)
    manifest = write_pid_index(tmp_path / "layer", "l2a", files, 15_000)
    assert manifest["buckets"] == bucket_count(15_000) == 4
    assert mapped_while_writing == [[]] * 4
    written: dict[str, int] = {}
    for path in (tmp_path / "layer" / "pid").iterdir():
        written.update(json.loads(gzip.decompress(path.read_bytes())))
    assert written == {f"P{i}": i for i in range(15_000)}


def still_mapped(files: list[Path], seconds: float = 2.0) -> list[str]:
    """Which of `files` this process maps, once its unmapping is done: arrow's I/O threads may
    hold the file a moment after its table is let go."""
    deadline = time.monotonic() + seconds
    while True:
        maps = Path("/proc/self/maps").read_text()
        mapped = [path.name for path in files if str(path) in maps]
        if not mapped or time.monotonic() > deadline:
            return mapped
        time.sleep(0.01)
