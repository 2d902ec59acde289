"""Run the CLI in a child process held to resource limits, and measure what it took.

The child sets RLIMIT_FSIZE (no file it writes may pass the limit: a disk bound) and
RLIMIT_CPU, then runs `tiler.cli.main`. Its peak memory is its own VmHWM (the high-water mark
of its address space since exec) and the largest of its children's: not `ru_maxrss` of the
child as its parent sees it, which starts from the parent's size at fork (a big pytest process).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FILE_LIMIT = 256 << 20  # no file the command writes may pass this
CPU_LIMIT = 120  # seconds of CPU: an endless input is killed, not waited for
TIMEOUT = 300  # a command blocked on I/O (a FIFO opened by mistake) is killed

BOUNDED = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, ({FILE_LIMIT}, {FILE_LIMIT}))
resource.setrlimit(resource.RLIMIT_CPU, ({CPU_LIMIT}, {CPU_LIMIT}))
from tiler.cli import main

def own_peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

try:
    main(sys.argv[2:], prog_name="egms-tiler")
finally:
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    open(sys.argv[1], "w").write(str(max(own_peak_kb(), children)))
"""


def run_bounded(scratch: Path, *args: str | Path) -> tuple[int, str, str, int]:
    """Exit code, stdout, stderr and peak memory (KB) of `egms-tiler ARGS` under the bounds."""
    peak = scratch / "peak.txt"
    done = subprocess.run(
        [sys.executable, "-c", BOUNDED, str(peak), *map(str, args)],
        capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr, int(peak.read_text())
