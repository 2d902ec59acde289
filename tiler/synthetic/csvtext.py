"""Vectorised CSV text in the EGMS number format (docs/egms-format.md#the-csv), no Python loop.

Floats are rounded to their column's decimals and written in the shortest form with at least one
decimal (`-2.0`, `0.12`, `4598603.4`), `-0.0` where a negative value rounds to zero; integers
without a point. Each value becomes a right-aligned token followed by its separator, in 8-byte
words of a (rows, words) matrix with a matching keep-mask; a block of rows is one mask selection.
Values with up to 3 decimals that fit 5 significant digits (displacements, velocities, angles,
...) are gathered from lookup tables of every such token, 8 bytes per value, as uint64 words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

ZERO, POINT, MINUS, COMMA, NEWLINE = (ord(c) for c in "0.-,\n")
LUT_LIMIT = 99_999  # scaled integers in the tables: ±9999.9, ±999.99, ±99.999, ±99999
LUT_SIZE = 2 * LUT_LIMIT + 2  # every value, then -0
TABLE_DECIMALS = 3
WORD = 8

Column = tuple[np.ndarray, int | None]  # (values, decimals); None: ASCII bytes (rows, width)


@dataclass(slots=True)
class _Tokens:
    """Right-aligned tokens, each followed by one separator byte: (rows, cols, width)."""

    chars: np.ndarray  # uint8 (rows, cols, width)
    keep: np.ndarray  # bool (rows, cols, width): the token's bytes and its separator


def render_rows(columns: list[Column]) -> bytes:
    """CSV text of a block of rows: `,` between fields, `\\n` after each row.

    A column is (values (rows,) or (rows, k) for k adjacent fields, decimals), or
    (uint8 ASCII (rows, width), None) for text such as pids.
    """
    rows = columns[0][0].shape[0]
    pieces, total = _layout(columns)
    words = np.empty((rows, total), dtype=np.uint64)
    keep = np.zeros((rows, total), dtype=np.uint64)
    chars, mask = words.view(np.uint8), keep.view(np.bool_)
    table, table_keep = _tables()
    for start, kind, payload in pieces:
        if kind == "table":
            assert isinstance(payload, np.ndarray)
            count = payload.shape[1]
            words[:, start : start + count] = table[payload]
            keep[:, start : start + count] = table_keep[payload]
        else:
            assert isinstance(payload, _Tokens)
            _place(chars, mask, start * WORD, payload)
    chars[:, -1] = NEWLINE
    return chars[mask].tobytes()


def _layout(columns: list[Column]) -> tuple[list[tuple[int, str, object]], int]:
    """(first word, kind, payload) per column and the words per row."""
    pieces: list[tuple[int, str, object]] = []
    start = 0
    for values, decimals in columns:
        grid = values[:, None] if values.ndim == 1 else values
        if decimals is None:
            tokens = _text_tokens(values)
        else:
            index = _table_index(grid, decimals)
            if index is not None:
                pieces.append((start, "table", index))
                start += index.shape[1]
                continue
            tokens = format_general(grid, decimals)
        pieces.append((start, "tokens", tokens))
        start += tokens.chars.shape[1] * _words(tokens.chars.shape[2])
    return pieces, start


def _words(width: int) -> int:
    return -(-width // WORD)


def _place(chars: np.ndarray, mask: np.ndarray, first: int, tokens: _Tokens) -> None:
    """Tokens right-aligned into their words from byte `first` (padding stays masked out)."""
    cell = tokens.chars.shape[2]
    span = _words(cell) * WORD
    for column in range(tokens.chars.shape[1]):
        end = first + (column + 1) * span
        chars[:, end - cell : end] = tokens.chars[:, column, :]
        mask[:, end - cell : end] = tokens.keep[:, column, :]


def _text_tokens(values: np.ndarray) -> _Tokens:
    rows, width = values.shape
    chars = np.empty((rows, 1, width + 1), dtype=np.uint8)
    chars[:, 0, :width] = values
    chars[:, 0, width] = COMMA
    return _Tokens(chars, np.ones((rows, 1, width + 1), dtype=bool))


def _table_index(grid: np.ndarray, decimals: int) -> np.ndarray | None:
    """Rows of the lookup table for these values, or None when they do not fit it."""
    if decimals > TABLE_DECIMALS:
        return None
    scaled = np.rint(grid * 10.0**decimals)
    if scaled.size and not (np.isfinite(scaled).all() and np.abs(scaled).max() <= LUT_LIMIT):
        return None
    index = scaled.astype(np.int32)
    index += decimals * LUT_SIZE + LUT_LIMIT
    index[np.signbit(scaled) & (scaled == 0)] = decimals * LUT_SIZE + LUT_SIZE - 1  # -0
    return index


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """Tokens and keep-masks, one uint64 word each, of every table value for 0..3 decimals."""
    chars = np.zeros((TABLE_DECIMALS + 1, LUT_SIZE, WORD), dtype=np.uint8)
    keep = np.zeros((TABLE_DECIMALS + 1, LUT_SIZE, WORD), dtype=bool)
    scaled = np.append(np.arange(-LUT_LIMIT, LUT_LIMIT + 1, dtype=np.float64), -0.0)
    for decimals in range(TABLE_DECIMALS + 1):
        tokens = format_general(scaled[:, None] / 10.0**decimals, decimals)
        width = tokens.chars.shape[2]
        chars[decimals, :, WORD - width :] = tokens.chars[:, 0, :]
        keep[decimals, :, WORD - width :] = tokens.keep[:, 0, :]
    return chars.view(np.uint64).ravel(), keep.view(np.uint64).ravel()


def format_general(values: np.ndarray, decimals: int) -> _Tokens:
    """Tokens of any numbers (rows, cols); NaN gives an empty field."""
    missing = ~np.isfinite(values)
    scaled = np.rint(np.where(missing, 0.0, values) * 10.0**decimals)
    negative = np.signbit(scaled) & ~missing & ((scaled != 0) | (decimals > 0))
    digits = np.abs(scaled).astype(np.int64)
    shown = np.full(values.shape, decimals, dtype=np.int64)  # decimals written
    for _ in range(decimals - 1):  # drop trailing zeros, keep one decimal
        zero = (digits % 10 == 0) & (shown > 1)
        digits = np.where(zero, digits // 10, digits)
        shown -= zero
    lengths = _digit_count(digits // 10**shown) + shown + (shown > 0) + negative
    lengths[missing] = 0
    width = int(lengths.max(initial=1)) + 1
    chars = _render(digits, shown, lengths, negative, width)
    return _Tokens(chars, np.arange(width) >= (width - 1 - lengths)[..., None])


def _render(
    digits: np.ndarray, shown: np.ndarray, lengths: np.ndarray, negative: np.ndarray, width: int
) -> np.ndarray:
    """Right-aligned characters, from the separator (last byte) leftwards."""
    chars = np.zeros((*digits.shape, width), dtype=np.uint8)
    chars[..., -1] = COMMA
    rest = digits.copy()
    for k in range(width - 1):  # k characters left of the separator
        column = width - 2 - k
        point = (shown > 0) & (k == shown)
        digit = (rest % 10).astype(np.uint8) + ZERO
        chars[..., column] = np.where(point, POINT, digit)
        rest = np.where(point, rest, rest // 10)
        chars[..., column] = np.where(negative & (k == lengths - 1), MINUS, chars[..., column])
    return chars


def _digit_count(values: np.ndarray) -> np.ndarray:
    count = np.ones(values.shape, dtype=np.int64)
    limit = 10
    while True:
        more = values >= limit
        if not more.any():
            return count
        count += more
        limit *= 10
