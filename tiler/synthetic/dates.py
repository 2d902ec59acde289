"""Acquisition dates: the Sentinel-1 cadence of a track (L2) and the 6-day L3 grid, with gaps.

See docs/egms-format.md#dates. Sentinel-1A repeats a relative orbit every 12 days (175 orbits);
Sentinel-1B flew 6 days behind it from 2016-09 until its loss in December 2021, so a track is
seen every 6 days until then and every 12 days after. The pass times are anchored on the real
samples' SLC names (S1A orbit 30639 over track 117, S1B orbit 17373 over track 022).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from .seeds import rng

CYCLE = timedelta(days=12)
ORBITS_PER_CYCLE = 175
ORBIT = CYCLE / ORBITS_PER_CYCLE
BURST = timedelta(seconds=2.7585)  # EGMS burst index = bursts since the ascending node
INCLINATION = math.radians(98.18)
S1A_NODE = datetime(2020, 1, 3, 16, 53, 20)  # ascending node of S1A orbit 30639 (track 117)
S1A_ORBIT, S1A_TRACK = 30639, 117
S1B_NODE = datetime(2019, 7, 31, 4, 43, 50)  # ascending node of S1B orbit 17373 (track 22)
S1B_ORBIT, S1B_TRACK = 17373, 22
S1B_FLYING = (datetime(2016, 9, 26), datetime(2021, 12, 23, 23, 59))
L3_ORIGIN = date(2014, 4, 3)  # the L3 6-day grid (docs/egms-format.md#dates)
DROP_6_DAY, DROP_12_DAY, DROP_L3 = 0.015, 0.02, 0.01
Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class Acquisition:
    when: datetime  # sensing time of the burst
    satellite: str  # "S1A" | "S1B"
    orbit: int  # absolute orbit number

    @property
    def column(self) -> str:
        return self.when.strftime("%Y%m%d")


def thinned(items: list[Item], most: int | None) -> list[Item]:
    """At most `most` of the items, evenly spread from the first to the last (all: None)."""
    if most is None or len(items) <= most:
        return items
    chosen = sorted({round(k * (len(items) - 1) / max(most - 1, 1)) for k in range(most)})
    return [items[k] for k in chosen]


def burst_index(latitude: float, ascending: bool) -> int:
    """EGMS burst index of a pass over `latitude`: bursts flown since the ascending node."""
    sine = max(-1.0, min(1.0, math.sin(math.radians(latitude)) / math.sin(INCLINATION)))
    anomaly = math.degrees(math.asin(sine))
    if not ascending:
        anomaly = 180.0 - anomaly
    return int(anomaly / 360.0 * (ORBIT / BURST))


def pass_time(satellite: str, track: int, burst: int, near: datetime) -> datetime:
    """The sensing time of `burst` of `track` by `satellite` in the 12-day cycle nearest `near`.

    Sentinel-1B flies exactly half a cycle (6 days) behind Sentinel-1A.
    """
    if satellite == "S1B":
        return pass_time("S1A", track, burst, near - CYCLE / 2) + CYCLE / 2
    first = S1A_NODE + ((track - S1A_TRACK) % ORBITS_PER_CYCLE) * ORBIT + burst * BURST
    return first + round((near - first) / CYCLE) * CYCLE


def absolute_orbit(satellite: str, track: int, when: datetime) -> int:
    """The absolute orbit number of a pass over `track` at `when` (175 orbits per cycle)."""
    node, orbit, reference = (
        (S1A_NODE, S1A_ORBIT, S1A_TRACK) if satellite == "S1A" else (S1B_NODE, S1B_ORBIT, S1B_TRACK)
    )
    offset = (track - reference) % ORBITS_PER_CYCLE
    return orbit + offset + ORBITS_PER_CYCLE * round((when - node - offset * ORBIT) / CYCLE)


def all_passes(period: tuple[int, int], track: int, burst: int) -> list[Acquisition]:
    """Every S1A/S1B pass over the burst inside the period, in time order, no gaps."""
    start, end = datetime(period[0], 1, 1), datetime(period[1], 12, 31, 23, 59)
    found = []
    for satellite in ("S1A", "S1B"):
        when = pass_time(satellite, track, burst, start)
        while when <= end:
            if when >= start and (satellite == "S1A" or S1B_FLYING[0] <= when <= S1B_FLYING[1]):
                found.append(Acquisition(when, satellite, absolute_orbit(satellite, track, when)))
            when += CYCLE
    return sorted(found, key=lambda a: a.when)


def l2_acquisitions(
    seed: int, period: tuple[int, int], track: int, burst: int
) -> list[Acquisition]:
    """The burst's dates: the track's passes minus gaps of the track and of this burst."""
    passes = all_passes(period, track, burst)
    track_draw = rng(seed, "dates", *period, track).random(len(passes))
    burst_draw = rng(seed, "dates", *period, track, burst).random(len(passes))
    kept = []
    for acquisition, a, b in zip(passes, track_draw, burst_draw, strict=True):
        rate = DROP_12_DAY if acquisition.when > S1B_FLYING[1] else DROP_6_DAY
        if a >= rate and b >= rate / 4:
            kept.append(acquisition)
    return kept


def reference_acquisition(period: tuple[int, int], track: int, burst: int) -> Acquisition:
    """The reference image: an acquisition in the summer before the period (as in the samples)."""
    when = pass_time("S1A", track, burst, datetime(period[0] - 1, 7, 31))
    return Acquisition(when, "S1A", absolute_orbit("S1A", track, when))


def l3_dates(seed: int, period: tuple[int, int], tile: str) -> list[date]:
    """The tile's epochs on the 6-day grid; some tiles start late, a few epochs are missing."""
    draw = rng(seed, "l3-dates", *period, tile)
    start, end = date(period[0], 1, 1), date(period[1], 12, 31)
    first = start + timedelta(days=(L3_ORIGIN - start).days % 6)
    if draw.random() < 0.25:  # like the official tile starting on 2021-06-07
        first += timedelta(days=6 * int(draw.integers(1, 90)))
    grid = [first + timedelta(days=6 * k) for k in range((end - first).days // 6 + 1)]
    keep = draw.random(len(grid)) >= DROP_L3
    keep[0] = keep[-1] = True
    return [day for day, kept in zip(grid, keep, strict=True) if kept]
