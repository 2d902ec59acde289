"""The streaming reader (tiler/inputs/reader.py) on the real samples and on files derived from them.

Expected values come from the CSV parsed with Python's csv module, never from the reader itself.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from conftest import L2B_ASC, L2B_DESC, L3_EAST, L3_UP, a_year_earlier
from hypothesis import given
from hypothesis import strategies as st

from tiler.errors import InputError
from tiler.inputs import opening, reader
from tiler.inputs.header import scan, static_columns
from tiler.model import LayerKey, Source
from tiler.spatial import laea_to_lonlat

MISSING = reader.MISSING
OLD_NAME = "EGMS_L2a_022_0845_IW2_VV_2019_2023_1.csv"
RENAMED = {"height_ortho": "height", "height_ellipse": "height_wgs84", "rmse_ts": "rmse"}
SMALL_BLOCK = 64 << 10  # forces several batches on a few hundred rows


# --- helpers -------------------------------------------------------------------------------


@dataclass
class Table:
    """Every batch of a file, concatenated."""

    source: Source
    pid: list[str]
    static: dict[str, np.ndarray]
    displacement: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    first_lines: list[int]
    batch_rows: list[int]


def read_all(path: Path, block_size: int = reader.BLOCK_SIZE) -> Table:
    source = scan(path)
    batches = list(reader.iter_batches(source, block_size=block_size))
    assert batches, f"{path.name}: no batches"
    return Table(
        source=source,
        pid=[p for b in batches for p in b.pid.to_pylist()],
        static={k: np.concatenate([b.static[k] for b in batches]) for k in batches[0].static},
        displacement=np.concatenate([b.displacement for b in batches]),
        lon=np.concatenate([b.lon for b in batches]),
        lat=np.concatenate([b.lat for b in batches]),
        first_lines=[b.first_line for b in batches],
        batch_rows=[b.rows for b in batches],
    )


@cache
def sample(path: Path) -> Table:
    return read_all(path)


def csv_member_text(path: Path) -> Iterator[str]:
    """Lines (without line end) of a sample's CSV member."""
    with zipfile.ZipFile(path) as archive, archive.open(path.with_suffix(".csv").name) as raw:
        for line in io.TextIOWrapper(raw, encoding="ascii", newline=""):
            yield line.rstrip("\r\n")


def file_lines(path: Path) -> Iterator[str]:
    with open(path, newline="", encoding="ascii") as stream:
        for line in stream:
            yield line.rstrip("\r\n")


@cache
def sample_lines(path: Path, rows: int) -> tuple[str, ...]:
    """Header plus the first `rows` data lines of a sample."""
    lines = []
    for number, line in enumerate(csv_member_text(path)):
        if number > rows:
            break
        lines.append(line)
    return tuple(lines)


def csv_rows(path: Path, wanted: Iterable[int]) -> tuple[list[str], dict[int, list[str]], int]:
    """Header, the `wanted` rows (0 = first data row) parsed with the csv module, row count."""
    picked = set(wanted)
    lines = csv_member_text(path) if path.suffix == ".zip" else file_lines(path)
    header = next(csv.reader([next(lines)]))
    rows, count = {}, 0
    for count, line in enumerate(lines, start=1):
        if count - 1 in picked:
            rows[count - 1] = next(csv.reader([line]))
    return header, rows, count


def write_lines(path: Path, lines: list[str] | tuple[str, ...], end: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(line + end for line in lines).encode("ascii"))
    return path


def mutate_cell(lines: list[str], line_number: int, column: str, value: str) -> None:
    """Set one cell; `line_number` counts file lines, the header being line 1."""
    fields = lines[line_number - 1].split(",")
    fields[lines[0].split(",").index(column)] = value
    lines[line_number - 1] = ",".join(fields)


def mismatches(table: Table, header: list[str], rows: dict[int, list[str]]) -> list[str]:
    """Cells where the reader differs from Python's csv module (as numbers; -0.0 == 0)."""
    source = table.source
    found = []
    statics = static_columns(source)
    for index, row in rows.items():
        where = f"row {index} (line {index + 2})"
        if table.pid[index] != row[0]:
            found.append(f"{where}: pid {table.pid[index]!r} != {row[0]!r}")
        for name, column in statics.items():
            expected = float(row[header.index(column)])
            if table.static[name][index] != expected:
                found.append(f"{where}: {column} {table.static[name][index]!r} != {expected!r}")
        for d, column in enumerate(source.dates):
            expected = float(row[header.index(column)])
            if table.displacement[index, d] / 10 != expected:
                found.append(f"{where}: {column} {table.displacement[index, d]}/10 != {expected}")
    return found


