"""A matrix kept in a scratch file, row after row: appended in blocks, read back by rows.

A build spills what it does not need at once (a unit's tile columns between reading and
writing them, its chunk inputs between the two passes, its series) so its memory does not grow
with a burst's size.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

import numpy as np


class RowWriter:
    """Appends (rows, columns) blocks of `dtype` to `path`."""

    def __init__(self, path: Path, columns: int, dtype: np.dtype) -> None:
        self.columns, self.dtype = columns, dtype
        self.rows = 0
        self.file = open(path, "wb")  # noqa: SIM115 (closed by close())

    def append(self, block: np.ndarray) -> None:
        assert block.shape[1:] == (self.columns,), block.shape
        self.file.write(np.ascontiguousarray(block, dtype=self.dtype).tobytes())
        self.rows += len(block)

    def close(self) -> None:
        self.file.close()


class RowFile:
    """Rows of a file `RowWriter` wrote, read back any of them at a time.

    Rows that follow each other in the file are read with one pread (a chunk's 256 rows are
    ~50 such runs in an EGMS burst): a memory mapping would count every page the kernel maps
    around a touched row (64 KB each) as resident until released.
    """

    def __init__(self, path: Path, columns: int, dtype: np.dtype) -> None:
        self.columns, self.dtype = columns, np.dtype(dtype)
        self.row_bytes = columns * self.dtype.itemsize
        self.fd = os.open(path, os.O_RDONLY)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The rows `rows` (any order, repeats allowed), as a (len(rows), columns) matrix."""
        order = np.argsort(rows, kind="stable")
        ascending = rows[order]
        firsts = np.flatnonzero(np.diff(ascending, prepend=-2) != 1)
        block = np.empty((len(rows), self.columns), dtype=self.dtype)
        for first, end in zip(firsts.tolist(), [*firsts[1:].tolist(), len(rows)], strict=True):
            self._read(block[first:end], int(ascending[first]))
        out = np.empty_like(block)
        out[order] = block
        return out

    def span(self, start: int, stop: int) -> np.ndarray:
        """Rows start..stop-1."""
        block = np.empty((stop - start, self.columns), dtype=self.dtype)
        self._read(block, start)
        return block

    def _read(self, block: np.ndarray, first_row: int) -> None:
        wanted = len(block) * self.row_bytes
        if wanted and os.preadv(self.fd, [block.data], first_row * self.row_bytes) != wanted:
            raise OSError(f"the scratch file ended before row {first_row + len(block) - 1}")

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> RowFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:  # fmt: skip
        self.close()
