"""Adjacent bursts overlap: the same ground twice, with different pids. Kept and marked by
default, dropped with --dedupe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
import sitedata as sd
from badcorpus import l2_rows, write_rows

from tiler import build

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py

NAME = "EGMS_L2b_022_{burst}_IW2_VV_2020_2024_1.csv"


def overlapping_bursts(folder: Path) -> tuple[Path, Path]:
    """Two bursts of one track sharing the middle of the sample's first 300 rows."""
    rows = l2_rows()
    header, body = rows[0], rows[1:]
    lat = header.index("latitude")
    body.sort(key=lambda row: float(row[lat]))
    first = write_rows(folder / NAME.format(burst="0845"), [header, *body[:200]])
    second = [[f"X{row[0][1:]}", *row[1:]] for row in body[100:]]  # other pids, as in real data
    return first, write_rows(folder / NAME.format(burst="0846"), [header, *second])


def test_overlap_points_are_kept_and_marked(tmp_path: Path) -> None:
    first, second = overlapping_bursts(tmp_path / "in")
    result = build([first, second], tmp_path / "site", quiet=True)
    entry = result.manifest["layers"][0]
    assert entry["points"] == 400
    assert [u["overlap"] for u in entry["units"]] == [0, entry["units"][1]["overlap"]]
    features = sd.features_at_zoom(result.output / "data" / entry["tiles"], entry["maxzoom"])
    marked = [f for f in features if f["properties"].get("overlap") == 1]
    assert all(f["properties"]["unit"] == 1 for f in marked)
    assert len(marked) == entry["units"][1]["overlap"]
    outline = shapely.geometry.shape(
        json.loads((result.output / "data" / entry["outlines"]).read_text())["features"][0][
            "geometry"
        ]
    )
    inside = [
        shapely.intersects_xy(outline, *f["lonlat"])
        for f in features
        if f["properties"]["unit"] == 1
    ]
    assert sum(inside) >= 0.9 * len(marked) and len(marked) >= 80  # the 100 shared rows, roughly


def test_dedupe_drops_the_later_bursts_copies(tmp_path: Path) -> None:
    first, second = overlapping_bursts(tmp_path / "in")
    kept = build([first, second], tmp_path / "kept", quiet=True).manifest["layers"][0]
    deduped = build([first, second], tmp_path / "dedup", quiet=True, dedupe=True)
    entry = deduped.manifest["layers"][0]
    dropped = entry["units"][1]["overlap_dropped"]
    assert dropped == kept["units"][1]["overlap"]
    assert entry["points"] == 400 - dropped
    series = sd.series_by_pid(deduped.output, entry)
    assert len(series) == entry["points"]
    assert sum(pid.startswith("X") for pid in series) == 200 - dropped
