"""The one-line shape of messages: `printable` and `located` (property tests)."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from tiler.errors import UNPRINTABLE, located, printable

TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


@given(TEXT)
def test_printable_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    shown = printable(text)
    assert not UNPRINTABLE.search(shown)
    assert len(shown.splitlines()) <= 1
    shown.encode("utf-8")  # no lone surrogate left: it can always be written


@given(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), max_size=60))
def test_printable_keeps_ordinary_text(text: str) -> None:
    assert printable(text) == text


@given(TEXT, TEXT, TEXT, st.none() | st.integers(1, 10**9))
def test_located_is_one_line(path: str, problem: str, fix: str, line: int | None) -> None:
    message = located(path, problem, fix, line)
    assert "\n" not in message and "\r" not in message and "\x1b" not in message
    if line is not None:
        assert f", line {line}: " in message


def test_escapes_read_as_what_they_stand_for() -> None:
    assert printable("a\x1b[31mb\nc\u202ed") == "a\\x1b[31mb\\x0ac\\u202ed"
    assert printable(os.fsdecode(b"caf\xe9.zip")) == "caf\\xe9.zip"
