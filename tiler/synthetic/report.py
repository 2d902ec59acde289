"""Progress and summary of `egms-tiler sample` on stderr: a bar on a terminal, lines otherwise."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tiler.progress import LiveProgress

from .writer import Written

LOG_EVERY = 30.0  # seconds between progress lines when stderr is not a terminal


class SampleReport(LiveProgress):
    def __init__(self, total_points: int, files: int, quiet: bool = False) -> None:
        self.quiet = quiet
        self.console = Console(stderr=True, highlight=False)
        self.files = files
        self.total = total_points
        self.done_points = 0
        self._logged = time.monotonic()
        self.written: list[Written] = []
        live = not quiet and sys.stderr.isatty()
        self._progress = (
            Progress(
                TextColumn("generating"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("points"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            if live
            else None
        )
        self._task = (
            self._progress.add_task("points", total=total_points) if self._progress else None
        )

    def rows(self, count: int) -> None:
        self.done_points += count
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, count)
        elif not self.quiet and time.monotonic() - self._logged >= LOG_EVERY:
            self._logged = time.monotonic()
            share = self.done_points / max(self.total, 1)
            self.console.print(
                f"generating: {self.done_points:,} of {self.total:,} points ({share:.0%})",
                markup=False,
                soft_wrap=True,
            )

    def done(self, written: Written) -> None:
        self.written.append(written)
        if not self.quiet:
            self.console.print(
                f"[{len(self.written)}/{self.files}] {written.path} ({written.points:,} points, "
                f"{written.dates} dates, {written.csv_bytes / 1e6:,.1f} MB CSV, "
                f"{written.seconds:.1f} s)",
                markup=False,
                soft_wrap=True,
            )

    def summary(self, seconds: float) -> None:
        if self.quiet:
            return
        points = sum(w.points for w in self.written)
        rate = points / seconds if seconds > 0 else 0.0
        self.console.print(
            f"wrote {len(self.written)} file(s), {points:,} points in "
            f"{seconds:.1f} s ({rate:,.0f} points/s)",
            markup=False,
            soft_wrap=True,
        )
