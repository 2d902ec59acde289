"""PMTiles v3 directories and header from tile entries held as numpy columns.

The `pmtiles` package's writer (`finalize_header`) takes one Python `Entry` a tile, ~160 bytes
each: 45 MB for the 282,000 tiles of a 30M-point layer, on top of the merge's own tables. The
same bytes come from columns here (~32 bytes a tile): LEB128 varints, the root directory alone
when it fits 16 KB with the header, else leaves of 4096 entries (doubled until the root fits),
gzip without a time, as `pmtiles.writer` writes them.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from pmtiles.tile import Compression, HeaderDict, serialize_header, tileid_to_zxy

HEADER_BYTES = 127
ROOT_LIMIT = 16384 - HEADER_BYTES  # the header and the root directory fit one 16 KB read
FIRST_LEAF_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Entries:
    """Tile entries in tile-id order, as columns (uint64)."""

    tile_id: np.ndarray
    offset: np.ndarray
    length: np.ndarray
    run_length: np.ndarray

    def __len__(self) -> int:
        return len(self.tile_id)

    def part(self, start: int, stop: int) -> Entries:
        return Entries(self.tile_id[start:stop], self.offset[start:stop],
                       self.length[start:stop], self.run_length[start:stop])  # fmt: skip


def varints(values: np.ndarray) -> bytes:
    """Each value as an unsigned LEB128 varint, one after the other."""
    values = np.asarray(values, dtype=np.uint64)
    sizes = np.ones(len(values), dtype=np.int64)
    rest = values >> np.uint64(7)
    while rest.any():
        sizes += rest > 0
        rest >>= np.uint64(7)
    out = np.zeros(int(sizes.sum()), dtype=np.uint8)
    starts = np.cumsum(sizes) - sizes
    for place in range(int(sizes.max(initial=0))):
        here = sizes > place
        byte = (values[here] >> np.uint64(7 * place)) & np.uint64(0x7F)
        more = (sizes[here] > place + 1).astype(np.uint64) << np.uint64(7)
        out[starts[here] + place] = (byte | more).astype(np.uint8)
    return out.tobytes()


def serialize_directory(entries: Entries) -> bytes:
    """`pmtiles.tile.serialize_directory`'s bytes: the count, then the columns, each varints."""
    tile_id = entries.tile_id.astype(np.uint64)
    deltas = np.diff(tile_id, prepend=np.uint64(0))
    offsets = entries.offset.astype(np.uint64) + np.uint64(1)
    follows = np.zeros(len(entries), dtype=bool)  # a tile right after the one before: 0
    follows[1:] = entries.offset[1:] == entries.offset[:-1] + entries.length[:-1]
    offsets[follows] = 0
    body = [varints(np.array([len(entries)])), varints(deltas), varints(entries.run_length),
            varints(entries.length), varints(offsets)]  # fmt: skip
    return gzip.compress(b"".join(body), mtime=0)


def directories(entries: Entries) -> tuple[bytes, bytes]:
    """The root directory and the leaf directories (`pmtiles.writer.optimize_directories`)."""
    root = serialize_directory(entries)
    if len(root) < ROOT_LIMIT:
        return root, b""
    leaf_size = FIRST_LEAF_SIZE
    while True:
        leaves, firsts, offsets, lengths = [], [], [], []
        written = 0
        for start in range(0, len(entries), leaf_size):
            leaf = serialize_directory(entries.part(start, start + leaf_size))
            firsts.append(int(entries.tile_id[start]))
            offsets.append(written)
            lengths.append(len(leaf))
            leaves.append(leaf)
            written += len(leaf)
        pointers = Entries(np.array(firsts, dtype=np.uint64), np.array(offsets, dtype=np.uint64),
                           np.array(lengths, dtype=np.uint64),
                           np.zeros(len(firsts), dtype=np.uint64))  # fmt: skip
        root = serialize_directory(pointers)
        if len(root) < ROOT_LIMIT:
            return root, b"".join(leaves)
        leaf_size *= 2


def finalize_header(
    header: HeaderDict, entries: Entries, contents: int, metadata: dict[str, Any],
    data_length: int,
) -> tuple[bytes, bytes, bytes, bytes]:  # fmt: skip
    """`pmtiles.writer.finalize_header` for clustered entries in tile order: the header, the
    root directory, the metadata and the leaf directories, as bytes."""
    header["addressed_tiles_count"] = int(entries.run_length.sum())
    header["tile_entries_count"] = len(entries)
    header["tile_contents_count"] = contents
    header["min_zoom"] = tileid_to_zxy(int(entries.tile_id[0]))[0]
    header["max_zoom"] = tileid_to_zxy(int(entries.tile_id[-1]))[0]
    root, leaves = directories(entries)
    packed_metadata = gzip.compress(json.dumps(metadata).encode(), mtime=0)
    header["clustered"] = True
    header["internal_compression"] = Compression.GZIP
    header["root_offset"] = HEADER_BYTES
    header["root_length"] = len(root)
    header["metadata_offset"] = HEADER_BYTES + len(root)
    header["metadata_length"] = len(packed_metadata)
    header["leaf_directory_offset"] = header["metadata_offset"] + len(packed_metadata)
    header["leaf_directory_length"] = len(leaves)
    header["tile_data_offset"] = header["leaf_directory_offset"] + len(leaves)
    header["tile_data_length"] = data_length
    return serialize_header(header), root, packed_metadata, leaves
