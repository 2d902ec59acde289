"""`egms-tiler inspect` (tiler/inputs/inspect.py): the real samples' facts, problems, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ALL_SAMPLES, L2B_ASC, L2B_DESC, L3_EAST, L3_UP, SAMPLES

from tiler.cli import main
from tiler.inputs.inspect import inspect_file
from tiler.synthetic import SampleOptions, generate

KNOWN = {  # docs/egms-format.md#the-bundled-samples
    L2B_DESC.name: {"points": 11_590, "dates": (210, "2020-01-03", "2024-12-25"),
                    "geometry": "desc", "unit": (22, 845, 2, "VV", None)},
    L2B_ASC.name: {"points": 11_759, "dates": (207, "2020-01-03", "2024-12-31"),
                   "geometry": "asc", "unit": (117, 227, 2, "VV", None)},
    L3_UP.name: {"points": 522, "dates": (304, "2020-01-03", "2024-12-25"), "geometry": "up",
                 "unit": (None, None, None, None, "E45N17")},
    L3_EAST.name: {"points": 522, "dates": (304, "2020-01-03", "2024-12-25"),
                   "geometry": "east", "unit": (None, None, None, None, "E45N17")},
}  # fmt: skip
USTICA = (13.15, 38.69, 13.21, 38.73)  # lon/lat box around the island


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tiler", *args], capture_output=True, text=True, timeout=300
    )


def rewrite(source: Path, target: Path, change: Any) -> Path:
    """A plain-CSV copy of an EGMS file with its rows passed through `change(header, rows)`."""
    with zipfile.ZipFile(source) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".csv"))
        rows = list(csv.reader(io.TextIOWrapper(archive.open(member), encoding="ascii")))
    header, body = change(rows[0], rows[1:])
    with open(target, "w", newline="", encoding="ascii") as stream:
        csv.writer(stream, lineterminator="\n").writerows([header, *body])
    return target


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic L2b burst (the real ones take longer to rewrite row by row)."""
    out = tmp_path_factory.mktemp("small")
    (written,) = generate(SampleOptions(out, points=200, orbit="asc", seed=2))
    return written.path


def test_json_on_the_real_samples_gives_the_known_counts() -> None:
    done = run("inspect", "--json", str(SAMPLES))
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert sorted(Path(e["path"]).name for e in entries) == sorted(p.name for p in ALL_SAMPLES)
    for entry in entries:
        known = KNOWN[Path(entry["path"]).name]
        assert entry["readable"] and entry["problems"] == []
        assert entry["points"] == known["points"]
        dates = entry["dates"]
        assert (dates["count"], dates["first"], dates["last"]) == known["dates"]
        assert entry["geometry"] == known["geometry"]
        unit = (entry["track"], entry["burst"], entry["swath"], entry["polarisation"],
                entry["tile"])  # fmt: skip
        assert unit == known["unit"]
        assert (entry["release"], entry["period"], entry["version"]) == (
            "2020-2024",
            [2020, 2024],
            1,
        )
        west, south, east, north = entry["bounds"]
        assert USTICA[0] <= west < east <= USTICA[2] and USTICA[1] <= south < north <= USTICA[3]
        assert entry["duplicate_pids"] == 0 and entry["missing_values"] == 0
        assert entry["columns"] == {"static": 25 if entry["level"] == "L2b" else 14,
                                    "unknown": [], "missing": []}  # fmt: skip


def test_text_output_is_one_readable_block_per_file() -> None:
    result = CliRunner().invoke(main, ["inspect", str(L2B_DESC), str(L3_UP)])
    assert result.exit_code == 0, result.output
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 2
    assert "descending" in blocks[0] and "track 022, burst 0845, IW2, VV" in blocks[0]
    assert "11,590" in blocks[0] and "210, 2020-01-03 .. 2024-12-25" in blocks[0]
    assert "tile E45N17" in blocks[1] and "vertical" in blocks[1] and "problems   none" in blocks[1]
    assert result.stderr == ""


