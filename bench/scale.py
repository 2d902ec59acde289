"""Benchmark: does the build stay flat as a layer grows? `make bench-scale`.

One layer of synthetic L2a bursts of 1M points each (`egms-tiler sample --bursts`, one track,
seed 1, 60 acquisitions a file: `--dates`, so that 30M points fit this machine), built whole at
each size by one machine and by Dask (`--dask-local 1`, `--dask-local 2`). For each build: wall
and CPU time (the whole process tree), CPU per point, and the peak resident memory of the client
(the command's own process), of the largest worker process and of the largest tippecanoe (each
its own VmHWM, bench/proctree.py `RolePeaks`). Memory bounded by design shows as peaks that do
not grow with the points, and time per point that stays flat.

    python bench/scale.py                          # 1M, 10M, 30M x single, dask 1, dask 2
    python bench/scale.py --sizes 1000000,3000000 --builds single,dask2
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import click
from proctree import RolePeaks

from tiler.synthetic import FileSpec, SampleOptions, plan, validate
from tiler.synthetic.writer import write

REPO = Path(__file__).resolve().parents[1]
BURST = 1_000_000
DATES = 60
TRACK = 30  # bursts: the largest default size
SEED = 1
BUILDS = {"single": [], "dask1": ["--dask-local", "1"], "dask2": ["--dask-local", "2"]}
MEMORY_BOUND = 1.20  # the bound: peaks within 20 % from the smallest size to the largest
TIME_BOUND = 1.15  # and CPU per point within 15 %


def say(message: str) -> None:
    click.echo(f"[scale] {message}", err=True)


def bursts(cache: Path, count: int, burst: int) -> list[Path]:
    """The first `count` bursts of one track of at least TRACK bursts (generated once: a burst's
    points depend on the track's length, so every size takes its bursts from the same track).

    The files are independent, so they are written by one process per core."""
    track = max(count, TRACK)
    folder = cache / f"l2a-{burst}-x{track}"
    found = sorted(folder.glob("*.zip"))
    if len(found) < track:
        options = SampleOptions(folder, levels=("L2a",), points=burst, bursts=track, orbit="asc",
                                seed=SEED, dates=DATES)  # fmt: skip
        validate(options)
        folder.mkdir(parents=True, exist_ok=True)
        say(f"sample: {track} bursts of {burst:,} points into {folder}, {os.cpu_count()} at once")
        with ProcessPoolExecutor(os.cpu_count()) as pool:
            list(pool.map(_write_burst, plan(options), itertools.repeat(folder)))
        found = sorted(folder.glob("*.zip"))
    return found[:count]


def _write_burst(spec: FileSpec, folder: Path) -> None:
    write(spec, folder, True, lambda rows: None)


def measure_build(inputs: list[Path], out: Path, extra: list[str], log: Path) -> dict[str, Any]:
    argv = [sys.executable, "-m", "tiler", "build", *map(str, inputs), "-o", str(out),
            "--basemap", "none", "--rebuild", *extra]  # fmt: skip
    started, load = time.perf_counter(), os.getloadavg()[0]
    with open(log, "wb") as stream:
        process = subprocess.Popen(argv, stdout=stream, stderr=subprocess.STDOUT)
        with RolePeaks(process.pid) as peaks:
            _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{shlex.join(argv)} failed; log {log}:\n{log.read_text()[-3000:]}")
    largest = peaks.largest()
    return {
        "seconds": round(seconds, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "client_peak": largest.get("client", 0), "worker_peak": largest.get("worker", 0),
        "tippecanoe_peak": largest.get("tippecanoe", 0), "load": [round(load, 1),
        round(os.getloadavg()[0], 1)], "phases": _phases(log), "max_zoom": _max_zoom(out),
        "code": code_version(), "date": time.strftime("%Y-%m-%d"),
    }  # fmt: skip


def _max_zoom(site: Path) -> int:
    """The deepest zoom of the site's layers: a zoom deeper holds ~4x the tiles, so rows of
    unlike maximum zooms do not cost alike a point."""
    document = json.loads((site / "data" / "manifest.json").read_text(encoding="utf-8"))
    return max(int(layer["maxzoom"]) for layer in document["layers"])


def code_version() -> str:
    """The commit measured (`+` when the work tree differs from it)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = git(
        "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/scale-results.*"
    )
    return commit + ("+" if changed.strip() else "")


def _phases(log: Path) -> list[str]:
    """The build's own per-layer lines (phase times, runs)."""
    return [line for line in log.read_text(errors="replace").splitlines() if " on Dask: " in line
            or ": tiles: " in line]  # fmt: skip


def mib(value: int) -> str:
    return f"{value / 2**20:,.0f}" if value else "-"


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| points | build | max zoom | wall s | CPU s | CPU µs a point | client peak MiB | "
             "worker peak MiB | tippecanoe peak MiB | load | code, date |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for row in rows:
        lines.append(
            f"| {row['points']:,} | {row['build']} | {row.get('max_zoom', '-')} | "
            f"{row['seconds']} | {row['cpu_seconds']} | {_per_point(row) * 1e6:.0f} | "
            f"{mib(row['client_peak'])} | {mib(row['worker_peak'])} | "
            f"{mib(row['tippecanoe_peak'])} | {row['load'][0]} → {row['load'][1]} | "
            f"{row.get('code', '-')}, {row.get('date', '-')} |"
        )
    return "\n".join(lines)


def flatness(rows: list[dict[str, Any]]) -> list[str]:
    """Per build: largest ÷ smallest size's peaks and CPU per point, judged on the bounds."""
    verdicts = []
    for build in dict.fromkeys(row["build"] for row in rows):
        mine = sorted((row for row in rows if row["build"] == build), key=lambda r: r["points"])
        if len(mine) >= 2:
            verdicts.append(verdict(build, mine[0], mine[-1]))
        deepest = mine[-1].get("max_zoom")  # rows of before 379f852 have none
        alike = [row for row in mine if row.get("max_zoom") == deepest]
        shallower = deepest is not None and mine[0].get("max_zoom") not in (None, deepest)
        if len(alike) >= 2 and shallower:
            verdicts.append(verdict(build, alike[0], alike[-1]) + f", both at max zoom "
                            f"{alike[0]['max_zoom']} ({mine[0]['points']:,}: "
                            f"{mine[0]['max_zoom']})")  # fmt: skip
    return verdicts


def verdict(build: str, small: dict[str, Any], large: dict[str, Any]) -> str:
    """Large ÷ small's role peaks and CPU per point, judged on the bounds."""
    parts = []
    for key in ("client_peak", "worker_peak"):
        if small[key] and large[key]:
            ratio = large[key] / small[key]
            parts.append(f"{key.replace('_', ' ')} x{ratio:.2f} "
                         f"({'PASS' if ratio <= MEMORY_BOUND else 'FAIL'})")  # fmt: skip
    per_point = _per_point(large) / _per_point(small)
    parts.append(f"CPU a point x{per_point:.2f} ({'PASS' if per_point <= TIME_BOUND else 'FAIL'})")
    return f"- {build}, {small['points']:,} → {large['points']:,} points: " + ", ".join(parts)


def _per_point(row: dict[str, Any]) -> float:
    return float(row["cpu_seconds"]) / int(row["points"])


def write_results(rows: list[dict[str, Any]], out: Path, command: str, burst: int) -> None:
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    text = "\n".join([
        "# Scale benchmark (`make bench-scale`)", "",
        f"`{command}` on {machine}. One layer of synthetic L2a bursts of {burst:,} points "
        f"(one track, seed {SEED}, {DATES} acquisitions a file), `build --basemap none "
        "--rebuild`, one run each. Peaks: each process's own VmHWM, the largest of each role.",
        "", table(rows), "", "Largest size ÷ smallest (bounds: memory 1.20, CPU a point 1.15):",
        *flatness(rows), "",
    ])  # fmt: skip
    (out / "scale-results.md").write_text(text)
    (out / "scale-results.json").write_text(json.dumps({"command": command, "rows": rows},
                                                       indent=1) + "\n")  # fmt: skip


@click.command()
@click.option("--sizes", default="1000000,10000000,30000000", show_default=True,
              help="Points of the layer, comma-separated (multiples of --burst).")  # fmt: skip
@click.option("--builds", default="single,dask1,dask2", show_default=True,
              help=f"Which builds, comma-separated, of {', '.join(BUILDS)}.")  # fmt: skip
@click.option("--burst", type=click.IntRange(min=1), default=BURST, show_default=True,
              help="Points per burst file.")  # fmt: skip
@click.option("--cache", type=click.Path(path_type=Path), default=REPO / "build" / "bench-scale",
              show_default=True, help="Bursts (kept) and sites.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), default=REPO / "bench",
              show_default=True, help="Where scale-results.md and .json go.")  # fmt: skip
@click.option("--keep", is_flag=True,
              help="Keep the rows of the results already in --out that this run does not "
              "measure (a long benchmark in several sittings).")  # fmt: skip
def main(sizes: str, builds: str, burst: int, cache: Path, out: Path, keep: bool) -> None:
    points = [int(size) for size in sizes.split(",")]
    chosen = builds.split(",")
    files = bursts(cache, max(points) // burst, burst)
    rows = kept_rows(out) if keep else []
    command = "python bench/scale.py " + shlex.join(sys.argv[1:])
    out.mkdir(parents=True, exist_ok=True)
    for size in points:
        for build in chosen:
            say(f"{size:,} points, {build}")
            site = cache / "site"
            found = measure_build(files[: size // burst], site, BUILDS[build],
                                  cache / f"{build}-{size}.log")  # fmt: skip
            row = {"points": size, "build": build, **found}
            rows = [old for old in rows if (old["points"], old["build"]) != (size, build)]
            rows = sorted([*rows, row], key=lambda r: (r["points"], list(BUILDS).index(r["build"])))
            say(table([row]).splitlines()[-1])
            write_results(rows, out, command, burst)  # after each build: hours of work kept
    click.echo((out / "scale-results.md").read_text())


def kept_rows(out: Path) -> list[dict[str, Any]]:
    found = out / "scale-results.json"
    return json.loads(found.read_text())["rows"] if found.is_file() else []


if __name__ == "__main__":
    main()
