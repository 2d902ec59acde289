"""Synthetic EGMS data in the exact format of the real products (`egms-tiler sample`).

    from tiler.synthetic import SampleOptions, generate
    generate(SampleOptions(Path("data"), levels=("L2a", "L3"), points=50_000, bursts=3))

Modules, each with one job: `plan` (which files), `layout` (bursts along tracks, L3 tiles),
`dates` (Sentinel-1 cadence), `field` (towns, terrain, GNSS, bowls), `motion` (the 3D ground
motion every file is made from), `changes` (its steps and changes of rate), `truth` (that motion
for tests), `points` (where the points are), `series` (motion + noise, and fits), `l2` / `l3`
(rows per level: LOS projection, up/east), `columns` (headers),
`csvtext` (vectorised number formatting), `metadata` (XML), `writer` (ZIP/CSV files), `seeds`
(reproducible random streams), `report` (progress and summary on stderr). `write_sample` is
what `egms-tiler sample` runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .plan import LEVELS, MAX_FILES, MAX_POINTS, ORBITS, PERIODS, FileSpec, SampleOptions, plan
from .points import L3_SIDE
from .report import SampleReport
from .writer import SampleError, Written, check_replaceable, write

__all__ = [
    "FileSpec", "SampleError", "SampleOptions", "Written", "generate", "period_of", "plan",
    "validate", "write_sample",
]  # fmt: skip


def validate(options: SampleOptions) -> None:
    """Every problem with the options at once, as one SampleError."""
    problems = []
    if not 1 <= options.points <= MAX_POINTS:
        problems.append(f"--points must be 1..{MAX_POINTS:,} per file, not {options.points:,}")
    if "L3" in options.levels and options.points > L3_SIDE * L3_SIDE:
        problems.append(
            f"an L3 tile has {L3_SIDE * L3_SIDE:,} cells: use --points "
            f"{L3_SIDE * L3_SIDE:,} or less and more tiles (--bursts)"
        )
    if not 0.0 <= options.changes <= 1.0:
        problems.append(f"--changes must be a fraction 0..1, not {options.changes}")
    if options.bursts < 1:
        problems.append(f"--bursts must be at least 1, not {options.bursts}")
    problems += [f"unknown level {level!r}" for level in options.levels if level not in LEVELS]
    problems += [f"unknown period {p[0]}-{p[1]}" for p in options.periods if p not in PERIODS]
    if options.orbit not in ORBITS:
        problems.append(f"--orbit must be one of {', '.join(ORBITS)}")
    if not problems and len(plan(options)) > MAX_FILES:
        problems.append(f"more than {MAX_FILES} files: use fewer --bursts, levels or periods")
    if problems:
        raise SampleError("; ".join(problems))


def generate(
    options: SampleOptions,
    progress: Callable[[int], None] = lambda rows: None,
    done: Callable[[Written], None] = lambda written: None,
) -> list[Written]:
    """Write every planned file into `options.output`; nothing is overwritten unless it is ours."""
    validate(options)
    specs = plan(options)
    suffix = ".zip" if options.zip else ".csv"
    for spec in specs:
        check_replaceable(options.output / f"{spec.stem}{suffix}")
    try:
        options.output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SampleError(f"{options.output}: cannot create ({exc.strerror or exc})") from exc
    written = []
    for spec in specs:
        written.append(write(spec, options.output, options.zip, progress))
        done(written[-1])
    return written


def write_sample(options: SampleOptions, quiet: bool = False) -> list[Written]:
    """`egms-tiler sample`: `generate`, with progress and a summary on stderr unless `quiet`."""
    validate(options)
    files = len(plan(options))
    started = time.perf_counter()
    with SampleReport(options.points * files, files, quiet) as report:
        written = generate(options, report.rows, report.done)
    report.summary(time.perf_counter() - started)
    return written


def period_of(text: str) -> tuple[int, int]:
    """ "2020-2024" as (2020, 2024): a release window as `--period` names it."""
    first, _, last = text.partition("-")
    return int(first), int(last)
