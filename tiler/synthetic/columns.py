"""The static header of every level × release and the decimals each column is written with.

docs/egms-format.md#columns (names, order and precision). Values are produced under the old
(≤ 2019-2023) names; `file_name` maps them to what a release writes.
"""

from __future__ import annotations

from tiler.inputs import egms

NEW_NAMES_FROM = 2020  # first period start year with the renamed columns (2020-2024)
RENAMED = {"height": "height_ortho", "height_wgs84": "height_ellipse", "rmse": "rmse_ts"}

L2_OLD = egms.L2_STATIC_OLD
L3_OLD = egms.L3_STATIC_OLD

DECIMALS = {
    "cluster_label": 0,
    "mp_type": 0,
    "latitude": 6,
    "longitude": 6,
    "easting": 2,
    "northing": 2,
    "height": 1,
    "height_wgs84": 1,
    "line": 0,
    "pixel": 0,
    "rmse": 1,
    "temporal_coherence": 2,
    "amplitude_dispersion": 2,
    "incidence_angle": 2,
    "track_angle": 2,
    "los_east": 3,
    "los_north": 3,
    "los_up": 3,
    "mean_velocity": 1,
    "mean_velocity_std": 1,
    "acceleration": 2,
    "acceleration_std": 2,
    "seasonality": 1,
    "seasonality_std": 1,
    "gnss_velocity": 1,
    "gnss_velocity_n": 1,
    "gnss_velocity_e": 1,
    "gnss_velocity_u": 1,
}
L3_DECIMALS = {"easting": 0, "northing": 0}  # L3 cell centres are whole metres ending in 50


def new_names(period: tuple[int, int]) -> bool:
    return period[0] >= NEW_NAMES_FROM


def static_columns(level: str, period: tuple[int, int]) -> tuple[str, ...]:
    """Static columns in file order, under the old names (see `file_name`).

    L2a 2020-2024 is not fully documented (docs/egms-format.md#open-questions): we keep
    `cluster_label` like the older L2a releases and, as L2a is not tied to the GNSS model, write
    no `gnss_velocity`.
    """
    if level == "L3":
        gnss = ("gnss_velocity_n", "gnss_velocity_e", "gnss_velocity_u")
        return L3_OLD + gnss if new_names(period) else L3_OLD
    columns: tuple[str, ...] = L2_OLD
    if level == "L2a":
        columns = ("pid", "cluster_label", *L2_OLD[1:])
    if level == "L2b" and new_names(period):
        columns = (*columns, "gnss_velocity")
    return columns


def file_name(column: str, period: tuple[int, int]) -> str:
    """The header name a release writes for the (old-named) column."""
    return RENAMED.get(column, column) if new_names(period) else column


def header(level: str, period: tuple[int, int], dates: list[str]) -> list[str]:
    return [file_name(c, period) for c in static_columns(level, period)] + dates


def decimals(level: str, column: str) -> int:
    if level == "L3" and column in L3_DECIMALS:
        return L3_DECIMALS[column]
    return DECIMALS[column]
