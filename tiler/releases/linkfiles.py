"""The link files: for each chunk of a layer, each point's counterpart in another release.

`data/<layer>/releases/<other>/<chunk>.json.gz` (gzip JSON, rows as in the layer's chunk):
`{"layer": other, "chunk": c, "first_id": f, "id": [feature id in other | null],
"by": [0 none | 1 pid | 2 position], "m": [horizontal distance in m, 1 decimal | null]}`
(docs/site-data.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from tiler.files import write_gzip

from .layerpoints import LayerPoints
from .match import BY_PID, BY_POSITION, Match


def folder(data: Path, layer: str) -> Path:
    return data / layer / "releases"


def clear(data: Path, layer: str, keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Remove a layer's link files (a reused layer brings the previous build's) but those to
    the layers in `keep`."""
    if not folder(data, layer).is_dir():
        return
    for path in folder(data, layer).iterdir():
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def write_links(
    data: Path, layer: dict[str, Any], other: dict[str, Any], mine: LayerPoints,
    theirs: LayerPoints, found: Match,
) -> dict[str, Any]:  # fmt: skip
    """Write `layer`'s link files to `other` and return its entry in the manifest's
    `releases`."""
    target = folder(data, layer["id"]) / other["id"]
    target.mkdir(parents=True, exist_ok=True)
    start = 0
    for chunk, first_id, rows in mine.chunks:
        part = slice(start, start + rows)
        start += rows
        text = chunk_text(other["id"], (chunk, first_id), found, part, theirs.ids)
        write_gzip(target / f"{chunk}.json.gz", text)
    return {
        "layer": other["id"],
        "period": other["period"],
        "path": f"{layer['id']}/releases/{other['id']}/{{chunk}}.json.gz",
        "matched": int((found.row >= 0).sum()),
        "by_pid": int((found.by == BY_PID).sum()),
        "by_position": int((found.by == BY_POSITION).sum()),
    }


def chunk_text(
    other: str, chunk: tuple[int, int], found: Match, part: slice, ids: np.ndarray
) -> bytes:
    """The link file of one chunk (index, first id): rows `part` of `found`."""
    row = found.row[part]
    paired = row >= 0
    counterpart = [int(ids[r]) if ok else None for r, ok in zip(row, paired, strict=True)]
    distance = [round(float(d), 1) if ok else None
                for d, ok in zip(found.distance[part], paired, strict=True)]  # fmt: skip
    document = {"layer": other, "chunk": chunk[0], "first_id": chunk[1], "id": counterpart,
                "by": [int(b) for b in found.by[part]], "m": distance}  # fmt: skip
    return json.dumps(document, separators=(",", ":")).encode("utf-8")
