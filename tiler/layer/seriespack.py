"""Packed series: a layer's chunk files joined into a few large files read with HTTP Range.

A 100M-point layer has ~390,000 chunks: as files, slow to upload and list on any host. Packed,
the same gzip bytes are concatenated in chunk order into `ts/pack-<k>.bin` files of at most
PACK_BYTES, and one small binary index (`ts/pack-index.bin.gz`) gives each chunk's length; the
viewer fetches the index once and then each chunk with one `Range: bytes=a-b` request, as
PMTiles does for tiles. Index (gzip of little-endian uint32s): "EGSP", version, chunks N,
packs P, the first chunk of each pack (P values), the byte length of each chunk (N values,
0 where there is none). A chunk's offset is the sum of the lengths before it in its pack.

The link files to other releases (`releases/<other>/`, one per chunk too) are packed alike.
The layers are built loose; `settle` packs (or unpacks) each layer as the last step before
publication, so a layer reused from the previous site comes in either form.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tiler.files import copy_range, write_gzip
from tiler.layer.serieschunks import CHUNK_SUFFIX, chunks_needed

MODES = ("auto", "packed", "loose")
DEFAULT_MODE = "auto"
# `auto` packs a layer of more than AUTO_CHUNKS chunks (262,144 points at 256 a chunk): below,
# its few hundred files upload in seconds anywhere; above, files grow by one per 256 points
# (390,000 at 100M points), past Cloudflare Pages' 20,000 files a site, and each is a PUT.
AUTO_CHUNKS = 1024
# The largest file Cloudflare Pages takes is 25 MiB, the strictest of the common hosts (GitHub
# 100 MB, S3 5 GB a PUT): ~400 chunks of ~60 KB a pack, 1,000 packs for 100M points.
PACK_BYTES = 24 * 1024 * 1024
PACK_NAME = "pack-{pack}.bin"
INDEX_NAME = "pack-index.bin.gz"
MAGIC = b"EGSP"
VERSION = 1
WORD = np.dtype("<u4")


@dataclass(frozen=True, slots=True)
class PackIndex:
    """Where each chunk is: `first` chunk of each pack, each chunk's `lengths` (0: none)."""

    first: np.ndarray
    lengths: np.ndarray

    @property
    def starts(self) -> np.ndarray:
        """Each chunk's offset in its pack."""
        ends = np.cumsum(self.lengths, dtype=np.int64)
        before = np.concatenate([[0], ends[:-1]])
        pack_start = before[self.first] if len(self.first) else np.zeros(0, np.int64)
        return before - pack_start[self.packs()]

    def packs(self) -> np.ndarray:
        """Each chunk's pack number."""
        return np.searchsorted(self.first, np.arange(len(self.lengths)), side="right") - 1

    def encode(self) -> bytes:
        head = np.array([VERSION, len(self.lengths), len(self.first)], dtype=WORD)
        return MAGIC + b"".join(a.astype(WORD).tobytes() for a in (head, self.first, self.lengths))

    @classmethod
    def decode(cls, raw: bytes, name: str = "pack index") -> PackIndex:
        data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        if data[:4] != MAGIC or len(data) < 16:
            raise ValueError(f"{name} is not an egms-tiler pack index")
        version, chunks, packs = np.frombuffer(data, WORD, 3, 4).tolist()
        if version != VERSION or len(data) != 16 + 4 * (chunks + packs):
            raise ValueError(f"{name}: unknown version {version} or wrong length")
        words = np.frombuffer(data, WORD, packs + chunks, 16).astype(np.int64)
        return cls(first=words[:packs], lengths=words[packs:])


# --- the decision, and the manifest's entries -------------------------------------------------


def layer_chunks(layer: dict[str, Any]) -> int:
    """How many chunk files the layer has (a unit starts a new chunk)."""
    size = int(layer["chunks"]["size"])
    return sum(chunks_needed(int(unit["points"]), size) for unit in layer["units"])


def wants_pack(mode: str, chunks: int) -> bool:
    if mode not in MODES:
        raise ValueError(f"series files must be one of {', '.join(MODES)}, not {mode!r}")
    return mode == "packed" or (mode == "auto" and chunks > AUTO_CHUNKS)


def settle(data: Path, layers: list[dict[str, Any]], mode: str) -> list[dict[str, Any]]:
    """The layers' entries with their chunk files (series, and links to other releases) in the
    form `mode` asks for, changed in place under `data/` (the staging copy of the site)."""
    settled = []
    for layer in layers:
        want = wants_pack(mode, layer_chunks(layer))
        entry = {**layer, "chunks": settle_set(data, layer["chunks"], f"{layer['id']}/ts", want)}
        if "releases" in layer:
            entry["releases"] = [
                settle_set(data, link, f"{layer['id']}/releases/{link['layer']}", want)
                for link in layer["releases"]
            ]  # fmt: skip
        settled.append(entry)
    return settled


