"""egms-tiler: EGMS ground-motion points to PMTiles, chunked time series and a static viewer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "build"]

if TYPE_CHECKING:
    from .build import BuildResult


def build(*args: Any, **kwargs: Any) -> BuildResult:
    """Build a static site; see `tiler.build.build` (imported lazily to keep `--help` fast)."""
    from .build import build as _build

    return _build(*args, **kwargs)
