"""One exception tree: library code raises these, the CLI turns them into one-line messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Characters a terminal acts on or hides: C0/C1 controls (escape sequences, newlines), zero-width
# and bidirectional marks, and the lone surrogates that stand for undecodable bytes of a path.
UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
SURROGATE_ESCAPES = range(0xDC80, 0xDD00)  # os.fsdecode's stand-ins for the bytes 0x80-0xff


def printable(text: str) -> str:
    """`text` on one line with every unprintable character shown as an escape (\\x1b, \\n)."""
    return UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code in SURROGATE_ESCAPES:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def located(path: Path | str, problem: str, fix: str = "", line: int | None = None) -> str:
    """'FILE, line N: problem (fix)': the one-line shape of every input message."""
    where = printable(str(path)) if line is None else f"{printable(str(path))}, line {line}"
    return f"{where}: {printable(problem)}" + (f" ({printable(fix)})" if fix else "")


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
