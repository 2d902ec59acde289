"""egms-tiler: EGMS ground-motion points to PMTiles, chunked time series and a static viewer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "build"]

if TYPE_CHECKING:
    from .builder import BuildResult


def build(*args: Any, **kwargs: Any) -> BuildResult:
    """Build a static site; see `tiler.builder.build` (imported lazily to keep `--help` fast)."""
    from .builder import build as _build

    return _build(*args, **kwargs)
