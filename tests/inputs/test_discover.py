"""INPUT arguments -> input files (tiler/inputs/discover.py): files, folders, globs, duplicates."""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import L2B_ASC, L2B_DESC, L3_EAST, L3_UP
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tiler.errors import InputError
from tiler.inputs.discover import discover

EGMS_FILES = (
    "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip",
    "EGMS_L2a_001_0280_IW3_VV.zip",
    "EGMS_L3_E45N17_100km_U_2020_2024_1.csv",
    "nested/deeper/EGMS_L3_E45N17_100km_E_2019_2023_2.zip",
)
OTHER_FILES = (
    "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.xml",  # EGMS name, not data
    "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.md5",
    "EGMS_L3_E45N17_100km_U_2020_2024_1.tif",
    "my_export.csv",  # data, but no EGMS name
    "notes.zip",
    "README.md",
    "nested/EGMS_L2b_117_0227_IW2_VV_2020_2024_1.zip.part",
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A download folder: EGMS data files among other files, some in sub-folders."""
    for name in (*EGMS_FILES, *OTHER_FILES):
        path = tmp_path / "downloads" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    (tmp_path / "downloads" / "EGMS_L2b_999_0001_IW1_VV.zip").mkdir()  # a folder, not a file
    return tmp_path / "downloads"


def _under(root: Path, names: tuple[str, ...] | list[str]) -> list[Path]:
    return sorted((root / name).resolve() for name in names)


def _input_error(inputs: list[str | Path]) -> InputError:
    with pytest.raises(InputError) as caught:
        discover(inputs)
    return caught.value


def test_files_are_taken_as_given_sorted_and_absolute() -> None:
    found = discover([L3_UP, str(L2B_DESC), L2B_ASC, L3_EAST])
    assert found == sorted(p.resolve() for p in (L2B_DESC, L2B_ASC, L3_UP, L3_EAST))
    assert all(p.is_absolute() for p in found)


def test_a_named_file_needs_no_egms_name(tree: Path) -> None:
    assert discover([tree / "my_export.csv"]) == _under(tree, ["my_export.csv"])


def test_directory_contributes_only_egms_named_data_files(tree: Path) -> None:
    assert discover([tree]) == _under(tree, EGMS_FILES)


def test_directory_of_the_real_samples() -> None:
    found = discover([L2B_DESC.parent])
    assert found == sorted(p.resolve() for p in (L2B_DESC, L2B_ASC, L3_UP, L3_EAST))


def test_directory_without_egms_files(tree: Path) -> None:
    empty = tree / "nothing here"
    empty.mkdir()
    (empty / "my_export.csv").write_bytes(b"x")
    error = _input_error([empty])
    assert error.path == str(empty) and "no EGMS" in error.problem, str(error)


def test_glob(tree: Path) -> None:
    found = discover([str(tree / "*.zip")])
    expected = ["EGMS_L2a_001_0280_IW3_VV.zip", EGMS_FILES[0], "notes.zip"]
    assert found == _under(tree, expected), "a pattern takes any .zip it matches"


def test_glob_keeps_only_zip_and_csv_files(tree: Path) -> None:
    found = discover([str(tree / "EGMS_*")])
    assert found == _under(tree, EGMS_FILES[:3]), "no .xml, .md5, .tif, nor folders"


def test_recursive_glob(tree: Path) -> None:
    found = discover([str(tree / "**" / "EGMS_L3_*")])
    assert found == _under(tree, [EGMS_FILES[2], EGMS_FILES[3]])


def test_relative_glob(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    assert discover(["*.csv"]) == _under(tree, [EGMS_FILES[2], "my_export.csv"])


def test_glob_matching_nothing(tree: Path) -> None:
    pattern = str(tree / "*.tiff")
    error = _input_error([pattern])
    assert error.path == pattern and "matches" in error.problem, str(error)


def test_duplicates_collapse(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    name = EGMS_FILES[0]
    link = tree / "link.zip"
    link.symlink_to(tree / name)
    inputs: list[str | Path] = [name, tree / name, f"./{name}", f"nested/../{name}", link]
    inputs += [str(tree / "EGMS_L2b_*.zip"), tree]
    assert discover(inputs) == _under(tree, EGMS_FILES)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(EGMS_FILES), min_size=1))
def test_any_order_and_repetition_gives_the_same_sorted_set(tree: Path, names: list[str]) -> None:
    assert discover([tree / n for n in names]) == _under(tree, sorted(set(names)))


def test_missing_path_is_named(tree: Path) -> None:
    missing = tree / "EGMS_L2b_022_0845_IW2_VV_2020_2024_2.zip"
    error = _input_error([tree / EGMS_FILES[0], missing])
    assert error.path == str(missing), str(error)
    assert str(missing) in str(error) and "no such file" in error.problem


def test_no_inputs() -> None:
    error = _input_error([])
    assert "no input files" in error.problem


def test_links_out_of_an_input_directory_are_never_followed_silently(tmp_path: Path) -> None:
    inside, outside = tmp_path / "in", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    shutil.copy(L3_UP, outside / L3_UP.name)
    shutil.copy(L3_EAST, inside / L3_EAST.name)
    (inside / "more").symlink_to(outside, target_is_directory=True)
    (inside / "EGMS_L3_E45N17_100km_U_2020_2024_2.zip").symlink_to(outside / L3_UP.name)
    warnings: list[object] = []
    files = discover([inside], warnings.append)
    assert files == sorted([(inside / L3_EAST.name).resolve(), (outside / L3_UP.name).resolve()])
    messages = sorted(str(w) for w in warnings)
    assert len(messages) == 2
    assert "link out of" in messages[0] and f"read {outside / L3_UP.name}" in messages[0]
    assert "linked directory" in messages[1] and "not searched" in messages[1]


# --- hostile trees: link loops, FIFOs, devices --------------------------------------------------


def test_a_directory_with_link_loops_is_searched_once(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(L3_UP, folder / "sub" / L3_UP.name)
    (folder / "up").symlink_to("..", target_is_directory=True)
    (folder / "sub" / "again").symlink_to("..", target_is_directory=True)
    (folder / "a").symlink_to("b")
    (folder / "b").symlink_to("a")
    (folder / "EGMS_L3_E45N17_100km_U_2020_2024_2.zip").symlink_to("self-loop")
    (folder / "self-loop").symlink_to("EGMS_L3_E45N17_100km_U_2020_2024_2.zip")
    warnings: list[object] = []
    assert discover([folder], warnings.append) == [(folder / "sub" / L3_UP.name).resolve()]
    messages = sorted(str(w) for w in warnings)
    assert len(messages) == 3, messages
    assert "link to nothing (dangling, or a loop), not read" in messages[0]
    assert all("not searched" in m for m in messages[1:])


def test_a_recursive_glob_does_not_enter_linked_directories(tmp_path: Path) -> None:
    """Two links to `..` made glob.glob's `**` walk 2^40 paths."""
    folder = tmp_path / "downloads" / "deep"
    folder.mkdir(parents=True)
    shutil.copy(L3_UP, folder / L3_UP.name)
    (folder / "up1").symlink_to("..", target_is_directory=True)
    (folder / "up2").symlink_to("..", target_is_directory=True)
    (tmp_path / "downloads" / ".hidden").mkdir()
    shutil.copy(L3_UP, tmp_path / "downloads" / ".hidden" / L3_UP.name)
    started = time.perf_counter()
    found = discover([str(tmp_path / "downloads" / "**" / "*.zip")])
    assert found == [(folder / L3_UP.name).resolve()], "and, as glob, no hidden folder"
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (os.mkfifo, "a FIFO"),
        (lambda p: bound_socket(p).close(), "a socket"),
    ],
    ids=["fifo", "socket"],
)
def test_a_special_file_is_named_and_never_opened(
    tmp_path: Path, make: Callable[[Path], None], kind: str
) -> None:
    path = tmp_path / L3_UP.name
    make(path)
    error = _input_error([path])
    assert error.problem == f"not a regular file ({kind})", str(error)
    assert error.fix
    warnings: list[object] = []
    with pytest.raises(InputError, match="no EGMS"):
        discover([tmp_path], warnings.append)
    assert [str(w) for w in warnings] == [
        f"{path}: not a regular file ({kind}), not read "
        "(replace it with the EGMS file, or remove it)"
    ]


def bound_socket(path: Path) -> socket.socket:
    """A Unix socket bound at `path`, by its name from its folder: a socket's path is limited to
    107 bytes, which a deep --basetemp (pytest-xdist's popen-gwN/) passes."""
    sock = socket.socket(socket.AF_UNIX)
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        sock.bind(path.name)
    finally:
        os.chdir(here)
    return sock


def test_a_device_is_named() -> None:
    error = _input_error(["/dev/null"])
    assert str(error) == (
        "/dev/null: not a regular file (a character device) "
        "(give an EGMS .zip or .csv file, or a directory of them)"
    )


def test_a_link_loop_and_a_name_too_long_are_named(tmp_path: Path) -> None:
    (tmp_path / "loop.zip").symlink_to("loop.zip")
    assert _input_error([tmp_path / "loop.zip"]).problem == "symbolic link loop"
    long = tmp_path / ("a" * 256 + ".zip")
    assert _input_error([long]).problem == "file name too long"
