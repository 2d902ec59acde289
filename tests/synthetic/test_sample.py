"""`egms-tiler sample` (tiler/synthetic): generated files are EGMS files, checked three ways.

1. The pure parts, with hypothesis: number text, file names, orbit geometry, dates.
2. Every level × release read back by the project's reader, the XML, pids, overlaps, a build.
3. Against the real samples (tests/data/egms), read here with pyarrow / csv independently of
   the generator: same header, same number format, statistics in the same ranges.
"""

from __future__ import annotations

import csv
import io
import math
import re
import subprocess
import sys
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner
from conftest import L2B_ASC, L2B_DESC, L3_UP
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from tiler.cli import main
from tiler.inputs import egms, pid
from tiler.inputs.header import scan
from tiler.inputs.reader import iter_batches
from tiler.synthetic import (
    SampleError,
    SampleOptions,
    Written,
    csvtext,
    dates,
    generate,
    layout,
    points,
    validate,
)
from tiler.synthetic.columns import static_columns

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py

DATE = re.compile(r"^\d{8}$")
PERIODS = ((2018, 2022), (2019, 2023), (2020, 2024))
TO_LAEA = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
# Releases up to 2019-2023, derived from the REAL 2020-2024 headers with the rename map of
# docs/egms-format.md#renamed-columns (an oracle independent of tiler.inputs.egms): same columns,
# old names, no GNSS columns.
OLD_NAMES = {"height_ortho": "height", "height_ellipse": "height_wgs84", "rmse_ts": "rmse"}


def old_release_header(real: Path) -> tuple[str, ...]:
    static = [c for c in header(real) if not DATE.match(c) and not c.startswith("gnss_velocity")]
    return tuple(OLD_NAMES.get(c, c) for c in static)


# --- helpers -------------------------------------------------------------------------------


def csv_text(path: Path) -> str:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".csv"))
            return archive.read(member).decode("ascii")
    return path.read_text(encoding="ascii")


def header(path: Path) -> list[str]:
    return csv_text(path).split("\n", 1)[0].split(",")


def table(path: Path) -> dict[str, np.ndarray]:
    """Every column as numpy (pid as str) with pyarrow, independent of tiler.inputs.reader."""
    text = csv_text(path).encode("ascii")
    read = pacsv.read_csv(
        io.BytesIO(text), convert_options=pacsv.ConvertOptions(column_types={"pid": "string"})
    )
    return {name: read.column(name).to_numpy(zero_copy_only=False) for name in read.column_names}


