"""Machine facts, the issue's targets judged, and the results as a rich table, Markdown, JSON."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from pipelines import TIPPECANOE

REPO = Path(__file__).resolve().parents[1]
KB, MB, GB = 1024, 1024**2, 1024**3


def _cpuinfo() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memtotal() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def _git() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "tiler", "site", "templates")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if dirty else "")


def machine() -> dict[str, Any]:
    done = subprocess.run([TIPPECANOE, "--version"], capture_output=True, text=True)
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpuinfo(),
        "cores": len(os.sched_getaffinity(0)),
        "ram_bytes": _memtotal(),
        "python": platform.python_version(),
        "pyarrow": importlib.metadata.version("pyarrow"),
        "pmtiles": importlib.metadata.version("pmtiles"),
        "tippecanoe": (done.stderr or done.stdout).strip(),
        "egms_tiler": _git(),
        "load_average_start": os.getloadavg(),
    }


def size(n: float | None) -> str:
    if n is None:
        return "-"
    for unit, scale in (("GB", GB), ("MB", MB), ("KB", KB)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def _target(name: str, goal: str, value: float | None, shown: str, ok: bool | None) -> dict:
    return {"target": name, "goal": goal, "value": value, "measured": shown,
            "pass": ok if value is not None else None}  # fmt: skip


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    sizes = results["sizes"]
    labels = sorted(sizes, key=lambda k: sizes[k]["points"])
    small, big = sizes[labels[0]], sizes[labels[-1]]
    out = []
    # like for like: the hand pipeline neither screens the series nor stores epochs
    plain = "build_plain" if "build_plain" in big else "build"
    ratio = big[plain]["seconds"] / big["hand"]["seconds"]
    out.append(_target(f"{VARIANT_WORDS[plain]} time ÷ hand pipeline ({labels[-1]})", "≤ 0.75",
                       ratio, f"{ratio:.2f}", ratio <= 0.75))  # fmt: skip
    out += _analysis_targets(big, labels[-1])
    peak = max(s["build"]["peak_rss"] for s in sizes.values())
    out.append(_target("build peak RSS (process tree)", "≤ 1 GB", peak, size(peak), peak <= GB))
    if len(labels) > 1:
        growth = big["build"]["peak_rss"] / small["build"]["peak_rss"] - 1
        out.append(_target(f"peak RSS growth {labels[0]} → {labels[-1]}", "≤ 20 %", growth,
                           f"{growth * 100:+.0f} %", growth <= 0.20))  # fmt: skip
    chunk = max(s["build"]["largest_chunk_bytes"] for s in sizes.values())
    out.append(_target("largest chunk file", "≤ 256 KB", chunk, size(chunk), chunk <= 256 * KB))
    tile = max(s["build"]["tiles"]["largest_bytes"] for s in sizes.values())
    out.append(_target("largest tile (as stored, gzip)", "≤ 500 KB", tile, size(tile),
                       tile <= 500_000))  # fmt: skip
    site = big["build"]["site_bytes"] / big["input"]["csv_gzip_bytes"]
    out.append(_target(f"site ÷ gzip CSV ({labels[-1]})", "≤ 1.3", site, f"{site:.2f}",
                       site <= 1.3))  # fmt: skip
    viewer = results.get("viewer")
    click = viewer["click_chart_ms"] if viewer else None
    shown = f"{click:.0f} ms" if viewer else "not run"
    out.append(_target("click → chart, cold chunk (median)", "≤ 150 ms", click, shown,
                       viewer and click <= 150))  # fmt: skip
    first = viewer["first_points_ms"] if viewer else None
    out.append(_target("first points rendered (median)", "≤ 2 s", first,
                       f"{first / 1000:.2f} s" if viewer else "not run",
                       viewer and first <= 2000))  # fmt: skip
    out.append(_incremental_target(results.get("incremental")))
    out += _asset_targets(results, big, labels[-1])
    return out


def _asset_targets(
    results: dict[str, Any], big: dict[str, Any], label: str
) -> list[dict[str, Any]]:
    """The asset step (issue 24): the join of a national footprint file stays within the build's
    own memory bound (1 GB); what `--assets` adds to a build."""
    out = []
    join = results.get("asset_join")
    if join:
        shown = (
            f"{size(join['peak_rss'])}, {join['seconds']:.1f} s ({join['polygons']:,} "
            f"footprints x {join['points']:,} points, {join['pairs']:,} pairs)"
        )
        out.append(_target("asset join peak RSS", "≤ 1 GB (the build's bound)", join["peak_rss"],
                           shown, join["peak_rss"] <= GB))  # fmt: skip
    if "build_assets" in big:
        cost = big["build_assets"]["seconds"] / big["build"]["seconds"]
        peak = big["build_assets"]["peak_rss"]
        out.append(_target(f"build --assets ÷ build ({label}, one footprint per 10 points)",
                           "≤ 1 GB peak", cost, f"{cost:.2f} (peak {size(peak)})",
                           peak <= GB))  # fmt: skip
    return out


VARIANT_WORDS = {"build": "build", "build_plain": "build --no-trend"}


def _analysis_targets(big: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """The series analyses' costs (issue 23): the map through time could be on by default only
    within 1.25x of the build without it; the trend screening aims at 10 % of build CPU."""
    if "build_epochs" not in big or "build_plain" not in big:
        return []
    build, epochs, plain = big["build"], big["build_epochs"], big["build_plain"]
    cost = epochs["seconds"] / build["seconds"]
    cpu = epochs["cpu_seconds"] / build["cpu_seconds"]
    grown = epochs["site_bytes"] / build["site_bytes"]
    trend = build["cpu_seconds"] / plain["cpu_seconds"] - 1
    return [
        _target(f"map through time: build --epochs ÷ build ({label})", "≤ 1.25 to be on by default",
                cost, f"{cost:.2f} (CPU {cpu:.2f}; site ×{grown:.2f})", cost <= 1.25),
        _target(f"trend screening: CPU of build ÷ build --no-trend − 1 ({label})", "≤ 10 %",
                trend, f"{trend * 100:+.0f} %", trend <= 0.10),
    ]  # fmt: skip


def _incremental_target(found: dict[str, Any] | None) -> dict[str, Any]:
    name = "one changed input of ten re-tiles only its layer"
    if not found:
        return _target(name, "yes", None, "not run (--quick)", None)
    shown = (f"{len(found['retiled'])} of {found['layers']} layers re-tiled "
             f"({', '.join(found['retiled'])}); rebuild {found['one_changed_seconds']:.1f} s, "
             f"full build {found['full_seconds']:.1f} s, nothing changed "
             f"{found['unchanged_seconds']:.1f} s")  # fmt: skip
    return _target(name, "yes", len(found["retiled"]), shown, len(found["retiled"]) == 1)


def verdict(item: dict[str, Any]) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[item["pass"]]


def rows(results: dict[str, Any]) -> list[list[str]]:
    """One row per size × pipeline: the main comparison table."""
    table = []
    for name, entry in results["sizes"].items():
        hand = entry["hand"]
        pipelines = [("a: hand (pyarrow + tippecanoe)", hand, "1.00", "1.00")]
        for key, title in (("build", "b: egms-tiler build"),
                           ("build_basemap_none", "b: build --basemap none"),
                           ("build_epochs", "b: build --epochs"),
                           ("build_plain", "b: build --no-trend"),
                           ("build_assets", "b: build --assets")):  # fmt: skip
            if key in entry:
                ratio = entry[key]["seconds"] / hand["seconds"]
                cpu = entry[key]["cpu_seconds"] / hand["cpu_seconds"]
                pipelines.append((title, entry[key], f"{ratio:.2f}", f"{cpu:.2f}"))
        for title, run, ratio, cpu in pipelines:
            table.append([
                name, title, f"{run['seconds']:.1f}", str(len(run["seconds_all"])),
                f"{run['points_per_s'] / 1000:.0f}k", size(run["peak_rss"]),
                size(run["pmtiles_bytes"]), size(run.get("site_bytes")), ratio,
                f"{run['cpu_seconds']:.1f}", cpu,
            ])  # fmt: skip
    return table


HEADER = ["size", "pipeline", "wall s", "runs", "points/s", "peak RSS (tree)",
          "pmtiles", "site", "÷ hand", "CPU s", "CPU ÷ hand"]  # fmt: skip


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    table = Table(title="egms-tiler benchmark (medians)")
    for column in HEADER:
        table.add_column(column, justify="left" if column in ("size", "pipeline") else "right")
    for row in rows(results):
        table.add_row(*row)
    console.print(table)
    goals = Table(title="issue 8 targets")
    for column in ("target", "goal", "measured", "result"):
        goals.add_column(column)
    for item in results["targets"]:
        goals.add_row(item["target"], item["goal"], item["measured"], verdict(item))
    console.print(goals)


def _md_table(header: list[str], body: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in body]


def _details(name: str, entry: dict[str, Any]) -> list[list[str]]:
    inp, hand, build = entry["input"], entry["hand"], entry["build"]
    parse = entry["parse"]
    return [
        [name, "CSV (uncompressed) / zip / gzip -6 of CSV",
         f"{size(inp['csv_bytes'])} / {size(inp['zip_bytes'])} / {size(inp['csv_gzip_bytes'])}"],
        [name, "pyarrow parse, 4-column subset", f"{parse['subset_mb_s']:.0f} MB/s"],
        [name, f"pyarrow parse, all {parse['float_columns']} numeric columns → float64, "
               "1 thread / threads",
         f"{parse['all_float_1thread_mb_s']:.0f} / {parse['all_float_mb_s']:.0f} MB/s"],
        [name, "hand: extraction / tiling, wall (CPU) s",
         f"{hand['extract']['seconds']:.1f} ({hand['extract']['cpu_seconds']:.1f}) / "
         f"{hand['tile']['seconds']:.1f} ({hand['tile']['cpu_seconds']:.1f})"],
        [name, "hand: peak RSS extraction / tippecanoe",
         f"{size(hand['extract']['peak_rss'])} / {size(hand['tile']['peak_rss'])}"],
        [name, "hand: tiles, max zoom, largest tile (stored / raw)",
         f"{hand['tiles']['count']}, z{hand['tiles']['maxzoom']}, "
         f"{size(hand['tiles']['largest_bytes'])} / {size(hand['tiles']['largest_raw_bytes'])}"],
        [name, "build: tiles, max zoom, largest tile (stored / raw)",
         f"{build['tiles']['count']}, z{build['tiles']['maxzoom']}, "
         f"{size(build['tiles']['largest_bytes'])} / {size(build['tiles']['largest_raw_bytes'])}"
         f" ({build['tiles']['largest_tile']})"],
        [name, "build: chunks, total, largest",
         f"{build['chunks']}, {size(build['chunk_bytes'])}, {size(build['largest_chunk_bytes'])}"],
        [name, "build: site files, site bytes, data/ bytes",
         f"{build['site_files']}, {size(build['site_bytes'])}, {size(build['data_bytes'])}"],
        *series_rows(name, entry.get("series_files")),
        [name, "build: all runs (s)", ", ".join(f"{s:.1f}" for s in build["seconds_all"])],
        [name, "hand: all runs (s)", ", ".join(f"{s:.1f}" for s in hand["seconds_all"])],
    ]  # fmt: skip


def series_rows(name: str, forms: dict[str, Any] | None) -> list[list[str]]:
    """Files to upload with the series loose and packed (`--series-files`)."""
    if not forms:
        return []
    return [[name, f"site {mode}: files (series files), bytes",
             f"{form['site_files']} ({form['series_files']}), {size(form['site_bytes'])}"]
            for mode, form in forms.items()]  # fmt: skip


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# Benchmark results", "",
        "Written by `make bench` (`bench/run.py`); see bench/README.md for what is measured "
        "and how. Numbers are medians on a shared machine: other jobs ran at the same time "
        "(load average below), so treat differences under ~15 % as noise. CPU s is user + "
        "system time of the whole process tree: steadier than wall time under contention.", "",
        f"- date: {m['date']}; command: `{results['command']}`",
        f"- machine: {m['cpu']}, {m['cores']} cores, {size(m['ram_bytes'])} RAM",
        f"- Python {m['python']}, pyarrow {m['pyarrow']}, pmtiles {m['pmtiles']}, "
        f"{m['tippecanoe']}, egms-tiler {m['egms_tiler']}",
        f"- load average (1/5/15 min) at start {_load(m['load_average_start'])}, "
        f"at end {_load(results['load_average_end'])}", "",
        "## Pipelines", "", *_md_table(HEADER, rows(results)), "",
        "## Details", "",
        *_md_table(["size", "measure", "value"],
                   [r for n, e in results["sizes"].items() for r in _details(n, e)]), "",
    ]  # fmt: skip
    viewer = results.get("viewer")
    if viewer:
        parts = viewer["click_parts_ms"]
        lines += ["## Viewer (headless Chromium, SwiftShader WebGL)", "",
                  *_md_table(["measure", "value"], [
                      ["site", f"{viewer['size']} points"],
                      ["first points (median of loads)",
                       f"{viewer['first_points_ms']:.0f} ms "
                       f"(all: {', '.join(f'{v:.0f}' for v in viewer['first_points_ms_all'])})"],
                      ["`egms.ready` resolved (median)", f"{viewer['ready_ms']:.0f} ms"],
                      [f"click → chart drawn, cold chunk (median of {viewer['clicks']})",
                       f"{viewer['click_chart_ms']:.0f} ms (min {viewer['click_chart_ms_min']:.0f}"
                       f", max {viewer['click_chart_ms_max']:.0f})"],
                      ["click → next frame after the chart (median)",
                       f"{viewer['click_frame_ms']:.0f} ms"],
                      ["click: before the chunk request / request / after it (medians)",
                       " / ".join(f"{parts.get(k) or 0:.0f}" for k in
                                  ("fetch_start_ms", "fetch_ms", "after_fetch_ms")) + " ms"],
                      [f"chunk load alone: fetch + inflate + parse, cold (median of "
                       f"{viewer['chunk_loads']})", f"{viewer['chunk_load_ms']:.0f} ms"],
                      ["one map frame, whole layer in view (SwiftShader, median of 5)",
                       f"{viewer['map_frame_ms']:.0f} ms"],
                      ["viewport, Chromium", f"{viewer['viewport']}, {viewer['chromium']}"],
                  ]), ""]  # fmt: skip
    lines += ["## Targets (issue 8)", "",
              *_md_table(["target", "goal", "measured", "result"],
                         [[t["target"], t["goal"], t["measured"], verdict(t)]
                          for t in results["targets"]]), ""]  # fmt: skip
    return "\n".join(lines)


def _load(values: Any) -> str:
    return " / ".join(f"{v:.1f}" for v in values)