def settle_set(data: Path, entry: dict[str, Any], folder: str, want: bool) -> dict[str, Any]:
    """A chunk set's entry (`path`: loose files, `pack`: packed) in the wanted form."""
    if want and "pack" not in entry:
        rest = {key: value for key, value in entry.items() if key != "path"}
        return {**rest, "pack": pack_folder(data, folder)}
    if not want and "pack" in entry:
        unpack_folder(data, entry["pack"], folder)
        rest = {key: value for key, value in entry.items() if key != "pack"}
        return {"path": f"{folder}/{{chunk}}{CHUNK_SUFFIX}", **rest}
    return entry


# --- packing and unpacking ---------------------------------------------------------------------


def loose_numbers(directory: Path) -> list[int]:
    """The chunk numbers of the loose files in `directory`, ascending."""
    with os.scandir(directory) as entries:
        names = [entry.name for entry in entries if entry.name.endswith(CHUNK_SUFFIX)]
    return sorted(int(name.removesuffix(CHUNK_SUFFIX)) for name in names)


def pack_folder(data: Path, folder: str) -> dict[str, Any]:
    """Join the loose chunk files of `data/folder` into packs (removing them); the `pack`
    entry of the manifest."""
    directory = data / folder
    numbers = loose_numbers(directory)
    lengths = np.zeros(numbers[-1] + 1 if numbers else 0, dtype=np.int64)
    first: list[int] = []
    out, filled = -1, 0
    try:
        for number in numbers:
            loose = directory / f"{number}{CHUNK_SUFFIX}"
            length = loose.stat().st_size
            if out < 0 or (filled and filled + length > PACK_BYTES):
                out = next_pack(out, directory, len(first))
                first.append(number)
                filled = 0
            with open(loose, "rb") as source:
                copy_range(source.fileno(), out, 0, length)
            loose.unlink()
            lengths[number], filled = length, filled + length
    finally:
        if out >= 0:
            os.close(out)
    write_gzip(directory / INDEX_NAME, PackIndex(np.array(first, np.int64), lengths).encode())
    return {"path": f"{folder}/{PACK_NAME}", "index": f"{folder}/{INDEX_NAME}",
            "packs": len(first), "chunks": len(lengths)}  # fmt: skip


def next_pack(previous: int, directory: Path, number: int) -> int:
    if previous >= 0:
        os.close(previous)
    path = directory / PACK_NAME.format(pack=number)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)


def unpack_folder(data: Path, pack: dict[str, Any], folder: str) -> None:
    """Write a packed chunk set as loose files in `data/folder` (removing the packs)."""
    index_path = data / pack["index"]
    index = PackIndex.decode(index_path.read_bytes(), str(index_path))
    starts, packs = index.starts, index.packs()
    for number in range(len(index.first)):
        path = data / pack["path"].format(pack=number)
        with open(path, "rb") as source:
            for chunk in np.flatnonzero((packs == number) & (index.lengths > 0)).tolist():
                with open(data / folder / f"{chunk}{CHUNK_SUFFIX}", "wb") as out:
                    copy_range(source.fileno(), out.fileno(), int(starts[chunk]),
                               int(index.lengths[chunk]))  # fmt: skip
        path.unlink()
    index_path.unlink()


# --- reading back (the Python steps after the layers: assets, releases, tests) -----------------


def chunk_bytes(data: Path, chunks: dict[str, Any], index: int) -> bytes:
    """The stored (gzip) bytes of chunk `index` of a chunk set (a layer's `chunks`, a
    `releases` entry), loose or packed."""
    pack = chunks.get("pack")
    if pack is None:
        return (data / chunks["path"].replace("{chunk}", str(index))).read_bytes()
    where = pack_location(data / pack["index"], index)
    if where is None:
        raise FileNotFoundError(f"{data / pack['index']} has no chunk {index}")
    number, start, length = where
    with open(data / pack["path"].format(pack=number), "rb") as stream:
        return os.pread(stream.fileno(), length, start)


def pack_location(index_path: Path, chunk: int) -> tuple[int, int, int] | None:
    """(pack, offset, length) of a chunk, None when the index has no such chunk."""
    status = index_path.stat()
    first, starts, lengths = _index_arrays(str(index_path), status.st_ino, status.st_mtime_ns)
    if not 0 <= chunk < len(lengths) or lengths[chunk] == 0:
        return None
    number = int(np.searchsorted(first, chunk, side="right")) - 1
    return number, int(starts[chunk]), int(lengths[chunk])


@lru_cache(maxsize=8)
def _index_arrays(path: str, inode: int, mtime: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A pack index, decoded once per file version (inode and mtime are the cache key)."""
    index = PackIndex.decode(Path(path).read_bytes(), path)
    return index.first, index.starts, index.lengths
