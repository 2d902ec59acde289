"""The files a release site was built from, read back for the release tests."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import numpy as np

from tiler.synthetic import SampleOptions

PERIODS = ((2018, 2022), (2019, 2023), (2020, 2024))


def read_release(options: SampleOptions, period: tuple[int, int]) -> dict[str, Any]:
    """The one file of `period`: its columns by name (pid as text, the rest as floats), and its
    date columns ("YYYYMMDD") with the series as a (points, dates) array."""
    (path,) = options.output.glob(f"*_{period[0]}_{period[1]}_1.zip")
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        rows = list(csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
    header, body = rows[0], rows[1:]
    dates = [column for column in header if column.isdigit()]
    columns: dict[str, Any] = {"pid": [row[header.index("pid")] for row in body]}
    for wanted in ("easting", "northing", "los_east", "los_north", "los_up"):
        columns[wanted] = np.array([float(row[header.index(wanted)]) for row in body])
    at = [header.index(day) for day in dates]
    columns["dates"] = dates
    columns["series"] = np.array([[float(row[k]) for k in at] for row in body])
    return columns


def same_ground(first: dict[str, Any], second: dict[str, Any]) -> dict[str, str]:
    """pid in `first` -> pid in `second` of the same scatterer (the generator writes one
    scatterer at the same easting/northing in every release)."""
    place = {(e, n): pid for pid, e, n in zip(second["pid"], second["easting"],
                                              second["northing"], strict=True)}  # fmt: skip
    return {pid: place[(e, n)]
            for pid, e, n in zip(first["pid"], first["easting"], first["northing"], strict=True)
            if (e, n) in place}  # fmt: skip
