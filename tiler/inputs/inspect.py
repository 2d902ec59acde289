"""`egms-tiler inspect`: what EGMS files hold and what is wrong with them, as plain dicts.

One streaming pass per file (bounded memory apart from 8 bytes per pid for the duplicate check):
level, release, orbit or component, track / burst / swath / polarisation or tile, points, dates,
bounds and the problems found. A file that cannot be read as EGMS gives an entry with `error`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from tiler.errors import InputError, printable
from tiler.inputs import egms, pid
from tiler.inputs.discover import discover
from tiler.inputs.header import scan
from tiler.inputs.reader import MISSING, iter_batches
from tiler.limits import DEFAULT_LIMITS, InputLimits
from tiler.model import GEOMETRY_LABELS, Source
from tiler.spatial import Bounds

# Static columns each release writes (docs/egms-format.md#columns), by internal name
# (egms.canonical).
L2_STATIC = tuple(egms.canonical(name) for name in egms.L2_STATIC_OLD)
L3_STATIC = tuple(egms.canonical(name) for name in egms.L3_STATIC_OLD)


@dataclass(slots=True)
class Tally:
    """What one streaming pass over the rows counts."""

    points: int = 0
    missing_values: int = 0
    bounds: Bounds = field(default_factory=Bounds)
    codes: list[np.ndarray] = field(default_factory=list)  # pids as integers
    bad_pids: int = 0  # not 10 base-62 characters
    foreign_pids: int = 0  # encode another burst / cell than the row's


def inspect_inputs(
    inputs: Iterable[str | Path], limits: InputLimits = DEFAULT_LIMITS
) -> list[dict[str, Any]]:
    """One report per input file (directories and globs expanded like `build` does)."""
    return [inspect_file(path, limits) for path in discover(str(item) for item in inputs)]


def inspect_file(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    try:
        source = scan(path, limits)
        tally = count(source)
    except InputError as exc:
        return {"path": str(path), "readable": False, "error": str(exc), "problems": [str(exc)]}
    return report(source, tally)


def count(source: Source) -> Tally:
    tally = Tally()
    for batch in iter_batches(source):
        tally.points += batch.rows
        tally.missing_values += int(np.count_nonzero(batch.displacement == MISSING))
        tally.missing_values += sum(int(np.isnan(v).sum()) for v in batch.static.values())
        tally.bounds.add(batch.lon, batch.lat)
        _check_pids(source, batch.pid, batch.static, tally)
    return tally


def _check_pids(
    source: Source, pids: pa.Array, static: dict[str, np.ndarray], tally: Tally
) -> None:
    chars, sized = ascii_pids(pids)
    codes = pid.values_array(chars)
    valid = codes >= 0
    tally.bad_pids += len(pids) - int(np.count_nonzero(valid))
    tally.codes.append(codes[valid])
    if source.layer.level == "L3":
        _, north, east = pid.split_l3_array(chars)
        expected_north = np.floor_divide(static["northing"][sized], 100)
        expected_east = np.floor_divide(static["easting"][sized], 100)
        wrong = (north != expected_north) | (east != expected_east)
    elif (expected := _burst_code(source)) is not None:
        _, code, _ = pid.split_l2_array(chars)
        wrong = code != expected
    else:
        return
    tally.foreign_pids += int(np.count_nonzero(wrong & valid))


def _burst_code(source: Source) -> int | None:
    """The burst code every pid of an L2 file carries (None when the name does not say)."""
    if source.track is None or source.burst is None or source.swath is None:
        return None
    if source.polarisation is None:
        return None
    return pid.burst_code(source.track, source.burst, source.swath, source.polarisation)


def ascii_pids(pids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The 10-byte pids as an (n, 10) uint8 array, and which rows they are (a boolean mask)."""
    if isinstance(pids, pa.ChunkedArray):
        pids = pids.combine_chunks()
    pids = pids.cast(pa.large_string())  # 64-bit offsets whatever the input
    offsets = np.frombuffer(pids.buffers()[1], dtype=np.int64)[
        pids.offset : pids.offset + len(pids) + 1
    ]
    sized = np.diff(offsets) == pid.LENGTH
    if pids.null_count:
        sized &= ~np.asarray(pids.is_null().to_numpy(zero_copy_only=False))
    data = np.frombuffer(pids.buffers()[2] or b"", dtype=np.uint8)
    index = offsets[:-1][sized, None] + np.arange(pid.LENGTH)
    return data[index].reshape(-1, pid.LENGTH), sized


