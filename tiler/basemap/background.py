"""Install the basemap while the layers are still tiling.

The offline basemap is a tippecanoe run of ~6 s over the whole world (it no longer depends on
the layers' bounds), so it is made on a thread from the moment the layers are known instead of
after the last layer. A previous site's identical archive is linked instead
(tiler/basemap/offline.py).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from tiler.basemap.choices import Basemap
from tiler.basemap.offline import WORLD, install
from tiler.model import LayerKey


class BasemapAhead:
    """`install` the basemap on a thread from `expect` on; `entry` waits for it."""

    def __init__(
        self, choice: Basemap, building: Path, previous: dict[str, Any] | None
    ) -> None:  # fmt: skip
        self.choice = choice
        self.building = building
        self.previous = previous  # the replaced site's basemap, reused if the same
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.made: dict[str, Any] | None = None

    def expect(self, built: set[LayerKey], reused: list[Sequence[float]]) -> None:
        """The layers are known: start making the basemap (its area does not depend on them)."""
        with self.lock:
            if self.thread is not None or self.choice.kind != "offline":
                return
            self.thread = threading.Thread(target=self._install, daemon=True)
            self.thread.start()

    def reported(self, key: LayerKey, bounds: Sequence[float]) -> None:
        """A layer's bounds are final (called from the layers' threads): nothing waits on them."""

    def _install(self) -> None:
        try:
            self.made = self.install(list(WORLD))
        except Exception:  # noqa: BLE001 (installed again at the end, where the error is raised)
            self.made = None

    def install(self, bounds: list[float]) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(dir=self.building, prefix=".basemap-") as scratch:
            data = self.building / "data"
            return install(self.choice, data, bounds, Path(scratch), self.previous)

    def entry(self, bounds: list[float]) -> dict[str, Any]:
        """The basemap's manifest entry (made ahead if it could be)."""
        self._join()
        if self.made is not None:
            return self.made
        return self.install(bounds)

    def _join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def __enter__(self) -> BasemapAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:  # fmt: skip
        self._join()  # never leave a run writing into a building folder being removed


def union(corners: Sequence[Sequence[float]]) -> list[float]:
    """The box holding every [west, south, east, north]."""
    return [min(c[0] for c in corners), min(c[1] for c in corners),
            max(c[2] for c in corners), max(c[3] for c in corners)]  # fmt: skip
