"""Shared fixtures: the real EGMS samples and one site built from them per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "egms"
L2B_DESC = SAMPLES / "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip"
L2B_ASC = SAMPLES / "EGMS_L2b_117_0227_IW2_VV_2020_2024_1.zip"
L3_UP = SAMPLES / "EGMS_L3_E45N17_100km_U_2020_2024_1.zip"
L3_EAST = SAMPLES / "EGMS_L3_E45N17_100km_E_2020_2024_1.zip"
ALL_SAMPLES = (L2B_DESC, L2B_ASC, L3_UP, L3_EAST)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built once from all four real samples with the Python API (read-only in tests)."""
    from tiler import build

    out = tmp_path_factory.mktemp("site") / "out"
    build(list(ALL_SAMPLES), out, quiet=True)
    return out