def series(columns: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    names = [n for n in columns if DATE.match(n)]
    return names, np.column_stack([columns[n] for n in names]).astype(float)


def decimal_years(names: list[str]) -> np.ndarray:
    days = [date(int(n[:4]), int(n[4:6]), int(n[6:])) for n in names]
    return np.array([d.year + (d.timetuple().tm_yday - 1) / 365.25 for d in days])


def by_name(written: list[Written]) -> dict[str, Written]:
    return {w.path.name: w for w in written}


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> list[Written]:
    """Every level × release: a burst per orbit (L2) or a tile's U and E (L3), 300 points."""
    out = tmp_path_factory.mktemp("variants")
    options = SampleOptions(
        out, levels=("L2a", "L2b", "L3"), periods=PERIODS, points=300, orbit="both", seed=7
    )
    return generate(options)


@pytest.fixture(scope="module")
def burst(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One L2b 2020-2024 burst the size of the real samples."""
    out = tmp_path_factory.mktemp("burst")
    options = SampleOptions(out, points=11_700, orbit="desc", seed=3)
    (written,) = generate(options)
    return written.path


@pytest.fixture(scope="module")
def real() -> dict[str, dict[str, np.ndarray]]:
    return {"desc": table(L2B_DESC), "asc": table(L2B_ASC)}


# --- 1. pure parts ---------------------------------------------------------------------------


@settings(deadline=None)  # the first call builds the lookup tables
@given(
    st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_subnormal=False),
    st.integers(0, 6),
)
def test_numbers_are_written_like_egms(value: float, decimals: int) -> None:
    text = csvtext.render_rows([(np.array([value]), decimals)]).decode()
    assert text.endswith("\n") and text.count("\n") == 1
    token = text[:-1]
    rounded = float(np.rint(value * 10.0**decimals) / 10.0**decimals)
    if decimals == 0:
        expected = str(int(rounded))  # integers: no point, never "-0"
    else:
        expected = f"{rounded:.{decimals}f}".rstrip("0")
        expected += "0" if expected.endswith(".") else ""  # shortest form, one decimal at least
    assert token == expected
    assert "e" not in token and "E" not in token


@settings(deadline=None)
@given(st.lists(st.floats(-9999.94, 9999.94), min_size=1, max_size=30), st.integers(1, 3))
def test_rows_join_with_commas_and_end_with_newline(values: list[float], decimals: int) -> None:
    grid = np.array([values, values[::-1]])
    text = csvtext.render_rows(
        [(np.array([b"abcdefghij"] * 2).view(np.uint8).reshape(2, 10), None), (grid, decimals)]
    ).decode()
    rows = text.split("\n")
    assert rows[-1] == "" and len(rows) == 3
    for row, expected in zip(rows[:2], grid, strict=True):
        fields = row.split(",")
        assert fields[0] == "abcdefghij" and len(fields) == len(values) + 1
        assert [float(f) for f in fields[1:]] == pytest.approx(expected, abs=0.51 * 10**-decimals)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**40),
    st.sampled_from(["L2a", "L2b", "L3"]),
    st.sampled_from(PERIODS),
    st.integers(1, 3),
    st.sampled_from(["asc", "desc", "both"]),
)
def test_file_names_follow_the_egms_grammar(
    seed: int, level: str, period: tuple[int, int], bursts: int, orbit: str
) -> None:
    from tiler.synthetic import plan

    specs = plan(SampleOptions(Path("x"), (level,), (period,), 10, bursts, orbit, seed))
    expected = bursts * (2 if level == "L3" or orbit == "both" else 1)
    assert len(specs) == len({spec.stem for spec in specs}) == expected
    for spec in specs:
        name = f"{spec.stem}.zip"
        info = egms.parse_name(name)
        assert info is not None and info == spec.info, name
        assert egms.format_name(info) == name
        assert info.level == level and info.period == period and info.version == 1
        if level != "L3":
            assert 1 <= info.track <= 175 and info.polarisation == "VV"  # type: ignore[operator]


@settings(deadline=None)  # busy CI machines
@given(st.floats(34.0, 71.0), st.booleans(), st.floats(29.0, 46.0), st.booleans())
def test_orbit_from_angles(latitude: float, ascending: bool, incidence: float, egeos: bool) -> None:
    heading = layout._heading(latitude, ascending)
    if egeos and heading > 270:
        heading -= 360  # e-GEOS style, like the real -8.94
    expected = "asc" if ascending else "desc"
    assert egms.orbit_from_track_angle(np.array([heading])) == expected
    east, north, up = layout.line_of_sight(heading, np.array([incidence]))
    assert egms.orbit_from_los_east(east) == expected
    assert math.isclose(float(east[0] ** 2 + north[0] ** 2 + up[0] ** 2), 1.0)
    assert up[0] > 0 and north[0] < 0  # near-polar, right-looking: the satellite is a bit south


def test_line_of_sight_of_the_real_samples() -> None:
    # The samples (docs/egms-format.md#orbit-direction): 191.42° at 37.31° → (0.594, -0.12,
    # 0.795); -8.94° at 38.97°
    east, north, up = layout.line_of_sight(191.42, np.array([37.31]))
    assert (round(east[0], 3), round(north[0], 2), round(up[0], 3)) == (0.594, -0.12, 0.795)
    east, north, up = layout.line_of_sight(-8.94, np.array([38.97]))
    assert (round(east[0], 3), round(north[0], 3), round(up[0], 3)) == (-0.621, -0.098, 0.777)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 175), st.integers(0, 2100), st.sampled_from(PERIODS), st.integers(0, 99))
def test_l2_dates_follow_the_sentinel1_cadence(
    track: int, burst: int, period: tuple[int, int], seed: int
) -> None:
    found = [a.when.date() for a in dates.l2_acquisitions(seed, period, track, burst)]
    assert found == sorted(set(found))
    assert date(period[0], 1, 1) <= found[0] and found[-1] <= date(period[1], 12, 31)
    gaps = [(b - a).days for a, b in zip(found, found[1:], strict=False)]
    assert all(gap % 6 == 0 for gap in gaps)
    with_b = [g for a, g in zip(found, gaps, strict=False) if a < date(2021, 12, 10)]
    without_b = [g for a, g in zip(found, gaps, strict=False) if a > date(2021, 12, 24)]
    assert Counter(with_b).most_common(1)[0][0] == 6  # S1A + S1B
    assert min(without_b) >= 12  # S1A only after the loss of Sentinel-1B
    assert 180 <= len(found) <= 290


@settings(deadline=None)  # busy CI machines
@given(st.sampled_from(PERIODS), st.text(min_size=1, max_size=6), st.integers(0, 99))
def test_l3_dates_are_on_the_6_day_grid(period: tuple[int, int], tile: str, seed: int) -> None:
    found = dates.l3_dates(seed, period, tile)
    assert all((day - date(2014, 4, 3)).days % 6 == 0 for day in found)
    assert date(period[0], 1, 1) <= found[0] and found[-1] <= date(period[1], 12, 31)
    assert len(found) > 100


@settings(deadline=None)  # busy CI machines
@given(st.integers(1, 10_000_000), st.integers(0, 3000))
def test_any_burst_holds_exactly_its_points(count: int, burst: int) -> None:
    first = burst * layout.STRIDE // layout.STRIP
    strips = range(first, first + layout.LINES // layout.STRIP)
    assert sum(points.strip_count(count, strip) for strip in strips) == count


def test_pass_times_and_orbits_match_the_real_slc_names() -> None:
    for sample, track in ((L2B_DESC, 22), (L2B_ASC, 117)):
        with zipfile.ZipFile(sample) as archive:
            xml = archive.read(sample.name.replace(".zip", ".xml")).decode()
        for satellite, stamp, orbit in re.findall(
            r"(S1[AB])_IW_SLC__1SDV_(\d{8}T\d{6})_\d{8}T"
            r"\d{6}_(\d{6})",
            xml,
        ):
            when = datetime.strptime(stamp, "%Y%m%dT%H%M%S")
            assert dates.absolute_orbit(satellite, track, when) == int(orbit), stamp
        names = header(sample)
        burst = int(sample.name.split("_")[3])
        passes = {a.column for a in dates.all_passes((2020, 2024), track, burst)}
        assert {n for n in names if DATE.match(n)} <= passes  # every real date is a pass


# --- 2. every variant, read back -------------------------------------------------------------


@pytest.mark.parametrize("level", ["L2a", "L2b", "L3"])
@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p[0]}-{p[1]}")
def test_every_variant_reads_with_its_counts_and_layer(
    variants: list[Written], level: str, period: tuple[int, int]
) -> None:
    mine = [
        w
        for w in variants
        if egms.parse_name(w.path.name).level == level  # type: ignore[union-attr]
        and egms.parse_name(w.path.name).period == period
    ]  # type: ignore[union-attr]
    assert len(mine) == 2  # asc and desc bursts, or a tile's U and E
    geometries = {"L3": {"up", "east"}}.get(level, {"asc", "desc"})
    found = set()
    for written in mine:
        source = scan(written.path)
        assert source.layer.level == level and source.layer.period == period
        found.add(source.layer.geometry)
        assert source.unknown_columns == ()
        assert (
            len(source.dates)
            == written.dates
            == sum(bool(DATE.match(c)) for c in header(written.path))
        )
        assert sum(batch.rows for batch in iter_batches(source)) == written.points == 300
        assert list(source.columns[: len(source.columns) - len(source.dates)]) == [
            c for c in header(written.path) if not DATE.match(c)
        ]
    assert found == geometries


@pytest.mark.parametrize("level", ["L2a", "L2b", "L3"])
@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p[0]}-{p[1]}")
def test_headers_are_those_of_the_release(
    variants: list[Written], level: str, period: tuple[int, int]
) -> None:
    written = next(
        w
        for w in variants
        if f"EGMS_{level}_" in w.path.name and f"_{period[0]}_{period[1]}_1." in w.path.name
    )
    static = [c for c in header(written.path) if not DATE.match(c)]
    new = period == (2020, 2024)
    if level == "L3":
        reference = (
            [c for c in header(L3_UP) if not DATE.match(c)]
            if new
            else list(old_release_header(L3_UP))
        )
    elif level == "L2b" and new:
        reference = [c for c in header(L2B_DESC) if not DATE.match(c)]
    elif level == "L2b":
        reference = list(old_release_header(L2B_DESC))
    else:  # L2a: cluster_label after pid; 2020-2024 with the new names, no gnss_velocity
        reference = ["pid", "cluster_label", *old_release_header(L2B_DESC)[1:]]
        if new:
            renamed = {
                "height": "height_ortho",
                "height_wgs84": "height_ellipse",
                "rmse": "rmse_ts",
            }
            reference = [renamed.get(c, c) for c in reference]
    assert static == reference
    assert static_columns(level, period)[0] == "pid"


def test_zips_hold_the_csv_and_xml_of_their_name(variants: list[Written]) -> None:
    for written in variants:
        with zipfile.ZipFile(written.path) as archive:
            stem = written.path.stem
            assert sorted(archive.namelist()) == [f"{stem}.csv", f"{stem}.xml"]
            assert archive.testzip() is None


def test_csv_dialect_is_the_real_one(variants: list[Written]) -> None:
    text = csv_text(variants[0].path)
    assert text.endswith("\n") and "\r" not in text and '"' not in text and text.isascii()
    rows = list(csv.reader(io.StringIO(text)))
    assert {len(row) for row in rows} == {len(rows[0])}
    assert text.startswith("pid,")


def test_xml_metadata_like_the_real_files(variants: list[Written]) -> None:
    for written in variants:
        with zipfile.ZipFile(written.path) as archive:
            root = ElementTree.fromstring(archive.read(f"{written.path.stem}.xml"))
        info = egms.parse_name(written.path.name)
        assert info is not None
        assert root.tag == ("TILE" if info.level == "L3" else "BURST")
        assert root.findtext("product_level") == info.level
        assert root.findtext("production_facility") in {"1", "2", "3", "4"}
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", root.findtext("production_date") or "")
        assert root.findtext("dem/version")
        if info.level == "L3":
            continue
        assert root.findtext("burst_id") == f"{info.burst:04d}"
        # track and sub_swath only since 2020-2024 (docs/egms-format.md#inside-a-zip)
        if info.period == (2020, 2024):
            assert root.findtext("track") == f"{info.track:03d}"
            assert root.findtext("sub_swath") == str(info.swath)
        assert (root.find("gnss") is not None) == (info.level == "L2b")
        ids = [e.text or "" for e in root.iterfind("dataset/image/product_id")]
        assert len(ids) == 3 * (written.dates - 1)  # three slices a date, the last date missing
        csv_dates = [c for c in header(written.path) if DATE.match(c)]
        assert sorted({i[17:25] for i in ids}) == csv_dates[:-1]
        assert all(
            re.fullmatch(
                r"S1[AB]_IW_SLC__1SDV_\d{8}T\d{6}_\d{8}T\d{6}_\d{6}_[0-9A-F]{6}_"
                r"[0-9A-F]{4}",
                i,
            )
            for i in ids
        )
        assert len(root.findall("reference/image")) == 3


def test_pids_are_unique_and_encode_their_burst_or_cell(variants: list[Written]) -> None:
    for written in variants:
        columns = table(written.path)
        pids = [str(p) for p in columns["pid"]]
        assert len(set(pids)) == len(pids) and all(len(p) == 10 for p in pids)
        info = egms.parse_name(written.path.name)
        assert info is not None
        for index, text in enumerate(pids[:50]):
            if info.level == "L3":
                cell = pid.decode_l3(text)
                assert cell.easting == columns["easting"][index] - 50
                assert cell.northing == columns["northing"][index] - 50
            else:
                point = pid.decode_l2(text)
                assert (point.track, point.burst, point.swath) == (
                    info.track,
                    info.burst,
                    info.swath,
                )
                assert (point.line, point.pixel) == (
                    columns["line"][index],
                    columns["pixel"][index],
                )


def test_l3_up_and_east_share_cells_heights_and_dates(variants: list[Written]) -> None:
    names = by_name(variants)
    for name in names:
        if "_100km_U_" not in name:
            continue
        up, east = table(names[name].path), table(names[name.replace("_U_", "_E_")].path)
        assert list(up["pid"]) == list(east["pid"])
        assert np.array_equal(
            up["height"] if "height" in up else up["height_ortho"],
            east["height"] if "height" in east else east["height_ortho"],
        )
        assert [c for c in up if DATE.match(c)] == [c for c in east if DATE.match(c)]
        assert set(up["easting"] % 100) == {50} and set(up["northing"] % 100) == {50}
        tile = egms.parse_name(name).tile  # type: ignore[union-attr]
        assert {
            f"E{int(e) // 100_000:02d}N{int(n) // 100_000:02d}"
            for e, n in zip(up["easting"], up["northing"], strict=True)
        } == {tile}
        assert not np.array_equal(up["mean_velocity"], east["mean_velocity"])


def test_adjacent_bursts_overlap_like_real_data(tmp_path: Path) -> None:
    first, second = generate(SampleOptions(tmp_path, points=2000, bursts=2, orbit="asc", seed=5))
    a, b = table(first.path), table(second.path)
    assert not set(a["pid"]) & set(b["pid"])  # the burst is in the pid
    xa, ya = a["easting"], a["northing"]
    near = [
        np.hypot(xa - x, ya - y).min() for x, y in zip(b["easting"], b["northing"], strict=True)
    ]
    shared = sum(distance < 4.0 for distance in near)
    assert 150 <= shared <= 250  # one strip of ten: the same scatterers, a few metres apart
    assert min(near) > 0.0  # ... but not at identical coordinates


@pytest.mark.slow
def test_build_makes_one_layer_per_level_period_geometry(tmp_path: Path) -> None:
    from tiler import build

    data = tmp_path / "data"
    for level, period in (("L2a", (2018, 2022)), ("L2b", (2019, 2023)), ("L3", (2020, 2024))):
        generate(SampleOptions(data, (level,), (period,), points=150, orbit="both", seed=11))
    result = build([data], tmp_path / "site", quiet=True)
    ids = sorted(layer["id"] for layer in result.manifest["layers"])
    assert ids == sorted(
        [
            "l2a-2018-2022-asc",
            "l2a-2018-2022-desc",
            "l2b-2019-2023-asc",
            "l2b-2019-2023-desc",
            "l3-2020-2024-east",
            "l3-2020-2024-up",
        ]
    )
    assert {layer["points"] for layer in result.manifest["layers"]} == {150}


# --- 3. like the real samples -------------------------------------------------------------


def test_statistics_in_the_ranges_of_the_real_samples(
    burst: Path, real: dict[str, dict[str, np.ndarray]]
) -> None:
    mine = table(burst)

    def spread(columns: dict[str, np.ndarray], name: str) -> float:
        low, high = np.percentile(columns[name], [5, 95])
        return float(high - low)

    for name in ("mean_velocity",):
        ratio = [spread(mine, name) / spread(r, name) for r in real.values()]
        assert min(ratio) >= 0.6 and max(ratio) <= 1.6, ratio
    for name, tolerance in (
        ("temporal_coherence", 0.06),
        ("amplitude_dispersion", 0.06),
        ("rmse_ts", 0.5),
        ("seasonality", 0.4),
        ("mean_velocity_std", 0.1),
        ("acceleration_std", 0.06),
        ("seasonality_std", 0.1),
    ):
        for percentile in (5, 50, 95):
            got = np.percentile(mine[name], percentile)
            want = [np.percentile(r[name], percentile) for r in real.values()]
            assert min(want) - tolerance <= got <= max(want) + tolerance, (name, percentile)
    assert mine["temporal_coherence"].min() >= 0.05 and mine["temporal_coherence"].max() <= 0.99
    mine_dates, _ = series(mine)
    for columns in real.values():
        real_dates, _ = series(columns)
        assert abs(len(mine_dates) - len(real_dates)) <= 8


def test_date_spacing_like_the_real_samples(burst: Path) -> None:
    def spacing(path: Path) -> Counter[int]:
        days = [datetime.strptime(c, "%Y%m%d") for c in header(path) if DATE.match(c)]
        return Counter((b - a).days for a, b in zip(days, days[1:], strict=False))

    mine = spacing(burst)
    for sample in (L2B_DESC, L2B_ASC):
        theirs = spacing(sample)
        assert set(mine) <= {6, 12, 18, 24, 30} and set(theirs) <= {6, 12, 18, 24, 30}
        for gap in (6, 12):
            assert abs(mine[gap] - theirs[gap]) <= 12, (gap, mine, theirs)


def test_bytes_per_row_within_20_percent_of_the_real_samples(burst: Path) -> None:
    mine = len(csv_text(burst)) / 11_700
    for sample, rows in ((L2B_DESC, 11_590), (L2B_ASC, 11_759)):
        theirs = len(csv_text(sample)) / rows
        assert abs(mine - theirs) / theirs <= 0.2, (mine, theirs)


def test_number_format_like_the_real_files(burst: Path) -> None:
    def decimals(path: Path) -> tuple[dict[str, int], float]:
        rows = list(csv.reader(io.StringIO(csv_text(path))))
        names = rows[0]
        most = {n: 0 for n in names if not DATE.match(n) and n != "pid"}
        minus_zero = 0
        for row in rows[1:2000]:
            for name, value in zip(names, row, strict=True):
                if name in most:
                    most[name] = max(most[name], len(value.split(".")[1]) if "." in value else 0)
            minus_zero += row.count("-0.0")
        return most, minus_zero / (len(names) * 1999)

    mine, mine_zero = decimals(burst)
    (desc, desc_zero), (asc, asc_zero) = decimals(L2B_DESC), decimals(L2B_ASC)
    # same columns, same maximum decimals (integers without a point)
    assert mine == {name: max(desc[name], asc[name]) for name in desc}
    assert min(desc_zero, asc_zero) / 2 <= mine_zero <= max(desc_zero, asc_zero) * 2  # `-0.0`


def test_static_columns_are_consistent_with_the_series(burst: Path) -> None:
    columns = table(burst)
    names, values = series(columns)
    t = decimal_years(names)
    centred = t - (t[0] + t[-1]) / 2
    angle = 2 * np.pi * t
    full = np.column_stack([np.ones_like(t), centred, centred**2, np.sin(angle), np.cos(angle)])
    coefficients, *_ = np.linalg.lstsq(full, values.T, rcond=None)
    residual = values - (full @ coefficients).T
    assert np.abs(residual.std(axis=1) - columns["rmse_ts"]).max() <= 0.051
    assert np.abs(2 * coefficients[2] - columns["acceleration"]).max() <= 0.0051
    assert np.abs(np.hypot(*coefficients[3:]) - columns["seasonality"]).max() <= 0.051
    linear, *_ = np.linalg.lstsq(full[:, [0, 1, 3, 4]], values.T, rcond=None)
    assert np.abs(linear[1] - columns["mean_velocity"]).max() <= 0.051
    at_start = (full @ coefficients).T[:, 0]
    assert abs(np.median(at_start)) < 0.2 and np.percentile(np.abs(at_start), 90) < 2.5
    lag = residual - residual.mean(axis=1, keepdims=True)
    autocorrelation = (lag[:, 1:] * lag[:, :-1]).sum(axis=1) / (lag**2).sum(axis=1)
    assert 0.2 <= np.median(autocorrelation) <= 0.5  # real samples: ≈ 0.34


def test_geometry_is_consistent(burst: Path) -> None:
    columns = table(burst)
    norm = np.sqrt(columns["los_east"] ** 2 + columns["los_north"] ** 2 + columns["los_up"] ** 2)
    assert np.abs(norm - 1).max() < 0.003
    assert egms.orbit_from_los_east(columns["los_east"]) == "desc"
    assert egms.orbit_from_track_angle(columns["track_angle"]) == "desc"
    assert len(set(columns["track_angle"])) == 1
    x, y = TO_LAEA.transform(columns["longitude"], columns["latitude"])
    # as on the real samples (docs/egms-format.md#positions-and-the-l3-grid)
    assert np.abs(x - columns["easting"]).max() < 0.07
    assert np.abs(y - columns["northing"]).max() < 0.07
    assert columns["incidence_angle"].min() >= 29 and columns["incidence_angle"].max() <= 46
    undulation = columns["height_ellipse"] - columns["height_ortho"]
    assert np.ptp(undulation) < 1.5 and 30 < undulation.mean() < 60
    assert set(columns["mp_type"]) == {0}
    assert len(np.unique(np.round(columns["gnss_velocity"], 1))) <= 4  # near-constant per burst


# --- behaviour -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    options = SampleOptions(tmp_path / "a", ("L2a", "L3"), points=200, seed=42)
    first = [w.path.read_bytes() for w in generate(options)]
    again = [w.path.read_bytes() for w in generate(_replace(options, output=tmp_path / "b"))]
    assert first == again
    other = generate(_replace(options, output=tmp_path / "c", seed=43))
    assert first != [w.path.read_bytes() for w in other]


def _replace(options: SampleOptions, **changes: object) -> SampleOptions:
    from dataclasses import replace

    return replace(options, **changes)  # type: ignore[arg-type]


def test_no_zip_writes_csv_and_xml_that_read_alike(tmp_path: Path) -> None:
    options = SampleOptions(tmp_path / "zip", points=300, orbit="asc", seed=9)
    (zipped,) = generate(options)
    (plain,) = generate(_replace(options, output=tmp_path / "plain", zip=False))
    assert plain.path.suffix == ".csv" and plain.path.with_suffix(".xml").is_file()
    assert plain.path.read_text(encoding="ascii") == csv_text(zipped.path)
    assert scan(plain.path).layer == scan(zipped.path).layer


def test_never_overwrites_a_file_it_did_not_write(tmp_path: Path) -> None:
    options = SampleOptions(tmp_path, points=100, orbit="desc", seed=1)
    (written,) = generate(options)
    before = written.path.read_bytes()
    assert generate(options)[0].path.read_bytes() == before  # its own file: replaced
    written.path.write_bytes(L2B_DESC.read_bytes())  # a "real download" with that name
    with pytest.raises(SampleError, match="not synthetic data"):
        generate(options)
    assert written.path.read_bytes() == L2B_DESC.read_bytes()
    assert not list(tmp_path.glob(".*.part"))


def test_all_problems_with_the_options_at_once() -> None:
    with pytest.raises(SampleError) as caught:
        validate(SampleOptions(Path("x"), ("L3", "L4"), ((2017, 2021),), points=2_000_000))
    message = str(caught.value)
    assert "1,000,000 cells" in message and "'L4'" in message and "2017-2021" in message


def test_cli_sample_writes_files_and_reports_on_stderr(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "sample",
            "-o",
            str(tmp_path),
            "--level",
            "L3",
            "--points",
            "100",
            "--period",
            "2019-2023",
        ],
    )
    assert result.exit_code == 0, result.output
    infos = [egms.parse_name(p.name) for p in tmp_path.iterdir()]
    assert sorted((i.tile, i.geometry, i.period) for i in infos if i) == [
        (infos[0].tile, "east", (2019, 2023)),
        (infos[0].tile, "up", (2019, 2023)),
    ]  # type: ignore[union-attr]
    assert "wrote 2 file(s), 200 points" in result.stderr
    assert result.stdout == ""


def test_cli_sample_errors_are_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tiler",
            "sample",
            "-o",
            str(tmp_path),
            "--level",
            "L3",
            "--points",
            "2000000",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "1,000,000 cells" in done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())
    result = CliRunner().invoke(main, ["sample", "-o", str(tmp_path), "--orbit", "north"])
    assert result.exit_code == 2


def test_cli_sample_quiet_and_help(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["sample", "-o", str(tmp_path), "--points", "50", "-q"])
    assert result.exit_code == 0 and result.output == ""
    assert len(list(tmp_path.glob("*.zip"))) == 2  # asc and desc by default
    helped = runner.invoke(main, ["sample", "--help"])
    for option in ("--level", "--period", "--points", "--bursts", "--orbit", "--seed", "--zip"):
        assert option in helped.output
    assert "Example" in helped.output


@pytest.mark.slow
def test_memory_stays_flat_when_points_grow(tmp_path: Path) -> None:
    def peak(points: int) -> float:
        code = (
            "import resource, sys; from pathlib import Path;"
            "from tiler.synthetic import SampleOptions, generate;"
            f"generate(SampleOptions(Path(sys.argv[1]), points={points}, orbit='asc'));"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / str(points))],
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
        )
        return int(done.stdout.strip()) / 1024  # MB

    small, large = peak(20_000), peak(200_000)
    assert large - small < 80, (small, large)  # ten times the points, about the same memory


def test_progress_lines_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tiler.synthetic import report

    monkeypatch.setattr(report, "LOG_EVERY", 0.0)
    with report.SampleReport(total_points=400, files=1) as progress:
        progress.rows(100)
    assert "generating: 100 of 400 points (25%)" in capsys.readouterr().err
    with report.SampleReport(total_points=400, files=1, quiet=True) as progress:
        progress.rows(100)
    assert capsys.readouterr().err == ""


@given(st.integers(1, 400), st.integers(2, 500))
def test_thinned_dates_keep_the_first_the_last_and_at_most_the_number(
    count: int, most: int
) -> None:  # fmt: skip
    from tiler.synthetic.dates import thinned

    items = list(range(count))
    kept = thinned(items, most)
    assert len(kept) == min(count, most) and kept == sorted(set(kept))
    assert (kept[0], kept[-1]) == (0, count - 1)


def test_sample_dates_option_writes_shorter_series(tmp_path: Path) -> None:
    args = ["sample", "-o", str(tmp_path), "--points", "50", "--orbit", "asc", "--dates", "20"]
    done = CliRunner().invoke(main, [*args, "--no-zip", "-q"])
    assert done.exit_code == 0, done.output
    (csv_path,) = tmp_path.glob("*.csv")
    header = csv_path.read_text().splitlines()[0].split(",")
    assert sum(name.isdigit() and len(name) == 8 for name in header) == 20
