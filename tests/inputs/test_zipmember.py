"""Reading deflated ZIP members with ISA-L: the same bytes as zipfile, and damage detected."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.inputs.zipmember import DeflatedMember, can_inflate


def zipped(path: Path, data: bytes, level: int = 6) -> zipfile.ZipInfo:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("member.csv", data)
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo("member.csv")


def read_all(path: Path, info: zipfile.ZipInfo, size: int = 8192) -> bytes:
    with io.BufferedReader(DeflatedMember(path, info), size) as stream:
        return stream.read()


@settings(max_examples=40, deadline=None)
@given(
    st.binary(max_size=20_000)
    | st.text(alphabet="0123456789,.-\n", max_size=300_000).map(str.encode),
    st.integers(1, 9),
    st.integers(1, 70_000),
)
def test_the_same_bytes_as_zipfile(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                                   level: int, size: int) -> None:  # fmt: skip
    path = tmp_path_factory.mktemp("zip") / "a.zip"
    info = zipped(path, data, level)
    assert can_inflate(info)
    assert read_all(path, info, size) == data


def test_a_truncated_member_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    info = zipped(path, bytes(range(256)) * 4000)
    raw = path.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(raw[: info.header_offset + 30 + len("member.csv") + info.compress_size // 2])
    with pytest.raises((EOFError, zipfile.BadZipFile)):
        read_all(cut, info)


def test_a_changed_byte_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    info = zipped(path, b"1,2,3\n" * 50_000)
    raw = bytearray(path.read_bytes())
    raw[info.header_offset + 30 + len("member.csv") + info.compress_size // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(zipfile.BadZipFile):
        read_all(path, info)


def test_stored_members_are_left_to_zipfile(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("member.csv", b"a,b\n")
    with zipfile.ZipFile(path) as archive:
        assert not can_inflate(archive.getinfo("member.csv"))
