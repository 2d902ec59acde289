"""The benchmark's inputs: cached synthetic bursts, their CSV, its gzip size, parse speeds."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

SEED = 1
GZIP_LEVEL = 6  # what `gzip` uses by default
SUBSET = ["pid", "latitude", "longitude", "mean_velocity"]


@dataclass(frozen=True, slots=True)
class Burst:
    points: int
    label: str  # "100k", "1m"
    zip_path: Path
    csv_member: str
    csv_bytes: int  # uncompressed size of the CSV member
    zip_bytes: int


def label(points: int) -> str:
    if points % 1_000_000 == 0:
        return f"{points // 1_000_000}m"
    return f"{points // 1000}k" if points % 1000 == 0 else str(points)


def burst(cache: Path, points: int, log: Path) -> Burst:
    """The L2a burst of `points` points in `cache/l2a-<label>/`, generated if missing."""
    folder = cache / f"l2a-{label(points)}"
    zips = sorted(folder.glob("*.zip"))
    if not zips:
        folder.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "tiler", "sample", "-o", str(folder), "--level", "L2a",
                "--points", str(points), "--orbit", "asc", "--seed", str(SEED), "--zip",
                "-q"]  # fmt: skip
        with open(log, "wb") as out:
            subprocess.run(argv, check=True, stdout=out, stderr=subprocess.STDOUT)
        zips = sorted(folder.glob("*.zip"))
    if len(zips) != 1:
        raise SystemExit(f"expected one burst in {folder}, found {[z.name for z in zips]}")
    with zipfile.ZipFile(zips[0]) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(".csv"))
    return Burst(points, label(points), zips[0], info.filename, info.file_size,
                 zips[0].stat().st_size)  # fmt: skip


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"


def full_csv(item: Burst) -> Path:
    """The burst's CSV unpacked beside the zip (cached), for the parse-speed measurements."""
    path = item.zip_path.parent / "csv" / item.csv_member
    if not path.exists() or path.stat().st_size != item.csv_bytes:
        path.parent.mkdir(exist_ok=True)
        with zipfile.ZipFile(item.zip_path) as archive, archive.open(item.csv_member) as raw:
            part = path.with_suffix(".part")
            with open(part, "wb") as out:
                while block := raw.read(16 << 20):
                    out.write(block)
            part.rename(path)
    return path


def extent(csv_path: Path) -> tuple[float, float, float, float]:
    """West, south, east, north of a burst's points."""
    columns = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        include_columns=["longitude", "latitude"]))  # fmt: skip
    lon, lat = columns.column("longitude").to_numpy(), columns.column("latitude").to_numpy()
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def gzip_size(item: Burst, csv_path: Path) -> int:
    """Bytes of `gzip -6` of the CSV (cached in a side file keyed by the zip's size and time)."""
    side = item.zip_path.parent / "gzip-size.json"
    stamp = _stamp(item.zip_path)
    if side.exists():
        cached = json.loads(side.read_text())
        if cached.get("stamp") == stamp:
            return int(cached["bytes"])
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: gzip header + trailer
    total = 0
    with open(csv_path, "rb") as stream:
        while block := stream.read(16 << 20):
            total += len(compressor.compress(block))
    total += len(compressor.flush())
    side.write_text(json.dumps({"stamp": stamp, "bytes": total}))
    return total


def _parse_seconds(path: Path, convert: pacsv.ConvertOptions, threads: bool) -> float:
    started = time.perf_counter()
    with pa.memory_map(str(path)) as source:
        reader = pacsv.open_csv(
            source, read_options=pacsv.ReadOptions(use_threads=threads), convert_options=convert
        )
        for _batch in reader:
            pass
    return time.perf_counter() - started


def _numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind)


def parse_speeds(path: Path) -> dict[str, float | int]:
    """MB/s of pyarrow's streaming CSV reader on the CSV (memory-mapped, page cache warm).

    `subset`: the four columns a map needs; `all_float_*`: every numeric column as float64
    (pid and other text columns as strings), on one thread and on all cores.
    """
    with open(path, "rb") as stream:  # warm the page cache, untimed
        while stream.read(64 << 20):
            pass
    head = pacsv.ConvertOptions(column_types={"pid": pa.string()})
    schema = pacsv.open_csv(str(path), convert_options=head).schema  # types of the first block
    numeric = [f.name for f in schema if _numeric(f.type)]
    floats = pacsv.ConvertOptions(
        column_types={**{name: pa.float64() for name in numeric}, "pid": pa.string()}
    )
    subset = pacsv.ConvertOptions(include_columns=SUBSET, column_types={"pid": pa.string()})
    megabytes = path.stat().st_size / 1e6
    return {
        "columns": len(schema),
        "float_columns": len(numeric),
        "subset_mb_s": megabytes / _parse_seconds(path, subset, threads=True),
        "all_float_1thread_mb_s": megabytes / _parse_seconds(path, floats, threads=False),
        "all_float_mb_s": megabytes / _parse_seconds(path, floats, threads=True),
    }
