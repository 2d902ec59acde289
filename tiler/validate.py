"""Exact, slow line-by-line check of a CSV: only run to explain an error the fast reader hit."""

from __future__ import annotations

import io
import math
from pathlib import Path

from .model import Source
from .reader import NULL_VALUES, open_csv_bytes, static_columns

FIX = "repair or re-download the file"


def first_bad_line(source: Source) -> tuple[int, str, str] | None:
    """(line number, problem, fix) of the first malformed row, or None when all rows parse."""
    numeric = [*static_columns(source).values(), *source.dates]
    return first_bad_line_in(source.path, source.member, list(source.columns), numeric)


def first_bad_line_in(
    path: Path, member: str | None, header: list[str], numeric_columns: list[str]
) -> tuple[int, str, str] | None:
    """`first_bad_line` before a `Source` exists: checks field counts and `numeric_columns`."""
    numeric = {header.index(c) for c in numeric_columns}
    with open_csv_bytes(path, member) as raw:
        text = io.TextIOWrapper(raw, encoding="ascii", errors="replace", newline="")
        next(text, None)
        for number, line in enumerate(text, start=2):
            problem = _line_problem(line.rstrip("\r\n"), header, numeric)
            if problem:
                return number, problem, FIX
    return None


def _line_problem(line: str, header: list[str], numeric: set[int]) -> str | None:
    fields = line.split(",")
    if len(fields) != len(header):
        return f"row has {len(fields)} fields, the header has {len(header)}"
    for index in sorted(numeric):
        value = fields[index].strip()
        if value in NULL_VALUES:
            continue
        try:
            number = float(value)
        except ValueError:
            return f"column {header[index]} holds {value[:20]!r}, not a number"
        if math.isinf(number):
            return f"column {header[index]} holds {value[:20]!r}, not a finite number"
    return None
