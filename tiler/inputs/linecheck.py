"""Exact, slow line-by-line check of a CSV: only run to explain an error the fast reader hit.

It reads what pyarrow's reader reads (quoted fields, blank lines skipped, the numbers it
accepts), one bounded line at a time, so a hostile file costs it no more memory than a line.
"""

from __future__ import annotations

import csv
import re
import zipfile
import zlib
from pathlib import Path

from tiler.errors import InputError
from tiler.inputs.opening import open_csv_bytes
from tiler.limits import DEFAULT_LIMITS, InputLimits

FIX = "repair or re-download the file"
NULLS = {"", "nan", "NaN", "NA"}
NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*\Z")  # as pyarrow parses
NON_FINITE = re.compile(r"\s*[+-]?(?:inf|infinity)\s*\Z", re.IGNORECASE)
NOT_A_NUMBER = re.compile(r"\s*[+-]?nan\s*\Z", re.IGNORECASE)  # read as missing, like pyarrow


def first_bad_line_in(
    path: Path, member: str | None, header: list[str], numeric_columns: list[str],
    limits: InputLimits = DEFAULT_LIMITS, header_line: int = 1,
) -> tuple[int, str, str] | None:  # fmt: skip
    """(line number, problem, fix) of the first malformed row, or None when all rows parse:
    field counts and the `numeric_columns` checked as pyarrow parses them. `header_line`: the
    header's line number (after any comment lines)."""
    numeric = sorted(header.index(c) for c in numeric_columns)
    with open_csv_bytes(path, member) as raw:
        raw.readline(limits.header_bytes + 1)
        number = header_line
        while line := raw.readline(limits.line_bytes + 1):
            number += 1
            if len(line) > limits.line_bytes:
                return number, f"the row is longer than {limits.line_bytes:,} bytes", FIX
            problem = line_problem(line.rstrip(b"\r\n"), header, numeric)
            if problem:
                return number, problem, FIX
    return None


def line_problem(line: bytes, header: list[str], numeric: list[int]) -> str | None:
    """What is wrong with one data line (None when it parses), as pyarrow would read it."""
    if not line.strip():
        return None  # blank lines are skipped
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        field = line[: exc.start].count(b",")
        name = header[field] if field < len(header) else f"#{field + 1}"
        return f"column {name} holds bytes that are not UTF-8 text"
    try:
        fields = next(csv.reader([text], strict=True))
    except csv.Error as exc:
        return f"the row is not valid CSV ({exc})"
    if len(fields) != len(header):
        return f"row has {len(fields)} fields, the header has {len(header)}"
    return next((p for i in numeric if (p := number_problem(header[i], fields[i]))), None)


def number_problem(column: str, value: str) -> str | None:
    if value in NULLS or NOT_A_NUMBER.match(value):
        return None
    if NON_FINITE.match(value) or (NUMBER.match(value) and abs(float(value)) == float("inf")):
        return f"column {column} holds {value.strip()[:20]!r}, not a finite number"
    if not NUMBER.match(value):
        return f"column {column} holds {value.strip()[:20]!r}, not a number"
    return None


def locate_in(
    path: Path, member: str | None, header: list[str], numeric: list[str], cause: BaseException,
    header_line: int = 1,
) -> InputError:  # fmt: skip
    """`locate_problem` for a file not scanned yet: `numeric` are the columns being parsed."""
    if isinstance(cause, zipfile.BadZipFile | zlib.error | EOFError):
        return InputError(path, f"damaged ZIP archive ({cause})", "download the file again")
    try:
        found = first_bad_line_in(path, member, header, numeric, header_line=header_line)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        return InputError(path, f"damaged file ({exc})", "download the file again")
    if found is None:
        if isinstance(cause, InputError):
            return cause
        return InputError(path, f"unreadable CSV ({cause})", "pass an unmodified EGMS file")
    line, problem, fix = found
    return InputError(path, problem, fix, line=line)
