"""Benchmark: the hand pipeline (pyarrow + tippecanoe) against `egms-tiler build`, on
synthetic L2a bursts, plus parse limits, output sizes and viewer latency. `make bench`.

    python bench/run.py                      # 100k (3 runs) and 1M (1 run) + viewer
    python bench/run.py --quick --skip-viewer  # 100k, 1 run: a smoke test
    python bench/run.py --viewer-only SITE     # viewer latency of a built site, JSON on stdout
"""

from __future__ import annotations

import json
import os
import shlex
import statistics
import sys
from pathlib import Path
from typing import Any

import click
import data
import pipelines
import report
from assetjoin import footprints, measure_join

REPO = Path(__file__).resolve().parents[1]


def say(message: str) -> None:
    click.echo(f"[bench] {message}", err=True)


def runs_for(points: int, runs: int | None) -> int:
    return runs if runs is not None else (3 if points < 1_000_000 else 1)


# the builds timed beside the default one: results key, what `say` calls it, extra arguments
VARIANTS = {
    "build_basemap_none": ("egms-tiler build --basemap none", ["--basemap", "none"]),
    # what the series analyses cost: with the map through time, and without the trend screening
    # (the work the hand pipeline does)
    "build_epochs": ("egms-tiler build --epochs", ["--epochs"]),
    "build_plain": ("egms-tiler build --no-trend", ["--no-trend"]),
    # the asset step: one footprint per ten points over the burst (bench/assetjoin.py)
    "build_assets": ("egms-tiler build --assets", []),
}
JOIN_SIZE = {"quick": (200_000, 20_000), "full": (10_000_000, 1_000_000)}  # points, polygons


def bench_size(points: int, cache: Path, runs: int, variants: list[str]) -> dict[str, Any]:
    work = cache / "runs" / data.label(points)
    work.mkdir(parents=True, exist_ok=True)
    say(f"{points:,} points: burst (cached in {cache})")
    item = data.burst(cache, points, work / "sample.log")
    csv_path = data.full_csv(item)
    say(f"{item.label}: gzip size and pyarrow parse speeds of {report.size(item.csv_bytes)} CSV")
    entry: dict[str, Any] = {
        "points": points,
        "input": {"zip": str(item.zip_path), "csv_bytes": item.csv_bytes,
                  "zip_bytes": item.zip_bytes, "csv_gzip_bytes": data.gzip_size(item, csv_path)},
        "parse": data.parse_speeds(csv_path),
        "load_average": [],
    }  # fmt: skip
    extras = {key: VARIANTS[key][1] for key in variants}
    if "build_assets" in variants:
        box = data.extent(csv_path)
        extras["build_assets"] = ["--assets", str(footprints(cache, points // 10, box,
                                                             f"burst-{item.label}"))]  # fmt: skip
    hand_runs: list[Any] = []
    build_runs: dict[str, list[Any]] = {key: [] for key in ["build", *variants]}
    for index in range(runs):  # interleaved, so a burst of load elsewhere hits every pipeline
        entry["load_average"].append(os.getloadavg()[0])
        say(f"{item.label} run {index + 1}/{runs}: hand pipeline")
        hand_runs.append(pipelines.hand_run(item, work / "hand", index))
        for key, found in build_runs.items():
            title = VARIANTS.get(key, ("egms-tiler build", []))[0]
            say(f"{item.label} run {index + 1}/{runs}: {title}")
            found.append(pipelines.build_run(item, work / key, index, extras.get(key, [])))
    entry["hand"] = pipelines.hand_summary(item, work / "hand", hand_runs)
    for key, found in build_runs.items():
        entry[key] = pipelines.build_summary(item, work / key, found)
    entry["series_files"] = pipelines.series_forms(item, work / "build" / "site", work)
    entry["ratio_build_hand"] = entry["build"]["seconds"] / entry["hand"]["seconds"]
    entry["ratio_build_hand_cpu"] = entry["build"]["cpu_seconds"] / entry["hand"]["cpu_seconds"]
    entry["ratio_extract_hand"] = entry["hand"]["extract"]["seconds"] / entry["hand"]["seconds"]
    return entry


def viewer_only(site: Path, work: Path, loads: int, clicks: int) -> None:
    """Print the viewer latency of an already built site as JSON, with the load average."""
    from viewer import measure_viewer

    start = os.getloadavg()
    result = measure_viewer(site.resolve(), work, loads, clicks)
    result["load_average"] = {"start": start, "end": os.getloadavg()}
    click.echo(json.dumps(result, indent=2))


