"""A --scheduler address where no Dask scheduler answers is a one-line error within seconds,
before the inputs are read: nothing listens there, something never answers, or something that
is not a scheduler answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import L2B_ASC

from tiler.cli import main
from tiler.distributed import client
from tiler.errors import BuildError


def test_an_unreachable_scheduler_fails_in_seconds_and_keeps_the_previous_site(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    (out / "data").mkdir(parents=True)
    (out / "data" / "manifest.json").write_text("{}")
    started = time.monotonic()
    args = ["build", str(L2B_ASC), "-o", str(out), "--scheduler", "tcp://127.0.0.1:1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.output == (
        "Error: cannot reach the Dask scheduler at tcp://127.0.0.1:1 (no answer within 3 s): "
        "is `dask scheduler` running on that machine, and is that its port (8786 by default)? "
        "Or use --dask-local N\n"
    )
    assert client.CONNECT_SECONDS <= 5
    assert time.monotonic() - started < 15  # a bound on the timeout (Dask's own is 30 s)
    assert [path.name for path in tmp_path.iterdir()] == ["site"]
    assert (out / "data" / "manifest.json").read_text() == "{}"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


def address(server: socket.socket) -> str:
    return f"tcp://127.0.0.1:{server.getsockname()[1]}"


def test_a_port_that_accepts_but_never_answers_fails_at_the_timeout(
    listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dask's own client waits forever there."""
    monkeypatch.setattr(client, "CONNECT_SECONDS", 0.5)
    with pytest.raises(BuildError, match=r"\(no answer within 0.5 s\): is `dask scheduler`"):
        client.check_scheduler(address(listener))


def test_a_web_server_is_no_scheduler(listener: socket.socket) -> None:
    """E.g. the dashboard's port given for the scheduler's."""

    def answer() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    message = r"is not a Dask scheduler but something else: give the scheduler's address"
    with pytest.raises(BuildError, match=message):
        client.check_scheduler(address(listener))


def test_an_address_without_a_port_is_explained() -> None:
    with pytest.raises(BuildError, match=r"^--scheduler head: .*; give it as tcp://HOST:8786$"):
        client.check_scheduler("head")
