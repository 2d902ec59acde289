"""pid → feature id lookup, split into small hashed buckets the viewer loads one at a time.

Bucket of a pid: FNV-1a (32 bit) of its UTF-8 bytes, modulo the bucket count; the viewer
computes the same hash (docs/site-data.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather

from tiler.files import atomic, write_gzip

PIDS_PER_BUCKET = 4096
FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
BUCKET_SUFFIX = ".json.gz"
BUCKETS_AT_ONCE = 256  # ~1M points' pairs in memory at a time


def fnv1a32(pids: pa.Array) -> np.ndarray:
    """FNV-1a hashes (uint32) of every string, vectorised over the strings' byte positions."""
    array = pa.array(pids, pa.string()) if not isinstance(pids, pa.Array) else pids
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(array.buffers()[2] or b"", dtype=np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    hashes = np.full(len(array), FNV_OFFSET, dtype=np.uint64)
    for k in range(int(lengths.max()) if len(lengths) else 0):
        live = lengths > k
        byte = data[starts[live] + k].astype(np.uint64)
        hashes[live] = ((hashes[live] ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return hashes.astype(np.uint32)


def bucket_count(points: int) -> int:
    return max(1, -(-points // PIDS_PER_BUCKET))


def save_pairs(path: Path, pids: pa.Array, ids: np.ndarray, buckets: int | None = None) -> None:
    """A unit's (pid, id) pairs, sorted by bucket of the index when `buckets` is known (else
    in id order, for `write_pid_index` to sort once the layer's size is known)."""
    table = pa.table({"pid": pids.cast(pa.string()), "id": ids})
    if buckets is not None:
        bucket = buckets_of(table.column("pid").combine_chunks(), buckets)
        order = np.argsort(bucket, kind="stable")
        table = table.take(pa.array(order)).append_column("bucket", pa.array(bucket[order]))
    with atomic(path) as temporary:
        feather.write_feather(table, temporary, compression="uncompressed")


def write_pid_index(
    layer_dir: Path, layer_id: str, pair_files: Sequence[Path], points: int
) -> dict[str, object]:  # fmt: skip
    """Write `pid/<bucket>.json.gz` from the units' pairs (`save_pairs` without buckets, in
    unit order), a group of buckets at a time; return the manifest's `pids` entry."""
    buckets = bucket_count(points)
    for path in pair_files:
        table = feather.read_table(path)
        pids, ids = table.column("pid").combine_chunks(), table.column("id").to_numpy()
        del table
        save_pairs(path, pids, ids, buckets)
    for which in bucket_groups(buckets):
        write_pid_group(pair_files, which, buckets, layer_dir / "pid")
    return pid_manifest(layer_id, buckets)


def bucket_groups(buckets: int) -> list[range]:
    """The buckets written together (one Dask task each): ~1M points' pairs at a time."""
    return [range(first, min(first + BUCKETS_AT_ONCE, buckets))
            for first in range(0, buckets, BUCKETS_AT_ONCE)]  # fmt: skip


def write_pid_group(files: Sequence[Path], which: range, buckets: int, folder: Path) -> None:
    """Buckets `which` of the pid index, from every unit's pairs sorted by bucket (`files` in
    unit order)."""
    pids, ids = [], []
    for path in files:
        table = feather.read_table(path, memory_map=True)
        lo, hi = np.searchsorted(table.column("bucket").to_numpy(), [which.start, which.stop])
        # copies: a view would keep the file mapped, and the pages read of every unit's file
        # resident until the group is written (measured alone, 30 units of 1M points: 526 MB
        # at the peak with views, 295 MB with copies; 10 units: 313 and 288 MB)
        pids.append(
            pc.take(table.column("pid").slice(lo, hi - lo), np.arange(hi - lo)).combine_chunks()
        )
        ids.append(np.array(table.column("id").slice(lo, hi - lo).to_numpy()))
        del table
    folder.mkdir(parents=True, exist_ok=True)
    all_pids = pa.concat_arrays(pids) if pids else pa.array([], pa.string())
    all_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    write_buckets(folder, all_pids, all_ids, which, buckets)


def pid_manifest(layer_id: str, buckets: int) -> dict[str, object]:
    return {
        "path": f"{layer_id}/pid/{{bucket}}{BUCKET_SUFFIX}",
        "buckets": buckets,
        "hash": "fnv1a32",
    }


def buckets_of(pids: pa.Array, buckets: int) -> np.ndarray:
    return fnv1a32(pids) % np.uint32(buckets)


def write_buckets(
    folder: Path, pids: pa.Array, ids: np.ndarray, which: range, buckets: int
) -> None:  # fmt: skip
    """Write the buckets `which` (of `buckets`) from every pid they hold, given in id order."""
    bucket_of = buckets_of(pids, buckets)
    order = np.argsort(bucket_of, kind="stable")
    bounds = np.searchsorted(bucket_of[order], np.arange(which.start, which.stop + 1))
    names, sorted_ids = pids.take(pa.array(order)), ids[order]
    for position, bucket in enumerate(which):
        lo, hi = int(bounds[position]), int(bounds[position + 1])
        # Python objects a bucket at a time: a layer's pids as str would be ~70 B a point
        mapping = dict(zip(names[lo:hi].to_pylist(), sorted_ids[lo:hi].tolist(), strict=True))
        text = json.dumps(mapping, separators=(",", ":"), ensure_ascii=False)
        write_gzip(folder / f"{bucket}{BUCKET_SUFFIX}", text.encode())
