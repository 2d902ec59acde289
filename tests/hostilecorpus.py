"""Hostile inputs, as an attacker or a careless user would make them: ZIP bombs, lying ZIP
headers, unsupported compression, giant headers and fields, bytes that are not text, numbers
pyarrow will not parse or that are not finite, files whose name says another release or level.

Each case writes its input under `folder` and returns its path; the bombs are built from
deflate blocks repeated (a block ended by a full flush does not refer to what came before), so
a file of a few MB inflates to GBs without the test ever holding them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from badcorpus import L2_NAME, column, drop_column, l2_rows, make_zip, write_rows
from conftest import a_year_earlier

GB = 1 << 30


def csv_text(rows: list[list[str]]) -> bytes:
    return "".join(",".join(row) + "\n" for row in rows).encode()


def raw_zip(path: Path, name: str, data: bytes, size: int, crc: int, method: int = 8) -> Path:
    """A ZIP of one member whose compressed bytes, declared size and CRC are given as is
    (sizes past 4 GB in a Zip64 extra field)."""
    encoded = name.encode()
    extra = struct.pack("<2H2Q", 1, 16, size, len(data)) if size >= 0xFFFFFFFF else b""
    sizes = (0xFFFFFFFF, 0xFFFFFFFF) if extra else (len(data), size)
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 45, 0x800, method, 0, 0, crc, *sizes,
                        len(encoded), len(extra))  # fmt: skip
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 45, 45, 0x800, method, 0, 0, crc,
                          *sizes, len(encoded), len(extra), 0, 0, 0, 0, 0)  # fmt: skip
    start = len(local) + len(encoded) + len(extra) + len(data)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1,
                      len(central) + len(encoded) + len(extra), start, 0)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    head = local + encoded + extra
    path.write_bytes(head + data + central + encoded + extra + end)
    return path


def repeated_deflate(head: bytes, block: bytes, times: int) -> tuple[bytes, int]:
    """Raw deflate of `head` + `block` * `times`, and its inflated size."""
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    again = zlib.compressobj(9, zlib.DEFLATED, -15)
    middle = again.compress(block) + again.flush(zlib.Z_FULL_FLUSH)
    return start + middle * times + b"\x03\x00", len(head) + len(block) * times


def endless_rows(size: int) -> tuple[bytes, int]:
    """A valid header and rows, then one valid row with no dates repeated up to `size` bytes."""
    rows = l2_rows(50)
    empty = ",".join(rows[50][:30]) + "," * (len(rows[0]) - 30) + "\n"
    block = empty.encode() * 2000  # ~1 MB; one row, so deflate refers back to itself
    return repeated_deflate(csv_text(rows[:50]), block, size // len(block))


def member_of_many_gb(folder: Path) -> Path:
    """An honest header: 5 GB of valid rows declared and delivered (a classic bomb)."""
    data, size = endless_rows(5 * GB)
    return raw_zip(folder / "bomb_declared" / f"{L2_NAME}.zip", f"{L2_NAME}.csv", data, size, 0)


def member_with_lying_size(folder: Path) -> Path:
    """Declares four times its compressed size, as EGMS files do, and inflates to 4 GB: only
    reading can catch it."""
    data, _ = endless_rows(4 * GB)
    declared = len(data) * 4
    return raw_zip(folder / "bomb_lying" / f"{L2_NAME}.zip", f"{L2_NAME}.csv", data, declared, 0)


def member_of_high_ratio(folder: Path) -> Path:
    """Under the size limit but hundreds of times its compressed size."""
    data, size = endless_rows(1 * GB)
    return raw_zip(folder / "bomb_ratio" / f"{L2_NAME}.zip", f"{L2_NAME}.csv", data, size, 0)


def zstd_member(folder: Path) -> Path:
    text = csv_text(l2_rows(5))
    return raw_zip(folder / "zstd" / f"{L2_NAME}.zip", f"{L2_NAME}.csv", text, len(text),
                   zlib.crc32(text), method=93)  # fmt: skip


def member_name_with_newline(folder: Path) -> Path:
    text = csv_text(l2_rows(5))
    return make_zip(folder / "newline_member" / "download.zip", {"a\nb.csv": text, "c.csv": text})


def wide_header(folder: Path) -> Path:
    names = ["pid", "latitude", "longitude", "mean_velocity"] + [f"c{i}" for i in range(100_000)]
    return write_rows(folder / "wide_header" / f"{L2_NAME}.csv", [names, ["a"] * len(names)])


def long_header(folder: Path) -> Path:
    rows = l2_rows(3)
    rows[0][-1] += " " * (2 << 20)
    return write_rows(folder / "long_header" / f"{L2_NAME}.csv", rows)


def edited_far(folder: Path, name: str, line: int, field: str, value: str) -> Path:
    """The first 300 rows with one field of file line `line` replaced by `value`."""
    rows = l2_rows()
    rows[line - 1][column(rows, field)] = value
    return write_rows(folder / name / f"{L2_NAME}.csv", rows)


def huge_field(folder: Path) -> Path:
    return edited_far(folder, "huge_field", 250, "20200115", "1" * (50 << 20))


def invalid_utf8_pid(folder: Path) -> Path:
    path = edited_far(folder, "invalid_utf8_pid", 200, "pid", "PIDMARKER1")
    path.write_bytes(path.read_bytes().replace(b"PIDMARKER1", b"P\xff\xfeD"))
    return path


def underscore_number(folder: Path) -> Path:
    return edited_far(folder, "underscore_number", 150, "mean_velocity", "1_000")


def infinite_velocity(folder: Path) -> Path:
    return edited_far(folder, "infinite_velocity", 120, "mean_velocity", "inf")


def overflowing_velocity(folder: Path) -> Path:
    return edited_far(folder, "overflowing_velocity", 220, "mean_velocity", "1e400")


def infinite_displacement(folder: Path) -> Path:
    return edited_far(folder, "infinite_displacement", 280, "20200115", "-Infinity")


def escape_in_column_name(folder: Path) -> Path:
    rows = l2_rows()
    rows[0][column(rows, "amplitude_dispersion")] = "\x1b]0;owned\x07\x1b[31mred"
    return write_rows(folder / "escape_column" / f"{L2_NAME}.csv", rows)


def period_named_wrongly(folder: Path) -> Path:
    """2020-2024 dates in a file named 2018-2022."""
    name = L2_NAME.replace("2020_2024", "2018_2022")
    return write_rows(folder / "period_named_wrongly" / f"{name}.csv", l2_rows())


def level_named_wrongly(folder: Path) -> Path:
    """A calibrated burst renamed L2a, ZIP, CSV and XML names alike: its XML still says L2b."""
    name = L2_NAME.replace("L2b", "L2a")
    xml = b"<?xml version='1.0'?>\n<BURST>\n  <product_level>L2b</product_level>\n</BURST>\n"
    members = {f"{name}.csv": csv_text(l2_rows()), f"{name}.xml": xml}
    return make_zip(folder / "level_named_wrongly" / f"{name}.zip", members)


def basic_named_calibrated(folder: Path) -> Path:
    """A CSV named L2b with L2a's cluster_label column."""
    rows = l2_rows()
    rows[0].insert(1, "cluster_label")
    for row in rows[1:]:
        row.insert(1, "1")
    return write_rows(folder / "basic_named_calibrated" / f"{L2_NAME}.csv", rows)


def consistent_old_l2a(folder: Path) -> Path:
    """An L2a of 2019-2023 whose name, columns and dates agree: no warning."""
    rows = l2_rows()
    drop_column(rows, "gnss_velocity")
    rows[0] = a_year_earlier(rows[0])
    name = L2_NAME.replace("L2b", "L2a").replace("2020_2024", "2019_2023")
    return write_rows(folder / "consistent_old_l2a" / f"{name}.csv", rows)


CASES: dict[str, Callable[[Path], Path]] = {
    case.__name__: case
    for case in (
        member_of_many_gb, member_with_lying_size, member_of_high_ratio, zstd_member,
        member_name_with_newline, wide_header, long_header, huge_field, invalid_utf8_pid,
        underscore_number, infinite_velocity, overflowing_velocity, infinite_displacement,
        escape_in_column_name,
        period_named_wrongly, level_named_wrongly, basic_named_calibrated, consistent_old_l2a,
    )
}  # fmt: skip
