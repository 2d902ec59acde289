"""Stream EGMS CSV data (plain or inside a ZIP) by column name, in bounded-size batches."""

from __future__ import annotations

import io
import math
import stat
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from tiler.errors import InputError, InputWarning
from tiler.inputs import egms
from tiler.inputs.zipmember import READ_SIZE, DeflatedMember, can_inflate
from tiler.limits import DEFAULT_LIMITS, InputLimits
from tiler.model import LayerKey, Source
from tiler.spatial import laea_to_lonlat

NULL_VALUES = ["", "nan", "NaN", "NA"]
UTF8_BOM = b"\xef\xbb\xbf"
COMMENT = b"#"  # before the header: egms-tiler's own exports (EGMS files have none)
MAX_COMMENT_LINES = 100
MAX_DISPLACEMENT_MM = 1e8  # beyond this a value cannot be a displacement (and leaves int32)
MISSING = np.iinfo(np.int32).min  # displacement sentinel for a missing value
BLOCK_SIZE = 2 << 20  # 4 MB blocks cost the same CPU and hold ~150 MB more per reader
# the series' ~300 columns, in blocks whose matrices are reused (SeriesMatrix); spooling 1M
# points took 22.3 CPU s and 115-121 MB at most; 1 MB blocks 21.9 s and 131 MB, 2 MB 22.1 s and
# 180 MB
SERIES_BLOCK_SIZE = 512 << 10
L3_EXAMPLE = "EGMS_L3_E45N17_100km_U_2020_2024_1.csv"
READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, pa.ArrowInvalid)

# Static columns the pipeline uses, by internal name (see egms.CANONICAL).
STATIC_FIELDS = (
    "latitude", "longitude", "easting", "northing", "cluster_label", "mean_velocity",
    "mean_velocity_std", "temporal_coherence", "height", "acceleration", "seasonality", "rmse",
)  # fmt: skip


@dataclass(slots=True)
class Batch:
    """A slice of rows: static values by internal name, pids, displacement in 0.1 mm."""

    first_line: int  # file line number of the first row (the header is line 1)
    pid: pa.Array
    static: dict[str, np.ndarray]
    displacement: np.ndarray  # int32 (rows, dates), MISSING where the file has no value
    lon: np.ndarray  # WGS84 degrees (L3: converted from EPSG:3035 easting/northing)
    lat: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.pid)

    def select(self, mask: np.ndarray) -> Batch:
        """The rows where `mask` is true (line numbers no longer follow each other)."""
        if mask.all():
            return self
        return Batch(
            self.first_line,
            self.pid.filter(pa.array(mask)),
            {name: values[mask] for name, values in self.static.items()},
            self.displacement[mask],
            self.lon[mask],
            self.lat[mask],
        )


@contextmanager
def open_csv_bytes(path: Path, member: str | None) -> Iterator[IO[bytes]]:
    """Open the CSV bytes of a plain file or of one ZIP member, at its header line (after the
    `#` comment lines an export may start with)."""
    with _open_raw(path, member) as stream:
        skip_comments(path, stream)
        yield stream


def skip_comments(path: Path, stream: IO[bytes], limits: InputLimits = DEFAULT_LIMITS) -> int:
    """Skip the lines starting with `#` before the header, as pandas' comment='#' would; how
    many there were. Bounded like the header line: a hostile file costs no more."""
    count = 0
    while cast(io.BufferedReader, stream).peek(1)[:1] == COMMENT:
        if count == MAX_COMMENT_LINES:
            raise InputError(path, f"more than {MAX_COMMENT_LINES} comment lines (#) before the "
                             "header", "pass an EGMS file", line=count + 1)  # fmt: skip
        if len(stream.readline(limits.header_bytes + 1)) > limits.header_bytes:
            raise InputError(path, f"a comment line is longer than {limits.header_bytes:,} "
                             "bytes", "pass an EGMS file", line=count + 1)  # fmt: skip
        count += 1
    return count


@contextmanager
def _open_raw(path: Path, member: str | None) -> Iterator[IO[bytes]]:
    try:
        if member is None:
            with open(path, "rb") as stream:
                yield stream
        else:
            with zipfile.ZipFile(path) as archive:
                info = member_info(archive, path, member)
                if not can_inflate(info):
                    with archive.open(info) as stream:
                        yield stream
                    return
            with io.BufferedReader(DeflatedMember(path, info), READ_SIZE) as stream:
                yield stream
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputError(path, f"damaged ZIP archive ({exc})", "download the file again") from exc


