"""Pure EGMS format knowledge (tiler/inputs/egms.py): property tests plus the real sample names."""

from __future__ import annotations

import random
import string
from datetime import date

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from tiler.inputs import egms

ASCII_DIGITS = set(string.digits)

# Real headers (docs/egms-format.md#columns): the 2020-2024 L2b samples and the releases before.
NEW_L2B_STATIC = (
    "pid", "mp_type", "latitude", "longitude", "easting", "northing", "height_ortho",
    "height_ellipse", "line", "pixel", "rmse_ts", "temporal_coherence", "amplitude_dispersion",
    "incidence_angle", "track_angle", "los_east", "los_north", "los_up", "mean_velocity",
    "mean_velocity_std", "acceleration", "acceleration_std", "seasonality", "seasonality_std",
    "gnss_velocity",
)  # fmt: skip
OLD_L2B_STATIC = (
    "pid", "mp_type", "latitude", "longitude", "easting", "northing", "height", "height_wgs84",
    "line", "pixel", "rmse", "temporal_coherence", "amplitude_dispersion", "incidence_angle",
    "track_angle", "los_east", "los_north", "los_up", "mean_velocity", "mean_velocity_std",
    "acceleration", "acceleration_std", "seasonality", "seasonality_std",
)  # fmt: skip
OLD_L2A_STATIC = ("pid", "cluster_label", *OLD_L2B_STATIC[1:])
NEW_L3_STATIC = (
    "pid", "easting", "northing", "height_ortho", "rmse_ts", "mean_velocity",
    "mean_velocity_std", "acceleration", "acceleration_std", "seasonality", "seasonality_std",
    "gnss_velocity_n", "gnss_velocity_e", "gnss_velocity_u",
)  # fmt: skip
OLD_L3_STATIC = (
    "pid", "easting", "northing", "height", "rmse", "mean_velocity", "mean_velocity_std",
    "acceleration", "acceleration_std", "seasonality", "seasonality_std",
)  # fmt: skip
DATES = ("20200103", "20200109", "20241225")

SAMPLE_NAMES = {
    "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip": egms.NameInfo(
        level="L2b", period=(2020, 2024), version=1, track=22, burst=845, swath=2,
        polarisation="VV",
    ),
    "EGMS_L2b_117_0227_IW2_VV_2020_2024_1.zip": egms.NameInfo(
        level="L2b", period=(2020, 2024), version=1, track=117, burst=227, swath=2,
        polarisation="VV",
    ),
    "EGMS_L3_E45N17_100km_U_2020_2024_1.zip": egms.NameInfo(
        level="L3", period=(2020, 2024), version=1, tile="E45N17", geometry="up"
    ),
    "EGMS_L3_E45N17_100km_E_2020_2024_1.zip": egms.NameInfo(
        level="L3", period=(2020, 2024), version=1, tile="E45N17", geometry="east"
    ),
    # Format document examples: 1st update (no suffix) and a re-delivery (_2).
    "EGMS_L2a_001_0280_IW3_VV.zip": egms.NameInfo(
        level="L2a", period=None, version=None, track=1, burst=280, swath=3, polarisation="VV"
    ),
    "EGMS_L3_E26N19_100km_E_2019_2023_2.zip": egms.NameInfo(
        level="L3", period=(2019, 2023), version=2, tile="E26N19", geometry="east"
    ),
}  # fmt: skip


# --- strategies ----------------------------------------------------------------------------


def _digits(width: int) -> st.SearchStrategy[str]:
    return st.integers(0, 10**width - 1).map(lambda n: f"{n:0{width}d}")


# Suffix `_<y1>_<y2>_<version>`: years without a leading zero, version 1.. written plainly.
SUFFIX = st.one_of(
    st.just(""),
    st.builds(
        "_{}_{}_{}".format, st.integers(1000, 9999), st.integers(1000, 9999), st.integers(1, 999)
    ),
)
L2_NAMES = st.builds(
    "EGMS_{}_{}_{}_IW{}_{}{}.{}".format,
    st.sampled_from(["L2a", "L2b"]),
    _digits(3),
    _digits(4),
    st.sampled_from("123"),
    st.sampled_from(["VV", "VH", "HH", "HV"]),
    SUFFIX,
    st.sampled_from(["zip", "csv", "xml"]),
)
L3_NAMES = st.builds(
    "EGMS_L3_E{}N{}_100km_{}{}.{}".format,
    _digits(2),
    _digits(2),
    st.sampled_from("UE"),
    SUFFIX,
    st.sampled_from(["zip", "csv", "xml", "tif", "tiff"]),
)
EGMS_NAMES = st.one_of(L2_NAMES, L3_NAMES)


