"""Atomic output: build in a temp dir beside OUT, then swap it into place.

A failed or interrupted build leaves the previous site untouched; a directory that is not an
egms-tiler site is never replaced without --force.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import BuildError

SITE_MARKER = Path("data") / "manifest.json"


@contextmanager
def staging(output: Path, force: bool = False) -> Iterator[Path]:
    """Yield an empty directory to build into; on success it becomes `output`."""
    check_output(output, force)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    except OSError as exc:
        raise BuildError(
            f"cannot write beside {output}: {exc.strerror}; choose another -o"
        ) from exc
    try:
        yield stage
        os.chmod(stage, 0o755)  # mkdtemp makes it private; a published site is world-readable
        swap_into_place(stage, output)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def check_output(output: Path, force: bool) -> None:
    if output.exists() and not output.is_dir():
        raise BuildError(f"{output} is a file, not a directory; choose another -o")
    if (
        output.is_dir()
        and any(output.iterdir())
        and not (output / SITE_MARKER).is_file()
        and not force
    ):
        raise BuildError(
            f"{output} is not empty and holds no egms-tiler site; "
            "choose another -o, or pass --force to replace it"
        )


def swap_into_place(stage: Path, output: Path) -> None:
    if not output.exists():
        stage.rename(output)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    old.rmdir()
    output.rename(old)
    stage.rename(output)
    shutil.rmtree(old, ignore_errors=True)