def member_info(archive: zipfile.ZipFile, path: Path, member: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(member)
    except KeyError:
        fix = "check that nothing replaces the file during the build"
        raise InputError(path, f"the ZIP holds no {member} any more", fix) from None


def csv_member(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> str | None:
    """The CSV inside a ZIP (None for a plain CSV); errors name what the archive holds.

    The member's declared size and compression ratio are checked against `limits` here; its
    actual inflated size is held to the declared one as it is read (`zipmember`).
    """
    if path.suffix.lower() != ".zip":
        check_size(path, path.stat().st_size, limits)
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(path, "not a readable ZIP archive (truncated or damaged download?)",
                         "download the file again") from exc  # fmt: skip
    csvs = [i for i in infos if i.filename.lower().endswith(".csv")]
    if len(csvs) > 1:
        csvs = [i for i in csvs if Path(i.filename).stem == path.stem] or csvs
    if len(csvs) != 1:
        found = ", ".join(i.filename for i in infos[:5]) or "nothing"
        raise InputError(path, f"expected one CSV inside the ZIP, found {found}",
                         "pass an EGMS download (.zip with one .csv)")  # fmt: skip
    check_member(path, csvs[0], limits)
    return csvs[0].filename


READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {9: "deflate64", 93: "zstd", 95: "xz", 98: "ppmd", 99: "AES encryption"}


def check_member(path: Path, info: zipfile.ZipInfo, limits: InputLimits) -> None:
    """Refuse a member that cannot be read, or would inflate past the limits (a ZIP bomb)."""
    where = f"{path}!{info.filename}"
    if info.flag_bits & 0x1:
        raise InputError(where, "the ZIP member is encrypted", "pass the unencrypted download")
    if info.compress_type not in READABLE_METHODS:
        method = METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise InputError(where, f"compressed with {method}, which egms-tiler cannot read",
                         "extract it with a tool that can and pass the .csv")  # fmt: skip
    check_size(where, info.file_size, limits)
    ratio = info.file_size / max(info.compress_size, 1)
    if info.compress_type != zipfile.ZIP_STORED and ratio > limits.zip_ratio:
        raise InputError(where, f"inflates {ratio:.0f} times its compressed size (EGMS files "
                         f"about 4 times; a ZIP bomb?)", f"if the file is genuine, pass "
                         f"--max-zip-ratio {ratio:.0f}")  # fmt: skip


def check_size(where: Path | str, size: int, limits: InputLimits) -> None:
    if size > limits.csv_bytes:
        problem = f"the CSV is {human(size)}, over the {human(limits.csv_bytes)} limit"
        fix = f"if the file is genuine, pass --max-csv-size {human(size, up=True)}"
        raise InputError(where, f"{problem} (an EGMS burst is at most ~1 GB)", fix)


def human(size: int, up: bool = False) -> str:
    """'1.2G', '350M', '4K': a size as --max-csv-size takes it (`up`: rounded up, not off)."""
    unit, scale = next((u, s) for u, s in (("G", 30), ("M", 20), ("K", 10), ("", 0))
                       if size >= 1 << s or not s)  # fmt: skip
    value = size / (1 << scale)
    return f"{math.ceil(value * 10) / 10 if up else round(value, 1):g}{unit}"


def read_header(
    path: Path, member: str | None, limits: InputLimits = DEFAULT_LIMITS
) -> tuple[list[str], int]:  # fmt: skip
    """The header's column names and its line number (1, or after the comment lines)."""
    with _open_raw(path, member) as stream:
        number = skip_comments(path, stream, limits) + 1
        line = stream.readline(limits.header_bytes + 1)
        if len(line) > limits.header_bytes:
            raise InputError(path, f"the header line is longer than {limits.header_bytes:,} "
                             "bytes", "pass an EGMS file", line=number)  # fmt: skip
        first_row = stream.readline(limits.line_bytes)
        while first_row and not first_row.strip():  # blank lines are skipped, as pyarrow does
            first_row = stream.readline(limits.line_bytes)
    if not line:
        raise InputError(path, "the file is empty", "download the file again")
    columns = header_columns(path, line, limits, number)
    if len(columns) < 2 or "pid" not in columns:
        raise InputError(path, "not an EGMS CSV (no 'pid' column in the header)",
                         "pass EGMS L2a/L2b/L3 .zip or .csv files", line=number)  # fmt: skip
    if not first_row.strip():
        raise InputError(
            path, "the file has a header but no data rows", "pass a complete EGMS file"
        )
    return columns, number


def header_columns(
    path: Path, line: bytes, limits: InputLimits = DEFAULT_LIMITS, number: int = 1
) -> list[str]:  # fmt: skip
    """Column names of a header line (line `number` of the file); a BOM and quotes (re-saved
    files) are tolerated."""
    try:
        text = line.removeprefix(UTF8_BOM).decode("ascii").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InputError(path, "not a text CSV file", "pass an EGMS .csv or .zip",
                         line=number) from exc  # fmt: skip
    if ";" in text and "," not in text:
        raise InputError(path, "columns are separated by ';' (a spreadsheet export?)",
                         "use the original EGMS download, or save as CSV with ',' between "
                         "columns and '.' as decimal mark", line=number)  # fmt: skip
    if text.count(",") >= limits.columns:
        raise InputError(path, f"the header has {text.count(',') + 1:,} columns, over the "
                         f"{limits.columns:,} an EGMS file could have", "pass an EGMS file",
                         line=number)  # fmt: skip
    return [name.strip().strip('"') for name in text.split(",")]


def scan(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> Source:
    """Read a file's header (and a few rows for the orbit) into a `Source`."""
    stamp = file_stamp(path)
    member = csv_member(path, limits)
    columns, header_line = read_header(path, member, limits)
    name_info = egms.parse_name(Path(member).name if member else path.name)
    level, notes = _level(path, member, columns, name_info)
    _check_columns(path, columns, level, header_line)
    dates = _check_dates(path, columns, header_line)
    period, period_notes = _period(path, dates, name_info)
    geometry = _geometry(path, member, columns, level, name_info, header_line)
    return Source(
        path=path,
        member=member,
        stem=Path(member or path.name).stem,
        layer=LayerKey(level, period, geometry),
        columns=tuple(columns),
        dates=tuple(dates),
        track=name_info.track if name_info else None,
        burst=name_info.burst if name_info else None,
        swath=name_info.swath if name_info else None,
        polarisation=name_info.polarisation if name_info else None,
        version=name_info.version if name_info else None,
        tile=name_info.tile if name_info else None,
        unknown_columns=tuple(egms.unknown_static(columns)),
        stamp=stamp,
        notes=(*notes, *period_notes),
        header_line=header_line,
    )


def file_stamp(path: Path) -> tuple[int, int, int]:
    """Size, modification time and inode: what changes when a file is rewritten or replaced."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror})", "check the path") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, f"not a regular file (a {file_kind(info.st_mode)})",
                         "pass EGMS .zip or .csv files")  # fmt: skip
    return info.st_size, info.st_mtime_ns, info.st_ino


def file_kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
             (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")]  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "special file")


def check_stamp(path: Path, stamp: tuple[int, int, int], now: tuple[int, int, int]) -> None:
    if now != stamp:
        raise InputError(path, "the file changed while it was being read",
                         "let whatever writes it finish, then build again")  # fmt: skip


def _level(
    path: Path, member: str | None, columns: list[str], name_info: egms.NameInfo | None
) -> tuple[str, list[InputWarning]]:
    if name_info is None:
        return xml_level(path, member) or egms.level_from_columns(columns), []
    level = xml_level(path, member) or egms.level_shown_by_columns(columns, name_info.level)
    if level == name_info.level:
        return level, []
    note = InputWarning(str(path), f"the name says {name_info.level} but the data is "
                        f"{level} ({_level_evidence(member, level)}); published as {level}",
                        "rename the file", 1)  # fmt: skip
    return level, [note]


def _level_evidence(member: str | None, level: str) -> str:
    if member is not None:
        return "its XML's product_level"
    return "cluster_label column" if level == "L2a" else "its columns"


XML_HEAD_BYTES = 64 << 10  # product_level is in the first lines of a ~100 KB file


def xml_level(path: Path, member: str | None) -> str | None:
    """The level the XML beside the CSV inside a ZIP declares (None if there is none)."""
    if member is None:
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            xml = member[: -len(Path(member).suffix)] + ".xml"
            if xml not in archive.namelist():
                return None
            with archive.open(xml) as stream:
                return egms.level_in_xml(stream.read(XML_HEAD_BYTES))
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError):
        return None  # a damaged XML says nothing; the CSV is checked on its own


def _period(
    path: Path, dates: list[str], name_info: egms.NameInfo | None
) -> tuple[tuple[int, int], list[InputWarning]]:
    if name_info is None or name_info.period is None:
        return egms.period_from_dates(dates), []
    named = name_info.period
    period = egms.period_shown_by_dates(dates, named)
    if period == named:
        return period, []
    note = InputWarning(str(path), f"the name says {named[0]}-{named[1]} but the dates run "
                        f"{egms.iso_date(dates[0])} to {egms.iso_date(dates[-1])}; published "
                        f"as {period[0]}-{period[1]}", "rename the file", 1)  # fmt: skip
    return period, [note]


def _check_columns(path: Path, columns: list[str], level: str, header_line: int = 1) -> None:
    present = {egms.canonical(c) for c in columns}
    missing = [c for c in egms.required_columns(level) if c not in present]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)} for EGMS {level}",
                         "pass an unmodified EGMS file", line=header_line)  # fmt: skip
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise InputError(path, f"duplicated column(s) {', '.join(duplicated)}",
                         "pass an unmodified EGMS file", line=header_line)  # fmt: skip


def _check_dates(path: Path, columns: list[str], header_line: int = 1) -> list[str]:
    dates = egms.date_columns(columns)
    if not dates:
        raise InputError(path, "no date columns (YYYYMMDD) in the header",
                         "pass an EGMS file with its displacement time series",
                         line=header_line)  # fmt: skip
    for column in dates:
        try:
            egms.iso_date(column)
        except ValueError as exc:
            raise InputError(path, f"column {column} is not a valid date",
                             "date columns must be YYYYMMDD",
                             line=header_line) from exc  # fmt: skip
    if dates != sorted(dates):
        raise InputError(path, "date columns are not in ascending order",
                         "pass an unmodified EGMS file", line=header_line)  # fmt: skip
    return dates


def _geometry(
    path: Path,
    member: str | None,
    columns: list[str],
    level: str,
    name_info: egms.NameInfo | None,
    header_line: int = 1,
) -> str:
    if level == "L3":
        if name_info is None or name_info.geometry is None:
            raise InputError(path, "cannot tell vertical (U) from east-west (E) L3 data",
                             f"keep the EGMS file name, e.g. {L3_EXAMPLE}")  # fmt: skip
        return name_info.geometry
    orbit = _orbit_from_rows(path, member, columns, header_line)
    if orbit is None:
        raise InputError(path, "cannot tell ascending from descending (no track_angle/los_east)",
                         "pass an unmodified EGMS L2 file")  # fmt: skip
    return orbit


def _orbit_from_rows(
    path: Path, member: str | None, columns: list[str], header_line: int = 1
) -> str | None:  # fmt: skip
    wanted: list[str] = [c for c in ("track_angle", "los_east") if c in columns]
    if not wanted:
        return None
    with open_csv_bytes(path, member) as stream:
        try:
            batch = _open_reader(stream, wanted, 1 << 20).read_next_batch()
        except StopIteration:
            raise InputError(path, "the file has a header but no data rows",
                             "pass a complete EGMS file") from None  # fmt: skip
        except READ_ERRORS as exc:
            raise locate_in(path, member, columns, wanted, exc, header_line) from exc
    if "track_angle" in wanted:
        orbit = egms.orbit_from_track_angle(_floats(batch.column("track_angle")))
        if orbit:
            return orbit
    if "los_east" in wanted:
        return egms.orbit_from_los_east(_floats(batch.column("los_east")))
    return None


def _open_reader(
    stream: IO[bytes], include: list[str], block_size: int
) -> pacsv.CSVStreamingReader:
    """A streaming CSV reader; it parses the first block at once, so it may raise READ_ERRORS."""
    types = {name: (pa.string() if name == "pid" else pa.float64()) for name in include}
    return pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(block_size=block_size),
        convert_options=pacsv.ConvertOptions(
            include_columns=include,
            column_types=types,
            null_values=NULL_VALUES,
            strings_can_be_null=False,
        ),
    )


def _floats(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def static_columns(source: Source, fields: Sequence[str] = STATIC_FIELDS) -> dict[str, str]:
    """Internal name -> the file's column name, for the static `fields` the file has."""
    by_internal = {egms.canonical(c): c for c in source.columns if c not in source.dates}
    return {name: by_internal[name] for name in fields if name in by_internal}


def position_fields(source: Source) -> tuple[str, str]:
    """The static fields a point's position is read from: latitude and longitude if present."""
    names = {egms.canonical(c) for c in source.columns}
    if {"latitude", "longitude"} <= names:
        return "latitude", "longitude"
    return "easting", "northing"


def iter_batches(
    source: Source, block_size: int = BLOCK_SIZE, series: bool = True,
    fields: Sequence[str] = STATIC_FIELDS,
) -> Iterator[Batch]:  # fmt: skip
    """Stream a source's rows: bounded memory whatever the file size.

    `series=False` reads only the static columns (no displacement): the fast first pass.
    `fields`: the static fields to read (those the file has).
    """
    statics = static_columns(source, fields)
    include = ["pid", *statics.values(), *(source.dates if series else ())]
    line = source.header_line + 1
    with unchanged(source), open_csv_bytes(source.path, source.member) as stream:
        for record in _records(source, stream, include, block_size):
            yield _to_batch(source, record, statics, line, series)
            line += record.num_rows


def iter_series(source: Source, block_size: int = SERIES_BLOCK_SIZE) -> Iterator[np.ndarray]:
    """Stream only the displacement columns: int32 (rows, dates) blocks in 0.1 mm.

    Each block is valid until the next one is asked for (its memory is reused).
    """
    line = source.header_line + 1
    matrix = SeriesMatrix(len(source.dates))
    with unchanged(source), open_csv_bytes(source.path, source.member) as stream:
        for record in _records(source, stream, list(source.dates), block_size):
            yield _series(source, record, line, matrix)
            line += record.num_rows


@contextmanager
def unchanged(source: Source) -> Iterator[None]:
    """Check that the file is the one scanned, before and after a pass over it."""
    if source.stamp == NO_STAMP:
        yield
        return
    check_stamp(source.path, source.stamp, file_stamp(source.path))
    try:
        yield
    except InputError:
        check_stamp(source.path, source.stamp, file_stamp(source.path))  # explains the damage
        raise
    check_stamp(source.path, source.stamp, file_stamp(source.path))


NO_STAMP = (0, 0, 0)


def _records(
    source: Source, stream: IO[bytes], include: list[str], block_size: int
) -> Iterator[pa.RecordBatch]:
    try:
        yield from _open_reader(stream, include, block_size)
    except READ_ERRORS as exc:
        raise locate_problem(source, exc) from exc


def _to_batch(
    source: Source, record: pa.RecordBatch, statics: dict[str, str], first_line: int,
    series: bool = True,
) -> Batch:  # fmt: skip
    static = {name: _floats(record.column(column)) for name, column in statics.items()}
    for name, values in static.items():
        _check_finite(source, statics[name], values, first_line)
    if series:
        displacement = _series(source, record, first_line)
    else:
        displacement = np.zeros((record.num_rows, 0), dtype=np.int32)
    lon, lat = _lonlat(static)
    return Batch(first_line, record.column("pid"), static, displacement, lon, lat)


class SeriesMatrix:
    """The matrices a block's displacements are scaled and converted in, reused block to block.

    A block's matrices (a few MB) are over the build's 1 MB own-mapping threshold
    (tiler/memory.py): made anew for each block, their pages came fresh from the kernel every
    time (spooling 1M points: 0.9M page faults, 3.6 s of system time).
    """

    def __init__(self, columns: int) -> None:
        self.floats = np.empty((0, columns), dtype=np.float64, order="F")
        self.tenths = np.empty((0, columns), dtype=np.int32)

    def rows(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Column-major float64 and row-major int32 (count, columns) views."""
        if len(self.floats) < count:
            columns = self.floats.shape[1]
            self.floats = np.empty((count, columns), dtype=np.float64, order="F")
            self.tenths = np.empty((count, columns), dtype=np.int32)
        return self.floats[:count], self.tenths[:count]


def _series(
    source: Source, record: pa.RecordBatch, first_line: int, matrix: SeriesMatrix | None = None
) -> np.ndarray:
    """The displacements as int32 tenths of a mm, MISSING where empty: (rows, dates).

    Filled a column at a time into a column-major matrix (contiguous copies) and scaled in
    place: 1M points' ~300 columns took 5.3 CPU s here against 7.7 by rows with temporaries.
    With `matrix`, the result is one of its views: valid until its next use.
    """
    floats, tenths = (matrix or SeriesMatrix(len(source.dates))).rows(record.num_rows)
    for index, name in enumerate(source.dates):
        floats[:, index] = _floats(record.column(name))
    floats *= 10.0
    np.rint(floats, out=floats)
    _check_range(source, record, floats, first_line)
    missing = np.isnan(floats)
    floats[missing] = 0
    np.copyto(tenths, floats, casting="unsafe")
    tenths[missing] = MISSING
    return tenths


def _check_range(
    source: Source, record: pa.RecordBatch, tenths: np.ndarray, first_line: int
) -> None:  # fmt: skip
    limit = MAX_DISPLACEMENT_MM * 10
    if _within(tenths, limit):
        return
    with np.errstate(invalid="ignore"):
        huge = np.abs(tenths) > limit
    if not huge.any():
        return
    row, column = (int(i[0]) for i in np.nonzero(huge))
    name = source.dates[column]
    value = _floats(record.column(name))[row]
    found = InputError(source.path, f"column {name} holds {value:g} mm, not a displacement",
                       "repair or re-download the file", line=first_line + row)  # fmt: skip
    raise found if np.isfinite(value) else locate_problem(source, found)


def _check_finite(source: Source, column: str, values: np.ndarray, first_line: int) -> None:
    if values.size == 0 or not np.isinf([np.fmin.reduce(values), np.fmax.reduce(values)]).any():
        return
    row = int(np.flatnonzero(np.isinf(values))[0])
    found = InputError(source.path, f"column {column} holds {values[row]:g}, not a finite number",
                       "repair or re-download the file", line=first_line + row)  # fmt: skip
    raise locate_problem(source, found)  # names the text as written (1e400, not inf)


def _within(values: np.ndarray, limit: float) -> bool:
    """No value beyond ±limit, NaN ignored (an all-NaN array says False), with no temporary."""
    if values.size == 0:
        return True
    return bool(
        -limit <= np.fmin.reduce(values, axis=None) and np.fmax.reduce(values, axis=None) <= limit
    )


def _lonlat(static: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if "longitude" in static and "latitude" in static:
        return static["longitude"], static["latitude"]
    return laea_to_lonlat(static["easting"], static["northing"])


def locate_problem(source: Source, cause: BaseException) -> InputError:
    """Find the first bad line with a slow exact scan (only on the error path)."""
    numeric = [*static_columns(source).values(), *source.dates]
    return locate_in(source.path, source.member, list(source.columns), numeric, cause,
                     source.header_line)  # fmt: skip


def locate_in(
    path: Path, member: str | None, header: list[str], numeric: list[str], cause: BaseException,
    header_line: int = 1,
) -> InputError:  # fmt: skip
    """`locate_problem` for a file not scanned yet: `numeric` are the columns being parsed."""
    from tiler.inputs.linecheck import first_bad_line_in

    if isinstance(cause, zipfile.BadZipFile | zlib.error | EOFError):
        return InputError(path, f"damaged ZIP archive ({cause})", "download the file again")
    try:
        found = first_bad_line_in(path, member, header, numeric, header_line=header_line)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        return InputError(path, f"damaged file ({exc})", "download the file again")
    if found is None:
        if isinstance(cause, InputError):
            return cause
        return InputError(path, f"unreadable CSV ({cause})", "pass an unmodified EGMS file")
    line, problem, fix = found
    return InputError(path, problem, fix, line=line)
