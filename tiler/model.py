"""Small frozen value types shared by the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tiler.errors import InputWarning

GEOMETRY_LABELS = {"asc": "ascending", "desc": "descending", "up": "vertical", "east": "east-west"}


@dataclass(frozen=True, slots=True)
class LayerKey:
    """Which layer a file belongs to: level × period × geometry."""

    level: str  # "L2a" | "L2b" | "L3"
    period: tuple[int, int]
    geometry: str  # "asc" | "desc" | "up" | "east"

    @property
    def id(self) -> str:
        return f"{self.level.lower()}-{self.period[0]}-{self.period[1]}-{self.geometry}"

    @property
    def label(self) -> str:
        return f"{self.level} {self.period[0]}-{self.period[1]} {GEOMETRY_LABELS[self.geometry]}"


@dataclass(frozen=True, slots=True)
class Source:
    """One EGMS input file (a burst or an L3 tile) after its header was read."""

    path: Path
    member: str | None  # CSV member inside a ZIP, None for a plain CSV
    stem: str  # file name without extension: the processing unit's name
    layer: LayerKey
    columns: tuple[str, ...]  # header names as written in the file
    dates: tuple[str, ...]  # date columns, "YYYYMMDD", in file order
    track: int | None = None
    burst: int | None = None
    swath: int | None = None
    polarisation: str | None = None
    version: int | None = None
    tile: str | None = None  # L3 "E45N17"
    unknown_columns: tuple[str, ...] = field(default=())
    stamp: tuple[int, int, int] = (0, 0, 0)  # size, mtime (ns), inode when the header was read
    notes: tuple[InputWarning, ...] = ()  # what the header says against the file name
    header_line: int = 1  # the header's line number: after the `#` lines an export starts with

    @property
    def display(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)
