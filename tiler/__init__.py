"""egms-tiler: EGMS ground-motion points to PMTiles, chunked time series and a static viewer.

The Python API: `build(inputs, output, options=None, **overrides)` writes a site and returns a
`BuildResult`; `BuildOptions` holds every option (the CLI's flags, one field each). Both are
imported lazily, so `egms-tiler --help` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["BuildOptions", "BuildResult", "__version__", "build"]

if TYPE_CHECKING:
    from tiler.pipeline.build import BuildOptions, BuildResult


def build(
    inputs: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    options: BuildOptions | None = None,
    **overrides: Any,
) -> BuildResult:
    """Build a static site; see `tiler.pipeline.build.build`."""
    from tiler.pipeline.build import build as _build

    return _build(inputs, output, options, **overrides)


def __getattr__(name: str) -> Any:
    if name in ("BuildOptions", "BuildResult"):
        from tiler.pipeline import build as pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'tiler' has no attribute {name!r}")