def raises_input_error(path: Path, block_size: int = reader.BLOCK_SIZE) -> InputError:
    with pytest.raises(InputError) as caught:
        read_all(path, block_size)
    error = caught.value
    assert error.path == str(path), f"error names {error.path!r}, not the file: {error}"
    assert path.name in str(error), str(error)
    return error


# --- the real samples ----------------------------------------------------------------------

SAMPLES = {
    "l2b-2020-2024-desc": (L2B_DESC, 11_590, 210, "20241225"),
    "l2b-2020-2024-asc": (L2B_ASC, 11_759, 207, "20241231"),
    "l3-2020-2024-up": (L3_UP, 522, 304, "20241225"),
    "l3-2020-2024-east": (L3_EAST, 522, 304, "20241225"),
}


@pytest.mark.parametrize("layer_id", sorted(SAMPLES))
def test_sample_shape_and_layer(layer_id: str) -> None:
    path, points, dates, last = SAMPLES[layer_id]
    table = sample(path)
    source = table.source
    assert source.layer.id == layer_id
    assert source.member == path.with_suffix(".csv").name
    assert source.stem == path.stem
    assert (len(source.dates), source.dates[0], source.dates[-1]) == (dates, "20200103", last)
    assert list(source.dates) == sorted(source.dates)
    assert table.displacement.shape == (points, dates)
    assert table.displacement.dtype == np.int32
    assert len(table.pid) == len(set(table.pid)) == points
    assert not (table.displacement == MISSING).any(), "the samples have no missing values"
    assert source.unknown_columns == ()


def test_batches_number_their_lines() -> None:
    table = read_all(L3_UP, block_size=SMALL_BLOCK)
    assert len(table.batch_rows) > 3, "a small block size gives several batches"
    expected = [2 + sum(table.batch_rows[:i]) for i in range(len(table.batch_rows))]
    assert table.first_lines == expected
    whole = sample(L3_UP)
    assert table.pid == whole.pid
    np.testing.assert_array_equal(table.displacement, whole.displacement)


@pytest.mark.parametrize(
    "path, level, track, burst, orbit",
    [(L2B_DESC, "L2b", 22, 845, "desc"), (L2B_ASC, "L2b", 117, 227, "asc")],
)
def test_l2b_name_fields_and_orbit(
    path: Path, level: str, track: int, burst: int, orbit: str
) -> None:
    source = sample(path).source
    assert source.layer == LayerKey(level, (2020, 2024), orbit)
    assert (source.track, source.burst, source.swath) == (track, burst, 2)
    assert (source.polarisation, source.version, source.tile) == ("VV", 1, None)


@pytest.mark.parametrize("path, geometry", [(L3_UP, "up"), (L3_EAST, "east")])
def test_l3_name_fields(path: Path, geometry: str) -> None:
    source = sample(path).source
    assert source.layer == LayerKey("L3", (2020, 2024), geometry)
    assert (source.tile, source.version, source.track) == ("E45N17", 1, None)


@pytest.mark.parametrize("path", [L2B_DESC, L2B_ASC, L3_UP, L3_EAST], ids=lambda p: p.stem)
def test_points_lie_on_ustica(path: Path) -> None:
    table = sample(path)
    assert np.isfinite(table.lon).all() and np.isfinite(table.lat).all()
    assert (table.lon > -32).all() and (table.lon < 45).all(), "inside Europe (longitude)"
    assert (table.lat > 27).all() and (table.lat < 72).all(), "inside Europe (latitude)"
    lon, lat = (table.lon.min(), table.lon.max()), (table.lat.min(), table.lat.max())
    assert 13.1 < lon[0] <= lon[1] < 13.25, f"longitude range {lon} is not Ustica's"
    assert 38.6 < lat[0] <= lat[1] < 38.8, f"latitude range {lat} is not Ustica's"


def test_l2_lonlat_are_the_file_columns() -> None:
    table = sample(L2B_DESC)
    np.testing.assert_array_equal(table.lon, table.static["longitude"])
    np.testing.assert_array_equal(table.lat, table.static["latitude"])


