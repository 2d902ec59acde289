"""Atomic output: build in a temp dir beside OUT, then swap it into place.

- One build per output at a time: a lock file beside OUT (`.OUT.lock`, flock, removed at the
  end); a second build stops with a message instead of mixing two sites. The lock never
  follows a link nor overwrites a file that is not a lock.
- The swap is one `renameat2(RENAME_EXCHANGE)` on Linux, so OUT is never missing, even for an
  instant; elsewhere two renames, and a build killed between them is repaired by the next one.
- Leftovers of killed builds (`.OUT.building-*`, `.OUT.old-*`) are removed by the next build,
  which holds the lock, so they never belong to a running build; only directories that are
  ours (a building folder's marker, or nothing but site files) are removed.
- The build only ever deletes a previous site's own files: an OUT holding anything else (a
  user's notes, an input file) is replaced only with --force, and an input inside OUT never.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tiler.errors import BuildError

SITE_MARKER = Path("data") / "manifest.json"
BUILDING_MARKER = ".egms-tiler-stage"  # in a building folder until its swap: a killed build's
AT_FDCWD = -100
RENAME_EXCHANGE = 2
MKDTEMP_RANDOM = 8  # characters tempfile.mkdtemp appends to its prefix
LOCK_BYTES = 32  # a lock holds its builder's pid; anything longer is not a lock

# Every path a build writes into OUT (tiler/viewer/render.py, manifest.py, layer.py, timeseries.py,
# pidindex.py, chunkindex.py, basemap.py, singlefile.py), relative to OUT: files, and the
# directories on the way to them.
LAYER = r"l(?:2a|2b|3)-\d{4}-\d{4}-(?:asc|desc|up|east)"
ASSETS = r"assets/(?:app|vendor)-[0-9a-f]{8}"
SITE_FILES = re.compile(
    rf"index\.html|site\.html|data/manifest\.json|data/basemap\.pmtiles"
    rf"|{ASSETS}/[\w.-]+\.(?:js|mjs|css|txt|json|map)"
    rf"|data/{LAYER}/(?:tiles\.pmtiles|index\.json|units\.geojson)"
    rf"|data/{LAYER}/index/\d+\.json\.gz"
    rf"|data/{LAYER}/(?:ts|pid|releases/{LAYER})/\d+\.json\.gz"
    rf"|data/{LAYER}/(?:ts|releases/{LAYER})/(?:pack-\d+\.bin|pack-index\.bin\.gz)"
    rf"|data/assets/index\.json|data/assets/{LAYER}/(?:tiles\.pmtiles|assets\.csv|assets\.gpkg)"
    rf"|data/assets/{LAYER}/(?:stats|series)/\d+\.json\.gz"
)
SITE_DIRS = re.compile(
    rf"assets|data|{ASSETS}|data/{LAYER}|data/{LAYER}/(?:ts|pid|index|releases|releases/{LAYER})"
    rf"|data/assets|data/assets/{LAYER}|data/assets/{LAYER}/(?:stats|series)"
)


@contextmanager
def staging(output: Path, force: bool = False) -> Iterator[Path]:
    """Yield an empty directory to build into; on success it becomes `output`."""
    output = output_path(output)
    make_parent(output)
    with output_lock(output):
        recover(output)
        check_output(output, force)
        building = make_building(output)
        try:
            yield building
            os.chmod(building, 0o755)  # mkdtemp makes it private; a site is world-readable
            (building / BUILDING_MARKER).unlink()
            check_output(output, force)  # a file put into OUT while the build ran stays there
            swap_into_place(building, output)
        except OSError as exc:
            raise os_failure(exc, output) from exc
        finally:
            shutil.rmtree(building, ignore_errors=True)


def output_path(output: Path) -> Path:
    """`output` made absolute, refused when its helpers' names could not be made beside it."""
    output = Path(os.path.abspath(output))
    if not output.name:
        raise BuildError(f"cannot use {output} as output: it is the root; choose a directory")
    longest = f".{output.name}.building-" + "x" * MKDTEMP_RANDOM
    if len(os.fsencode(longest)) > name_max(output.parent):
        raise BuildError(f"cannot use {output} as output: file name too long; choose a shorter -o")
    return output


def name_max(directory: Path) -> int:
    """The longest file name the file system of `directory` (or its nearest parent) takes."""
    for folder in (directory, *directory.parents):
        try:
            return os.pathconf(folder, "PC_NAME_MAX")
        except (OSError, ValueError):
            continue
    return 255


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


def refuse_inside_output(paths: Iterable[Path], output: Path, what: str = "") -> None:
    """Stop when a file the build reads lies inside `output`: the swap would delete it."""
    places = output_places(output)
    for path in paths:
        real = Path(os.path.realpath(path))
        if any(real == place or real.is_relative_to(place) for place in places):
            raise BuildError(
                f"{what}{path} lies inside the output directory {output}, which the build "
                "replaces; move it out or choose another -o"
            )


def output_places(output: Path) -> set[Path]:
    """Where `output` is: its own entry, and the directory it leads to if it is a link."""
    entry = Path(os.path.realpath(Path(os.path.abspath(output)).parent)) / output.name
    return {entry, Path(os.path.realpath(entry))}


# --- the lock ---------------------------------------------------------------------------------


@contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Hold `.OUT.lock` (removed again on release) for the whole build."""
    path = output.parent / f".{output.name}.lock"
    fd = open_lock(path, output)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, LOCK_BYTES, 0).decode(errors="replace").strip() or "unknown"
            raise BuildError(
                f"another build is writing {output} (pid {holder}); "
                "wait for it to finish, or choose another -o"
            ) from None
        if not same_file(path, fd):  # its holder removed it as we opened it
            raise BuildError(f"another build just finished writing {output}; run again")
        claim_lock(fd, path)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)  # releases the flock


def open_lock(path: Path, output: Path) -> int:
    """The lock file, opened without following a link and without blocking on a FIFO."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise not_a_lock(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise lock_failure(exc, path, output) from None
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise lock_failure(exc, path, output) from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode) or status.st_nlink > 1:
        os.close(fd)
        raise not_a_lock(path)
    return fd


def lock_failure(exc: OSError, path: Path, output: Path) -> BuildError:
    if exc.errno == errno.ELOOP:
        return not_a_lock(path)
    if exc.errno == errno.ENAMETOOLONG:
        return BuildError(f"cannot use {output} as output: file name too long; choose a shorter -o")
    return BuildError(f"cannot create the lock file {path}: {exc.strerror}; choose another -o")


def not_a_lock(path: Path) -> BuildError:
    return BuildError(
        f"{path} is in the way of the build's lock file (it is not one); "
        "remove it if it is not yours, or choose another -o"
    )


def claim_lock(fd: int, path: Path) -> None:
    """Write our pid into the lock, unless it holds something else than a (stale) pid."""
    content = os.pread(fd, LOCK_BYTES + 1, 0).strip()
    if len(content) > LOCK_BYTES or (content and not content.isdigit()):
        raise not_a_lock(path)
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)


def same_file(path: Path, fd: int) -> bool:
    try:
        return os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


# --- leftovers, and what may be replaced ---------------------------------------------------


def make_building(output: Path) -> Path:
    building = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    (building / BUILDING_MARKER).touch()
    return building


def recover(output: Path) -> None:
    """Undo what a killed build left: restore a site caught mid-swap, drop our temp dirs."""
    olds = sorted(leftovers(output, "old"), key=lambda p: p.stat().st_mtime)
    if not os.path.lexists(output) and olds and (olds[-1] / SITE_MARKER).is_file():
        olds.pop().rename(output)
    for leftover in [*olds, *leftovers(output, "building")]:
        if ours(leftover):
            shutil.rmtree(leftover, ignore_errors=True)


def leftovers(output: Path, kind: str) -> list[Path]:
    """The directories `.OUT.<kind>-*` beside `output` (never links; a name is no pattern)."""
    prefix = f".{output.name}.{kind}-"
    with os.scandir(output.parent) as entries:
        return [
            Path(entry.path)
            for entry in entries
            if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False)
        ]


def ours(leftover: Path) -> bool:
    """A killed build's building folder, or a previous site swapped out: nothing a user put."""
    if (leftover / BUILDING_MARKER).is_file():
        return True
    try:
        return first_foreign(leftover) is None
    except OSError:
        return False


def own_site(output: Path) -> bool:
    """Whether `output` is a site holding nothing but its own files (what a build may reuse)."""
    try:
        return (output / SITE_MARKER).is_file() and first_foreign(output) is None
    except OSError:
        return False


def check_output(output: Path, force: bool) -> None:
    """Refuse to replace `output` unless it is missing, empty, or a site holding only its own
    files (anything with --force, as long as it is a directory)."""
    try:
        mode = os.lstat(output).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise BuildError(f"{output} is a symbolic link; give the directory it leads to as -o, "
                         "or remove the link")  # fmt: skip
    if not stat.S_ISDIR(mode):
        raise BuildError(f"{output} is not a directory; choose another -o")
    if force or not any(output.iterdir()):
        return
    if not (output / SITE_MARKER).is_file():
        raise BuildError(
            f"{output} is not empty and holds no egms-tiler site; "
            "choose another -o, or pass --force to replace it"
        )
    try:
        foreign = first_foreign(output)
    except OSError as exc:
        raise BuildError(f"cannot check what {output} holds: {exc.filename}: {exc.strerror}; "
                         "pass --force to replace it anyway") from None  # fmt: skip
    if foreign is not None:
        raise BuildError(
            f"{foreign} is not a file of the egms-tiler site in {output}, which the build "
            "replaces; move it out, or pass --force to replace it anyway"
        )


def first_foreign(root: Path) -> Path | None:
    """The first entry under `root` a build does not write there (a link, a FIFO, a file or
    directory of another name), or None. Streams: a site can hold 400,000 chunks, and a
    foreign directory is never entered, so at most a site's depth of listings is open."""
    stack = [("", os.scandir(root))]
    try:
        while stack:
            parent, listing = stack[-1]
            entry = next(listing, None)
            if entry is None:
                stack.pop()[1].close()
                continue
            relative = f"{parent}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                if not SITE_DIRS.fullmatch(relative):
                    return Path(entry.path)
                stack.append((relative + "/", os.scandir(entry.path)))
            elif not (entry.is_file(follow_symlinks=False) and SITE_FILES.fullmatch(relative)):
                return Path(entry.path)
        return None
    finally:
        for _, listing in stack:
            listing.close()


# --- the swap -----------------------------------------------------------------------------------


def swap_into_place(building: Path, output: Path) -> None:
    if not output.exists():
        building.rename(output)
        return
    if exchange(building, output):
        shutil.rmtree(building, ignore_errors=True)  # now holds the previous site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    old.rmdir()
    output.rename(old)
    building.rename(output)
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
