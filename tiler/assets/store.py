"""Every asset of the file spilled to a scratch file in Hilbert order (of its centre), so no step
holds more than a block of assets: a national building file is millions of polygons.

The file is read once (tiler/assets/source.py); each batch is split by the Hilbert key's prefix
into spatial buckets, written as one record batch per bucket. Then each bucket, sorted, goes into
one Arrow file of BLOCK-row record batches: asset `i` (its dense id) is row `i` of it. A bucket
is small (the prefix is chosen for about BUCKET_TARGET assets), so sorting one needs little.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import shapely

from tiler.assets.source import KINDS, AssetBatch, AssetOptions, read_batches
from tiler.errors import InputError, InputWarning
from tiler.memory import give_back
from tiler.spatial import HILBERT_ORDER, hilbert_index

BLOCK = 65_536  # assets a step holds at a time (a multiple of the stats and series chunk sizes)
BUCKET_TARGET = 4096  # assets per spatial bucket on average (dense cities hold many more)
SIDES = ("west", "south", "east", "north")


@dataclass(frozen=True, slots=True)
class AssetBlock:
    """Assets `first .. first + len - 1`, in Hilbert order."""

    first: int
    ids: list[str]
    kinds: np.ndarray  # uint8 index into KINDS
    bounds: np.ndarray  # (n, 4) west, south, east, north
    wkb: pa.Array

    def __len__(self) -> int:
        return len(self.ids)

    def geometries(self) -> np.ndarray:
        return shapely.from_wkb(self.wkb.to_numpy(zero_copy_only=False))

    def extent(self) -> tuple[float, float, float, float]:
        b = self.bounds
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                float(b[:, 3].max()))  # fmt: skip


@dataclass(slots=True)
class AssetStore:
    """The sorted scratch file and what is known of it without reading it again."""

    path: Path
    count: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    extent: list[float] = field(default_factory=list)

    def blocks(self) -> Iterator[AssetBlock]:
        with pa.OSFile(str(self.path)) as stream:
            reader = pa.ipc.open_file(stream)
            first = 0
            for index in range(reader.num_record_batches):
                batch = reader.get_batch(index)
                bounds = np.column_stack([batch.column(side).to_numpy() for side in SIDES])
                yield AssetBlock(
                    first,
                    batch.column("id").to_pylist(),
                    batch.column("kind").to_numpy(),
                    bounds,
                    batch.column("wkb"),
                )
                first += batch.num_rows


def spill_assets(
    options: AssetOptions, scratch: Path, warn: Callable[[InputWarning], None]
) -> AssetStore:  # fmt: skip
    """Read, check and sort the whole file into `scratch/assets.arrow`."""
    extent, features = file_extent(options)
    bits = bucket_bits(features)
    spill = Spill(scratch, extent, bits)
    for batch in read_batches(options, warn):
        spill.add(batch)
        give_back()
    if spill.count == 0:
        raise InputError(options.path, "the file holds no feature with a geometry",
                         "pass a file of polygons, lines or points")  # fmt: skip
    if options.id_field is not None:
        check_unique(options, spill)
    return spill.sorted_store(scratch / "assets.arrow")


def file_extent(options: AssetOptions) -> tuple[tuple[float, float, float, float], int]:
    """The file's extent in lon/lat (what the Hilbert keys are relative to) and its count."""
    import pyogrio
    from pyproj import Transformer

    info = pyogrio.read_info(options.path, force_feature_count=True, force_total_bounds=True)
    box = info.get("total_bounds")
    if box is None or not all(math.isfinite(value) for value in box):
        return (-180.0, -90.0, 180.0, 90.0), int(info.get("features") or 0)
    to_lonlat = Transformer.from_crs(info["crs"], "EPSG:4326", always_xy=True)
    left, bottom, right, top = box
    west, south, east, north = to_lonlat.transform_bounds(left, bottom, right, top, densify_pts=21)
    return (west, south, east, north), int(info.get("features") or 0)


def bucket_bits(features: int) -> int:
    """Hilbert levels of the bucket prefix: 4^levels buckets of ~BUCKET_TARGET assets."""
    return int(min(7, max(0, math.ceil(math.log(max(features, 1) / BUCKET_TARGET, 4)))))