def test_epsg3035_conversion_reproduces_l2_lonlat() -> None:
    """L3 lon/lat come from easting/northing; L2 files carry both, so they check it (< 1 m)."""
    table = sample(L2B_ASC)
    lon, lat = laea_to_lonlat(table.static["easting"], table.static["northing"])
    np.testing.assert_allclose(lon, table.lon, atol=1e-5)
    np.testing.assert_allclose(lat, table.lat, atol=1e-5)


def test_l3_up_and_east_share_cells() -> None:
    up, east = sample(L3_UP), sample(L3_EAST)
    assert sorted(up.pid) == sorted(east.pid)


@pytest.mark.parametrize("path", [L2B_DESC, L2B_ASC, L3_UP, L3_EAST], ids=lambda p: p.stem)
def test_values_equal_the_csv(path: Path) -> None:
    table = sample(path)
    picked = random.Random(20241225).sample(range(len(table.pid)), 100)
    header, rows, count = csv_rows(path, picked)
    assert count == len(table.pid), "the reader returns every row"
    problems = mismatches(table, header, rows)
    assert not problems, f"{len(problems)} cells differ, first: " + "; ".join(problems[:5])


TENTHS = st.one_of(st.none(), st.integers(-(10**9), 10**9))  # 0.1 mm, empty


@given(st.integers(1, 6).flatmap(lambda n: st.lists(st.lists(TENTHS, min_size=n, max_size=n),
                                                    min_size=1, max_size=20)))  # fmt: skip
def test_displacements_become_exact_tenths_and_missing(rows: list[list[int | None]]) -> None:
    dates = tuple(f"2020010{d + 1}" for d in range(len(rows[0])))
    key = LayerKey("L2a", (2020, 2024), "asc")
    source = Source(Path("x.csv"), None, "x", key, ("pid", *dates), dates)
    columns = {
        date: pa.array([None if r[d] is None else r[d] / 10 for r in rows], pa.float64())
        for d, date in enumerate(dates)
    }
    got = reader._series(source, pa.RecordBatch.from_pydict(columns), 2)
    want = [[reader.MISSING if v is None else v for v in row] for row in rows]
    assert got.dtype == np.int32 and got.flags.c_contiguous
    assert got.tolist() == want


def test_displacement_beyond_any_ground_motion_names_its_line_and_value() -> None:
    key = LayerKey("L2a", (2020, 2024), "asc")
    source = Source(Path("x.csv"), None, "x", key, ("pid", "20200101"), ("20200101",))
    record = pa.RecordBatch.from_pydict({"20200101": pa.array([1.5, 2e8, float("inf")])})
    with pytest.raises(InputError, match=r"line 11: column 20200101 holds 2e\+08 mm"):
        reader._series(source, record, 10)
    # a value that is not finite is named as the file writes it: tests/test_hostile_input.py


def test_statics_read_by_internal_name() -> None:
    statics = static_columns(sample(L2B_DESC).source)
    assert statics["height"] == "height_ortho"
    assert statics["rmse"] == "rmse_ts"
    assert "cluster_label" not in statics
    assert static_columns(sample(L3_UP).source)["height"] == "height_ortho"


# --- files re-saved, renamed, or from older releases ---------------------------------------


def old_release_row(header: list[str], row: list[str], index: int) -> list[str]:
    """A 2020-2024 L2b row laid out as a 2019-2023 L2a row (cluster_label after pid)."""
    kept = [value for name, value in zip(header, row, strict=True) if name != "gnss_velocity"]
    return [kept[0], str(index % 4), *kept[1:]]


