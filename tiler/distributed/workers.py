"""What the client does to the worker processes themselves, for Ctrl-C (see client.py `stop`).

`dask_setup` is preloaded into the workers of a `--dask-local` cluster: a terminal's Ctrl-C
reaches every process of its group, and the workers would each print a KeyboardInterrupt
traceback; the client stops them instead. `stop_tiling` runs on each worker when a build stops:
Dask can cancel a task that waits but not one that runs, so it kills the build's tippecanoe runs
and says how many of the build's tasks are still running there.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterable
from pathlib import Path
from typing import Any


async def dask_setup(worker: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_tiling(folder: str, token: str, dask_worker: Any = None) -> int:
    """Kill this worker's subprocesses working in `folder` (the build's scratch directory,
    tippecanoe's working directory); the number of tasks named with `token` still running."""
    import psutil

    kill_working_in(Path(folder), psutil.Process().children(recursive=True))
    if dask_worker is None:
        return 0
    return sum(token in str(task.key) for task in dask_worker.state.executing)


def kill_working_in(folder: Path, processes: Iterable[Any] | None = None) -> None:
    """Kill the processes (default: all this user can see) whose working directory is in
    `folder`: a run started as its worker was being stopped outlives the worker otherwise."""
    import psutil

    for process in psutil.process_iter() if processes is None else processes:
        with contextlib.suppress(psutil.Error, ValueError):
            if Path(process.cwd()).is_relative_to(folder):
                process.kill()
