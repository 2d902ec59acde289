"""The `egms-tiler` command: a thin layer over `tiler.build` and `tiler.serve`.

Only this module uses click. Heavy imports live inside the commands so `--help` is instant.
Exit codes: 0 ok, 1 failure (one line on stderr), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from tiler import __version__
from tiler.errors import BuildError, TilerError, printable

DEFAULT_OUT = Path("build") / "site"
F = TypeVar("F", bound=Callable[..., Any])
INTERRUPTED = {  # what Ctrl-C leaves, by command
    "build": "Interrupted: the build stopped and the previous site is unchanged",
    "": "Interrupted; the previous output (if any) is unchanged.",
}


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager, a batch scheduler, `kill`): stopped as Ctrl-C stops."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def reports_errors(command: F) -> F:
    """Turn library errors into one line on stderr and exit 1 (no traceback); Ctrl-C and
    SIGTERM stop the command as cleanly (exit 130 and 143)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        own_term = (threading.current_thread() is threading.main_thread()
                    and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)  # fmt: skip
        if own_term:
            signal.signal(signal.SIGTERM, _terminate)
        try:
            return command(*args, **kwargs)
        except TilerError as exc:
            fail(str(exc))
        except OSError as exc:  # a last net: every known cause is a TilerError with its fix
            fail(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))
        except UnicodeError as exc:
            fail(f"text that is not UTF-8: {exc}")
        except KeyboardInterrupt as stop:
            click.echo(INTERRUPTED.get(command.__name__, INTERRUPTED[""]), err=True)
            sys.exit(143 if isinstance(stop, Terminated) else 130)
        finally:
            if own_term:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)

    return wrapper  # type: ignore[return-value]


def fail(message: str) -> NoReturn:
    """One line on stderr, whatever the message holds (a file name with a newline, an escape
    sequence, undecodable bytes), and exit status 1."""
    click.echo(f"Error: {printable(message)}", err=True)
    sys.exit(1)


def limit_options(command: F) -> F:
    """--max-csv-size and --max-zip-ratio, taken as text: a bad value is a one-line error."""
    command = click.option(
        "--max-zip-ratio", default=None, metavar="N",
        help="Largest inflated/compressed size ratio of a ZIP member [default: 100]; EGMS "
        "files deflate ~4:1.",
    )(command)  # fmt: skip
    return click.option(
        "--max-csv-size", default=None, metavar="SIZE",
        help="Largest CSV accepted, plain or inflated from a ZIP [default: 4G]; EGMS bursts "
        "are up to ~1 GB.",
    )(command)  # fmt: skip


def limit_values(max_csv_size: str | None, max_zip_ratio: str | None) -> dict[str, Any]:
    """The BuildOptions fields of the two limit options that were given."""
    from tiler.limits import parse_size

    values: dict[str, Any] = {}
    if max_csv_size is not None:
        values["max_csv_size"] = parse_size(max_csv_size)
    if max_zip_ratio is not None:
        values["max_zip_ratio"] = parse_ratio(max_zip_ratio)
    return values