@st.composite
def near_miss_names(draw: st.DrawFn) -> str:
    """A valid name with one character replaced, inserted or appended (often a digit lookalike)."""
    name = draw(EGMS_NAMES)
    char = draw(
        st.one_of(
            st.characters(categories=["Nd"]),  # any Unicode decimal digit: ٣, ３, ३ ...
            st.sampled_from(["\n", "\r", " ", "_", ".", "0", "a", "A"]),
            st.characters(),
        )
    )
    at = draw(st.integers(0, len(name)))
    how = draw(st.sampled_from(["replace", "insert"]))
    return name[:at] + char + name[at + (how == "replace") :]


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[1]


# --- file names ----------------------------------------------------------------------------


@given(EGMS_NAMES)
def test_generated_names_round_trip(name: str) -> None:
    info = egms.parse_name(name)
    assert info is not None, f"valid EGMS name not recognised: {name!r}"
    assert egms.format_name(info, _ext(name)) == name


@given(L2_NAMES)
def test_l2_name_fields(name: str) -> None:
    info = egms.parse_name(name)
    assert info is not None, name
    parts = name.split(".")[0].split("_")
    assert info.level == parts[1]
    assert (info.track, info.burst) == (int(parts[2]), int(parts[3]))
    assert info.swath == int(parts[4][2:])
    assert info.polarisation == parts[5]
    assert (info.tile, info.geometry) == (None, None)
    if len(parts) == 6:
        assert (info.period, info.version) == (None, None)
    else:
        assert info.period == (int(parts[6]), int(parts[7]))
        assert info.version == int(parts[8])


@given(L3_NAMES)
def test_l3_name_fields(name: str) -> None:
    info = egms.parse_name(name)
    assert info is not None, name
    parts = name.split(".")[0].split("_")
    assert info.level == "L3"
    assert info.tile == parts[2]
    assert info.geometry == {"U": "up", "E": "east"}[parts[4]]
    assert (info.track, info.burst, info.swath, info.polarisation) == (None, None, None, None)
    if len(parts) == 5:
        assert (info.period, info.version) == (None, None)
    else:
        assert info.period == (int(parts[5]), int(parts[6]))
        assert info.version == int(parts[7])


@given(st.one_of(st.text(), near_miss_names()))
@example("EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip\n")  # `$` would accept a trailing newline
@example("EGMS_L2b_٠٢٢_0845_IW2_VV_2020_2024_1.zip")  # Arabic-Indic digits
@example("EGMS_L3_E４５N17_100km_U.zip")  # full-width digits
@example("EGMS_L2b_022_0845_IW2_VV_2020_2024_0.zip")  # version 0 must not become 1
@example("EGMS_L3_E45N17_100km_U_0999_2023_01.zip")  # leading zeros
def test_parse_name_never_raises_and_what_it_accepts_formats_back(text: str) -> None:
    info = egms.parse_name(text)
    if info is None:
        return
    assert text.isascii() and text == text.strip(), f"accepted {text!r}"
    again = egms.format_name(info, _ext(text))
    assert egms.parse_name(again) == info, f"{text!r} -> {info} -> {again!r}"


@pytest.mark.parametrize(
    "name",
    [
        "egms_L2b_022_0845_IW2_VV.zip",  # case-sensitive prefix
        "EGMS_L2B_022_0845_IW2_VV.zip",  # level letter is lower case
        "EGMS_L2b_22_0845_IW2_VV.zip",  # track has 3 digits
        "EGMS_L2b_022_0845_IW4_VV.zip",  # swath 1-3
        "EGMS_L2b_022_0845_IW2_XX.zip",
        "EGMS_L2b_022_0845_IW2_VV_2020_2024.zip",  # a period needs its version
        "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.tif",  # L2 has no GeoTIFF
        "EGMS_L3_E45N17_100km_Z.zip",
        "EGMS_L3_E45N17_10km_U.zip",
        "EGMS_L3_E45N17_100km_U.ZIP",
        "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip.part",
        "my_export.csv",
        "",
    ],
)
def test_parse_name_rejects(name: str) -> None:
    assert egms.parse_name(name) is None


@pytest.mark.parametrize("name", sorted(SAMPLE_NAMES))
def test_sample_names(name: str) -> None:
    assert egms.parse_name(name) == SAMPLE_NAMES[name]
    assert egms.format_name(SAMPLE_NAMES[name]) == name
    for ext in ("csv", "xml"):
        member = name.replace(".zip", f".{ext}")
        assert egms.parse_name(member) == SAMPLE_NAMES[name], member


def test_format_name_without_version_writes_version_1() -> None:
    info = egms.NameInfo(level="L3", period=(2020, 2024), version=None, tile="E45N17",
                         geometry="up")  # fmt: skip
    assert egms.format_name(info, "csv") == "EGMS_L3_E45N17_100km_U_2020_2024_1.csv"