def write_old_release(path: Path, source: Path, rows: int) -> None:
    """Stream `rows` rows of a sample into an old-release L2a CSV with the csv module."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = csv.reader(csv_member_text(source))
    header = next(lines)
    with open(path, "w", newline="", encoding="ascii") as out:
        writer = csv.writer(out, lineterminator="\n")
        dated = a_year_earlier(header)
        old = [RENAMED.get(name, name) for name in dated if name != "gnss_velocity"]
        writer.writerow([old[0], "cluster_label", *old[1:]])
        for index, row in enumerate(lines):
            if index == rows:
                break
            writer.writerow(old_release_row(header, row, index))


def resave(source: Path, target: Path, rows: int) -> None:
    """Re-save like pandas/a spreadsheet: CRLF, every number with a decimal point (287.0)."""
    with open(source, newline="", encoding="ascii") as inp:
        lines = csv.reader(inp)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", newline="", encoding="ascii") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(next(lines))
            for _, row in zip(range(rows), lines, strict=False):
                writer.writerow([row[0], *(repr(float(v)) for v in row[1:])])


OLD_ROWS = 4_000  # > 4 MB of CSV: two batches at the default block size
RESAVED_ROWS = 1_000


@pytest.fixture(scope="module")
def old_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("old") / OLD_NAME
    write_old_release(path, L2B_DESC, OLD_ROWS)
    return path


@pytest.fixture(scope="module")
def old_table(old_release: Path) -> Table:
    return read_all(old_release)


def test_old_release_names_and_layer(old_table: Table) -> None:
    table = old_table
    source = table.source
    assert source.layer == LayerKey("L2a", (2019, 2023), "desc")
    assert source.layer.id == "l2a-2019-2023-desc"
    assert source.unknown_columns == ()
    assert len(table.batch_rows) > 1, "expected more than one batch"
    statics = static_columns(source)
    assert {k: statics[k] for k in ("height", "rmse", "cluster_label")} == {
        "height": "height", "rmse": "rmse", "cluster_label": "cluster_label"
    }  # fmt: skip


def test_old_release_values(old_release: Path, old_table: Table) -> None:
    table, new = old_table, sample(L2B_DESC)
    sample_header = sample_lines(L2B_DESC, 0)[0].split(",")
    rows = [line.split(",") for line in sample_lines(L2B_DESC, OLD_ROWS)[1:]]
    assert table.pid == new.pid[:OLD_ROWS]
    expect = {"height": "height_ortho", "rmse": "rmse_ts", "mean_velocity": "mean_velocity"}
    for internal, column in expect.items():
        values = np.array([float(row[sample_header.index(column)]) for row in rows])
        np.testing.assert_array_equal(table.static[internal], values, err_msg=internal)
    np.testing.assert_array_equal(table.static["cluster_label"], np.arange(OLD_ROWS) % 4)
    np.testing.assert_array_equal(table.displacement, new.displacement[:OLD_ROWS])
    header, old_rows, count = csv_rows(old_release, range(100))
    assert count == OLD_ROWS
    problems = mismatches(table, header, old_rows)
    assert not problems, "; ".join(problems[:5])


def test_resaved_file_reads_identically(old_release: Path, tmp_path: Path) -> None:
    resaved = tmp_path / OLD_NAME
    resave(old_release, resaved, RESAVED_ROWS)
    raw = resaved.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") == RESAVED_ROWS + 1, "CRLF line ends"
    assert re.search(rb"^[0-9A-Za-z]{10},[0-9]+\.0,", raw, re.MULTILINE), "cluster_label as 1.0"
    head = old_release.read_text(encoding="ascii").splitlines()[: RESAVED_ROWS + 1]
    original = read_all(write_lines(tmp_path / "lf" / OLD_NAME, head))
    copy = read_all(resaved, SMALL_BLOCK)
    assert copy.source.layer == original.source.layer
    assert copy.source.dates == original.source.dates
    assert copy.pid == original.pid
    for name, values in original.static.items():
        np.testing.assert_array_equal(copy.static[name], values, err_msg=name)
    np.testing.assert_array_equal(copy.displacement, original.displacement)
    np.testing.assert_array_equal(copy.lon, original.lon)
    np.testing.assert_array_equal(copy.lat, original.lat)


def test_unnamed_csv_takes_level_and_period_from_its_header(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "my_export.csv", sample_lines(L2B_ASC, 300))
    source = read_all(path).source
    assert source.layer == LayerKey("L2b", (2020, 2024), "asc")
    assert (source.track, source.burst, source.version, source.member) == (None,) * 4
    assert source.stem == "my_export"


def test_unnamed_old_release_csv_is_l2a(old_release: Path, tmp_path: Path) -> None:
    lines = old_release.read_text(encoding="ascii").splitlines()[:301]
    source = read_all(write_lines(tmp_path / "my_export.csv", lines)).source
    assert source.layer == LayerKey("L2a", (2019, 2023), "desc"), "period from the dates"


def test_unnamed_l3_csv_cannot_say_up_or_east(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "my_export.csv", sample_lines(L3_UP, 20))
    error = raises_input_error(path)
    assert "vertical (U)" in error.problem and "EGMS_L3_" in error.fix


COMMENTS = ['# reference: none; "values" as published', "# Contains modified Copernicus data"]


def test_comment_lines_before_the_header_are_skipped(tmp_path: Path) -> None:
    lines = sample_lines(L2B_ASC, 300)
    plain = read_all(write_lines(tmp_path / "plain.csv", lines))
    commented = read_all(write_lines(tmp_path / "export.csv", [*COMMENTS, *lines]), SMALL_BLOCK)
    assert commented.source.layer == plain.source.layer
    assert commented.source.dates == plain.source.dates
    assert commented.source.header_line == 3
    assert commented.first_lines[0] == 4
    assert commented.pid == plain.pid
    np.testing.assert_array_equal(commented.displacement, plain.displacement)
    for name, values in plain.static.items():
        np.testing.assert_array_equal(commented.static[name], values, err_msg=name)


def test_errors_after_comment_lines_name_the_file_line(tmp_path: Path) -> None:
    lines = list(sample_lines(L2B_DESC, 50))
    mutate_cell(lines, 20, "mean_velocity", "abc")
    error = raises_input_error(write_lines(tmp_path / "export.csv", [*COMMENTS, *lines]))
    assert error.line == 20 + len(COMMENTS), str(error)
    header = lines[0].replace("20200109", "20200199")
    error = raises_input_error(write_lines(tmp_path / "bad.csv", [*COMMENTS, header, *lines[1:]]))
    assert error.line == 3 and "20200199 is not a valid date" in error.problem, str(error)


def test_endless_comment_lines_are_refused(tmp_path: Path) -> None:
    lines = ["# a comment"] * (opening.MAX_COMMENT_LINES + 1) + list(sample_lines(L2B_ASC, 5))
    error = raises_input_error(write_lines(tmp_path / "export.csv", lines))
    assert "comment lines" in error.problem and error.line == opening.MAX_COMMENT_LINES + 1


def test_zip_with_extra_members_picks_the_named_csv(tmp_path: Path) -> None:
    path = tmp_path / L3_EAST.name
    with zipfile.ZipFile(L3_EAST) as inp, zipfile.ZipFile(path, "w") as out:
        for info in inp.infolist():
            out.writestr(info.filename, inp.read(info))
        out.writestr("notes.csv", "pid,x\n1,2\n")
    table = read_all(path)
    assert table.source.member == L3_EAST.with_suffix(".csv").name
    assert table.pid == sample(L3_EAST).pid


# --- missing values ------------------------------------------------------------------------

NULL_CELLS = {(2, "20200103"): "", (3, "20210403"): "nan", (4, "20241225"): "NaN",
              (300, "20220110"): "NA"}  # fmt: skip
ZERO_CELLS = {(5, "20200109"): "0", (6, "20200115"): "-0.0", (7, "20200121"): "0.0"}


def test_null_tokens_become_missing_never_zero(tmp_path: Path) -> None:
    lines = list(sample_lines(L2B_DESC, 300))
    for (line, column), value in {**NULL_CELLS, **ZERO_CELLS}.items():
        mutate_cell(lines, line, column, value)
    table = read_all(write_lines(tmp_path / L2B_DESC.with_suffix(".csv").name, lines), SMALL_BLOCK)
    dates = list(table.source.dates)
    rows, cols = np.nonzero(table.displacement == MISSING)
    where = {(int(r) + 2, dates[c]) for r, c in zip(rows, cols, strict=True)}
    assert where == set(NULL_CELLS), "MISSING exactly where the file has a null token"
    for line, column in ZERO_CELLS:
        assert table.displacement[line - 2, dates.index(column)] == 0


def test_null_token_in_a_static_column_is_nan(tmp_path: Path) -> None:
    lines = list(sample_lines(L3_UP, 10))
    mutate_cell(lines, 3, "mean_velocity", "NA")
    mutate_cell(lines, 4, "rmse_ts", "")
    table = read_all(write_lines(tmp_path / L3_UP.with_suffix(".csv").name, lines))
    assert np.isnan(table.static["mean_velocity"][1]) and np.isnan(table.static["rmse"][2])
    assert np.isfinite(table.static["mean_velocity"][[0, 2, 3]]).all()


# --- bad input -----------------------------------------------------------------------------

L2_ROWS = 1_500  # ~1.8 MB: beyond the 1 MB block scan() reads for the orbit


def _extra_field(line: str) -> str:
    return line + ",1.0"


def _missing_field(line: str) -> str:
    return line.rsplit(",", 1)[0]


BAD_LINES = [
    # (name, sample, line, edit, block size, problem text)
    ("ragged-extra-early", L2B_DESC, 10, _extra_field, reader.BLOCK_SIZE, "row has 236 fields"),
    ("ragged-short-late", L2B_DESC, 1_400, _missing_field, SMALL_BLOCK, "row has 234 fields"),
    ("ragged-l3", L3_UP, 300, _missing_field, reader.BLOCK_SIZE, "row has 317 fields"),
    ("text-velocity-early", L2B_DESC, 50, "mean_velocity", reader.BLOCK_SIZE, "mean_velocity"),
    ("text-date-late", L2B_DESC, 1_450, "20210403", SMALL_BLOCK, "column 20210403"),
    ("text-track-angle", L2B_DESC, 5, "track_angle", reader.BLOCK_SIZE, "track_angle"),
    ("text-l3-date", L3_UP, 400, "20241225", reader.BLOCK_SIZE, "column 20241225"),
]


@pytest.mark.parametrize(
    "sample_path, line, edit, block_size, problem",
    [case[1:] for case in BAD_LINES],
    ids=[case[0] for case in BAD_LINES],
)
def test_bad_row_is_reported_with_its_line(
    tmp_path: Path,
    sample_path: Path,
    line: int,
    edit: Callable[[str], str] | str,
    block_size: int,
    problem: str,
) -> None:
    lines = list(sample_lines(sample_path, L2_ROWS))
    if callable(edit):
        lines[line - 1] = edit(lines[line - 1])
    else:
        mutate_cell(lines, line, edit, "abc")
        problem = f"{problem} holds 'abc', not a number"
    path = write_lines(tmp_path / sample_path.with_suffix(".csv").name, lines)
    error = raises_input_error(path, block_size)
    assert error.line == line, f"expected line {line}: {error}"
    assert f"line {line}:" in str(error)
    assert problem in error.problem, str(error)


def test_csv_without_pid_is_not_egms(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "table.csv", ["id,value,20200101", "1,2,3"])
    error = raises_input_error(path)
    assert "no 'pid' column" in error.problem and error.line == 1


def test_missing_required_column(tmp_path: Path) -> None:
    lines = sample_lines(L2B_DESC, 20)
    drop = lines[0].split(",").index("mean_velocity")
    cut = [",".join(f for i, f in enumerate(line.split(",")) if i != drop) for line in lines]
    error = raises_input_error(write_lines(tmp_path / L2B_DESC.with_suffix(".csv").name, cut))
    assert "missing column(s) mean_velocity" in error.problem and error.line == 1


def test_truncated_zip(tmp_path: Path) -> None:
    data = L2B_DESC.read_bytes()
    path = tmp_path / L2B_DESC.name
    path.write_bytes(data[: len(data) // 2])
    error = raises_input_error(path)
    assert "ZIP" in error.problem and "download" in error.fix


def test_corrupted_zip_data(tmp_path: Path) -> None:
    data = bytearray(L3_EAST.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path = tmp_path / L3_EAST.name
    path.write_bytes(bytes(data))
    error = raises_input_error(path)
    assert "damaged" in error.problem and "download" in error.fix, str(error)


def test_zip_without_csv(tmp_path: Path) -> None:
    path = tmp_path / L2B_ASC.name
    xml = L2B_ASC.with_suffix(".xml").name
    with zipfile.ZipFile(L2B_ASC) as inp, zipfile.ZipFile(path, "w") as out:
        out.writestr(xml, inp.read(xml))
    error = raises_input_error(path)
    assert "expected one CSV inside the ZIP" in error.problem and xml in error.problem


@pytest.mark.parametrize("name", [L2B_DESC.with_suffix(".csv").name, L2B_DESC.name, "x.csv"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    error = raises_input_error(path)
    assert "empty" in error.problem or "ZIP" in error.problem, str(error)


@pytest.mark.parametrize("sample_path", [L2B_DESC, L3_UP], ids=["L2b", "L3"])
@pytest.mark.parametrize("end", ["\n", ""], ids=["newline", "no-newline"])
def test_header_only(tmp_path: Path, sample_path: Path, end: str) -> None:
    path = tmp_path / sample_path.with_suffix(".csv").name
    path.write_text(sample_lines(sample_path, 0)[0] + end, encoding="ascii")
    error = raises_input_error(path)
    assert "no data rows" in error.problem, str(error)


def test_blank_lines_after_the_header_are_skipped(tmp_path: Path) -> None:
    lines = list(sample_lines(L3_UP, 5))
    path = write_lines(tmp_path / L3_UP.with_suffix(".csv").name, [lines[0], "", "", *lines[1:]])
    assert read_all(path).pid == sample(L3_UP).pid[:5]
