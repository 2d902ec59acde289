"""Read a deflated ZIP member with ISA-L's inflate: ~3x zlib's, and a build reads each ZIP twice.

The member's sizes and CRC-32 come from the central directory (`zipfile.ZipInfo`); the data is
inflated as it is read and checked against them at its end, as `zipfile` does.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from typing import cast

from isal import isal_zlib

LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra field length
LOCAL_SIGNATURE = b"PK\x03\x04"
READ_SIZE = 1 << 20
INFLATE_ERROR = cast(type[Exception], isal_zlib.error)


def can_inflate(info: zipfile.ZipInfo) -> bool:
    """A plain deflated member (not encrypted): what `DeflatedMember` reads."""
    return info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1


class DeflatedMember(io.RawIOBase):
    """The uncompressed bytes of one member; damage raises `zipfile.BadZipFile` or `EOFError`."""

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        super().__init__()
        self.info = info
        self.file = open(path, "rb")  # noqa: SIM115 (closed by close())
        self.file.seek(info.header_offset)
        signature, name_length, extra_length = LOCAL_HEADER.unpack(
            self.file.read(LOCAL_HEADER.size).ljust(LOCAL_HEADER.size, b"\0")
        )
        if signature != LOCAL_SIGNATURE:
            raise zipfile.BadZipFile(f"bad local header of {info.filename}")
        self.file.seek(name_length + extra_length, io.SEEK_CUR)
        self.compressed_left = info.compress_size
        self.inflater = isal_zlib.decompressobj(-15)
        self.pending = memoryview(b"")
        self.crc = 0
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.pending:
            if self.inflater.eof:
                return 0
            self._inflate(len(buffer))
        count = min(len(buffer), len(self.pending))
        buffer[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        return count

    def _inflate(self, wanted: int) -> None:
        data = self.inflater.unconsumed_tail or self._read_compressed()
        try:
            out = self.inflater.decompress(data, max(wanted, READ_SIZE))
        except INFLATE_ERROR as exc:
            raise zipfile.BadZipFile(f"{self.info.filename}: {exc}") from exc
        self.crc = isal_zlib.crc32(out, self.crc)
        self.size += len(out)
        if self.size > self.info.file_size:  # a lying header: never inflate past what it says
            raise zipfile.BadZipFile(
                f"{self.info.filename} inflates past its declared {self.info.file_size:,} bytes"
            )
        self.pending = memoryview(out)
        if self.inflater.eof:
            self._check()

    def _read_compressed(self) -> bytes:
        data = self.file.read(min(READ_SIZE, self.compressed_left))
        if not data:
            raise EOFError(f"{self.info.filename}: compressed data ended early")
        self.compressed_left -= len(data)
        return data

    def _check(self) -> None:
        if self.size != self.info.file_size or self.crc != self.info.CRC:
            raise zipfile.BadZipFile(f"bad CRC-32 or size for {self.info.filename}")

    def close(self) -> None:
        self.file.close()
        super().close()