class Spill:
    """Stage one: each batch written as record batches, one per spatial bucket."""

    def __init__(self, scratch: Path, extent: tuple[float, ...], levels: int) -> None:
        self.scratch, self.extent, self.levels = scratch, extent, levels
        self.parts: dict[int, list[tuple[Path, int]]] = {}
        self.count = 0
        self.kinds = np.zeros(len(KINDS), dtype=np.int64)
        self.box = [math.inf, math.inf, -math.inf, -math.inf]
        self.hashes: list[np.ndarray] = []

    def add(self, batch: AssetBatch) -> None:
        bounds = shapely.bounds(batch.geometries)
        key = self.keys(bounds)
        bucket = key >> np.uint64(2 * (HILBERT_ORDER - self.levels))
        order = np.argsort(bucket, kind="stable")
        table = pa.table({
            "key": key[order], "row": np.arange(self.count, self.count + len(key))[order],
            "id": pa.array(batch.ids).take(order), "kind": batch.kinds[order],
            "wkb": pa.array(shapely.to_wkb(batch.geometries[order])),
            **{side: bounds[order, index] for index, side in enumerate(SIDES)},
        })  # fmt: skip
        self.write(table, bucket[order])
        self.hashes.append(np.array([hash(name) for name in batch.ids], dtype=np.int64))
        self.count += len(key)
        self.kinds += np.bincount(batch.kinds, minlength=len(KINDS))
        self.box = [min(self.box[0], float(bounds[:, 0].min())),
                    min(self.box[1], float(bounds[:, 1].min())),
                    max(self.box[2], float(bounds[:, 2].max())),
                    max(self.box[3], float(bounds[:, 3].max()))]  # fmt: skip

    def keys(self, bounds: np.ndarray) -> np.ndarray:
        west, south, east, north = self.extent
        span = max(east - west, north - south) or 1.0
        top = (1 << HILBERT_ORDER) - 1
        x = np.clip(((bounds[:, 0] + bounds[:, 2]) / 2 - west) / span * top, 0, top)
        y = np.clip(((bounds[:, 1] + bounds[:, 3]) / 2 - south) / span * top, 0, top)
        return hilbert_index(x.astype(np.int64), y.astype(np.int64)).astype(np.uint64)

    def write(self, table: pa.Table, buckets: np.ndarray) -> None:
        path = self.scratch / f"spill-{len(self.hashes)}.arrow"
        starts = np.flatnonzero(np.diff(buckets.astype(np.int64), prepend=-1))
        ends = [*starts[1:], len(buckets)]
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
            for number, (start, end) in enumerate(zip(starts, ends, strict=True)):
                out.write_table(table.slice(start, end - start))
                self.parts.setdefault(int(buckets[start]), []).append((path, number))

    def buckets(self) -> Iterator[pa.Table]:
        """Each bucket's assets in Hilbert order (rows of the file in their order on a tie)."""
        for bucket in sorted(self.parts):
            pieces = []
            for path, number in self.parts[bucket]:
                with pa.OSFile(str(path)) as stream:
                    pieces.append(pa.ipc.open_file(stream).get_batch(number))
            table = pa.Table.from_batches(pieces)
            yield table.take(np.lexsort((table.column("row").to_numpy(),
                                         table.column("key").to_numpy())))  # fmt: skip

    def sorted_store(self, path: Path) -> AssetStore:
        columns = ["id", "kind", "wkb", *SIDES]
        with pa.OSFile(str(path), "wb") as sink:
            writer = None
            for block in rebatched(table.select(columns) for table in self.buckets()):
                writer = writer or pa.ipc.new_file(sink, block.schema)
                writer.write_table(block)
                give_back()
            assert writer is not None
            writer.close()
        for spilled in {path for parts in self.parts.values() for path, _ in parts}:
            spilled.unlink()
        kinds = {kind: int(count) for kind, count in zip(KINDS, self.kinds, strict=True)}
        return AssetStore(path, self.count, kinds, [round(v, 6) for v in self.box])


def rebatched(tables: Iterable[pa.Table], size: int = BLOCK) -> Iterator[pa.Table]:
    """The rows of `tables` in order, as tables of exactly `size` rows (the last: fewer)."""
    pending: list[pa.Table] = []
    held = 0
    for table in tables:
        pending.append(table)
        held += table.num_rows
        while held >= size:
            whole = pa.concat_tables(pending).combine_chunks()
            yield whole.slice(0, size)
            rest = whole.slice(size)
            pending, held = [rest], rest.num_rows
    if held:
        yield pa.concat_tables(pending).combine_chunks()


def check_unique(options: AssetOptions, spill: Spill) -> None:
    """Ids must be unique: equal hashes are looked at in the spilled ids."""
    hashes = np.concatenate(spill.hashes)
    order = np.argsort(hashes, kind="stable")
    same = np.flatnonzero(hashes[order][1:] == hashes[order][:-1])
    if not len(same):
        return
    rows = set(order[same].tolist()) | set(order[same + 1].tolist())
    names: dict[str, list[int]] = {}
    for table in spill.buckets():
        for row, name in zip(table.column("row").to_pylist(), table.column("id").to_pylist(),
                             strict=True):  # fmt: skip
            if row in rows:
                names.setdefault(name, []).append(row + 1)
    twice = sorted((sorted(found), name) for name, found in names.items() if len(found) > 1)
    if twice:
        found, name = twice[0]
        raise InputError(options.path, f"{options.id_field} {name!r} is not unique "
                         f"(rows {found[0]} and {found[1]})",
                         "pick an --assets-id field whose values are unique")  # fmt: skip
