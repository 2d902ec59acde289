"""One small site of three releases over the same ground (synthetic, L2b ascending), built once
for the release tests, and the files it was built from."""

from __future__ import annotations

from pathlib import Path

import pytest

from releases.releasedata import PERIODS
from tiler.synthetic import SampleOptions, generate


@pytest.fixture(scope="session")
def release_options(tmp_path_factory: pytest.TempPathFactory) -> SampleOptions:
    folder = tmp_path_factory.mktemp("releases") / "inputs"
    options = SampleOptions(folder, ("L2b",), PERIODS, points=1500, orbit="asc", seed=24)
    generate(options)
    return options


@pytest.fixture(scope="session")
def release_site(release_options: SampleOptions) -> Path:
    from tiler import build

    out = release_options.output.parent / "site"
    build([release_options.output], out, quiet=True, trend=False)
    return out


@pytest.fixture(scope="session")
def packed_release_site(release_options: SampleOptions) -> Path:
    """The same releases with their series and link files packed (`--series-files packed`)."""
    from tiler import build

    out = release_options.output.parent / "packed-site"
    build([release_options.output], out, quiet=True, trend=False, series_files="packed")
    return out
