"""What `egms-tiler sample` writes: one `FileSpec` per output file, from the user's options."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from tiler.inputs import egms

from . import layout
from .changes import DEFAULT_FRACTION
from .seeds import rng

LEVELS = ("L2a", "L2b", "L3")
PERIODS = ((2018, 2022), (2019, 2023), (2020, 2024))
ORBITS = ("asc", "desc", "both")
MAX_POINTS = 10_000_000  # per file; a real burst holds up to ~1 M points
MAX_FILES = 1000
DELIVERED = {2018: date(2023, 9, 1), 2019: date(2024, 9, 1), 2020: date(2025, 10, 1)}


@dataclass(frozen=True, slots=True)
class SampleOptions:
    output: Path
    levels: tuple[str, ...] = ("L2b",)
    periods: tuple[tuple[int, int], ...] = ((2020, 2024),)
    points: int = 10_000  # per file (burst or L3 tile)
    bursts: int = 1  # per track (L2) or L3 tiles
    orbit: str = "both"
    seed: int = 0
    zip: bool = True
    changes: float = DEFAULT_FRACTION  # share of the ground (200 m cells) with a step/rate change
    dates: int | None = None  # at most this many acquisitions a file (shorter series)


@dataclass(frozen=True, slots=True)
class FileSpec:
    level: str
    period: tuple[int, int]
    seed: int
    points: int
    burst: layout.Burst | None = None
    tile: layout.Tile | None = None
    component: str | None = None  # L3: "up" | "east"
    changes: float = DEFAULT_FRACTION
    dates: int | None = None  # SampleOptions.dates

    @property
    def info(self) -> egms.NameInfo:
        if self.tile is not None:
            return egms.NameInfo("L3", self.period, 1, tile=self.tile.name, geometry=self.component)
        assert self.burst is not None
        return egms.NameInfo(
            self.level,
            self.period,
            1,
            track=self.burst.track.number,
            burst=self.burst.index,
            swath=self.burst.track.swath,
            polarisation="VV",
        )

    @property
    def stem(self) -> str:
        return egms.format_name(self.info, "zip")[: -len(".zip")]

    @property
    def facility(self) -> int:
        return self.tile.facility if self.tile else self.burst.track.facility  # type: ignore[union-attr]

    @property
    def production_date(self) -> date:
        """A day in the release's delivery season (the XML's production_date)."""
        key = self.tile.name if self.tile else f"{self.info.track}_{self.info.burst}"
        days = int(rng(self.seed, "produced", *self.period, self.level, key).integers(0, 75))
        return DELIVERED.get(self.period[0], date(self.period[1] + 1, 10, 1)) + timedelta(days)


def plan(options: SampleOptions) -> list[FileSpec]:
    """Every file to write, in a stable order (level, period, orbit/tile, burst)."""
    specs = []
    for level in options.levels:
        for period in options.periods:
            specs += _level_files(options, level, period)
    return specs


def _level_files(options: SampleOptions, level: str, period: tuple[int, int]) -> list[FileSpec]:
    common = {
        "level": level,
        "period": period,
        "seed": options.seed,
        "points": options.points,
        "changes": options.changes,
        "dates": options.dates,
    }
    if level == "L3":
        return [
            FileSpec(**common, tile=tile, component=component)  # type: ignore[arg-type]
            for tile in layout.tiles(options.seed, options.bursts)
            for component in ("up", "east")
        ]
    passes = [True, False] if options.orbit == "both" else [options.orbit == "asc"]
    return [
        FileSpec(**common, burst=burst)  # type: ignore[arg-type]
        for ascending in passes
        for burst in layout.bursts(options.seed, ascending, options.bursts)
    ]
