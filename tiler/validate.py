"""Exact, slow line-by-line check of a CSV: only run to explain an error the fast reader hit."""

from __future__ import annotations

import io
import math

from .model import Source
from .reader import NULL_VALUES, open_csv_bytes, static_columns

FIX = "repair or re-download the file"


def first_bad_line(source: Source) -> tuple[int, str, str] | None:
    """(line number, problem, fix) of the first malformed row, or None when all rows parse."""
    header = list(source.columns)
    numeric = {header.index(c) for c in [*static_columns(source).values(), *source.dates]}
    with open_csv_bytes(source.path, source.member) as raw:
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
