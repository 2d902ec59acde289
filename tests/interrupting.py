"""Ctrl-C on a real `egms-tiler build` process, whose tippecanoe is a stand-in that never ends
(it records its pid, then sleeps), so the interrupt comes while a run is going."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tiler.tiles import tippecanoe

# `egms-tiler build` as a terminal runs it, even under a test run started in the background
# (which ignores SIGINT, and its children with it)
INTERRUPTIBLE = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from tiler.cli import run; run()"
)
STOPPED = "Interrupted: the build stopped and the previous site is unchanged"
STAND_IN = """#!/bin/sh
if [ "$1" = --version ]; then exec "{real}" --version; fi
echo $$ >> "{started}"
exec sleep 600
"""


def stand_in(folder: Path) -> tuple[Path, Path]:
    """A tippecanoe that never ends, and the file its runs write their pids to."""
    folder.mkdir()
    started, script = folder / "started", folder / "tippecanoe"
    script.write_text(STAND_IN.format(real=tippecanoe.find_binary(), started=started))
    script.chmod(0o755)
    return script, started


def wait_for_a_run(build: subprocess.Popen[str], started: Path) -> None:
    deadline = time.monotonic() + 120
    while not (started.exists() and started.read_text().strip()):
        assert build.poll() is None, build.communicate()[1]
        assert time.monotonic() < deadline, "no tile run started"
        time.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


HOW = {  # how a build is stopped: the signal, to whom, and the exit code it gives
    "terminal": (signal.SIGINT, True, 130),  # Ctrl-C: the whole process group
    "kill-INT": (signal.SIGINT, False, 130),  # the build alone
    "kill-TERM": (signal.SIGTERM, False, 143),  # a service manager, a batch scheduler
}


def interrupted_build(argv: list[str], script: Path, started: Path, how: str) -> tuple[int, str]:
    """Run `egms-tiler ARGV` with the stand-in and stop it `how` (HOW) once a run has started;
    whether it exited with the code that signal gives, and its stderr."""
    signum, to_group, _ = HOW[how]
    command = [sys.executable, "-c", INTERRUPTIBLE, *argv]
    env = {**os.environ, tippecanoe.ENV_OVERRIDE: str(script)}
    with subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    ) as process:  # fmt: skip
        try:
            wait_for_a_run(process, started)
            (os.killpg if to_group else os.kill)(process.pid, signum)
            stderr = process.communicate(timeout=120)[1]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # a build that did not stop
    return process.returncode, stderr


def exit_code(how: str) -> int:
    return HOW[how][2]
