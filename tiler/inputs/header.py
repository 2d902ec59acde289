"""A file's header and first rows into a `Source`: level, period, orbit or component, columns.

`scan` is the first look at every input: the header line, the XML beside the CSV in a ZIP, and
for L2 the first rows (the orbit direction). The rows are read later (tiler/inputs/reader.py).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from tiler.errors import InputError, InputWarning
from tiler.inputs import egms
from tiler.inputs.linecheck import locate_in
from tiler.inputs.opening import (
    READ_ERRORS,
    csv_member,
    file_stamp,
    float_column,
    open_csv_bytes,
    open_raw,
    open_reader,
    skip_comments,
)
from tiler.limits import DEFAULT_LIMITS, InputLimits
from tiler.model import LayerKey, Source

UTF8_BOM = b"\xef\xbb\xbf"
L3_EXAMPLE = "EGMS_L3_E45N17_100km_U_2020_2024_1.csv"
# Static columns the pipeline uses, by internal name (see egms.CANONICAL).
STATIC_FIELDS = (
    "latitude", "longitude", "easting", "northing", "cluster_label", "mean_velocity",
    "mean_velocity_std", "temporal_coherence", "height", "acceleration", "seasonality", "rmse",
)  # fmt: skip
XML_HEAD_BYTES = 64 << 10  # product_level is in the first lines of a ~100 KB file


def read_header(
    path: Path, member: str | None, limits: InputLimits = DEFAULT_LIMITS
) -> tuple[list[str], int]:  # fmt: skip
    """The header's column names and its line number (1, or after the comment lines)."""
    with open_raw(path, member) as stream:
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
            reader = open_reader(stream, wanted, 1 << 20)
            try:  # closed before its stream: a read ahead left running aborted the process
                batch = reader.read_next_batch()
            finally:
                reader.close()
        except StopIteration:
            raise InputError(path, "the file has a header but no data rows",
                             "pass a complete EGMS file") from None  # fmt: skip
        except READ_ERRORS as exc:
            raise locate_in(path, member, columns, wanted, exc, header_line) from exc
    if "track_angle" in wanted:
        orbit = egms.orbit_from_track_angle(float_column(batch.column("track_angle")))
        if orbit:
            return orbit
    if "los_east" in wanted:
        return egms.orbit_from_los_east(float_column(batch.column("los_east")))
    return None


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
