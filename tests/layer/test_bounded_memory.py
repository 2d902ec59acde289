"""The layer-wide steps hold memory bounded by design, not by the layer's size: the zoom
choice's density summary (tiler/tiles/density.py) and the attribute statistics
(tiler/layer/attributestats.py) of 4x the points over the same ground peak at about the same
allocation (numpy's, as tracemalloc sees it). The whole build's peaks at 1M, 10M and 30M
points are measured by `make bench-scale` (bench/scale.py)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from tiler.layer.attributestats import AttributeStats
from tiler.layer.chunkindex import index_part, save_rows
from tiler.layer.passes import LayerState
from tiler.tiles import density
from tiler.tiles.features import LINE_INDEX, line_index_path
from tiler.tiles.zoomchoice import MAX_ZOOM

UNIT = 50_000
BOUND = 1.2  # the memory bound between sizes


def _peak(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _units(directory: Path, units: int) -> list[Path]:
    """Feature line indexes of `units` units of UNIT points each, over the same ground."""
    directory.mkdir()
    paths = []
    for number in range(units):
        rng = np.random.default_rng(number)
        index = np.zeros(UNIT, dtype=LINE_INDEX)
        index["x"] = 2_200_000_000 + rng.integers(0, 4_000_000, UNIT)
        index["y"] = 1_500_000_000 + rng.integers(0, 4_000_000, UNIT)
        path = directory / f"{number}.geojsonl"
        index.tofile(line_index_path(path))
        paths.append(path)
    return paths


def test_the_density_summary_does_not_grow_with_the_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    monkeypatch.setattr(density, "BUCKET_POINTS", UNIT)
    monkeypatch.setattr(density, "LINES_AT_ONCE", UNIT // 4)
    peaks = []
    for units in (2, 8):
        paths = _units(tmp_path / f"u{units}", units)
        summarise = partial(density.layer_density, paths, MAX_ZOOM, tmp_path / "scratch")
        peaks.append(_peak(summarise))
    assert peaks[1] < BOUND * peaks[0], peaks


def test_the_attribute_statistics_do_not_grow_with_the_points() -> None:
    def count(units: int) -> None:
        stats = AttributeStats()
        for number in range(units):
            rng = np.random.default_rng(number)
            velocity = np.round(rng.normal(0, 5, UNIT), 1)
            coherence = np.round(rng.uniform(0.5, 1, UNIT), 2)
            part = AttributeStats()
            part.add({"mean_velocity": velocity, "temporal_coherence": coherence})
            stats.merge(part)
            del velocity, coherence, part
        stats.summary()

    small, large = _peak(lambda: count(2)), _peak(lambda: count(8))
    assert large < BOUND * small, (small, large)


def test_the_layer_state_a_client_keeps_does_not_grow_with_the_points(tmp_path: Path) -> None:
    """What the Dask client holds for a layer as the units come (LayerState.absorb, the chunk
    index rows on disk): 16x the units, about the same peak (1.35x with the rows in memory)."""

    def absorb(units: int) -> None:
        layer = LayerState()
        for number in range(units):
            part = LayerState()
            rng = np.random.default_rng(number)
            part.stats.add({"mean_velocity": np.round(rng.normal(0, 5, UNIT), 1)})
            rows = [[number * 200 + row, number, *np.round(rng.uniform(12, 13, 4), 6).tolist(), 256]
                    for row in range(200)]  # fmt: skip
            part.index_parts = [save_rows(index_part(tmp_path / f"x{units}", number), rows)]
            part.points = UNIT
            layer.absorb(part)
            del part, rows
        assert layer.chunks == units * 200

    small, large = _peak(lambda: absorb(2)), _peak(lambda: absorb(32))
    assert large < BOUND * small, (small, large)
