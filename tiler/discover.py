"""Turn the INPUT arguments (files, directories, globs) into a sorted list of input files."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

from .egms import parse_name
from .errors import InputError

DATA_SUFFIXES = (".zip", ".csv")


def discover(inputs: Iterable[str | Path]) -> list[Path]:
    """Expand inputs into files. Directories contribute only EGMS-named .zip/.csv files."""
    found: dict[Path, None] = {}
    for item in inputs:
        for path in _expand(str(item)):
            found.setdefault(path.resolve(), None)
    if not found:
        raise InputError("(inputs)", "no input files given", "pass EGMS .zip or .csv files")
    return sorted(found)


def _expand(item: str) -> list[Path]:
    path = Path(item)
    if path.is_dir():
        files = [p for p in sorted(path.rglob("*")) if _is_egms_data(p)]
        if not files:
            raise InputError(item, "directory holds no EGMS .zip or .csv files",
                             "check the path, or name the files explicitly")  # fmt: skip
        return files
    if path.is_file():
        return [path]
    if glob.has_magic(item):
        matches = [Path(p) for p in sorted(glob.glob(item, recursive=True))]
        files = [p for p in matches if p.is_file() and p.suffix.lower() in DATA_SUFFIXES]
        if not files:
            raise InputError(item, "no .zip or .csv file matches this pattern", "check the glob")
        return files
    raise InputError(item, "no such file or directory", "check the path")


def _is_egms_data(path: Path) -> bool:
    info = parse_name(path.name)
    return path.is_file() and info is not None and path.suffix.lower() in DATA_SUFFIXES
