"""The command line: help texts, exit codes and one-line errors, as a user meets them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import L3_UP

from tiler.cli import main

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py

COMMANDS = ["build", "serve", "sample", "inspect", "snapshot"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a subprocess: real exit code, real stderr."""
    return subprocess.run(
        [sys.executable, "-m", "tiler", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_top_level_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: main" in result.output or "Usage:" in result.output
    assert "--" in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert "egms-tiler" in result.output


def test_build_without_input_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2


def test_non_egms_csv_gives_one_line_and_no_output(tmp_path: Path) -> None:
    table = tmp_path / "prices.csv"
    table.write_text("date,price\n2020-01-01,3.5\n")
    out = tmp_path / "site"
    result = run_cli("build", str(table), "-o", str(out))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(table) in lines[0] and "line 1" in lines[0] and "pid" in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prices.csv"]


def test_missing_file_gives_one_line_and_no_output(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run_cli("build", str(tmp_path / "nope.zip"), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'nope.zip'}: no such file or directory (check the path)"
    ]
    assert not out.exists()


def test_build_then_summary_on_stderr_and_nothing_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run_cli("build", str(L3_UP), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "l3-2020-2024-up" in result.stderr and "522" in result.stderr
    assert (out / "index.html").is_file()
    quiet = run_cli("build", str(L3_UP), "-o", str(out), "-q")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_serve_refuses_a_directory_without_a_site(tmp_path: Path) -> None:
    result = run_cli("serve", str(tmp_path), "--port", "0")
    assert result.returncode == 1
    assert "not a built site" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- the bounds inputs are read under, and the last net --------------------------------------


@pytest.mark.parametrize("command", ["build", "inspect"])
def test_limit_options_are_in_the_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert "--max-csv-size SIZE" in result.output and "--max-zip-ratio N" in result.output


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--max-csv-size=6X", "Error: --max-csv-size '6X' is not a size; write e.g. 800M or 4G"),
        ("--max-zip-ratio=1", "Error: --max-zip-ratio '1' is not a number above 1; write e.g. 200"),
        ("--max-zip-ratio=nan", "is not a number above 1"),
        ("--max-csv-size=0", "--max-csv-size must be at least 1 byte"),
    ],
)
@pytest.mark.parametrize("command", ["build", "inspect"])
def test_a_bad_limit_is_one_line(command: str, option: str, message: str, tmp_path: Path) -> None:
    output = ["-o", str(tmp_path / "site")] if command == "build" else []
    result = run_cli(command, str(L3_UP), option, *output)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_limits_reach_inspect() -> None:
    result = run_cli("inspect", "--json", "--max-zip-ratio=2", str(L3_UP))
    assert result.returncode == 1
    assert "inflates 4 times its compressed size" in result.stdout
    assert run_cli("inspect", "--max-zip-ratio=5", "--max-csv-size=10M", str(L3_UP)).returncode == 0


def test_limits_reach_build(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run_cli("build", str(L3_UP), "-o", str(out), "-q", "--max-csv-size", "100K")
    assert result.returncode == 1 and "--max-csv-size" in result.stderr, result.stderr
    assert not out.exists()


def test_an_unforeseen_os_error_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error", "/data/odd\nname\x1b[2J")

    from tiler.pipeline import build as pipeline

    monkeypatch.setattr(pipeline, "build", broken)
    result = CliRunner().invoke(main, ["build", "x.zip"])
    assert result.exit_code == 1
    assert result.stderr == "Error: /data/odd\\x0aname\\x1b[2J: Input/output error\n"
