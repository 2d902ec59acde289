"""The bad-input corpus: damaged, edited and odd EGMS files, generated from the real samples.

`write_corpus(folder)` writes every case; each case is named after what is wrong with it.
Small inputs (the L3 tile, or the first rows of an L2b burst) keep the tests fast.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

from conftest import L2B_DESC, L3_UP

L2_NAME = "EGMS_L2b_022_0845_IW2_VV_2020_2024_1"
L3_NAME = L3_UP.stem
ROWS = 300  # rows of the L2b burst used for the row-level cases


def l2_rows(count: int = ROWS) -> list[list[str]]:
    """Header + the first `count` rows of the descending L2b burst, as lists of fields."""
    with zipfile.ZipFile(L2B_DESC) as archive, archive.open(f"{L2_NAME}.csv") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        return [row for _, row in zip(range(count + 1), reader, strict=False)]


def write_rows(path: Path, rows: list[list[str]], sep: str = ",", end: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(end.join(sep.join(row) for row in rows).encode() + end.encode())
    return path


def edited(folder: Path, name: str, edit: Callable[[list[list[str]]], None]) -> Path:
    rows = l2_rows()
    edit(rows)
    return write_rows(folder / name / f"{L2_NAME}.csv", rows)


def column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


def drop_column(rows: list[list[str]], name: str) -> None:
    index = column(rows, name)
    for row in rows:
        del row[index]


# --- cases --------------------------------------------------------------------------------------


def truncated_zip(folder: Path) -> Path:
    target = folder / "truncated_zip" / L3_UP.name
    target.parent.mkdir(parents=True)
    target.write_bytes(L3_UP.read_bytes()[: L3_UP.stat().st_size // 2])
    return target


def corrupt_zip(folder: Path) -> Path:
    data = bytearray(L3_UP.read_bytes())
    for offset in range(2000, 6000):
        data[offset] ^= 0x5A
    target = folder / "corrupt_zip" / L3_UP.name
    target.parent.mkdir(parents=True)
    target.write_bytes(bytes(data))
    return target


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def zip_without_csv(folder: Path) -> Path:
    return make_zip(folder / "zip_without_csv" / L3_UP.name, {f"{L3_NAME}.xml": b"<TILE/>"})


def zip_with_two_csvs(folder: Path) -> Path:
    data = write_rows(folder / "tmp.csv", l2_rows(5)).read_bytes()
    (folder / "tmp.csv").unlink()
    return make_zip(folder / "zip_with_two_csvs" / "download.zip", {"a.csv": data, "b.csv": data})


def empty_file(folder: Path) -> Path:
    return write_rows(folder / "empty_file" / f"{L2_NAME}.csv", [[]], end="")


def header_only(folder: Path) -> Path:
    return write_rows(folder / "header_only" / f"{L2_NAME}.csv", l2_rows(0))


def not_egms(folder: Path) -> Path:
    return write_rows(folder / "not_egms" / "prices.csv", [["date", "price"], ["2020-01-01", "3"]])


def no_latitude(folder: Path) -> Path:
    return edited(folder, "no_latitude", lambda rows: drop_column(rows, "latitude"))


def no_velocity(folder: Path) -> Path:
    return edited(folder, "no_velocity", lambda rows: drop_column(rows, "mean_velocity"))


def duplicate_column(folder: Path) -> Path:
    def edit(rows: list[list[str]]) -> None:
        rows[0][column(rows, "rmse_ts")] = "height_ortho"

    return edited(folder, "duplicate_column", edit)


def ragged_row(folder: Path) -> Path:
    return edited(folder, "ragged_row", lambda rows: rows[41].pop())  # line 42


def text_in_number(folder: Path) -> Path:
    def edit(rows: list[list[str]]) -> None:
        rows[99][column(rows, "20200115")] = "abc"  # line 100

    return edited(folder, "text_in_number", edit)


def null_tokens(folder: Path) -> Path:
    def edit(rows: list[list[str]]) -> None:
        for offset, token in enumerate(["", "nan", "NaN", "NA"]):
            rows[10][column(rows, "20200115") + offset] = token

    return edited(folder, "null_tokens", edit)


def off_the_globe(folder: Path) -> Path:
    def edit(rows: list[list[str]]) -> None:
        rows[20][column(rows, "latitude")] = "138.7"  # line 21
        rows[30][column(rows, "longitude")] = ""

    return edited(folder, "off_the_globe", edit)


def crlf(folder: Path) -> Path:
    rows = l2_rows()
    return write_rows(folder / "crlf" / f"{L2_NAME}.csv", rows, end="\r\n")


def bom(folder: Path) -> Path:
    path = write_rows(folder / "bom" / f"{L2_NAME}.csv", l2_rows())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return path


def semicolons(folder: Path) -> Path:
    rows = [[field.replace(".", ",") for field in row] for row in l2_rows()]
    return write_rows(folder / "semicolons" / f"{L2_NAME}.csv", rows, sep=";")


def duplicate_pid(folder: Path) -> Path:
    return edited(folder, "duplicate_pid", lambda rows: rows.append(list(rows[5])))


def same_file_twice(folder: Path) -> Path:
    target = folder / "same_file_twice"
    for sub in ("a", "b"):
        (target / sub).mkdir(parents=True)
        shutil.copy(L3_UP, target / sub / L3_UP.name)
    return target


def unicode_and_spaces(folder: Path) -> Path:
    target = folder / "unicode and spaces" / "Données sismiques ü" / L3_UP.name
    target.parent.mkdir(parents=True)
    shutil.copy(L3_UP, target)
    return target


def huge_value(folder: Path) -> Path:
    def edit(rows: list[list[str]]) -> None:
        rows[7][column(rows, "20200121")] = "1e12"  # line 8

    return edited(folder, "huge_value", edit)


CASES: dict[str, Callable[[Path], Path]] = {
    case.__name__: case
    for case in (
        truncated_zip, corrupt_zip, zip_without_csv, zip_with_two_csvs, empty_file, header_only,
        not_egms, no_latitude, no_velocity, duplicate_column, ragged_row, text_in_number,
        null_tokens, off_the_globe, crlf, bom, semicolons, duplicate_pid, same_file_twice,
        unicode_and_spaces, huge_value,
    )
}  # fmt: skip


def write_corpus(folder: Path) -> dict[str, Path]:
    """Every case under `folder` (emptied first); returns the input path of each case."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return {name: make(folder) for name, make in CASES.items()}
