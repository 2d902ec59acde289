"""Fault injection for the Dask tests: a worker preload module (`distributed.worker.preload`)
whose plugin kills its worker's process as a task starts, when $EGMS_TEST_FAULT names the task:
"kill-once:TASK:MARKER" (only while MARKER does not exist yet) or "kill-always:TASK"."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from distributed import Worker, WorkerPlugin

FAULT_ENV = "EGMS_TEST_FAULT"
PRELOAD = str(Path(__file__).resolve())


class KillOnTask(WorkerPlugin):
    def __init__(self, spec: str) -> None:
        mode, self.task, *marker = spec.split(":", 2)
        self.marker = Path(marker[0]) if mode == "kill-once" else None

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        # a task's key is its function's name, then tokens (tiler/distributed/client.py `submit`)
        if finish != "executing" or not str(key).startswith(f"{self.task}-"):
            return
        if self.marker is not None:
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return
        os.kill(os.getpid(), signal.SIGKILL)


async def dask_setup(worker: Worker) -> None:
    spec = os.environ.get(FAULT_ENV)
    if spec:
        await worker.plugin_add(KillOnTask(spec), name="kill-on-task")
