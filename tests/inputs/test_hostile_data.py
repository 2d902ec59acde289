"""Hostile data (issue 19): point ids with any characters, and degenerate geography (points
stacked on one spot, at the poles, on the antimeridian), through the real CLI.

Cases are made here from the first rows of the real L2b sample (so every column is right),
written with the csv module so quoting is exactly what a CSV writer does.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sitedata as sd
from badcorpus import L2_NAME, column, l2_rows
from bounded import run_bounded
from click.testing import CliRunner
from conftest import REPO
from node_support import run_with_app

from tiler.cli import main

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py

LAYER = "l2b-2020-2024-desc"
# carried byte for byte: CSV and JSON syntax, HTML, URL syntax, other scripts, odd spaces
CARRIED_PIDS = [
    'q"uote', "back\\slash", "end\\", "a,b", '{"x":1}', "café", "中", "</script><b>x</b>",
    "a'b", "\u2028sep", "#hash&pt=1", "%20", " spaced ", "__proto__", "1e5", "null", "\u202eRTL",
    "x" * 256,
]  # fmt: skip
# refused: what no format of the site carries as it is (line 6 of the file)
REFUSED_PIDS = {
    "nul": ("a\x00b", "holds a control character"),
    "tab": ("a\tb", "holds a control character"),
    "newline": ("a\nb", "holds a control character"),
    "c1_control": ("a\x85b", "holds a control character"),
    "delete": ("a\x7fb", "holds a control character"),
    "empty": ("", "the point id \\(pid\\) is empty"),
    "too_long": ("é" * 129, "is 258 bytes long, over the 256 allowed"),
}
REFUSED_ROW = 5  # data row 5 is line 6


# --- the case generator ----------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)
    return path


def edited_sample(folder: Path, edit: Callable[[list[list[str]]], None]) -> Path:
    rows = l2_rows()
    edit(rows)
    return write_csv(folder / f"{L2_NAME}.csv", rows)


def with_pids(pids: list[str], first_row: int = 1) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        for offset, pid in enumerate(pids):
            rows[first_row + offset][0] = pid

    return edit


def with_positions(positions: list[tuple[str, str]]) -> Callable[[list[list[str]]], None]:
    """(lon, lat) texts for the first data rows, in order."""

    def edit(rows: list[list[str]]) -> None:
        lon, lat = column(rows, "longitude"), column(rows, "latitude")
        for row, (x, y) in zip(rows[1:], positions, strict=False):
            row[lon], row[lat] = x, y

    return edit


def stacked(
    path: Path, points: int, spot: Callable[[int], tuple[str, str]], prefix: str = "P"
) -> Path:  # fmt: skip
    """`points` rows at `spot(k)` (lon, lat texts), each with its own pid; a tenth of the date
    columns (first and last kept), so 100,000 rows stay ~20 MB."""
    rows = l2_rows()
    header = rows[0]
    dates = [i for i, name in enumerate(header) if re.fullmatch(r"\d{8}", name)]
    dropped = set(dates) - set(dates[::10]) - {dates[-1]}
    kept = [i for i in range(len(header)) if i not in dropped]
    lon, lat = header.index("longitude"), header.index("latitude")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([header[i] for i in kept])
        for k in range(points):
            row = list(rows[1 + k % (len(rows) - 1)])
            row[0] = f"{prefix}{k:08d}"
            row[lon], row[lat] = spot(k)
            writer.writerow([row[i] for i in kept])
    return path


# --- helpers -----------------------------------------------------------------------------------


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert lines[0].endswith(")"), "the message ends with the fix"
    return lines[0]


def tile_pids(site: Path, entry: dict) -> dict[int, str]:
    """Feature id -> pid of every feature at the maximum zoom (each id once)."""
    found: dict[int, str] = {}
    for feature in sd.features_at_zoom(site / "data" / entry["tiles"], entry["maxzoom"]):
        assert feature["id"] not in found, f"feature {feature['id']} twice at the maximum zoom"
        found[feature["id"]] = feature["properties"]["pid"]
    return found


# --- pids --------------------------------------------------------------------------------------


def test_every_pid_is_carried_byte_for_byte(tmp_path: Path) -> None:
    source = edited_sample(tmp_path / "in", with_pids(CARRIED_PIDS))
    code, stderr = run("build", source, "-o", tmp_path / "site", "-q")
    assert code == 0, stderr
    site = tmp_path / "site"
    entry = sd.layer(site, LAYER)
    expected = sorted(row["pid"].encode() for row in sd.csv_rows(source))
    assert set(CARRIED_PIDS) <= {row["pid"] for row in sd.csv_rows(source)}
    series = sd.series_by_pid(site, entry)
    in_chunks = {feature_id: pid for pid, (feature_id, _, _) in series.items()}
    assert sorted(pid.encode() for pid in in_chunks.values()) == expected
    in_tiles = tile_pids(site, entry)
    assert {i: p.encode() for i, p in in_tiles.items()} == {
        i: p.encode() for i, p in in_chunks.items()
    }
    in_index = sd.pid_index(site, entry)
    assert {p.encode(): i for p, i in in_index.items()} == {
        p.encode(): i for i, p in in_chunks.items()
    }


@pytest.mark.parametrize("case", sorted(REFUSED_PIDS))
def test_a_pid_the_site_cannot_carry_is_refused_with_its_line(tmp_path: Path, case: str) -> None:
    pid, problem = REFUSED_PIDS[case]
    source = edited_sample(tmp_path / "in", with_pids([pid], first_row=REFUSED_ROW))
    out = tmp_path / "site"
    code, stderr = run("build", source, "-o", out, "-q")
    assert code == 1, stderr
    line = one_error_line(stderr)
    assert re.search(rf"{re.escape(str(source))}, line 6: .*{problem}", line), line
    assert not out.exists()


def test_the_viewer_search_finds_every_pid(tmp_path: Path) -> None:
    """The viewer's own search and pid index code (site/app, run by Node), against the site."""
    source = edited_sample(tmp_path / "in", with_pids(CARRIED_PIDS))
    code, stderr = run("build", source, "-o", tmp_path / "site", "-q")
    assert code == 0, stderr
    queries = [*CARRIED_PIDS, "  a,b\t", "no such point"]
    answers = run_with_app(tmp_path, "search", SEARCH_SCRIPT, str(tmp_path / "site" / "data"),
                           json.dumps(queries))  # fmt: skip
    found = dict(zip(queries, answers, strict=True))
    series = sd.series_by_pid(tmp_path / "site", sd.layer(tmp_path / "site", LAYER))
    for pid in CARRIED_PIDS:
        assert found[pid] == {"id": series[pid][0], "pid": pid}, pid
    assert found["  a,b\t"] == {"id": series["a,b"][0], "pid": "a,b"}
    assert found["no such point"] == {"id": None, "pid": None}


