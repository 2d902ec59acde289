"""The live progress on a terminal: layers count their points, a Dask build's steps (reading
files, tile runs, ...) count their tasks with a bar; nothing when stderr is not a terminal."""

from __future__ import annotations

import io
import re
import sys

import pytest
from rich.console import Console

from tiler.progress import Reporter


def shown(reporter: Reporter) -> str:
    assert reporter._progress is not None
    console = Console(file=io.StringIO(), width=100, record=True)
    console.print(reporter._progress.make_tasks_table(reporter._progress.tasks))
    return console.export_text()


def test_dask_steps_are_bars_of_their_tasks_beside_the_layers_points(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    reporter = Reporter()
    reporter.start_layer("l2b-2020-2024-asc", 2)
    reporter.rows("l2b-2020-2024-asc", 1500)
    for _ in range(3):
        reporter.step_added("tile runs")
    reporter.step_done("tile runs")
    reporter.step_done("tile runs")
    text = shown(reporter)
    assert re.search(r"l2b-2020-2024-asc \(2 files\) +1,500 points", text), text
    assert re.search(r"Dask: tile runs +━+[━╺ ]* 2/3", text), text


def test_no_progress_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with Reporter() as reporter:
        reporter.step_added("tile runs")
        reporter.step_done("tile runs")
    assert capsys.readouterr().err == ""
