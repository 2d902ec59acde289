"""Turn the INPUT arguments (files, directories, globs) into a sorted list of input files.

Inside a directory, links are never followed silently: a linked directory is not entered and
a linked file that points out of the directory is read with a warning.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from pathlib import Path

from .egms import parse_name
from .errors import InputError, InputWarning

DATA_SUFFIXES = (".zip", ".csv")


def discover(
    inputs: Iterable[str | Path], warn: Callable[[InputWarning], None] | None = None
) -> list[Path]:
    """Expand inputs into files. Directories contribute only EGMS-named .zip/.csv files."""
    found: dict[Path, None] = {}
    for item in inputs:
        for path in _expand(str(item)):
            found.setdefault(path.resolve(), None)
        if warn and Path(item).is_dir():
            for warning in link_warnings(Path(item)):
                warn(warning)
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


def link_warnings(folder: Path) -> list[InputWarning]:
    """What a directory walk did with symbolic links (never followed without saying so)."""
    root = folder.resolve()
    out = []
    for path in sorted(folder.rglob("*")):
        if not path.is_symlink():
            continue
        target = path.resolve()
        if target.is_dir():
            out.append(InputWarning(str(path), f"linked directory (to {target}) not searched",
                                    "name it as an input to include it"))  # fmt: skip
        elif _is_egms_data(path) and not target.is_relative_to(root):
            out.append(InputWarning(str(path), f"link out of {folder} followed, read {target}",
                                    "remove the link if the file does not belong"))  # fmt: skip
    return out
