"""The build's trend-change attributes (tiles and chunks) equal the screening of each point's CSV
row, whichever way pass 1 got the series: spooled ahead, spooled by a --clip unit itself, or
with the chunks of earlier units written in pass 1 (more units than seriesprefetch.AHEAD)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sitedata as sd
from conftest import L2B_DESC

from tiler import build
from tiler.inputs.reader import MISSING
from tiler.layer.seriesprefetch import AHEAD
from tiler.layer.trendchange import TILE_LEVEL, TILE_ONLY, screen
from tiler.synthetic import SampleOptions, generate
from tiler.tiles.features import TREND_CHUNK_FIELDS, TREND_TILE_FIELDS

TILE_DECIMALS = {attr: decimals for attr, _, decimals in TREND_TILE_FIELDS}
CHUNK_DECIMALS = {attr: decimals for attr, _, decimals in TREND_CHUNK_FIELDS}


def in_tiles(expected: dict[str, float]) -> dict[str, float]:
    """What the tiles carry of a screening: the break where it is significant, accel_p where
    it is."""
    change = expected["break_p"] < TILE_LEVEL
    out = {name: expected[name] if change else math.nan for name in TILE_ONLY}
    out["accel_p"] = expected["accel_p"] if expected["accel_p"] < TILE_LEVEL else math.nan
    return out


def recomputed(rows: list[dict[str, str]]) -> dict[str, dict[str, float]]:
    """pid -> the screening of its CSV row (values parsed here, in 0.1 mm)."""
    dates = sd.date_columns(rows[0])
    block = np.array([[MISSING if row[d] == "" else round(float(row[d]) * 10) for d in dates]
                      for row in rows], dtype=np.int32)  # fmt: skip
    found = screen(block, dates)
    return {row["pid"]: {name: float(values[i]) for name, values in found.items()}
            for i, row in enumerate(rows)}  # fmt: skip


def assert_same(
    stored: dict[str, Any], expected: dict[str, float], decimals: dict[str, int], pid: str
) -> None:  # fmt: skip
    for name, places in decimals.items():
        want = expected[name]
        if math.isnan(want):
            assert stored.get(name) is None, (pid, name)
        else:  # stored rounded from float32: within one unit of its last decimal
            assert stored[name] == pytest.approx(want, abs=1.01 * 10.0**-places), (pid, name)


def test_tile_and_chunk_attributes_equal_the_screening_of_the_csv_rows(built_site: Path) -> None:
    entry = sd.layer(built_site, "l2b-2020-2024-desc")
    assert set(TILE_DECIMALS) <= set(entry["attributes"])
    rows = list(sd.csv_rows(L2B_DESC))
    expected = recomputed(rows)
    features = sd.features_at_zoom(built_site / "data" / entry["tiles"], entry["maxzoom"])
    assert len(features) == len(rows)
    significant = 0
    for feature in features:
        props = feature["properties"]
        assert_same(props, in_tiles(expected[props["pid"]]), TILE_DECIMALS, props["pid"])
        significant += (props.get("break_p") or 1) < 0.01
    assert 0 < significant < len(rows)  # the sample has both
    for chunk in sd.all_chunks(built_site, entry):
        for row, pid in enumerate(chunk["pid"]):
            stored = {name: chunk["attributes"][name][row] for name in CHUNK_DECIMALS}
            assert_same(stored, expected[pid], CHUNK_DECIMALS, pid)
    stats = entry["stats"]["break_date"]
    assert 2021 <= stats["min"] <= stats["max"] <= 2024


@pytest.mark.parametrize("clipped", [False, True])
def test_a_layer_of_more_units_than_are_spooled_ahead(tmp_path: Path, clipped: bool) -> None:
    data = tmp_path / "data"
    files = generate(SampleOptions(data, ("L2b",), points=400, bursts=AHEAD + 2, orbit="asc",
                                   seed=3, zip=False))  # fmt: skip
    csvs = sorted(p for p in data.iterdir() if p.suffix == ".csv")
    assert len(csvs) == AHEAD + 2, files
    clip = None
    if clipped:  # every point inside: the clip path, each unit spooling its own series
        clip = tmp_path / "all.geojson"
        ring = [[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]
        polygon = {"type": "Polygon", "coordinates": [ring]}
        feature = {"type": "Feature", "properties": {}, "geometry": polygon}
        clip.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    site = tmp_path / "site"
    build(csvs, site, quiet=True, clip=clip)
    entry = sd.manifest(site)["layers"][0]
    assert len(entry["units"]) == AHEAD + 2
    by_file = [list(sd.csv_rows(path)) for path in csvs]  # bursts differ in their dates
    rows = [row for file_rows in by_file for row in file_rows]
    by_pid = {row["pid"]: row for row in rows}
    expected = {pid: found for file_rows in by_file for pid, found in recomputed(file_rows).items()}
    chunks = list(sd.all_chunks(site, entry))
    assert sum(len(chunk["pid"]) for chunk in chunks) == len(rows)
    for chunk in chunks:
        dates = [d.replace("-", "") for d in chunk["dates"]]
        for row, pid in enumerate(chunk["pid"]):
            source = by_pid[pid]
            want = [None if source[d] == "" else round(float(source[d]) * 10) for d in dates]
            assert chunk["d"][row] == want, pid
            stored = {name: chunk["attributes"][name][row] for name in CHUNK_DECIMALS}
            assert_same(stored, expected[pid], CHUNK_DECIMALS, pid)
    features = sd.features_at_zoom(site / "data" / entry["tiles"], entry["maxzoom"])
    for feature in features:
        props = feature["properties"]
        assert_same(props, in_tiles(expected[props["pid"]]), TILE_DECIMALS, props["pid"])
    assert not list((site.parent).glob("**/*.series"))
