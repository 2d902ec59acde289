"""Every case of the bad-input corpus through the real CLI: exit code, the one-line message,
and that no site (or the previous site, unchanged) is in place afterwards.

The corpus is generated from the real samples into tests/data/bad/ (git-ignored).
"""

from __future__ import annotations

import hashlib
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import sitedata as sd
from badcorpus import L2_NAME, drop_column, l2_rows, write_corpus, write_rows
from click.testing import CliRunner
from conftest import (
    L2B_ASC,
    L3_UP,
    REPO,
    a_year_earlier,
    lock_directory,
    offline_basemap_reused,
    unlock_directory,
)

from tiler import build
from tiler.cli import main

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py

BAD = REPO / "tests" / "data" / "bad"

# case -> the message's expected text after "Error: <file>, line N: " (a regex)
FAILS = {
    "truncated_zip": r"truncated_zip/EGMS_L3\S+\.zip: not a readable ZIP archive",
    "corrupt_zip": r"corrupt_zip/EGMS_L3\S+\.zip: damaged (ZIP archive|file)",
    "zip_without_csv": r"expected one CSV inside the ZIP, found EGMS_L3\S+\.xml",
    "zip_with_two_csvs": r"download\.zip: expected one CSV inside the ZIP, found a\.csv, b\.csv",
    "empty_file": r"empty_file/\S+\.csv: the file is empty",
    "header_only": r"header_only/\S+\.csv: the file has a header but no data rows",
    "not_egms": r"prices\.csv, line 1: not an EGMS CSV \(no 'pid' column",
    "no_latitude": r"line 1: missing column\(s\) latitude for EGMS L2b",
    "no_velocity": r"line 1: missing column\(s\) mean_velocity for EGMS L2b",
    "duplicate_column": r"line 1: duplicated column\(s\) height_ortho",
    "ragged_row": r"ragged_row/\S+\.csv, line 42: row has \d+ fields, the header has \d+",
    "text_in_number": r"text_in_number/\S+\.csv, line 100: column 20200115 holds 'abc'",
    "semicolons": r"line 1: columns are separated by ';' \(a spreadsheet export\?\)",
    "huge_value": r"huge_value/\S+\.csv, line 8: column 20200121 holds 1e\+12 mm",
}
# case -> the warning's text; the build succeeds, and fails with --strict
WARNS = {
    "off_the_globe": r"off_the_globe/\S+\.csv, line 21: 2 point\(s\) without valid coordinates",
    "duplicate_pid": r"duplicate_pid/\S+\.csv: 1 point id\(s\) appear more than once",
    "same_file_twice": r"same_file_twice/b/\S+\.zip: same data as \S+/a/\S+\.zip; read once",
}
PASSES = ["null_tokens", "crlf", "bom", "unicode_and_spaces"]


@pytest.fixture(scope="module")
def corpus() -> dict[str, Path]:
    return write_corpus(BAD)


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def previous_site(tmp_path_factory: pytest.TempPathFactory, basemap_store: Path) -> Path:
    with offline_basemap_reused(basemap_store):
        return build([L3_UP], tmp_path_factory.mktemp("prev") / "site", quiet=True).output


def test_corpus_has_every_case(corpus: dict[str, Path]) -> None:
    assert set(corpus) == set(FAILS) | set(WARNS) | set(PASSES)


