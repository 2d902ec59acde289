"""Give freed memory back to the system between the big steps of a build.

pyarrow's allocator keeps freed CSV blocks, and glibc's malloc keeps freed numpy arrays in its
heap once its dynamic mmap threshold has risen (the first big array freed raises it to 32 MB):
without this, a build's resident memory stays at its high-water mark.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import lru_cache

import pyarrow as pa


def give_back() -> None:
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None