# --- date columns --------------------------------------------------------------------------

EIGHT_DIGITS = _digits(8)
NOT_DATES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "x20200101",
            "20200101x",
            "2020010",
            "202001011",
            " 20200101",
            "20200101 ",
            "20200101\n",
            "2020-01-01",
            "2020_0101",
            "２０２００１０１",
            "mean_velocity",
        ]
    ),  # fmt: skip
)


def _is_date_name(name: str) -> bool:
    return len(name) == 8 and set(name) <= ASCII_DIGITS


@given(st.lists(st.one_of(EIGHT_DIGITS, NOT_DATES), max_size=30))
def test_date_columns_are_exactly_eight_ascii_digits_in_file_order(names: list[str]) -> None:
    expected = [n for n in names if _is_date_name(n)]
    assert egms.date_columns(names) == expected
    assert egms.date_columns(tuple(names)) == expected


@pytest.mark.parametrize(
    "header, dates",
    [
        ((*NEW_L2B_STATIC, *DATES), list(DATES)),
        ((*OLD_L2A_STATIC, *DATES), list(DATES)),
        ((*NEW_L3_STATIC, *DATES), list(DATES)),
        (("pid", "x20200101", "2020010", "20200103", "y2"), ["20200103"]),
        (NEW_L2B_STATIC, []),
    ],
)
def test_date_columns_of_headers(header: tuple[str, ...], dates: list[str]) -> None:
    assert egms.date_columns(header) == dates


@given(st.dates(min_value=date(1000, 1, 1)))
def test_iso_date_round_trips(day: date) -> None:
    column = f"{day.year:04d}{day.month:02d}{day.day:02d}"
    assert egms.iso_date(column) == day.isoformat()


@pytest.mark.parametrize(
    "column, iso",
    [("20200103", "2020-01-03"), ("20241231", "2024-12-31"), ("20240229", "2024-02-29")],
)
def test_iso_date_examples(column: str, iso: str) -> None:
    assert egms.iso_date(column) == iso


@pytest.mark.parametrize("column", ["20230229", "20241301", "20240100", "20240132", "00000101"])
def test_iso_date_rejects_impossible_dates(column: str) -> None:
    with pytest.raises(ValueError):
        egms.iso_date(column)


# --- column names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, internal",
    [
        ("height", "height_ortho", "height"),
        ("height_wgs84", "height_ellipse", "height_ellipsoid"),
        ("rmse", "rmse_ts", "rmse"),
    ],
)
def test_canonical_maps_both_releases_to_one_name(old: str, new: str, internal: str) -> None:
    assert egms.canonical(old) == internal
    assert egms.canonical(new) == internal


@given(st.text())
def test_canonical_keeps_every_other_name(name: str) -> None:
    assume(name not in egms.CANONICAL)
    assert egms.canonical(name) == name


def test_old_and_new_l2b_headers_agree_after_renaming() -> None:
    new = [egms.canonical(c) for c in NEW_L2B_STATIC if c != "gnss_velocity"]
    assert [egms.canonical(c) for c in OLD_L2B_STATIC] == new


def test_old_and_new_l3_headers_agree_after_renaming() -> None:
    new = [egms.canonical(c) for c in NEW_L3_STATIC if not c.startswith("gnss_velocity")]
    assert [egms.canonical(c) for c in OLD_L3_STATIC] == new


@pytest.mark.parametrize(
    "header", [NEW_L2B_STATIC, OLD_L2B_STATIC, OLD_L2A_STATIC, NEW_L3_STATIC, OLD_L3_STATIC]
)
def test_no_unknown_columns_in_real_headers(header: tuple[str, ...]) -> None:
    assert egms.unknown_static([*header, *DATES]) == []


def test_unknown_static_lists_extras_in_order() -> None:
    header = ["pid", "zeta", *NEW_L2B_STATIC[1:], "alpha", *DATES, "x20200101"]
    assert egms.unknown_static(header) == ["zeta", "alpha", "x20200101"]


# --- level and period ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, level",
    [
        (NEW_L2B_STATIC, "L2b"),
        (OLD_L2B_STATIC, "L2b"),
        (OLD_L2A_STATIC, "L2a"),
        (NEW_L3_STATIC, "L3"),
        (OLD_L3_STATIC, "L3"),
    ],
)
def test_level_from_columns(header: tuple[str, ...], level: str) -> None:
    assert egms.level_from_columns([*header, *DATES]) == level