def test_unreadable_input_exits_1_and_names_why(tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("date,price\n2020-01-01,3.5\n")
    done = run("inspect", "--json", str(L3_UP), str(prices))
    assert done.returncode == 1
    entries = {Path(e["path"]).name: e for e in json.loads(done.stdout)}
    assert entries[L3_UP.name]["readable"]  # the readable input is still reported
    assert not entries["prices.csv"]["readable"]
    assert "pid" in entries["prices.csv"]["error"] and str(prices) in entries["prices.csv"]["error"]
    assert done.stderr.count("\n") == 1 and str(prices) in done.stderr


def test_missing_path_exits_1_with_one_line(tmp_path: Path) -> None:
    done = run("inspect", str(tmp_path / "nowhere.zip"))
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "nowhere.zip" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_required_column_is_not_readable(small: Path, tmp_path: Path) -> None:
    def drop_velocity(header: list[str], rows: list[list[str]]) -> tuple[list, list]:
        at = header.index("mean_velocity")
        return header[:at] + header[at + 1 :], [r[:at] + r[at + 1 :] for r in rows]

    bad = rewrite(small, tmp_path / small.with_suffix(".csv").name, drop_velocity)
    entry = inspect_file(bad)
    assert not entry["readable"] and "mean_velocity" in entry["error"]
    assert run("inspect", str(bad)).returncode == 1


def test_unknown_and_missing_columns_are_problems(small: Path, tmp_path: Path) -> None:
    def change(header: list[str], rows: list[list[str]]) -> tuple[list, list]:
        at = header.index("temporal_coherence")
        header = ["pid", "my_flag", *header[1:at], *header[at + 1 :]]
        return header, [[r[0], "1", *r[1:at], *r[at + 1 :]] for r in rows]

    changed = rewrite(small, tmp_path / small.with_suffix(".csv").name, change)
    entry = inspect_file(changed)
    assert entry["readable"] and entry["points"] == 200
    assert entry["columns"]["unknown"] == ["my_flag"]
    assert entry["columns"]["missing"] == ["temporal_coherence"]
    assert any("my_flag" in p for p in entry["problems"])
    assert any("temporal_coherence" in p for p in entry["problems"])
    assert run("inspect", str(changed)).returncode == 0  # readable, with problems


def test_duplicated_foreign_and_malformed_pids_are_problems(small: Path, tmp_path: Path) -> None:
    def change(header: list[str], rows: list[list[str]]) -> tuple[list, list]:
        rows[1][0] = rows[0][0]  # a duplicate
        rows[2][0] = rows[2][0][0] + "zzzz" + rows[2][0][5:]  # another burst's code
        rows[3][0] = "short"
        return header, rows

    changed = rewrite(small, tmp_path / small.with_suffix(".csv").name, change)
    entry = inspect_file(changed)
    assert entry["duplicate_pids"] == 1
    problems = " | ".join(entry["problems"])
    assert "1 duplicated pid" in problems
    assert "not 10 base-62 characters" in problems
    assert "do not encode the row's track/burst/swath" in problems


def test_an_unnamed_file_is_inspected_from_its_content(small: Path, tmp_path: Path) -> None:
    renamed = rewrite(small, tmp_path / "export.csv", lambda h, r: (h, r))
    entry = inspect_file(renamed)
    assert entry["readable"] and entry["level"] == "L2b" and entry["geometry"] == "asc"
    assert entry["track"] is None and entry["release"] == "2020-2024"
    assert any("grammar" in p for p in entry["problems"])


def test_inspect_counts_what_sample_wrote(tmp_path: Path) -> None:
    written = generate(SampleOptions(tmp_path, ("L2a", "L3"), ((2019, 2023),), points=120))
    result = CliRunner().invoke(main, ["inspect", "--json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    entries = {Path(e["path"]).name: e for e in json.loads(result.stdout)}
    assert len(entries) == len(written) == 4
    for w in written:
        entry = entries[w.path.name]
        assert (entry["points"], entry["dates"]["count"]) == (w.points, w.dates)
        assert entry["problems"] == [] and entry["release"] == "2019-2023"