def report(source: Source, tally: Tally) -> dict[str, Any]:
    layer = source.layer
    dates = source.dates
    duplicates = count_duplicates(tally.codes)
    missing = missing_columns(source)
    return {
        "path": str(source.path),
        "member": source.member,
        "readable": True,
        "name_follows_grammar": egms.parse_name(Path(source.member or source.path).name)
        is not None,
        "level": layer.level,
        "period": list(layer.period),
        "release": f"{layer.period[0]}-{layer.period[1]}",
        "version": source.version,
        "geometry": layer.geometry,
        "geometry_label": GEOMETRY_LABELS[layer.geometry],
        "layer": layer.id,
        "track": source.track,
        "burst": source.burst,
        "swath": source.swath,
        "polarisation": source.polarisation,
        "tile": source.tile,
        "points": tally.points,
        "dates": {
            "count": len(dates),
            "first": egms.iso_date(dates[0]),
            "last": egms.iso_date(dates[-1]),
        },
        "bounds": tally.bounds.as_list() if tally.points else None,
        "columns": {
            "static": len(source.columns) - len(dates),
            "unknown": list(source.unknown_columns),
            "missing": missing,
        },
        "missing_values": tally.missing_values,
        "duplicate_pids": duplicates,
        "problems": problems(source, tally, duplicates, missing),
    }


def count_duplicates(chunks: list[np.ndarray]) -> int:
    """Repeated values over all chunks: one sort in place, 8 bytes per pid (chunks are freed)."""
    codes = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    chunks.clear()
    codes.sort()
    return int(np.count_nonzero(codes[1:] == codes[:-1]))


def missing_columns(source: Source) -> list[str]:
    """Static columns every release of this level writes but the file lacks (internal names)."""
    present = {egms.canonical(c) for c in source.columns}
    expected = L3_STATIC if source.layer.level == "L3" else L2_STATIC
    return [name for name in expected if name not in present]


def problems(source: Source, tally: Tally, duplicates: int, missing: list[str]) -> list[str]:
    found = []
    if egms.parse_name(Path(source.member or source.path).name) is None:
        found.append(
            "the file name does not follow the EGMS grammar: level, period and "
            "orbit were inferred from the content"
        )
    if source.unknown_columns:
        found.append(f"unknown column(s): {', '.join(source.unknown_columns)}")
    if missing:
        found.append(f"missing column(s): {', '.join(missing)}")
    if tally.bad_pids:
        found.append(f"{tally.bad_pids:,} pid(s) are not 10 base-62 characters")
    if duplicates:
        found.append(f"{duplicates:,} duplicated pid(s)")
    if tally.foreign_pids:
        what = "cells" if source.layer.level == "L3" else "track/burst/swath/polarisation"
        found.append(f"{tally.foreign_pids:,} pid(s) do not encode the row's {what}")
    return found


def text(entries: list[dict[str, Any]]) -> str:
    """The reports as readable text: one block of `key  value` lines per input."""
    blocks = ("\n".join(map(printable, _text_block(entry).split("\n"))) for entry in entries)
    return "\n\n".join(blocks) + "\n"


def _text_block(entry: dict[str, Any]) -> str:
    member = entry.get("member")
    own = member and Path(member).stem == Path(entry["path"]).stem  # the usual EGMS zip
    lines = [entry["path"] + (f"!{member}" if member and not own else "")]
    if not entry["readable"]:
        return "\n".join([*lines, f"  error      {entry['error']}"])
    version = f" (version {entry['version']})" if entry["version"] is not None else ""
    lines.append(
        f"  layer      {entry['layer']}: {entry['level']} {entry['release']}{version}, "
        f"{entry['geometry_label']}"
    )
    if entry["tile"]:
        lines.append(f"  unit       tile {entry['tile']}")
    elif entry["track"] is not None:
        lines.append(
            f"  unit       track {entry['track']:03d}, burst {entry['burst']:04d}, "
            f"IW{entry['swath']}, {entry['polarisation']}"
        )
    dates, bounds = entry["dates"], entry["bounds"]
    lines.append(f"  points     {entry['points']:,}")
    lines.append(f"  dates      {dates['count']}, {dates['first']} .. {dates['last']}")
    if bounds:
        lines.append(
            f"  bounds     {bounds[0]:.6f}, {bounds[1]:.6f} .. "
            f"{bounds[2]:.6f}, {bounds[3]:.6f} (lon, lat)"
        )
    lines += [f"  problem    {p}" for p in entry["problems"]] or ["  problems   none"]
    return "\n".join(lines)
