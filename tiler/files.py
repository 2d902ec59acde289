"""Files the build writes or reuses: deterministic gzip, hard links where a copy would do, and
files written whole or not at all."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from isal import isal_zlib

GZIP_LEVEL = 2
GZIP_WBITS = 31  # deflate in a gzip member; ISA-L writes no name and mtime 0: identical builds


def write_gzip(path: Path, *parts: bytes | memoryview) -> None:
    """The parts, one after the other, as one deterministic gzip member (no name, mtime 0)."""
    compressor = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, GZIP_WBITS)
    with open(path, "wb") as out:
        for part in parts:
            out.write(compressor.compress(part))
        out.write(compressor.flush())


def link_or_copy(source: str, destination: str) -> None:
    """A hard link (a reused file costs no space), or a copy across file systems."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


COPY_BLOCK = 1 << 20  # bytes through memory at a time where the kernel cannot copy


def copy_range(source: int, target: int, offset: int, length: int) -> None:
    """Append `length` bytes of `source` from `offset` to `target`, in the kernel where it can
    (copy_file_range: no bytes through Python, reflinks on file systems that have them)."""
    done = 0
    kernel = getattr(os, "copy_file_range", None)
    while done < length:
        try:
            if kernel is None:
                raise OSError("no copy_file_range")
            copied = kernel(source, target, length - done, offset + done)
        except OSError:
            kernel = None
            copied = os.write(target, os.pread(source, min(COPY_BLOCK, length - done),
                                               offset + done))  # fmt: skip
        if copied <= 0:
            raise OSError(f"could not copy bytes {offset + done}..{offset + length}")
        done += copied


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed to it when the block succeeds: a task run again
    (its Dask worker lost) never reads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