@pytest.mark.parametrize("case", sorted(FAILS))
def test_bad_input_fails_with_one_line_and_no_site(
    corpus: dict[str, Path], case: str, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    code, stderr = run("build", corpus[case], "-o", out, "-q")
    assert code == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert __import__("re").search(FAILS[case], lines[0]), lines[0]
    assert "(" in lines[0] and lines[0].endswith(")"), "the message ends with the fix"
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "stray files beside the output"


@pytest.mark.parametrize("case", sorted(FAILS))
def test_bad_input_leaves_the_previous_site(
    corpus: dict[str, Path], case: str, previous_site: Path
) -> None:
    before = digest(previous_site)
    code, _ = run("build", corpus[case], "-o", previous_site, "-q")
    assert code == 1
    assert digest(previous_site) == before


@pytest.mark.parametrize("case", sorted(WARNS))
def test_odd_input_warns_and_strict_fails(
    corpus: dict[str, Path], case: str, tmp_path: Path
) -> None:
    import re

    code, stderr = run("build", corpus[case], "-o", tmp_path / "site", "-q")
    assert code == 0, stderr
    assert re.search("Warning: .*" + WARNS[case], stderr), stderr
    code, stderr = run("build", corpus[case], "-o", tmp_path / "strict", "-q", "--strict")
    assert code == 1
    assert re.search(r"Error: --strict: \d+ warning\(s\), the first: .*" + WARNS[case], stderr)
    assert not (tmp_path / "strict").exists()


def test_off_the_globe_rows_are_left_out(corpus: dict[str, Path], tmp_path: Path) -> None:
    result = build([corpus["off_the_globe"]], tmp_path / "site", quiet=True)
    assert result.manifest["layers"][0]["points"] == 300 - 2


def test_duplicate_pid_rows_are_both_kept(corpus: dict[str, Path], tmp_path: Path) -> None:
    result = build([corpus["duplicate_pid"]], tmp_path / "site", quiet=True)
    assert result.manifest["layers"][0]["points"] == 301


def test_same_content_is_read_once(corpus: dict[str, Path], tmp_path: Path) -> None:
    result = build([corpus["same_file_twice"]], tmp_path / "site", quiet=True)
    assert [u["points"] for u in result.manifest["layers"][0]["units"]] == [522]


@pytest.mark.parametrize("case", PASSES)
def test_odd_but_valid_input_builds_exact_values(
    corpus: dict[str, Path], case: str, tmp_path: Path
) -> None:
    code, stderr = run("build", corpus[case], "-o", tmp_path / "site", "-q")
    assert code == 0, stderr
    entry = sd.manifest(tmp_path / "site")["layers"][0]
    series = sd.series_by_pid(tmp_path / "site", entry)
    source = corpus[case]
    for row in sd.csv_rows(source) if source.suffix == ".csv" else sd.csv_rows(L3_UP):
        row = {k.lstrip("\ufeff"): v for k, v in row.items()}
        expected = [None if row[c] in ("", "nan", "NaN", "NA") else float(row[c])
                    for c in sd.date_columns(row)]  # fmt: skip
        values = [None if v is None else v / 10 for v in series[row["pid"]][2]]
        assert values == expected, row["pid"]


def test_missing_values_are_null_never_zero(corpus: dict[str, Path], tmp_path: Path) -> None:
    build([corpus["null_tokens"]], tmp_path / "site", quiet=True)
    entry = sd.manifest(tmp_path / "site")["layers"][0]
    pid = l2_rows()[10][0]
    values = sd.series_by_pid(tmp_path / "site", entry)[pid][2]
    assert values[2:6] == [None] * 4 and None not in values[:2] + values[6:]


def test_mixed_levels_and_periods_make_separate_layers(tmp_path: Path) -> None:
    rows = l2_rows()
    renames = {"height_ortho": "height", "height_ellipse": "height_wgs84", "rmse_ts": "rmse"}
    drop_column(rows, "gnss_velocity")  # the calibrated levels' column
    rows[0] = [renames.get(name, name) for name in a_year_earlier(rows[0])]
    old = write_rows(tmp_path / "in" / "EGMS_L2a_022_0845_IW2_VV_2019_2023_1.csv", rows)
    result = build([old, L2B_ASC, L3_UP], tmp_path / "site", quiet=True)
    assert [e["id"] for e in result.manifest["layers"]] == [
        "l2a-2019-2023-desc", "l2b-2020-2024-asc", "l3-2020-2024-up",
    ]  # fmt: skip


def test_read_only_output_directory(tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    lock_directory(parent)
    try:
        code, stderr = run("build", L3_UP, "-o", parent / "site", "-q")
    finally:
        unlock_directory(parent)
    assert code == 1
    assert f"cannot write into {parent}" in stderr and "choose another -o" in stderr
    assert list(parent.iterdir()) == []


def test_full_disk_keeps_the_previous_site(previous_site: Path) -> None:
    """A file size limit (RLIMIT_FSIZE) stands in for a full disk: writes fail with EFBIG."""
    before = digest(previous_site)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))

    done = subprocess.run(
        [sys.executable, "-m", "tiler", "build", str(L2B_ASC), "-o", str(previous_site), "-q"],
        capture_output=True, text=True, preexec_fn=limit, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "disk full" in done.stderr or "could not be written" in done.stderr, done.stderr
    assert digest(previous_site) == before
    assert sorted(p.name for p in previous_site.parent.iterdir()) == ["site"]


def test_l2_name_constant_matches_the_sample() -> None:
    assert l2_rows(1)[0][0] == "pid" and L2_NAME in str(L2B_ASC.parent / f"{L2_NAME}.zip")


def test_zip_and_its_extracted_csv_are_read_once(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(L3_UP) as archive:
        extracted = Path(archive.extract(f"{L3_UP.stem}.csv", tmp_path))
    code, stderr = run("build", L3_UP, extracted, "-o", tmp_path / "site", "-q")
    assert code == 0, stderr
    assert f"same data as {L3_UP}; read once" in stderr or f"same data as {extracted}" in stderr
    assert sd.manifest(tmp_path / "site")["layers"][0]["points"] == 522
