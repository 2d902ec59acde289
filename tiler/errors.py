"""One exception tree: library code raises these, the CLI turns them into one-line messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def located(path: Path | str, problem: str, fix: str = "", line: int | None = None) -> str:
    """'FILE, line N: problem (fix)': the one-line shape of every input message."""
    where = str(path) if line is None else f"{path}, line {line}"
    return f"{where}: {problem}" + (f" ({fix})" if fix else "")


class TilerError(Exception):
    """Base of every error egms-tiler raises on purpose."""


class InputError(TilerError):
    """An input file is missing, unreadable or not EGMS data."""

    def __init__(
        self, path: Path | str, problem: str, fix: str = "", line: int | None = None
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        self.line = line
        super().__init__(located(path, problem, fix, line))


class ToolError(TilerError):
    """An external program (tippecanoe) is missing or failed."""


class BuildError(TilerError):
    """The build could not finish (output directory problems, empty input, ...)."""


class ServeError(TilerError):
    """The local server cannot start or cannot serve the given directory."""


class SnapshotError(TilerError):
    """A view could not be rendered to an image (no Chromium, no site, a view that never draws)."""


@dataclass(frozen=True, slots=True)
class InputWarning:
    """Something odd in an input that the build worked around (fatal with --strict)."""

    path: str
    problem: str
    fix: str = ""
    line: int | None = None

    def __str__(self) -> str:
        return located(self.path, self.problem, self.fix, self.line)
