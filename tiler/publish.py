"""Atomic output: build in a temp dir beside OUT, then swap it into place.

- One build per output at a time: a lock file beside OUT (`.OUT.lock`, flock, removed at the
  end); a second build stops with a message instead of mixing two sites.
- The swap is one `renameat2(RENAME_EXCHANGE)` on Linux, so OUT is never missing, even for an
  instant; elsewhere two renames, and a build killed between them is repaired by the next one.
- Leftovers of killed builds (`.OUT.building-*`, `.OUT.old-*`) are removed by the next build,
  which holds the lock, so they never belong to a running build.
- A directory that is not an egms-tiler site is never replaced without --force.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import BuildError

SITE_MARKER = Path("data") / "manifest.json"
AT_FDCWD = -100
RENAME_EXCHANGE = 2


@contextmanager
def staging(output: Path, force: bool = False) -> Iterator[Path]:
    """Yield an empty directory to build into; on success it becomes `output`."""
    output = output.absolute()
    make_parent(output)
    with output_lock(output):
        recover(output)
        check_output(output, force)
        stage = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
        try:
            yield stage
            os.chmod(stage, 0o755)  # mkdtemp makes it private; a published site is world-readable
            swap_into_place(stage, output)
        except OSError as exc:
            raise os_failure(exc, output) from exc
        finally:
            shutil.rmtree(stage, ignore_errors=True)


DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def os_failure(exc: OSError, output: Path) -> BuildError:
    """A one-line message for a system error met while writing the site."""
    where = exc.filename or output
    if exc.errno in DISK_FULL:
        return BuildError(
            f"cannot write {where}: {exc.strerror} (disk full or file size limit); "
            f"free some space or choose another -o; {output} is unchanged"
        )
    return BuildError(f"{where}: {exc.strerror}; {output} is unchanged")


def make_parent(output: Path) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(output.parent, os.W_OK):
            raise PermissionError(errno.EACCES, "permission denied")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BuildError(
            f"cannot write into {output.parent}: {reason}; choose another -o"
        ) from None


@contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Hold `.OUT.lock` (removed again on release) for the whole build."""
    path = output.parent / f".{output.name}.lock"
    with open(path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise BuildError(
                f"another build is writing {output} (pid {holder}); "
                "wait for it to finish, or choose another -o"
            ) from None
        if not same_file(path, lock.fileno()):  # its holder removed it as we opened it
            raise BuildError(f"another build just finished writing {output}; run again")
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
            fcntl.flock(lock, fcntl.LOCK_UN)


def same_file(path: Path, fd: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def recover(output: Path) -> None:
    """Undo what a killed build left: restore a site caught mid-swap, drop temp dirs."""
    olds = sorted(output.parent.glob(f".{output.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not output.exists() and olds and (olds[-1] / SITE_MARKER).is_file():
        olds.pop().rename(output)
    for leftover in [*olds, *output.parent.glob(f".{output.name}.building-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def check_output(output: Path, force: bool) -> None:
    if output.exists() and not output.is_dir():
        raise BuildError(f"{output} is a file, not a directory; choose another -o")
    foreign = output.is_dir() and any(output.iterdir()) and not (output / SITE_MARKER).is_file()
    if foreign and not force:
        raise BuildError(
            f"{output} is not empty and holds no egms-tiler site; "
            "choose another -o, or pass --force to replace it"
        )


def swap_into_place(stage: Path, output: Path) -> None:
    if not output.exists():
        stage.rename(output)
        return
    if exchange(stage, output):
        shutil.rmtree(stage, ignore_errors=True)  # now holds the previous site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    old.rmdir()
    output.rename(old)
    stage.rename(output)
    shutil.rmtree(old, ignore_errors=True)


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return bool(result == 0)
