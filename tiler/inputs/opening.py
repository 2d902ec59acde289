"""Open an EGMS file's CSV bytes, a plain file or its ZIP member, within the read limits.

The checks a hostile file meets before any row is parsed: one CSV in the ZIP, a method egms-tiler
can read, a declared size and compression ratio under the limits (`tiler/limits.py`), comment
lines bounded, the file unchanged while it is read. Also the streaming pyarrow reader the header
scan and the row reader share.
"""

from __future__ import annotations

import io
import math
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from tiler.errors import InputError
from tiler.inputs.zipmember import READ_SIZE, DeflatedMember, can_inflate
from tiler.limits import DEFAULT_LIMITS, InputLimits

COMMENT = b"#"  # before the header: egms-tiler's own exports (EGMS files have none)
MAX_COMMENT_LINES = 100
READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, pa.ArrowInvalid)
NULL_VALUES = ["", "nan", "NaN", "NA"]
READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {9: "deflate64", 93: "zstd", 95: "xz", 98: "ppmd", 99: "AES encryption"}


@contextmanager
def open_csv_bytes(path: Path, member: str | None) -> Iterator[IO[bytes]]:
    """Open the CSV bytes of a plain file or of one ZIP member, at its header line (after the
    `#` comment lines an export may start with)."""
    with open_raw(path, member) as stream:
        skip_comments(path, stream)
        yield stream


def skip_comments(path: Path, stream: IO[bytes], limits: InputLimits = DEFAULT_LIMITS) -> int:
    """Skip the lines starting with `#` before the header, as pandas' comment='#' would; how
    many there were. Bounded like the header line: a hostile file costs no more."""
    count = 0
    while cast(io.BufferedReader, stream).peek(1)[:1] == COMMENT:
        if count == MAX_COMMENT_LINES:
            raise InputError(path, f"more than {MAX_COMMENT_LINES} comment lines (#) before the "
                             "header", "pass an EGMS file", line=count + 1)  # fmt: skip
        if len(stream.readline(limits.header_bytes + 1)) > limits.header_bytes:
            raise InputError(path, f"a comment line is longer than {limits.header_bytes:,} "
                             "bytes", "pass an EGMS file", line=count + 1)  # fmt: skip
        count += 1
    return count


@contextmanager
def open_raw(path: Path, member: str | None) -> Iterator[IO[bytes]]:
    try:
        if member is None:
            with open(path, "rb") as stream:
                yield stream
        else:
            with zipfile.ZipFile(path) as archive:
                info = member_info(archive, path, member)
                if not can_inflate(info):
                    with archive.open(info) as stream:
                        yield stream
                    return
            with io.BufferedReader(DeflatedMember(path, info), READ_SIZE) as stream:
                yield stream
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputError(path, f"damaged ZIP archive ({exc})", "download the file again") from exc


def member_info(archive: zipfile.ZipFile, path: Path, member: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(member)
    except KeyError:
        fix = "check that nothing replaces the file during the build"
        raise InputError(path, f"the ZIP holds no {member} any more", fix) from None


def csv_member(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> str | None:
    """The CSV inside a ZIP (None for a plain CSV); errors name what the archive holds.

    The member's declared size and compression ratio are checked against `limits` here; its
    actual inflated size is held to the declared one as it is read (`zipmember`).
    """
    if path.suffix.lower() != ".zip":
        check_size(path, path.stat().st_size, limits)
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(path, "not a readable ZIP archive (truncated or damaged download?)",
                         "download the file again") from exc  # fmt: skip
    csvs = [i for i in infos if i.filename.lower().endswith(".csv")]
    if len(csvs) > 1:
        csvs = [i for i in csvs if Path(i.filename).stem == path.stem] or csvs
    if len(csvs) != 1:
        found = ", ".join(i.filename for i in infos[:5]) or "nothing"
        raise InputError(path, f"expected one CSV inside the ZIP, found {found}",
                         "pass an EGMS download (.zip with one .csv)")  # fmt: skip
    check_member(path, csvs[0], limits)
    return csvs[0].filename


def check_member(path: Path, info: zipfile.ZipInfo, limits: InputLimits) -> None:
    """Refuse a member that cannot be read, or would inflate past the limits (a ZIP bomb)."""
    where = f"{path}!{info.filename}"
    if info.flag_bits & 0x1:
        raise InputError(where, "the ZIP member is encrypted", "pass the unencrypted download")
    if info.compress_type not in READABLE_METHODS:
        method = METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise InputError(where, f"compressed with {method}, which egms-tiler cannot read",
                         "extract it with a tool that can and pass the .csv")  # fmt: skip
    check_size(where, info.file_size, limits)
    ratio = info.file_size / max(info.compress_size, 1)
    if info.compress_type != zipfile.ZIP_STORED and ratio > limits.zip_ratio:
        raise InputError(where, f"inflates {ratio:.0f} times its compressed size (EGMS files "
                         f"about 4 times; a ZIP bomb?)", f"if the file is genuine, pass "
                         f"--max-zip-ratio {ratio:.0f}")  # fmt: skip


def check_size(where: Path | str, size: int, limits: InputLimits) -> None:
    if size > limits.csv_bytes:
        problem = f"the CSV is {human(size)}, over the {human(limits.csv_bytes)} limit"
        fix = f"if the file is genuine, pass --max-csv-size {human(size, up=True)}"
        raise InputError(where, f"{problem} (an EGMS burst is at most ~1 GB)", fix)


def human(size: int, up: bool = False) -> str:
    """'1.2G', '350M', '4K': a size as --max-csv-size takes it (`up`: rounded up, not off)."""
    unit, scale = next((u, s) for u, s in (("G", 30), ("M", 20), ("K", 10), ("", 0))
                       if size >= 1 << s or not s)  # fmt: skip
    value = size / (1 << scale)
    return f"{math.ceil(value * 10) / 10 if up else round(value, 1):g}{unit}"


def file_stamp(path: Path) -> tuple[int, int, int]:
    """Size, modification time and inode: what changes when a file is rewritten or replaced."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror})", "check the path") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, f"not a regular file (a {file_kind(info.st_mode)})",
                         "pass EGMS .zip or .csv files")  # fmt: skip
    return info.st_size, info.st_mtime_ns, info.st_ino


def file_kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
             (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")]  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "special file")


def check_stamp(path: Path, stamp: tuple[int, int, int], now: tuple[int, int, int]) -> None:
    if now != stamp:
        raise InputError(path, "the file changed while it was being read",
                         "let whatever writes it finish, then build again")  # fmt: skip


def open_reader(stream: IO[bytes], include: list[str], block_size: int) -> pacsv.CSVStreamingReader:
    """A streaming CSV reader; it parses the first block at once, so it may raise READ_ERRORS."""
    types = {name: (pa.string() if name == "pid" else pa.float64()) for name in include}
    return pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(block_size=block_size),
        convert_options=pacsv.ConvertOptions(
            include_columns=include,
            column_types=types,
            null_values=NULL_VALUES,
            strings_can_be_null=False,
        ),
    )


def float_column(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)
