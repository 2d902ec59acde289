"""The bounds every input is read under: a hostile file (a ZIP bomb, a header of 100,000
columns, a 50 MB field) is refused with a message before it can take the machine's memory,
disk or time.

The defaults sit well above what EGMS ships: a burst's CSV is at most ~1 GB, deflates about
4:1, and has ~30 static columns and at most a few hundred dates; pids are 10 characters
(docs/egms-format.md, "Point ids").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tiler.errors import BuildError

GB = 1 << 30
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*\Z", re.IGNORECASE)
UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": GB, "t": 1 << 40}


@dataclass(frozen=True, slots=True)
class InputLimits:
    """What one input file may be; `--max-csv-size` and `--max-zip-ratio` raise the first two."""

    csv_bytes: int = 4 * GB  # a CSV (plain, or a ZIP member once inflated)
    zip_ratio: float = 100.0  # a ZIP member's inflated size / its compressed size
    columns: int = 5000
    header_bytes: int = 1 << 20
    field_bytes: int = 256  # a pid (numbers are parsed, whatever their length)
    line_bytes: int = 1 << 20  # a row, as the exact line-by-line check reads it


DEFAULT_LIMITS = InputLimits()


def parse_size(text: str) -> int:
    """'4G', '800M', '1.5GB', '123456' -> bytes; BuildError naming the accepted forms."""
    match = SIZE.match(text)
    if not match:
        raise BuildError(f"--max-csv-size {text!r} is not a size; write e.g. 800M or 4G")
    return int(float(match[1]) * UNITS[match[2].lower()])
