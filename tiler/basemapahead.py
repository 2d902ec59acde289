"""Install the basemap while the layers are still tiling, once every layer's bounds are known.

The offline basemap is a tippecanoe run of ~2 s over the area around the layers. A layer's
bounds are final after its first pass, long before its tiles are done, so the basemap is made
on a thread from then on instead of after the last layer. If the bounds the site ends up with
give another area (they do not, unless a layer reports none), it is installed again at the end.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from . import basemap
from .model import LayerKey


class BasemapAhead:
    """`install` the basemap as soon as `reported` has the bounds of every layer `expect`ed."""

    def __init__(
        self, choice: basemap.Basemap, stage: Path, previous: dict[str, Any] | None
    ) -> None:  # fmt: skip
        self.choice = choice
        self.stage = stage
        self.previous = previous  # the replaced site's basemap, reused if the same
        self.waiting: set[LayerKey] = set()
        self.bounds: list[Sequence[float]] = []
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.made: tuple[list[float], dict[str, Any]] | None = None  # (bounds, entry)

    def expect(self, built: set[LayerKey], reused: list[Sequence[float]]) -> None:
        """The layers being built, and the bounds of those taken from the previous site."""
        self.waiting = set(built)
        self.bounds = list(reused)

    def reported(self, key: LayerKey, bounds: Sequence[float]) -> None:
        """A layer's bounds are final (called from the layers' threads)."""
        with self.lock:
            self.waiting.discard(key)
            self.bounds.append(bounds)
            if self.waiting or self.thread is not None or self.choice.kind != "offline":
                return
            self.thread = threading.Thread(target=self._install, args=(union(self.bounds),),
                                           daemon=True)  # fmt: skip
            self.thread.start()

    def _install(self, bounds: list[float]) -> None:
        try:
            self.made = bounds, self.install(bounds)
        except Exception:  # noqa: BLE001 (installed again at the end, where the error is raised)
            self.made = None

    def install(self, bounds: list[float]) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(dir=self.stage, prefix=".basemap-") as scratch:
            data = self.stage / "data"
            return basemap.install(self.choice, data, bounds, Path(scratch), self.previous)

    def entry(self, bounds: list[float]) -> dict[str, Any]:
        """The basemap's manifest entry for the site's final bounds."""
        self._join()
        if self.made is not None and _same_area(self.made[0], bounds):
            return self.made[1]
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
        self._join()  # never leave a run writing into a stage being removed


def union(corners: Sequence[Sequence[float]]) -> list[float]:
    """The box holding every [west, south, east, north]."""
    return [min(c[0] for c in corners), min(c[1] for c in corners),
            max(c[2] for c in corners), max(c[3] for c in corners)]  # fmt: skip


def _same_area(made: list[float], wanted: list[float]) -> bool:
    return basemap.area_around(made) == basemap.area_around(wanted)
