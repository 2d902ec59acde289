"""The layer's chunk index (`index.json`), kept on disk a unit at a time until it is written.

A row per chunk of 256 points: [chunk, unit, west, south, east, north, points]. Held as Python
lists they cost ~240 bytes a row (~1 byte a point: ~1 GB at a billion points) on the process
that writes the layer's files, so each unit's rows go to scratch as a float64 array (every
value is exact in a double: small integers and coordinates already rounded), and index.json is
written from them, a unit at a time.

A layer of more than BLOCK_ROWS chunks (262,144 points) gets its index in blocks, so a viewer
looking around one place does not fetch the whole layer's (~23 MB at 100M points): index.json
then lists the blocks' extents, and each block (`index/<block>.json.gz`) holds BLOCK_ROWS
consecutive rows, in the units' space-filling-curve order, so a block covers a compact area.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from tiler.files import atomic, write_gzip

ROW_WIDTH = 7
INTEGER_COLUMNS = (0, 1, 6)  # chunk, unit, points
BLOCK_ROWS = 1024  # chunks a block: 262,144 points, ~60 kB of JSON (as seriespack's threshold)
BLOCK_FOLDER = "index"
BLOCK_PATH = BLOCK_FOLDER + "/{block}.json.gz"  # relative to index.json


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


def write_index(
    path: Path, layer_id: str, chunk_size: int, parts: Sequence[Path], block_rows: int = 0
) -> None:
    """index.json from the units' row files in unit order: the bytes json.dumps would write for
    {"layer", "size", "chunks": every row} with compact separators, or, past `block_rows` rows,
    {"layer", "size", "block_path", "blocks": [[block, west, south, east, north, rows], ...]}
    and one such document of `block_rows` rows per block beside it (0: BLOCK_ROWS)."""
    block_rows = block_rows or BLOCK_ROWS
    head = json.dumps({"layer": layer_id, "size": chunk_size}, separators=(",", ":"))[:-1]
    if sum(row_count(part) for part in parts) <= block_rows:
        with open(path, "w", encoding="utf-8") as out:
            out.write(head + ',"chunks":[' + ",".join(row_texts(parts)) + "]}")
        return
    (path.parent / BLOCK_FOLDER).mkdir(exist_ok=True)
    extents = []
    for number, block in enumerate(blocks(parts, block_rows)):
        document = head + ',"chunks":[' + ",".join(row_texts([block])) + "]}"
        write_gzip(path.parent / BLOCK_PATH.format(block=number), document.encode())
        extents.append([number, *extent(block), len(block)])
    with open(path, "w", encoding="utf-8") as out:
        out.write(head + "," + json.dumps({"block_path": BLOCK_PATH, "blocks": extents},
                                          separators=(",", ":"))[1:])  # fmt: skip


def blocks(parts: Sequence[Path], block_rows: int) -> Iterator[np.ndarray]:
    """The rows of every part, in order, `block_rows` at a time (the last block shorter)."""
    pending = np.zeros((0, ROW_WIDTH))
    for part in parts:
        pending = np.concatenate([pending, np.load(part)])
        while len(pending) >= block_rows:
            yield pending[:block_rows]
            pending = pending[block_rows:]
    if len(pending):
        yield pending


def extent(rows: np.ndarray) -> list[float]:
    """[west, south, east, north] of the rows' boxes."""
    return [float(rows[:, 2].min()), float(rows[:, 3].min()),
            float(rows[:, 4].max()), float(rows[:, 5].max())]  # fmt: skip


def row_texts(parts: Sequence[Path | np.ndarray]) -> Iterator[str]:
    """Each row as compact JSON, its integer columns as integers."""
    for part in parts:
        for row in (np.load(part) if isinstance(part, Path) else part).tolist():
            for column in INTEGER_COLUMNS:
                row[column] = int(row[column])
            yield json.dumps(row, separators=(",", ":"))


def read_rows(index_path: Path) -> Iterator[list[float]]:
    """Every row of a layer's index.json, whole or in blocks."""
    document = json.loads(index_path.read_text(encoding="utf-8"))
    if "chunks" in document:
        yield from document["chunks"]
        return
    for block in document["blocks"]:
        path = index_path.parent / document["block_path"].format(block=block[0])
        yield from json.loads(gzip.decompress(path.read_bytes()))["chunks"]
