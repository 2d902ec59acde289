"""The density summary of the zoom choice (tiler/tiles/density.py): bucketed, streamed, and the
same as sorting every point at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.tiles import density
from tiler.tiles.features import LINE_INDEX, line_index_path
from tiler.tiles.grid import tile_keys, world_quadkeys
from tiler.tiles.zoomchoice import MAX_ZOOM, _densest, spacing_zoom


def _write_features(directory: Path, wx: np.ndarray, wy: np.ndarray, files: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, part in enumerate(np.array_split(np.arange(len(wx)), files)):
        path = directory / f"{number}.geojsonl"
        index = np.zeros(len(part), dtype=LINE_INDEX)
        index["x"], index["y"] = wx[part], wy[part]
        index.tofile(line_index_path(path))
        paths.append(path)
    return paths


def _positions(seed: int, points: int) -> tuple[np.ndarray, np.ndarray]:
    """A dense city and sparse country around it (world coordinates)."""
    rng = np.random.default_rng(seed)
    city = rng.normal(0, 2e5, (points // 2, 2))
    country = rng.uniform(-3e7, 3e7, (points - points // 2, 2))
    centre = np.array([2_200_000_000, 1_500_000_000])
    xy = np.clip(np.concatenate([city, country]) + centre, 0, 2**32 - 1).astype(np.uint64)
    return xy[:, 0], xy[:, 1]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 3000), st.integers(1, 4), st.integers(1, 600))
def test_buckets_give_what_one_sort_gives(
    tmp_path_factory: pytest.TempPathFactory, seed: int, points: int, files: int, bucket: int
) -> None:
    wx, wy = _positions(seed, points)
    directory = tmp_path_factory.mktemp("density")
    paths = _write_features(directory / "features", wx, wy, files)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(density, "BUCKET_POINTS", bucket)
        found = density.layer_density(paths, MAX_ZOOM, directory / "scratch")
    assert found.densest == _densest(tile_keys(wx, wy, MAX_ZOOM), MAX_ZOOM)
    keys = np.sort(world_quadkeys(wx, wy))
    gaps = np.diff(keys)
    logs = np.log(gaps[gaps > 0].astype(np.float64))
    assert found.gaps.count == len(logs)
    if len(logs):
        assert found.gaps.mean == pytest.approx(logs.mean(), rel=1e-9, abs=1e-12)
        assert found.gaps.std == pytest.approx(logs.std(), rel=1e-7, abs=1e-9)
        assert found.guessed_zoom == spacing_zoom(float(logs.mean()), float(logs.std()))
    assert not (directory / "scratch").exists()


def test_a_bucket_holds_whole_tiles_of_the_prefix_zoom() -> None:
    counts = density.ValueCounts()
    counts.add(np.array([5, 5, 5, 9, 9, 12, 40, 40, 40, 40], dtype=np.int64))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(density, "BUCKET_POINTS", 4)
        assert density._bucket_starts(counts).tolist() == [5, 9, 40]
