"""Series spooled early (tiler/layer/seriesprefetch.py): in order, same bytes, skips freed."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from random import Random

import numpy as np
import pytest
from conftest import L2B_ASC, L2B_DESC, L3_UP
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.errors import InputError
from tiler.inputs.header import scan
from tiler.layer.processing_unit import SERIES_DTYPE, spool_series
from tiler.layer.scratchmatrix import RowFile
from tiler.layer.seriesprefetch import AHEAD, Spooler


def test_spooled_files_equal_spooling_in_turn_and_are_removed(tmp_path: Path) -> None:
    sources = [scan(path) for path in (L2B_DESC, L2B_ASC, L3_UP, L2B_DESC)]
    spooler = Spooler(sources, tmp_path, "layer")
    try:
        for number, source in enumerate(sources):
            if number == 1:
                continue  # a unit with no point left: let go when the next is taken
            path = spooler.take(source)
            expected = tmp_path / "expected.series"
            spool_series(source, expected)
            assert path.read_bytes() == expected.read_bytes()
            rows = len(path.read_bytes()) // (len(source.dates) * SERIES_DTYPE.itemsize)
            assert rows > 500
            spooler.done_with(source)
            assert not path.exists()
            assert len(list(tmp_path.glob("layer-*.series"))) <= AHEAD
    finally:
        spooler.close()
    assert not list(tmp_path.glob("layer-*.series"))


def test_a_bad_series_is_raised_where_its_unit_is_taken(tmp_path: Path) -> None:
    bad = tmp_path / L2B_ASC.name
    with zipfile.ZipFile(L2B_ASC) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        lines = archive.read(name).decode().splitlines(keepends=True)
    fields = lines[40].split(",")
    fields[-3] = "oops"
    lines[40] = ",".join(fields)
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, "".join(lines))
    good = tmp_path / "good" / L2B_DESC.name
    good.parent.mkdir()
    shutil.copy(L2B_DESC, good)
    sources = [scan(bad), scan(good)]
    spooler = Spooler(sources, tmp_path, "layer")
    try:
        with pytest.raises(InputError, match="line 41"):
            spooler.take(sources[0])
        with pytest.raises(InputError):
            spooler.take(sources[1])  # nothing after a failure is spooled
    finally:
        spooler.close()
    assert not list(tmp_path.glob("layer-*.series"))


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 300), st.integers(1, 7), st.randoms(use_true_random=False), st.floats(0, 1))
def test_a_chunk_s_rows_read_back_in_any_order(
    tmp_path_factory: pytest.TempPathFactory, count: int, columns: int, rng: Random,
    share: float,
) -> None:  # fmt: skip
    path = tmp_path_factory.mktemp("spool") / "unit.series"
    matrix = np.arange(count * columns, dtype=SERIES_DTYPE).reshape(count, columns)
    path.write_bytes(matrix.tobytes())
    rows = rng.sample(range(count), max(1, int(count * share)))
    if rng.random() < 0.5:
        rows.sort()  # long runs of following rows
    series = RowFile(path, columns, SERIES_DTYPE)
    try:
        assert np.array_equal(series.rows(np.array(rows, dtype=np.int64)), matrix[rows])
        with pytest.raises(OSError, match="ended before row"):
            series.rows(np.array([count], dtype=np.int64))
    finally:
        series.close()
