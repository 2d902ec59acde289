"""One exception tree: library code raises these, the CLI turns them into one-line messages."""

from __future__ import annotations

from pathlib import Path


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
        where = self.path if line is None else f"{self.path}, line {line}"
        message = f"{where}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)


class ToolError(TilerError):
    """An external program (tippecanoe) is missing or failed."""


class BuildError(TilerError):
    """The build could not finish (output directory problems, empty input, ...)."""


class ServeError(TilerError):
    """The local server cannot start or cannot serve the given directory."""
