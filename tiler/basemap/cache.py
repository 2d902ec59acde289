"""The offline basemap tiled once per machine, not once per build.

Tiling Natural Earth costs ~5 CPU s (most of a small build), and its archive depends only on
the bundled data, the recipe and tippecanoe's version. The archive is kept in the user's cache
folder under a key of those, and copied into each site. Like pip's and pre-commit's caches:
`EGMS_TILER_CACHE`, else `$XDG_CACHE_HOME/egms-tiler`, else `~/.cache/egms-tiler`; a cache
that cannot be written is skipped, never an error.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from tiler.files import atomic

CACHE_ENV = "EGMS_TILER_CACHE"


def folder() -> Path:
    """Where cached archives live (created when one is stored)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "egms-tiler"


def key(*parts: bytes | str) -> str:
    """A short hash of everything an archive depends on."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def cached_copy(name: str, target: Path, make: Callable[[Path], None]) -> None:
    """Copy the cached `name` to `target`, or `make(target)` and keep a copy for next time."""
    stored = folder() / name
    if stored.is_file():
        try:
            shutil.copyfile(stored, target)
            return
        except OSError:
            target.unlink(missing_ok=True)
    make(target)
    try:
        with atomic(stored) as temporary:  # two builds at once: each renames a whole file
            shutil.copyfile(target, temporary)
    except OSError:
        pass  # a read-only or full home: the build goes on without the cache
