"""Incremental builds: a layer whose inputs and options are unchanged is taken from the
previous site instead of being re-tiled.

The key of a layer is a hash of the egms-tiler and tippecanoe versions, the options that shape
its files, and the content (not the name or date) of every input file. It is stored in the
manifest (`build_key`), so the previous site is the cache: nothing else is kept on disk.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from tiler import __version__
from tiler.files import link_or_copy
from tiler.model import Source

CACHE_FORMAT = 5  # 2: chunks carry per-point attributes; 3: and the incidence angle; 4: L3
# tiles to zoom 13 (zooms.CELL_TILE_ZOOM); 5: the trend-change screening (layer/trendchange.py).
# Each re-tiles the layers of an older site.


def file_digest(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def layer_key(sources: list[Source], digests: dict[Path, str], options: dict[str, Any]) -> str:
    document = {
        "format": CACHE_FORMAT,
        "egms-tiler": __version__,
        "options": options,
        "inputs": [[source.stem, source.member, digests[source.path]] for source in sources],
    }
    text = json.dumps(document, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def previous_manifest(output: Path) -> dict[str, Any]:
    """The manifest of the site at `output` ({} when there is none or it is unreadable)."""
    try:
        document = json.loads((output / "data" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) and document.get("schema") == 1 else {}


def previous_layers(output: Path) -> dict[str, dict[str, Any]]:
    """Layer entries of the site at `output` by build key (empty when there is none)."""
    layers = previous_manifest(output).get("layers", [])
    return {
        entry["build_key"]: entry
        for entry in layers
        if isinstance(entry, dict) and "build_key" in entry
    }


def previous_basemap(output: Path) -> dict[str, Any] | None:
    """The previous site's basemap entry and file, for `basemap.install` to reuse."""
    entry = previous_manifest(output).get("basemap")
    if not isinstance(entry, dict) or "tiles" not in entry:
        return None
    return {"entry": entry, "file": str(output / "data" / entry["tiles"])}


def reuse(previous: Path, target: Path) -> bool:
    """Hard-link (or copy) a previous layer directory into the new site; False if it is gone."""
    if not previous.is_dir():
        return False
    shutil.copytree(previous, target, copy_function=link_or_copy)
    return True
