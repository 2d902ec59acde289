"""Progress and the summary, on stderr: a live display on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import Self

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from tiler.errors import printable


class LiveProgress:
    """A rich progress display, or none (`_progress` is None): a context manager either way."""

    _progress: Progress | None = None

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


class StepBar(ProgressColumn):
    """A bar for the rows that have a total (Dask tasks), none for the layers' point counts."""

    def __init__(self) -> None:
        super().__init__()
        self.bar = BarColumn(bar_width=20)

    def render(self, task: Task) -> RenderableType:
        return self.bar.render(task) if task.total is not None else Text("")


class CountColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text(f"{task.completed:,.0f} points")
        return Text(f"{task.completed:,.0f}/{task.total:,.0f}")


class Reporter(LiveProgress):
    """Thread-safe progress of layers being built (layers run in parallel)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.console = Console(stderr=True)
        self._lock = threading.Lock()
        self._live = not quiet and sys.stderr.isatty()
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), StepBar(),
            CountColumn(), TimeElapsedColumn(),
            console=self.console, transient=True,
        ) if self._live else None  # fmt: skip
        self._tasks: dict[str, TaskID] = {}
        self._steps: dict[str, TaskID] = {}  # Dask tasks by step

    def log(self, message: str) -> None:
        if not self.quiet:
            with self._lock:
                self.console.print(
                    printable(message), highlight=False, markup=False, soft_wrap=True
                )

    def warn(self, message: str) -> None:
        """Warnings are shown even with --quiet."""
        with self._lock:
            self.console.print(
                f"Warning: {printable(message)}", highlight=False, markup=False, soft_wrap=True
            )

    def start_layer(self, layer_id: str, files: int) -> None:
        if self._progress is not None:
            with self._lock:
                self._tasks[layer_id] = self._progress.add_task(
                    f"{layer_id} ({files} files)", total=None
                )
        else:
            self.log(f"building {layer_id} from {files} file(s)")

    def rows(self, layer_id: str, count: int) -> None:
        if self._progress is not None:
            with self._lock:
                self._progress.advance(self._tasks[layer_id], count)

    def step_added(self, step: str) -> None:
        """A Dask task of `step` (reading files, tile runs, ...) was submitted."""
        if self._progress is not None:
            with self._lock:
                if step not in self._steps:
                    self._steps[step] = self._progress.add_task(f"Dask: {step}", total=0)
                self._progress.update(self._steps[step], total=self._total(step) + 1)

    def step_done(self, step: str) -> None:
        if self._progress is not None:
            with self._lock:
                self._progress.advance(self._steps[step], 1)

    def _total(self, step: str) -> float:
        assert self._progress is not None
        return self._progress.tasks[self._steps[step]].total or 0

    def summary(
        self, rows: list[tuple[str, int, int, int, str]], seconds: float, output: str
    ) -> None:
        if self.quiet:
            return
        title = Text(f"built {printable(output)} in {seconds:.1f} s")  # Text: no markup in paths
        table = Table(title=title, title_justify="left")
        for column in ("layer", "points", "files", "max zoom", "tiles"):
            table.add_column(column, justify="left" if column == "layer" else "right")
        for layer_id, points, files, maxzoom, size in rows:
            table.add_row(layer_id, f"{points:,}", str(files), str(maxzoom), size)
        with self._lock:
            self.console.print(table)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
