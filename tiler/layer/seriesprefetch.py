"""Pass 2's reading started early: each unit's series spooled on a background thread.

Spooling needs only the file, not the ids, so it runs while pass 1 reads the small columns
(one core each on a 2-core machine, where pass 1 alone would leave one idle) and while the
chunks of the unit before are written. At most AHEAD units are spooled and not yet used, so
scratch space stays ~2 bursts' series whatever the layer's size.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from tiler.layer.processing_unit import spool_series
from tiler.model import Source

AHEAD = 2


class Spooler:
    """Spools `sources` in order into `folder`; the chunk writer takes them in the same order."""

    def __init__(self, sources: Sequence[Source], folder: Path, name: str) -> None:
        self.positions = {id(source): index for index, source in enumerate(sources)}
        self.sources = list(sources)
        self.paths = [folder / f"{name}-{index}.series" for index in range(len(sources))]
        self.finished = [threading.Event() for _ in sources]
        self.errors: list[BaseException | None] = [None] * len(sources)
        self.slots = threading.Semaphore(AHEAD)
        self.released = 0  # units before this one are done with (or skipped)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for index, source in enumerate(self.sources):
            self.slots.acquire()
            if self.stopping.is_set():
                break
            try:
                spool_series(source, self.paths[index], self.stopping)
            except BaseException as exc:  # raised where this unit or a later one is taken
                self.errors[index:] = [exc] * (len(self.sources) - index)
                break
            self.finished[index].set()
        for event in self.finished:  # nothing more comes: no one waits forever
            event.set()

    def take(self, source: Source) -> Path:
        """The spooled series of `source`, once it is written; units before it are let go."""
        index = self.positions[id(source)]
        while self.released < index:
            self._release(self.released)
        self.finished[index].wait()
        error = self.errors[index]
        if error is not None:
            raise error
        return self.paths[index]

    def spooled(self, source: Source) -> Path:
        """The spooled series of `source`, once it is written, keeping it and the units before
        it (pass 1 screens it; pass 2's `take` lets them go). Wait only if `has_room(source)`."""
        index = self.positions[id(source)]
        self.finished[index].wait()
        error = self.errors[index]
        if error is not None:
            raise error
        return self.paths[index]

    def has_room(self, source: Source) -> bool:
        """Whether `source` is spooled without more units let go (at most AHEAD held)."""
        return self.positions[id(source)] - self.released < AHEAD

    def release_before(self, source: Source) -> None:
        """Let go every unit before `source` (those with no chunks to write)."""
        while self.released < self.positions[id(source)]:
            self._release(self.released)

    def done_with(self, source: Source) -> None:
        self._release(self.positions[id(source)])

    def _release(self, index: int) -> None:
        if index < self.released:
            return
        self.finished[index].wait()
        self.paths[index].unlink(missing_ok=True)
        self.released = index + 1
        self.slots.release()

    def close(self) -> None:
        """Stop spooling and remove every spooled file."""
        self.stopping.set()
        for _ in self.sources:
            self.slots.release()
        self.thread.join()
        for path in self.paths:
            path.unlink(missing_ok=True)
