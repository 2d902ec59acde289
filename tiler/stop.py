"""A build's stop signal: Ctrl-C reaches the main thread only, so the layers' threads and their
tippecanoe runs are told here.

The main thread `set`s it; the layers' work `check`s it between units and chunks (raising
`Stopped`), and the tile pools register what kills their runs (`calling`). Without it, an
interrupted build waited for its layers to finish, and a tippecanoe run the terminal's Ctrl-C
had killed was taken for a failure and tiled again with the documented recipe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Stopped(Exception):
    """Raised in a layer's thread when the build was stopped: never reported, the main thread
    reports the interrupt."""


class Stop:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def set(self) -> None:
        with self._lock:
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Stopped("the build was stopped")

    @contextmanager
    def calling(self, callback: Callable[[], None]) -> Iterator[None]:
        """Call `callback` (without blocking) if the stop comes while the block runs."""
        with self._lock:
            self._callbacks.append(callback)
            already = self._event.is_set()
        if already:
            callback()
        try:
            yield
        finally:
            with self._lock:
                self._callbacks.remove(callback)
