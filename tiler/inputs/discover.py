"""Turn the INPUT arguments (files, directories, globs) into a sorted list of input files.

Inside a directory, links are never followed silently: a linked directory is not entered and
a linked file that points out of the directory is read with a warning. Only regular files are
ever taken: a FIFO, socket or device is named and refused, never opened (a FIFO would block).
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from tiler.errors import InputError, InputWarning
from tiler.inputs.egms import parse_name

DATA_SUFFIXES = (".zip", ".csv")
Warn = Callable[[InputWarning], None]
SPECIAL_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}
MISSING = (errno.ENOENT, errno.ENOTDIR)


def discover(inputs: Iterable[str | Path], warn: Warn | None = None) -> list[Path]:
    """Expand inputs into files. Directories contribute only EGMS-named .zip/.csv files."""
    found: dict[Path, None] = {}
    for item in inputs:
        for path in _expand(str(item), warn or _ignore):
            found.setdefault(Path(os.path.realpath(path)), None)
    if not found:
        raise InputError("(inputs)", "no input files given", "pass EGMS .zip or .csv files")
    return sorted(found)


def _ignore(warning: InputWarning) -> None:
    """Warnings nobody asked for."""


def _expand(item: str, warn: Warn) -> list[Path]:
    path = Path(item)
    mode = _mode(path, item)
    if mode is not None and stat.S_ISDIR(mode):
        files = sorted(_directory_files(path, warn))
        if not files:
            raise InputError(item, "directory holds no EGMS .zip or .csv files",
                             "check the path, or name the files explicitly")  # fmt: skip
        return files
    if mode is not None and stat.S_ISREG(mode):
        return [path]
    if mode is not None:
        raise InputError(item, f"not a regular file ({_kind(mode)})",
                         "give an EGMS .zip or .csv file, or a directory of them")  # fmt: skip
    if glob.has_magic(item):
        matches = sorted(_glob(item))
        files = [p for p in matches if p.is_file() and p.suffix.lower() in DATA_SUFFIXES]
        if not files:
            raise InputError(item, "no .zip or .csv file matches this pattern", "check the glob")
        return files
    raise InputError(item, "no such file or directory", "check the path")


def _mode(path: Path, item: str) -> int | None:
    """The file type of what `path` names (links followed), None when there is nothing."""
    try:
        return os.stat(path).st_mode
    except OSError as exc:
        if exc.errno in MISSING:
            return None
        if exc.errno == errno.ELOOP:
            raise InputError(item, "symbolic link loop", "point the link at a file") from None
        raise InputError(item, _reason(exc), "check the path") from None


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _kind(mode: int) -> str:
    return SPECIAL_KINDS.get(stat.S_IFMT(mode), "not a file")


def _glob(item: str) -> list[Path]:
    """What a pattern matches. `**` never enters linked directories: glob's own walk follows
    them, and two links to `..` make it walk 2^40 paths."""
    pattern = Path(item)
    if "**" not in pattern.parts:
        return [Path(p) for p in glob.glob(item)]
    anchor = Path(pattern.anchor or ".")
    relative = pattern.relative_to(anchor) if pattern.anchor else pattern
    try:
        matches = list(anchor.glob(str(relative)))
    except ValueError:
        raise InputError(item, "'**' must be a whole part of the pattern",
                         "write e.g. downloads/**/*.zip") from None  # fmt: skip
    wants_hidden = any(part.startswith(".") for part in relative.parts)
    return [p for p in matches if wants_hidden or not _hidden(p.relative_to(anchor))]


def _hidden(relative: Path) -> bool:
    """As glob.glob: a wildcard does not match names starting with a dot."""
    return any(part.startswith(".") and part not in (".", "..") for part in relative.parts)


def _directory_files(folder: Path, warn: Warn) -> Iterator[Path]:
    """EGMS data files under `folder`, never entering a linked directory (which may loop)."""
    root = Path(os.path.realpath(folder))
    for entry in _walk(folder, warn):
        link = entry.is_symlink()
        mode = _link_mode(entry) if link else None
        if link and mode is not None and stat.S_ISDIR(mode):
            target = os.path.realpath(entry.path)
            warn(InputWarning(entry.path, f"linked directory (to {target}) not searched",
                              "name it as an input to include it"))  # fmt: skip
        elif _egms_data_name(entry.name):
            mode = mode if link else _entry_mode(entry)
            if _readable_data(entry, mode, warn):
                _warn_link_out(entry, root, folder, warn)
                yield Path(entry.path)


def _readable_data(entry: os.DirEntry[str], mode: int | None, warn: Warn) -> bool:
    """Whether an EGMS-named entry is a file to read (what it is otherwise, said once)."""
    if mode is None:
        warn(InputWarning(entry.path, "link to nothing (dangling, or a loop), not read",
                          "fix or remove the link"))  # fmt: skip
        return False
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return stat.S_ISREG(mode)
    warn(InputWarning(entry.path, f"not a regular file ({_kind(mode)}), not read",
                      "replace it with the EGMS file, or remove it"))  # fmt: skip
    return False


def _walk(folder: Path, warn: Warn) -> Iterator[os.DirEntry[str]]:
    """Every entry under `folder`, depth first, sorted; links are listed, never entered."""
    pending = [str(folder)]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            if directory == str(folder):
                raise InputError(directory, _reason(exc), "check its permissions") from None
            warn(InputWarning(directory, f"directory not searched: {_reason(exc)}",
                              "check its permissions"))  # fmt: skip
            continue
        yield from entries
        pending.extend(e.path for e in reversed(entries) if e.is_dir(follow_symlinks=False))


def _egms_data_name(name: str) -> bool:
    return Path(name).suffix.lower() in DATA_SUFFIXES and parse_name(name) is not None


def _entry_mode(entry: os.DirEntry[str]) -> int | None:
    try:
        return entry.stat(follow_symlinks=False).st_mode
    except OSError:
        return None


def _link_mode(entry: os.DirEntry[str]) -> int | None:
    """What a link leads to; None for a dangling link or a loop."""
    try:
        return os.stat(entry.path).st_mode
    except OSError:
        return None


def _warn_link_out(entry: os.DirEntry[str], root: Path, folder: Path, warn: Warn) -> None:
    if not entry.is_symlink():
        return
    target = Path(os.path.realpath(entry.path))
    if not target.is_relative_to(root):
        warn(InputWarning(entry.path, f"link out of {folder} followed, read {target}",
                          "remove the link if the file does not belong"))  # fmt: skip
