"""Hostile inputs (tests/hostilecorpus.py) through the real CLI, in a child process held to a
file size limit (RLIMIT_FSIZE: no file it writes may pass it) and a timeout, its peak memory
measured: one line, exit 1, the file named, bounded memory, disk and time, the previous site
unchanged. `build` and `inspect` obey the same bounds (tests/bounded.py).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from pathlib import Path

import hostilecorpus
import pytest
from bounded import run_bounded
from conftest import L2B_ASC, L2B_DESC, L3_UP, REPO

from tiler import build
from tiler.errors import InputError

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py

HOSTILE = REPO / "tests" / "data" / "hostile"
MEMORY_LIMIT_KB = 600 << 10  # peak resident memory of the process and of each child

# case -> the error's text after "Error: <file>" (a regex)
FAILS = {
    "member_of_many_gb": r"bomb_declared/\S+\.zip!\S+\.csv: the CSV is 5G, over the 4G limit .*"
    r"pass --max-csv-size 5G\)",
    "member_with_lying_size": r"bomb_lying/\S+\.zip: damaged ZIP archive \(\S+\.csv inflates "
    r"past its declared 78,256,532 bytes\)",
    "member_of_high_ratio": r"bomb_ratio/\S+\.zip!\S+\.csv: inflates 219 times its compressed "
    r"size .*pass --max-zip-ratio 219\)",
    "zstd_member": r"zstd/\S+\.zip!\S+\.csv: compressed with zstd, which egms-tiler cannot read",
    "member_name_with_newline": r"download\.zip: expected one CSV inside the ZIP, found "
    r"a\\x0ab\.csv, c\.csv",
    "wide_header": r"wide_header/\S+\.csv, line 1: the header has 100,004 columns, over the 5,000",
    "long_header": r"long_header/\S+\.csv, line 1: the header line is longer than 1,048,576 bytes",
    "huge_field": r"huge_field/\S+\.csv, line 250: the row is longer than 1,048,576 bytes",
    "invalid_utf8_pid": r"invalid_utf8_pid/\S+\.csv, line 200: column pid holds bytes that are "
    r"not UTF-8 text",
    "underscore_number": r"underscore_number/\S+\.csv, line 150: column mean_velocity holds "
    r"'1_000', not a number",
    "infinite_velocity": r"infinite_velocity/\S+\.csv, line 120: column mean_velocity holds "
    r"'inf', not a finite number",
    "overflowing_velocity": r"overflowing_velocity/\S+\.csv, line 220: column mean_velocity "
    r"holds '1e400', not a finite number",
    "infinite_displacement": r"infinite_displacement/\S+\.csv, line 280: column 20200115 holds "
    r"'-Infinity', not a finite number",
}
# case -> (the warning's text, the layer the data is published as)
WARNS = {
    "period_named_wrongly": (
        r"_2018_2022_1\.csv, line 1: the name says 2018-2022 but the dates run 2020-01-03 to "
        r"2024-12-25; published as 2020-2024 \(rename the file\)",
        "l2b-2020-2024-desc",
    ),
    "level_named_wrongly": (
        r"EGMS_L2a_\S+\.zip, line 1: the name says L2a but the data is L2b \(its XML's "
        r"product_level\); published as L2b \(rename the file\)",
        "l2b-2020-2024-desc",
    ),
    "basic_named_calibrated": (
        r"EGMS_L2b_\S+\.csv, line 1: the name says L2b but the data is L2a \(cluster_label "
        r"column\); published as L2a \(rename the file\)",
        "l2a-2020-2024-desc",
    ),
    "escape_in_column_name": (
        r"line 1: unknown column\(s\) \\x1b\]0;owned\\x07\\x1b\[31mred not used",
        "l2b-2020-2024-desc",
    ),
}


@pytest.fixture(scope="module")
def hostile() -> dict[str, Path]:
    import shutil

    shutil.rmtree(HOSTILE, ignore_errors=True)
    return {name: make(HOSTILE) for name, make in hostilecorpus.CASES.items()}


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "\x1b" not in stderr and "Traceback" not in stderr
    return lines[0]


def test_corpus_has_every_case(hostile: dict[str, Path]) -> None:
    assert set(hostile) == {*FAILS, *WARNS, "consistent_old_l2a"}


@pytest.mark.parametrize("case", sorted(FAILS))
def test_hostile_input_is_refused_in_bounds(
    hostile: dict[str, Path], case: str, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    code, _, stderr, peak = run_bounded(tmp_path, "build", hostile[case], "-o", out, "-q")
    assert code == 1, stderr
    assert re.search(FAILS[case], one_error_line(stderr)), stderr
    assert peak < MEMORY_LIMIT_KB, f"peak {peak >> 10} MB"
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["peak.txt"]


@pytest.mark.parametrize("case", sorted(FAILS))
def test_inspect_obeys_the_same_bounds(hostile: dict[str, Path], case: str, tmp_path: Path) -> None:
    code, stdout, stderr, peak = run_bounded(tmp_path, "inspect", hostile[case])
    assert code == 1, stderr
    assert re.search(FAILS[case], stdout), stdout
    assert "\x1b" not in stdout
    assert peak < MEMORY_LIMIT_KB, f"peak {peak >> 10} MB"


def test_hostile_input_leaves_the_previous_site(hostile: dict[str, Path], tmp_path: Path) -> None:
    site = build([L3_UP], tmp_path / "site", quiet=True).output
    before = digest(site)
    for case in ("member_with_lying_size", "overflowing_velocity", "huge_field"):
        code, _, stderr, _ = run_bounded(tmp_path, "build", hostile[case], "-o", site, "-q")
        assert code == 1, stderr
        assert digest(site) == before, case


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.mark.parametrize("case", sorted(WARNS))
def test_contradictions_warn_label_by_the_data_and_strict_refuses(
    hostile: dict[str, Path], case: str, tmp_path: Path
) -> None:
    warning, layer = WARNS[case]
    code, _, stderr, _ = run_bounded(tmp_path, "build", hostile[case], "-o", tmp_path / "s", "-q")
    assert code == 0, stderr
    assert re.search("^Warning: .*" + warning, stderr, re.MULTILINE), stderr
    assert "\x1b" not in stderr and len(stderr.strip().splitlines()) == 1
    manifest = (tmp_path / "s" / "data" / "manifest.json").read_text()
    assert f'"id": "{layer}"' in manifest
    code, _, stderr, _ = run_bounded(
        tmp_path, "build", hostile[case], "-o", tmp_path / "strict", "-q", "--strict"
    )
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert code == 1 and len(errors) == 1, stderr
    assert re.search("--strict: .*" + warning, errors[0]), stderr


def test_name_columns_and_dates_that_agree_give_no_warning(
    hostile: dict[str, Path], tmp_path: Path
) -> None:
    code, _, stderr, _ = run_bounded(
        tmp_path, "build", hostile["consistent_old_l2a"], "-o", tmp_path / "s", "-q", "--strict"
    )
    assert code == 0 and stderr == ""
    assert '"id": "l2a-2019-2023-desc"' in (tmp_path / "s" / "data" / "manifest.json").read_text()


def test_limits_are_raised_by_options(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"the CSV is 12.6M, over the 1M limit .*--max-csv-size 12.7M"
    ):
        build([L2B_ASC], tmp_path / "a", quiet=True, max_csv_size=1 << 20)
    with pytest.raises(InputError, match=r"inflates 4 times .*pass --max-zip-ratio 4\)"):
        build([L2B_ASC], tmp_path / "b", quiet=True, max_zip_ratio=3)
    result = build([L2B_ASC], tmp_path / "c", quiet=True, max_csv_size=14 << 20, max_zip_ratio=4)
    assert result.points > 0


# when the input is rewritten: once the build has read its header (its staging directory is
# there), at once or 0.3 s later, or once its first pass has written tile features (the whole
# build takes about 1 s, so a fixed 0.8 s sometimes came after its last read)
REWRITE_WHEN = [("data", 0.0), ("data", 0.3), (".work/*-features/*.geojsonl", 0.0)]


@pytest.mark.parametrize(("marker", "delay"), REWRITE_WHEN, ids=["header", "0.3s", "features"])
def test_a_file_rewritten_during_the_build_stops_it(
    tmp_path: Path, marker: str, delay: float
) -> None:
    """The input is rewritten (same name, new content) while the build reads it."""
    source = tmp_path / "in" / L2B_DESC.name
    source.parent.mkdir()
    source.write_bytes(L2B_DESC.read_bytes())
    site = build([L3_UP], tmp_path / "site", quiet=True).output
    before = digest(site)

    def rewrite_once_building() -> None:
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob(f".site.building-*/{marker}")) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        source.write_bytes(L2B_ASC.read_bytes())

    writer = threading.Thread(target=rewrite_once_building)
    writer.start()
    try:
        with pytest.raises(InputError, match="the file changed while it was being read") as error:
            build([source, L3_UP], site, quiet=True)
    finally:
        writer.join()
    assert str(source) in str(error.value)
    assert digest(site) == before
