"""Run a command and sample the resident memory of its whole process tree from /proc.

Every `interval` seconds the sampler maps parent → children over /proc/*/stat, walks the tree
below the command's pid and sums each process's resident set (statm). The peak of that sum is
what the benchmark reports: tippecanoe children, worker processes and threads all count. Pages
shared between processes are counted once per process (a sum of RSS, not PSS), so a tree of
forked workers reads a little high.

CPU time (user + system) comes from `wait4` on the command: the kernel adds every descendant
its parent reaped, so it covers the whole tree. On a shared machine it moves much less than
wall time when other jobs compete for the cores.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

PAGE = os.sysconf("SC_PAGE_SIZE")
INTERVAL = 0.05


@dataclass(frozen=True, slots=True)
class Measured:
    argv: list[str]
    seconds: float
    cpu_seconds: float  # user + system of the whole (reaped) tree
    peak_rss: int  # bytes, sum over the process tree at its largest sample
    samples: int
    returncode: int


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields start after the last ')'
        ppid = int(text[text.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, now."""
    tree = _children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss(pid)
        stack.extend(tree.get(pid, ()))
    return total


class Sampler:
    """Calls `sample` every `interval` seconds on a thread, from entering until leaving."""

    def __init__(self, pid: int, interval: float = INTERVAL) -> None:
        self.pid, self.interval = pid, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class PeakSampler(Sampler):
    """Samples `tree_rss(pid)`; keeps the peak."""

    def __init__(self, pid: int, interval: float = INTERVAL) -> None:
        super().__init__(pid, interval)
        self.peak = 0
        self.samples = 0

    def sample(self) -> None:
        self.peak = max(self.peak, tree_rss(self.pid))
        self.samples += 1


def measure(argv: list[str], log: Path, env: dict[str, str] | None = None) -> Measured:
    """Run `argv` (stdout and stderr to `log`), timing it and sampling its tree's memory."""
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        with PeakSampler(process.pid) as sampler:
            while True:
                try:
                    _pid, status, usage = os.wait4(process.pid, 0)
                    break
                except InterruptedError:
                    continue
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(argv, seconds, cpu, sampler.peak, sampler.samples, process.returncode)


def check(result: Measured, log: Path) -> Measured:
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{' '.join(result.argv)} exited {result.returncode}; log {log}:\n{tail}")
    return result


def _high_water(pid: int) -> int:
    """The process's own peak resident bytes so far (VmHWM), 0 if gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            line = next(line for line in status if line.startswith(b"VmHWM:"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration, ValueError):
        return 0


def _role(pid: int, parent: int, root: int) -> str:
    """'client' (the command), 'worker' (a Dask worker: a process the client spawned with
    multiprocessing), 'tippecanoe', or 'other' (a process forked but not yet exec'd shows
    its parent's memory: not counted)."""
    if pid == root:
        return "client"
    try:
        with open(f"/proc/{pid}/comm", "rb") as comm:
            name = comm.read().strip()
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            spawned = b"spawn_main" in cmdline.read()
    except OSError:
        return "other"
    if name.startswith(b"tippecanoe"):
        return "tippecanoe"
    return "worker" if spawned and parent == root else "other"


class RolePeaks(Sampler):
    """The peak resident memory of each process of a tree (its VmHWM, read until it ends), the
    largest per role: the client, a worker, a tippecanoe."""

    def __init__(self, pid: int, interval: float = INTERVAL) -> None:
        super().__init__(pid, interval)
        self.peaks: dict[int, tuple[str, int]] = {}

    def sample(self) -> None:
        tree, stack = _children(), [(self.pid, 0)]
        while stack:
            pid, parent = stack.pop()
            role = _role(pid, parent, self.pid)  # again: a forked child may exec since
            peak = _high_water(pid)
            if peak and role != "other":
                self.peaks[pid] = (role, max(peak, self.peaks.get(pid, (role, 0))[1]))
            stack.extend((child, pid) for child in tree.get(pid, ()))

    def largest(self) -> dict[str, int]:
        """The largest peak of each role (bytes)."""
        out: dict[str, int] = {}
        for role, peak in self.peaks.values():
            out[role] = max(out.get(role, 0), peak)
        return out
