"""Pure knowledge of the EGMS format: file names, column names, dates, orbit direction.

No I/O here: every function takes names or numbers and returns values. The format itself:
docs/egms-format.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

L2_NAME = re.compile(
    r"^EGMS_(?P<level>L2[ab])_(?P<track>\d{3})_(?P<burst>\d{4})_IW(?P<swath>[123])_"
    r"(?P<pol>VV|VH|HH|HV)(?:_(?P<y1>\d{4})_(?P<y2>\d{4})_(?P<ver>\d+))?"
    r"\.(?P<ext>zip|csv|xml)\Z",
    re.ASCII,
)
L3_NAME = re.compile(
    r"^EGMS_L3_(?P<tile>E(?P<e>\d{2})N(?P<n>\d{2}))_100km_(?P<comp>[UE])"
    r"(?:_(?P<y1>\d{4})_(?P<y2>\d{4})_(?P<ver>\d+))?\.(?P<ext>zip|csv|xml|tiff?)\Z",
    re.ASCII,
)
DATE_COLUMN = re.compile(r"^[0-9]{8}\Z")

# Releases before the 2020-2024 window, whose names carry no period suffix.
FIRST_UPDATE_PERIOD = (2015, 2021)

# Every release's name for a column, mapped to the one name used inside egms-tiler.
CANONICAL = {
    "height": "height",
    "height_ortho": "height",
    "height_wgs84": "height_ellipsoid",
    "height_ellipse": "height_ellipsoid",
    "rmse": "rmse",
    "rmse_ts": "rmse",
}
KNOWN_STATIC = {
    "pid", "cluster_label", "mp_type", "latitude", "longitude", "easting", "northing",
    "height", "height_ortho", "height_wgs84", "height_ellipse", "line", "pixel", "rmse",
    "rmse_ts", "temporal_coherence", "amplitude_dispersion", "incidence_angle", "track_angle",
    "los_east", "los_north", "los_up", "mean_velocity", "mean_velocity_std", "acceleration",
    "acceleration_std", "seasonality", "seasonality_std", "gnss_velocity", "gnss_velocity_n",
    "gnss_velocity_e", "gnss_velocity_u",
}  # fmt: skip
# Static columns of releases up to 2019-2023 (docs/egms-format.md#columns), in file order; L2a
# adds `cluster_label` after pid, 2020-2024 renames some (see CANONICAL) and adds GNSS ones.
MODEL_COLUMNS = (
    "mean_velocity", "mean_velocity_std", "acceleration", "acceleration_std", "seasonality",
    "seasonality_std",
)  # fmt: skip
L2_STATIC_OLD = (
    "pid", "mp_type", "latitude", "longitude", "easting", "northing", "height", "height_wgs84",
    "line", "pixel", "rmse", "temporal_coherence", "amplitude_dispersion", "incidence_angle",
    "track_angle", "los_east", "los_north", "los_up", *MODEL_COLUMNS,
)  # fmt: skip
L3_STATIC_OLD = ("pid", "easting", "northing", "height", "rmse", *MODEL_COLUMNS)
REQUIRED_L2 = ("pid", "latitude", "longitude", "mean_velocity")
REQUIRED_L3 = ("pid", "easting", "northing", "mean_velocity")
L3_COMPONENTS = {"U": "up", "E": "east"}


@dataclass(frozen=True, slots=True)
class NameInfo:
    """What an EGMS file name says (every field None when the grammar does not say it)."""

    level: str
    period: tuple[int, int] | None
    version: int | None
    track: int | None = None
    burst: int | None = None
    swath: int | None = None
    polarisation: str | None = None
    tile: str | None = None
    geometry: str | None = None  # only L3 names carry it


def parse_name(name: str) -> NameInfo | None:
    """Parse an EGMS file name (zip, csv or xml); None when it does not follow the grammar."""
    if match := L2_NAME.match(name):
        return NameInfo(
            level=match["level"],
            period=_period(match),
            version=_int_or_none(match["ver"]),
            track=int(match["track"]),
            burst=int(match["burst"]),
            swath=int(match["swath"]),
            polarisation=match["pol"],
        )
    if match := L3_NAME.match(name):
        return NameInfo(
            level="L3",
            period=_period(match),
            version=_int_or_none(match["ver"]),
            tile=match["tile"],
            geometry=L3_COMPONENTS[match["comp"]],
        )
    return None


def format_name(info: NameInfo, ext: str = "zip") -> str:
    """The EGMS file name for `info` (inverse of `parse_name`)."""
    suffix = ""
    if info.period is not None:
        version = 1 if info.version is None else info.version
        suffix = f"_{info.period[0]:04d}_{info.period[1]:04d}_{version}"
    if info.level == "L3":
        comp = "U" if info.geometry == "up" else "E"
        return f"EGMS_L3_{info.tile}_100km_{comp}{suffix}.{ext}"
    return (
        f"EGMS_{info.level}_{info.track:03d}_{info.burst:04d}_IW{info.swath}_"
        f"{info.polarisation}{suffix}.{ext}"
    )


def _period(match: re.Match[str]) -> tuple[int, int] | None:
    if match["y1"] is None:
        return None
    return int(match["y1"]), int(match["y2"])


def _int_or_none(text: str | None) -> int | None:
    return None if text is None else int(text)


def date_columns(columns: list[str] | tuple[str, ...]) -> list[str]:
    """The header names that are acquisition dates (exactly eight digits)."""
    return [name for name in columns if DATE_COLUMN.match(name)]


def iso_date(column: str) -> str:
    """'20200103' -> '2020-01-03'; raises ValueError for an impossible date."""
    return date(int(column[:4]), int(column[4:6]), int(column[6:])).isoformat()


def canonical(name: str) -> str:
    """The internal name of a static column, whatever release wrote it."""
    return CANONICAL.get(name, name)


def unknown_static(columns: list[str] | tuple[str, ...]) -> list[str]:
    """Static columns no EGMS release is known to write (kept, reported, never fatal)."""
    return [c for c in columns if not DATE_COLUMN.match(c) and c not in KNOWN_STATIC]


def level_from_columns(columns: list[str] | tuple[str, ...]) -> str:
    """Level when the file name does not say: L3 has no lat/lon, L2a has cluster_label."""
    names = set(columns)
    if "latitude" not in names and {"easting", "northing"} <= names:
        return "L3"
    return "L2a" if "cluster_label" in names else "L2b"


def level_shown_by_columns(columns: list[str] | tuple[str, ...], named: str) -> str:
    """The level the columns prove, or `named` when they prove nothing against it.

    Only documented evidence counts: L3 has easting/northing and none of the L2 columns;
    `cluster_label` is L2a's. (Whether a 2020-2024 L2a has the GNSS columns is not known, so
    they prove nothing: a real L2a must never be published as calibrated.)
    """
    names = set(columns)
    if named == "L3" and L2_ONLY & names:
        return level_from_columns(columns) if "latitude" in names else "L2b"
    if named != "L3" and not L2_ONLY & names:
        return "L3"
    if named == "L2b" and "cluster_label" in names:
        return "L2a"
    return named


L2_ONLY = {
    "latitude", "longitude", "mp_type", "line", "pixel", "incidence_angle", "track_angle",
    "los_east", "los_north", "los_up", "temporal_coherence", "amplitude_dispersion",
}  # fmt: skip
PRODUCT_LEVEL = re.compile(rb"<product_level>\s*(L2a|L2b|L3)\s*</product_level>")


def level_in_xml(head: bytes) -> str | None:
    """The `product_level` an EGMS XML (its first bytes) declares, if it does."""
    match = PRODUCT_LEVEL.search(head)
    return match[1].decode() if match else None


def period_shown_by_dates(
    dates: list[str] | tuple[str, ...], named: tuple[int, int]
) -> tuple[int, int]:
    """`named`, unless the dates fall outside its years: then the window the dates span."""
    if named[0] <= int(dates[0][:4]) and int(dates[-1][:4]) <= named[1]:
        return named
    return period_from_dates(dates)


def period_from_dates(dates: list[str] | tuple[str, ...]) -> tuple[int, int]:
    """The release window of a file whose name has no period: five years ending at its last date.

    Longer series (the baseline and 1st update, 2015-2021) keep their own first year.
    """
    first, last = int(dates[0][:4]), int(dates[-1][:4])
    return (first, last) if last - first > 4 else (last - 4, last)


def required_columns(level: str) -> tuple[str, ...]:
    return REQUIRED_L3 if level == "L3" else REQUIRED_L2


def orbit_from_track_angle(angles: np.ndarray) -> str | None:
    """'asc' or 'desc' by majority of headings (mod 360): ascending is north-going."""
    valid = angles[np.isfinite(angles)]
    if valid.size == 0:
        return None
    heading = np.mod(valid, 360.0)
    ascending = np.count_nonzero((heading >= 270.0) | (heading < 90.0))
    return "asc" if ascending * 2 >= valid.size else "desc"


def orbit_from_los_east(los_east: np.ndarray) -> str | None:
    """'asc' or 'desc' by majority sign: Sentinel-1 looks right, so ascending sees from the east."""
    valid = los_east[np.isfinite(los_east) & (los_east != 0)]
    if valid.size == 0:
        return None
    return "asc" if np.count_nonzero(valid < 0) * 2 >= valid.size else "desc"


# The credit EGMS data must carry (Copernicus Land Monitoring Service terms of use).
ATTRIBUTION = (
    "Contains modified Copernicus Sentinel data processed by the European Ground Motion Service "
    "(EGMS), Copernicus Land Monitoring Service"
)
