"""The EGMS point ID (`pid`, docs/egms-format.md#point-ids): a 10-character base-62 code.

    L2: <facility:1><burst_code:4><line·2¹⁶ + pixel:5>
        burst_code = ((track·2¹² + burst)·2² + swath)·2² + pol   (HH 0, HV 1, VH 2, VV 3)
    L3: <facility:1><floor(northing/100)·2³² + floor(easting/100):9>

Pure: scalar functions for single pids and vectorised `encode_*` for numpy arrays (the sample
writer makes millions). Decoding returns plain dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(ALPHABET)
LENGTH = 10
POLARISATIONS = ("HH", "HV", "VH", "VV")
FACILITIES = {1: "e-GEOS", 2: "GAF", 3: "NORCE", 4: "TREA"}
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_DIGIT_OF = np.full(256, -1, dtype=np.int64)
_DIGIT_OF[_ALPHABET_BYTES] = np.arange(BASE)


class PidError(ValueError):
    """A pid or one of its parts is outside what the 10-character code can hold."""


@dataclass(frozen=True, slots=True)
class L2Pid:
    facility: int
    track: int
    burst: int
    swath: int
    polarisation: str
    line: int
    pixel: int


@dataclass(frozen=True, slots=True)
class L3Pid:
    facility: int
    northing: int  # south edge of the 100 m cell, metres (EPSG:3035)
    easting: int  # west edge of the 100 m cell


def to_base62(value: int, width: int) -> str:
    """`value` in exactly `width` base-62 digits (leading zeros kept)."""
    if not 0 <= value < BASE**width:
        raise PidError(f"{value} does not fit in {width} base-62 digits")
    digits = []
    for _ in range(width):
        value, digit = divmod(value, BASE)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def from_base62(text: str) -> int:
    value = 0
    for char in text:
        if char not in _VALUE:
            raise PidError(f"{text!r} is not base 62 (0-9A-Za-z)")
        value = value * BASE + _VALUE[char]
    return value


def burst_code(track: int, burst: int, swath: int, polarisation: str) -> int:
    _check_range("track", track, 0, 1 << 12)  # 1-175 in practice; the code holds 12 bits
    _check_range("burst", burst, 0, 1 << 12)
    _check_range("swath", swath, 0, 4)
    if polarisation not in POLARISATIONS:
        raise PidError(f"polarisation {polarisation!r} is not one of {', '.join(POLARISATIONS)}")
    return ((track * (1 << 12) + burst) * 4 + swath) * 4 + POLARISATIONS.index(polarisation)


def encode_l2(pid: L2Pid) -> str:
    _check_range("facility", pid.facility, 0, BASE)
    _check_range("pixel", pid.pixel, 0, 1 << 16)
    _check_range("line", pid.line, 0, BASE**5 >> 16)
    code = burst_code(pid.track, pid.burst, pid.swath, pid.polarisation)
    return ALPHABET[pid.facility] + to_base62(code, 4) + to_base62((pid.line << 16) + pid.pixel, 5)


def decode_l2(text: str) -> L2Pid:
    _check_text(text)
    code, position = from_base62(text[1:5]), from_base62(text[5:])
    return L2Pid(
        facility=_VALUE[text[0]],
        track=code >> 16,
        burst=(code >> 4) & 0xFFF,
        swath=(code >> 2) & 3,
        polarisation=POLARISATIONS[code & 3],
        line=position >> 16,
        pixel=position & 0xFFFF,
    )


def encode_l3(pid: L3Pid) -> str:
    _check_range("facility", pid.facility, 0, BASE)
    _check_range("easting", pid.easting, 0, 100 << 32)
    _check_range("northing", pid.northing, 0, (BASE**9 >> 32) * 100)
    return ALPHABET[pid.facility] + to_base62(((pid.northing // 100) << 32) + pid.easting // 100, 9)


def decode_l3(text: str) -> L3Pid:
    _check_text(text)
    value = from_base62(text[1:])
    return L3Pid(
        facility=_VALUE[text[0]], northing=(value >> 32) * 100, easting=(value & 0xFFFFFFFF) * 100
    )


def encode_l2_array(facility: int, code: int, line: np.ndarray, pixel: np.ndarray) -> np.ndarray:
    """Pids of one burst as an (n, 10) uint8 ASCII array: `code` from `burst_code`."""
    if line.size and (int(line.min()) < 0 or int(line.max()) >= BASE**5 >> 16):
        raise PidError("line outside 0..13976")
    if pixel.size and (int(pixel.min()) < 0 or int(pixel.max()) >= 1 << 16):
        raise PidError("pixel outside 0..65535")
    prefix = ALPHABET[facility] + to_base62(code, 4)
    position = (line.astype(np.int64) << 16) + pixel.astype(np.int64)
    return _with_prefix(prefix, _digits(position, 5))


def encode_l3_array(facility: int, easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
    """Pids of L3 cells (any point inside the cell) as an (n, 10) uint8 ASCII array."""
    value = (np.floor_divide(northing, 100).astype(np.int64) << 32) + np.floor_divide(
        easting, 100
    ).astype(np.int64)
    return _with_prefix(ALPHABET[facility], _digits(value, 9))


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    out = np.empty((values.size, width), dtype=np.uint8)
    rest = values.astype(np.int64).ravel()
    for column in range(width - 1, -1, -1):
        rest, digit = np.divmod(rest, BASE)
        out[:, column] = _ALPHABET_BYTES[digit]
    return out


def _with_prefix(prefix: str, digits: np.ndarray) -> np.ndarray:
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    return np.hstack([np.broadcast_to(head, (digits.shape[0], head.size)), digits])


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value < high:
        raise PidError(f"{name} {value} outside {low}..{high - 1}")


def _check_text(text: str) -> None:
    if len(text) != LENGTH or any(char not in _VALUE for char in text):
        raise PidError(f"{text!r} is not a 10-character base-62 EGMS pid")


def values_array(chars: np.ndarray) -> np.ndarray:
    """Base-62 value of each row of an (n, k) ASCII array; -1 where a character is not base 62."""
    digits = _DIGIT_OF[chars]
    value = np.zeros(chars.shape[0], dtype=np.int64)
    for column in range(chars.shape[1]):
        value = value * BASE + digits[:, column]
    value[(digits < 0).any(axis=1)] = -1
    return value


def split_l2_array(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(facility, burst code, line·2¹⁶ + pixel) of (n, 10) ASCII L2 pids (-1 where invalid)."""
    return values_array(chars[:, :1]), values_array(chars[:, 1:5]), values_array(chars[:, 5:])


def split_l3_array(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(facility, floor(northing/100), floor(easting/100)) of (n, 10) ASCII L3 pids."""
    value = values_array(chars[:, 1:])
    invalid = value < 0
    north, east = value >> 32, value & 0xFFFFFFFF
    north[invalid] = east[invalid] = -1
    return values_array(chars[:, :1]), north, east