@click.command()
@click.option("--points", "points_text", default=None, metavar="N,N,...",
              help="Burst sizes [default: 100000,1000000; --quick: 100000].")  # fmt: skip
@click.option("--runs", type=click.IntRange(min=1), default=None,
              help="Runs per size [default: 3 below 1M points, 1 from 1M; "
              "--quick: 1].")  # fmt: skip
@click.option("--quick", is_flag=True, help="100k only, 1 run, no --basemap none variant.")
@click.option("--skip-viewer", is_flag=True, help="No headless-Chromium latency measurements.")
@click.option("--viewer-only", "viewer_site", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Only the viewer latency of this built site: JSON on stdout, no results "
              "files.")  # fmt: skip
@click.option("--basemap-none/--no-basemap-none", default=None,
              help="Also time `build --basemap none` [default: yes, unless --quick].")  # fmt: skip
@click.option("--analyses/--no-analyses", default=True, show_default=True,
              help="Also time the build with the map through time and without the trend "
              "screening (`--epochs`, `--no-trend`): their costs.")  # fmt: skip
@click.option("--clicks", type=click.IntRange(min=1), default=20, show_default=True,
              help="Selections (each on a new chunk) for click → chart.")  # fmt: skip
@click.option("--loads", type=click.IntRange(min=1), default=3, show_default=True,
              help="Cold page loads for first points.")  # fmt: skip
@click.option("--cache", type=click.Path(path_type=Path), default=REPO / "build" / "bench",
              show_default=True, help="Bursts (kept) and run outputs.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), default=REPO / "bench",
              show_default=True, help="Where results.md and results.json go.")  # fmt: skip
def main(
    points_text: str | None, runs: int | None, quick: bool, skip_viewer: bool,
    viewer_site: Path | None, basemap_none: bool | None, analyses: bool, clicks: int, loads: int,
    cache: Path, out: Path,
) -> None:  # fmt: skip
    """Time the hand pipeline and `egms-tiler build` side by side; write results.md/.json."""
    if viewer_site is not None:
        return viewer_only(viewer_site, cache / "runs" / "viewer-only", loads, clicks)
    default = "100000" if quick else "100000,1000000"
    sizes = sorted({int(p.replace("_", "")) for p in (points_text or default).split(",")})
    runs = 1 if quick and runs is None else runs
    basemap_none = (not quick) if basemap_none is None else basemap_none
    variants = [key for key, wanted in (("build_basemap_none", basemap_none),
                                        ("build_epochs", analyses),
                                        ("build_plain", analyses),
                                        ("build_assets", analyses)) if wanted]  # fmt: skip
    results: dict[str, Any] = {
        "command": "python bench/run.py " + shlex.join(sys.argv[1:]),
        "machine": report.machine(),
        "sizes": {},
    }
    for points in sizes:
        entry = bench_size(points, cache.resolve(), runs_for(points, runs), variants)
        results["sizes"][data.label(points)] = entry
    join_points, join_polygons = JOIN_SIZE["quick" if quick else "full"]
    say(f"asset join: {join_polygons:,} footprints x {join_points:,} points")
    results["asset_join"] = measure_join(cache.resolve(), cache / "runs" / "assetjoin",
                                         join_points, join_polygons)  # fmt: skip
    if not quick:
        say("incremental: ten inputs in ten layers, one changed")
        from incremental import measure_incremental

        results["incremental"] = measure_incremental(cache.resolve(), cache / "runs" / "incr")
    if not skip_viewer:
        biggest = results["sizes"][data.label(sizes[-1])]
        say(f"viewer: headless Chromium on the {data.label(sizes[-1])} site")
        from viewer import measure_viewer

        results["viewer"] = measure_viewer(Path(biggest["build"]["site"]),
                                           cache / "runs" / "viewer", loads, clicks)  # fmt: skip
        results["viewer"]["size"] = data.label(sizes[-1])
    results["load_average_end"] = os.getloadavg()
    results["targets"] = report.targets(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "results.md").write_text(report.markdown(results))
    report.print_table(results)
    say(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    loads_seen = [v for e in results["sizes"].values() for v in e["load_average"]]
    if loads_seen and statistics.median(loads_seen) > results["machine"]["cores"]:
        say("the machine was busy (load average above the core count): numbers are noisy")


if __name__ == "__main__":
    main()