def parse_ratio(text: str) -> float:
    try:
        ratio = float(text)
    except ValueError:
        ratio = math.nan
    if not (math.isfinite(ratio) and ratio > 1):
        raise BuildError(f"--max-zip-ratio {text!r} is not a number above 1; write e.g. 200")
    return ratio


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="egms-tiler")
def main() -> None:
    """Turn EGMS ground-motion downloads into a static PMTiles + MapLibre web site."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=DEFAULT_OUT,
              show_default=True, help="Directory of the site (replaced atomically).")  # fmt: skip
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Layers built in parallel [default: number of cores].")  # fmt: skip
@click.option("--title", default=None, help="Title of the site [default: EGMS ground motion].")
@click.option("--force", is_flag=True, help="Replace OUTPUT even if it is not an egms-tiler site.")
@click.option("--clip", type=click.Path(path_type=Path), default=None, metavar="AOI_FILE",
              help="Keep only the points inside the polygons of this file (GeoPackage, "
              "GeoJSON, Shapefile, ...).")  # fmt: skip
@click.option("--description", default=None, metavar="TEXT",
              help="A short description shown under the title in the page.")  # fmt: skip
@click.option("--basemap", multiple=True, metavar="NAME[,NAME...]",
              help="Background maps, the first shown first (repeatable or a comma list): "
              "'offline' (Natural Earth land and borders, built in; the default), 'osm' "
              "(OpenStreetMap, OpenFreeMap Liberty), 'aerial' (Sentinel-2 cloudless 2016, "
              "EOX), 'esri' (Esri World Imagery), NAME=URL (a preset from another server), "
              "'none', an online MapLibre style URL (https://.../style.json) or a PMTiles file "
              "copied into the site. Online maps fall back to the local one.")  # fmt: skip
@click.option("--assets", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Your buildings, bridges, embankments (polygons, lines or points in any "
              "format GDAL reads, any CRS): each one's point count, velocity statistics and "
              "mean series per layer, drawn, tabled and exported by the viewer.")  # fmt: skip
@click.option("--assets-buffer", type=float, default=None, metavar="M",
              help="Metres around each line or point asset [default: 10].")  # fmt: skip
@click.option("--assets-id", default=None, metavar="FIELD",
              help="The field naming each asset (unique) [default: its row number].")  # fmt: skip
@click.option("--dedupe", is_flag=True,
              help="Drop points of a burst on ground an earlier burst of the same layer covers "
              "(overlap duplicates; kept and marked `overlap` by default).")  # fmt: skip
@click.option("--epochs/--no-epochs", default=None,
              help="Store each point's displacement about every quarter in its tiles, for the "
              "viewer's map through time (time slider, window velocities) [default: off; the "
              "tiles double, the build takes ~1.2x].")  # fmt: skip
@click.option("--trend/--no-trend", default=None,
              help="Screen every point's series for a change of trend, for the viewer's trend "
              "filter, colours and two-segment charts [default: on; the build takes "
              "~1.2x].")  # fmt: skip
@click.option("--strict", is_flag=True,
              help="Fail on warnings (rows left out, duplicate ids, unknown columns).")  # fmt: skip
@click.option("--rebuild", is_flag=True,
              help="Re-tile every layer, even those whose inputs did not change.")  # fmt: skip
@click.option("--single-file", is_flag=True,
              help="Also write OUTPUT/site.html: the whole site in one HTML file that works "
              "from disk (file://) and as an e-mail attachment; at most 50 MB of "
              "data.")  # fmt: skip
@click.option("--series-files", type=click.Choice(["auto", "packed", "loose"]), default=None,
              help="Each layer's time series as one file per 256 points ('loose'), or packed "
              "into files of at most 24 MiB read with HTTP Range ('packed': few files to "
              "upload) [default: auto, packed above 1024 chunks].")  # fmt: skip
@click.option("--dask-local", type=click.IntRange(min=1), default=None, metavar="N",
              help="Run the build on a local Dask cluster of N worker processes (needs "
              "egms-tiler[distributed]).")  # fmt: skip
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the build on the Dask cluster of this scheduler (tcp://host:8786); "
              "see docs/distributed.md.")  # fmt: skip
@click.option("--shared-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Scratch directory every Dask worker sees at the same path [default: "
              "beside OUTPUT].")  # fmt: skip
@limit_options
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@reports_errors
def build(
    inputs: tuple[str, ...], output: Path, max_csv_size: str | None, max_zip_ratio: str | None,
    **options: Any,
) -> None:  # fmt: skip
    """Build a static site from EGMS files.

    INPUT is any mix of EGMS .zip and .csv files, directories (searched recursively for EGMS
    file names) and glob patterns. One map layer is made per level × period × orbit/component.

    \b
    Example:
      egms-tiler build downloads/*.zip -o build/site
      egms-tiler serve build/site
    """
    from tiler.pipeline.build import build as run_build

    given = {name: value for name, value in options.items() if value is not None}
    given.update(limit_values(max_csv_size, max_zip_ratio))
    run_build(inputs, output, **given)  # each option is a field of builder.BuildOptions


@main.command()
@click.argument("site", type=click.Path(path_type=Path), default=DEFAULT_OUT, required=False)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 exposes the site to the network).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0 picks a free one).")  # fmt: skip
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@reports_errors
def serve(site: Path, host: str, port: int, open_browser: bool) -> None:
    """Serve a built SITE locally (HTTP Range, no compression) until Ctrl-C."""
    from tiler.serve import serve as run_serve

    run_serve(site, host=host, port=port, open_browser=open_browser)


@main.command()
@click.argument("site", type=click.Path(path_type=Path), default=DEFAULT_OUT, required=False)
@click.option("--view", default="", metavar="HASH",
              help="The view: a permalink's hash (#zoom/lat/lon&layer=...&pt=...) or the whole "
              "URL [default: the first layer's extent].")  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Image to write (PNG; PDF with --pdf).")  # fmt: skip
@click.option("--width", type=click.IntRange(200, 8000), default=1200, show_default=True,
              help="Width in CSS pixels.")  # fmt: skip
@click.option("--height", type=click.IntRange(200, 8000), default=800, show_default=True,
              help="Height in CSS pixels.")  # fmt: skip
@click.option("--chart", is_flag=True,
              help="Show the selected point's chart too (the view must have pt=ID).")  # fmt: skip
@click.option("--title", default="", help="A title above the map (the view's title= otherwise).")
@click.option("--caption", default="",
              help="A caption under the map's key (the view's caption= otherwise).")  # fmt: skip
@click.option("--pdf", is_flag=True, help="Write a one-page PDF of that size instead of a PNG.")
@click.option("--chromium", type=click.Path(path_type=Path), default=None,
              help="Chromium executable [default: /usr/bin/chromium].")  # fmt: skip
@reports_errors
def snapshot(site: Path, output: Path, **options: Any) -> None:
    """Render a view of a built SITE to a PNG (or PDF) with headless Chromium, for reports.

    The view is shown as in embed mode: the map with its figure frame (title, colour bar with
    the quantity and unit, layer, reference, scale bar, caption, credit) and, with --chart,
    the selected point's chart.

    \b
    Example:
      egms-tiler snapshot build/site -o map.png --width 1600 --height 1000 \\
        --view '#14/38.7058/13.1696&layer=l2b-2020-2024-desc&pt=7' --chart \\
        --title 'Figure 1. Ustica, descending orbit'
    """
    from tiler.snapshot.capture import snapshot as run_snapshot

    run_snapshot(site, output, **options)
    click.echo(f"Wrote {printable(str(output))}", err=True)


PERIOD_CHOICES = ("2018-2022", "2019-2023", "2020-2024")


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory to write into (created if needed).")  # fmt: skip
@click.option("--level", "levels", type=click.Choice(["L2a", "L2b", "L3"]), multiple=True,
              help="Product level; repeat for several [default: L2b].")  # fmt: skip
@click.option("--period", "periods", type=click.Choice(PERIOD_CHOICES), multiple=True,
              help="Release window; repeat for several [default: 2020-2024].")  # fmt: skip
@click.option("--points", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Points per file (burst or L3 tile), up to 10,000,000.")  # fmt: skip
@click.option("--bursts", type=click.IntRange(min=1), default=1, show_default=True,
              help="Consecutive bursts per track (L2) or adjacent tiles (L3).")  # fmt: skip
@click.option("--orbit", type=click.Choice(["asc", "desc", "both"]), default="both",
              show_default=True, help="Orbit pass(es) of the L2 bursts.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed: the same seed gives the same files, byte for byte.")  # fmt: skip
@click.option("--changes", type=click.FloatRange(0.0, 1.0), default=0.1, show_default=True,
              help="Fraction of the ground (200 m cells) with a step and/or a change of "
                   "rate on a day from 2021-07-01 to 2022-06-30 (tiler.synthetic.truth "
                   "says which).")  # fmt: skip
@click.option("--zip/--no-zip", "zipped", default=True, show_default=True,
              help="ZIP with CSV + XML like the downloads, or plain CSV + XML.")  # fmt: skip
@click.option("--dates", "most_dates", type=click.IntRange(min=8), default=None,
              help="At most this many acquisitions a file, evenly spread over the period "
                   "(shorter series for scale benchmarks) [default: every one].")  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@reports_errors
def sample(
    output: Path, levels: tuple[str, ...], periods: tuple[str, ...], points: int, bursts: int,
    orbit: str, seed: int, changes: float, zipped: bool, most_dates: int | None, quiet: bool,
) -> None:  # fmt: skip
    """Write synthetic EGMS files, in the exact format of the real products.

    Files are named by the EGMS grammar, hold the header of their level and release and
    realistic values (Sentinel-1 dates, clustered points, overlapping bursts). One 3D ground
    motion (east, north, up: trend, acceleration, annual cycle, steps and changes of rate)
    makes every file: L2 series are it along each point's line of sight, L3 its up and east,
    plus noise. Existing files are replaced only if egms-tiler generated them.

    \b
    Example:
      egms-tiler sample -o build/sample --level L2a --level L3 --points 50000 --bursts 2
      egms-tiler build build/sample -o build/sample-site
    """
    from tiler.synthetic import SampleOptions, period_of, write_sample

    options = SampleOptions(
        output=output, levels=levels or ("L2b",), points=points, bursts=bursts, orbit=orbit,
        periods=tuple(period_of(text) for text in periods or ("2020-2024",)), seed=seed,
        zip=zipped, changes=changes, dates=most_dates,
    )  # fmt: skip
    write_sample(options, quiet)


@main.command("inspect")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--json", "as_json", is_flag=True, help="Write JSON (a list, one object per file).")
@limit_options
@reports_errors
def inspect_command(
    inputs: tuple[str, ...], as_json: bool, max_csv_size: str | None, max_zip_ratio: str | None
) -> None:
    """Show what EGMS files hold: level, release, orbit, unit, points, dates, bounds, problems.

    INPUT is any mix of .zip and .csv files, directories and glob patterns. Exit status 1 when
    an input cannot be read as EGMS data (the report says why).

    \b
    Example:
      egms-tiler inspect tests/data/egms
      egms-tiler inspect --json downloads/*.zip > inventory.json
    """
    import json

    from tiler.inputs.inspect import inspect_inputs, text
    from tiler.pipeline.build import BuildOptions

    bounds = BuildOptions(**limit_values(max_csv_size, max_zip_ratio))
    bounds.check_limits()
    entries = inspect_inputs(inputs, bounds.limits)
    click.echo(json.dumps(entries, indent=2) if as_json else text(entries), nl=as_json)
    unreadable = [entry["path"] for entry in entries if not entry["readable"]]
    if unreadable:
        fail(f"{len(unreadable)} of {len(entries)} input(s) are not readable EGMS data: "
             f"{', '.join(unreadable)}")  # fmt: skip


def run() -> None:
    """The program (console script, `python -m tiler`): `main`, then, after a failed run, an
    exit without the interpreter's finalisation. The one-line error is printed and the output
    left as it was by then; a native thread pool torn down during finalisation after an error
    has aborted the process (exit -6, "PyGILState_Release ... finalizing") instead of exit 1."""
    try:
        main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if code == 0:
            raise
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