@given(
    st.sampled_from([(NEW_L2B_STATIC, "L2b"), (OLD_L2A_STATIC, "L2a"), (NEW_L3_STATIC, "L3")]),
    st.randoms(use_true_random=False),
)
def test_level_from_columns_ignores_column_order(
    case: tuple[tuple[str, ...], str], rnd: random.Random
) -> None:
    header, level = case
    shuffled = [*header, *DATES]
    rnd.shuffle(shuffled)
    assert egms.level_from_columns(shuffled) == level


@pytest.mark.parametrize(
    "first, last, period",
    [
        ("20200103", "20241225", (2020, 2024)),  # 2020-2024 samples
        ("20190104", "20231227", (2019, 2023)),  # a real 2019-2023 burst
        ("20180101", "20221230", (2018, 2022)),
        ("20150201", "20211231", (2015, 2021)),  # 1st update keeps its own first year
        ("20210607", "20241225", (2020, 2024)),  # official L3 tile starting mid-window
    ],
)
def test_period_from_dates_examples(first: str, last: str, period: tuple[int, int]) -> None:
    assert egms.period_from_dates([first, "20220101", last]) == period
    assert egms.period_from_dates((first, last)) == period


@given(st.lists(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), min_size=1))
def test_period_from_dates_properties(days: list[date]) -> None:
    dates = [d.strftime("%Y%m%d") for d in sorted(days)]
    first, last = min(days).year, max(days).year
    start, end = egms.period_from_dates(dates)
    assert end == last, "the window ends with the last date's year"
    assert start <= first, "the window covers the first date"
    assert end - start == max(4, last - first), "five years, or longer series kept whole"


# --- orbit direction -----------------------------------------------------------------------

MARGIN = 1e-6  # keep off the exact 90/270 borders, where float shifts may tip either way
ASC_HEADING = st.one_of(
    st.floats(-90 + MARGIN, 90 - MARGIN),  # -180..270 style (e-GEOS: -8.94)
    st.floats(270 + MARGIN, 360 - MARGIN),  # 0..360 style (GAF: 349.5)
    st.just(0.0),
    st.just(270.0),
)
DESC_HEADING = st.one_of(st.floats(90.0, 270 - MARGIN), st.floats(-180.0, -90 - MARGIN))
TURNS = st.integers(-5, 5)


def _shifted(heading: float, turns: int) -> np.ndarray:
    return np.array([heading + 360.0 * turns])


@given(ASC_HEADING, TURNS)
@example(-8.94, 0)
@example(351.06, 0)
@example(349.5, 0)
def test_ascending_headings(heading: float, turns: int) -> None:
    assert egms.orbit_from_track_angle(_shifted(heading, turns)) == "asc"


@given(DESC_HEADING, TURNS)
@example(191.42, 0)
@example(-168.58, 0)
def test_descending_headings(heading: float, turns: int) -> None:
    assert egms.orbit_from_track_angle(_shifted(heading, turns)) == "desc"


@given(st.lists(ASC_HEADING, min_size=1), st.lists(DESC_HEADING), st.integers(0, 5))
def test_track_angle_majority_vote(asc: list[float], desc: list[float], nans: int) -> None:
    angles = np.array([*asc, *desc, *[np.nan] * nans])
    expected = "asc" if len(asc) >= len(desc) else "desc"
    assert egms.orbit_from_track_angle(angles) == expected


@pytest.mark.parametrize("angles", [[], [np.nan], [np.nan, np.inf, -np.inf]])
def test_track_angle_without_values_says_nothing(angles: list[float]) -> None:
    assert egms.orbit_from_track_angle(np.array(angles, dtype=np.float64)) is None


POSITIVE = st.floats(1e-9, 1.0)


@given(st.lists(POSITIVE, min_size=1), st.integers(0, 3))
def test_los_east_sign(values: list[float], zeros: int) -> None:
    east = np.array([*values, *[0.0] * zeros])
    assert egms.orbit_from_los_east(-east) == "asc", "looking west (los_east < 0) is ascending"
    assert egms.orbit_from_los_east(east) == "desc", "looking east (los_east > 0) is descending"


@given(st.lists(POSITIVE, min_size=1), st.lists(POSITIVE))
def test_los_east_majority_vote(west: list[float], east: list[float]) -> None:
    values = np.array([*(-v for v in west), *east, np.nan, 0.0])
    expected = "asc" if len(west) >= len(east) else "desc"
    assert egms.orbit_from_los_east(values) == expected


def test_los_east_real_sample_values() -> None:
    assert egms.orbit_from_los_east(np.array([0.592, 0.596])) == "desc"  # 022_0845
    assert egms.orbit_from_los_east(np.array([-0.624, -0.620])) == "asc"  # 117_0227
    assert egms.orbit_from_los_east(np.array([0.0, -0.0, np.nan])) is None
