"""The layer's chunk index (`index.json`), kept on disk a unit at a time until it is written.

A row per chunk of 256 points: [chunk, unit, west, south, east, north, points]. Held as Python
lists they cost ~240 bytes a row (~1 byte a point: ~1 GB at a billion points) on the process
that writes the layer's files, so each unit's rows go to scratch as a float64 array (every
value is exact in a double: small integers and coordinates already rounded), and index.json is
written from them, a unit at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tiler.files import atomic

ROW_WIDTH = 7
INTEGER_COLUMNS = (0, 1, 6)  # chunk, unit, points


def index_part(folder: Path, unit: int) -> Path:
    """Where unit `unit`'s rows wait in `folder` (scratch) until index.json is written."""
    return folder / f"u{unit}.npy"


def save_rows(path: Path, rows: Sequence[Sequence[float | int]]) -> Path:
    """One unit's rows to `path` (a .npy file, written whole or not at all)."""
    table = np.array(rows, dtype=np.float64).reshape(-1, ROW_WIDTH)
    with atomic(path) as temporary, open(temporary, "wb") as stream:
        np.save(stream, table)
    return path


def row_count(path: Path) -> int:
    return int(np.load(path, mmap_mode="r").shape[0])


def write_index(path: Path, layer_id: str, chunk_size: int, parts: Sequence[Path]) -> None:
    """index.json from the units' row files in unit order: the bytes json.dumps would write for
    {"layer", "size", "chunks": every row} with compact separators."""
    head = json.dumps({"layer": layer_id, "size": chunk_size}, separators=(",", ":"))[:-1]
    with open(path, "w", encoding="utf-8") as out:
        out.write(head + ',"chunks":[')
        first = True
        for part in parts:
            for row in np.load(part).tolist():
                for column in INTEGER_COLUMNS:
                    row[column] = int(row[column])
                out.write(("" if first else ",") + json.dumps(row, separators=(",", ":")))
                first = False
        out.write("]}")
