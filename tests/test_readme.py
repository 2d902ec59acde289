"""The README is the manual: its shell and Python examples run as written.

`make test` is the command running this suite, so it is the one line not run again here; the
servers (`make demo`, `egms-tiler serve`) get a free port and are stopped with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(sh|python)\n(.*?)```", re.S)
NOT_RERUN = {"make test"}


def blocks(kind: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == kind]


def shell_commands() -> list[str]:
    commands = []
    for body in blocks("sh"):
        for line in body.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and command not in NOT_RERUN:
                commands.append(command)
    return commands


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_server(command: str) -> bool:
    return command == "make demo" or " serve " in f" {command} "


def with_port(command: str, port: int) -> str:
    return f"{command} PORT={port}" if command.startswith("make") else f"{command} --port {port}"


def test_readme_shows_the_two_commands_first() -> None:
    first = blocks("sh")[0]
    assert "make demo" in first and "make test" in first


@pytest.mark.parametrize("command", [c for c in shell_commands() if not is_server(c)])
def test_shell_command_runs(command: str) -> None:
    done = subprocess.run(
        command, shell=True, cwd=REPO, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("command", [c for c in shell_commands() if is_server(c)])
def test_server_command_serves_until_ctrl_c(command: str) -> None:
    port = free_port()
    proc = subprocess.Popen(
        with_port(command, port), shell=True, cwd=REPO, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        page = wait_for(f"http://127.0.0.1:{port}/", proc)
        assert "<html" in page.lower()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert f"http://127.0.0.1:{port}/" in stderr, "the URL is printed"
    assert "Traceback" not in stderr


def wait_for(url: str, proc: subprocess.Popen[str], seconds: float = 600) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited early: {proc.communicate()[1]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} never answered")


def test_python_example_runs() -> None:
    (code,) = blocks("python")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "l2b-2020-2024-desc" in done.stdout


def test_readme_lists_every_make_target() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z-]+):.*## ", makefile, re.M)
    for target in ["demo", "demo-build", "test", "test-fast", "lint", "dist", "vendor"]:
        assert target in targets
        assert f"make {target}" in README, f"README does not mention make {target}"


def test_cli_help_matches_readme() -> None:
    from click.testing import CliRunner

    from tiler.cli import main

    help_text = CliRunner().invoke(main, ["build", "--help"]).output
    for option in re.findall(r"`egms-tiler build INPUT\.\.\. (.*?)`", README)[0].split("] ["):
        flag = re.search(r"--?[a-z-]+", option)
        assert flag and flag.group(0) in help_text, f"README documents {option}, --help lacks it"