SEARCH_SCRIPT = """
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createChunkStore } from './app/chunks.js';
import { createPidIndex } from './app/pids.js';
import { runSearch } from './app/search.js';

globalThis.fetch = async (url) => new Response(readFileSync(fileURLToPath(url)));
const dataBase = pathToFileURL(`${process.argv[2]}/`).href;
const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('manifest.json', dataBase))));
const chunks = createChunkStore(dataBase);
const results = [];
for (const query of JSON.parse(process.argv[3])) {
  let found = { id: null, pid: null };
  await runSearch(query, {
    manifest, layerId: manifest.layers[0].id, pids: createPidIndex(dataBase), chunks,
    goTo: async () => {},
    select: async (layerId, id) => {
      const layer = manifest.layers.find((l) => l.id === layerId);
      found = { id, pid: (await chunks.series(layer, id)).pid };
    },
  });
  results.push(found);
}
console.log(JSON.stringify(results));
"""


def test_viewer_shows_pids_as_text_only() -> None:
    """Every place the viewer puts a pid on the page goes through textContent (or uPlot's
    series label, which uPlot also sets with textContent): never parsed as HTML."""
    app = REPO / "site" / "app"
    code = "\n".join(path.read_text() for path in sorted(app.glob("*.js")))
    assert not re.search(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write", code)
    uplot = (REPO / "site" / "vendor" / "uPlot.iife.min.js").read_text()
    assert "innerHTML" not in uplot


# --- points stacked on one spot ------------------------------------------------------------------


def test_points_stacked_on_one_spot_are_refused_before_tiling(tmp_path: Path) -> None:
    source = stacked(tmp_path / "in" / f"{L2_NAME}.csv", 100_000, lambda k: ("13.17", "38.7"))
    out = tmp_path / "site"
    code, _, stderr, peak = run_bounded(tmp_path, "build", source, "-o", out, "-q")
    line = one_error_line(stderr)
    assert code == 1, line
    assert line.startswith(
        f"Error: {source}, line 2: 100,000 points share one position "
        "(13.170000, 38.700000): more than the 12,000 one map tile can hold"
    )
    assert "check the latitude/longitude columns" in line
    assert not out.exists()
    assert peak < 600 << 10, f"the refusal peaked at {peak} KB"


def test_a_crowd_from_two_files_names_the_one_with_most(tmp_path: Path) -> None:
    def near(k: int) -> tuple[str, str]:  # a few metres apart, all in one tile of zoom 18
        return f"{13.17 + (k % 50) * 1e-6:.6f}", f"{38.7 + (k // 50 % 50) * 1e-6:.6f}"

    other = "EGMS_L2b_022_0846_IW2_VV_2020_2024_1"
    stacked(tmp_path / "in" / f"{L2_NAME}.csv", 5_000, near, prefix="A")
    most = stacked(tmp_path / "in" / f"{other}.csv", 8_000, near, prefix="B")
    code, stderr = run("build", tmp_path / "in", "-o", tmp_path / "site", "-q")
    assert code == 1, stderr
    line = one_error_line(stderr)
    assert re.match(rf"Error: {re.escape(str(most))}, line 2: 13,000 points \(8,000 of them from "
                    r"this file\) lie within one \d+ m square around \(13\.17\d+, 38\.70\d+\)",
                    line), line  # fmt: skip


FAKE_TIPPECANOE = """#!/bin/sh
[ "$1" = --version ] && { echo "tippecanoe v2.72.0" >&2; exit 0; }
echo "No zoom levels were successfully written" >&2
exit 110
"""


def test_a_tippecanoe_failure_names_the_layer_and_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    fake = tmp_path / "tippecanoe"
    fake.write_text(FAKE_TIPPECANOE)
    fake.chmod(0o755)
    monkeypatch.setenv("EGMS_TILER_TIPPECANOE", str(fake))
    source = edited_sample(tmp_path / "in", lambda rows: None)
    code, stderr = run("build", source, "-o", tmp_path / "site", "-q")
    assert code == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    line = lines[0]
    assert "exit code 110 (no tile could be made" in line, line
    assert f"while tiling layer {LAYER} (from {source})" in line, line
    assert not (tmp_path / "site").exists()


# --- the poles and the antimeridian ------------------------------------------------------------

POLAR = [("13.17", "90"), ("13.17", "-90"), ("13.17", "89"), ("13.17", "86"),
         ("13.17", "85.06"), ("13.17", "-88.5")]  # fmt: skip


def test_points_too_near_a_pole_are_left_out_with_a_warning(tmp_path: Path) -> None:
    source = edited_sample(tmp_path / "in", with_positions(POLAR))
    code, stderr = run("build", source, "-o", tmp_path / "site", "-q")
    assert code == 0, stderr
    warning = rf"Warning: {re.escape(str(source))}, line 2: 6 point\(s\) beyond latitude ±85\.0511°"
    assert re.search(warning, stderr), stderr
    entry = sd.layer(tmp_path / "site", LAYER)
    assert entry["points"] == 294
    west, south, east, north = entry["bounds"]
    assert -85.0511 < south <= north < 85.0511
    assert len(tile_pids(tmp_path / "site", entry)) == 294
    code, stderr = run("build", source, "-o", tmp_path / "strict", "-q", "--strict")
    assert code == 1 and re.search(r"Error: --strict: .*" + warning[len("Warning: ") :], stderr)
    assert not (tmp_path / "strict").exists()


def test_a_file_of_polar_points_only_is_refused(tmp_path: Path) -> None:
    source = edited_sample(tmp_path / "in", with_positions(POLAR * 50))
    code, stderr = run("build", source, "-o", tmp_path / "site", "-q")
    assert code == 1
    line = one_error_line(stderr)
    assert f"{source}: every point lies beyond latitude ±85.0511°" in line, line


def test_points_on_the_antimeridian_build_with_sane_bounds(tmp_path: Path) -> None:
    lons = ["180", "-180", "179.99", "-179.99", "179.999999", "-179.999999"]
    positions = [(lons[k % 6], f"{65 + (k // 6) * 0.001:.6f}") for k in range(300)]
    source = edited_sample(tmp_path / "in", with_positions(positions))
    code, stderr = run("build", source, "-o", tmp_path / "site", "-q")
    assert code == 0 and not stderr.strip(), stderr
    site = tmp_path / "site"
    entry = sd.layer(site, LAYER)
    assert entry["points"] == 300
    west, south, east, north = entry["bounds"]
    assert -180 <= west <= east <= 180 and south <= north, entry["bounds"]
    index = json.loads((site / "data" / entry["index"]).read_text())
    assert all(row[2] <= row[4] and row[3] <= row[5] for row in index["chunks"])
    rows = {row["pid"]: row for row in sd.csv_rows(source)}
    features = sd.features_at_zoom(site / "data" / entry["tiles"], entry["maxzoom"])
    assert sorted(f["id"] for f in features) == sorted(tile_pids(site, entry))
    assert {f["properties"]["pid"] for f in features} == set(rows)
    for feature in features:
        row = rows[feature["properties"]["pid"]]
        lon_error = (feature["lonlat"].lng - float(row["longitude"]) + 180) % 360 - 180
        assert abs(lon_error) < 1e-3 and abs(feature["lonlat"].lat - float(row["latitude"])) < 1e-3
