"""The displacement at epochs in the tiles (tiler/layer/epochs.py, --epochs): the epochs chosen,
the text's encoding, and what a built site's tiles hold against the source CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sitedata as sd
from conftest import SAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.inputs.reader import MISSING
from tiler.layer import epochs as ep

SIX_DAYS = [str(np.datetime64("2020-01-03") + np.timedelta64(6 * i, "D")).replace("-", "")
            for i in range(305)]  # fmt: skip
# every sample layer and its source file (the L2b ones: one burst each, the epochs their dates)
LAYERS = {
    "l2b-2020-2024-asc": SAMPLES / "EGMS_L2b_117_0227_IW2_VV_2020_2024_1.zip",
    "l2b-2020-2024-desc": SAMPLES / "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip",
    "l3-2020-2024-up": SAMPLES / "EGMS_L3_E45N17_100km_U_2020_2024_1.zip",
}


def test_epochs_are_the_first_date_and_the_dates_nearest_each_quarter() -> None:
    epochs = ep.epoch_dates(SIX_DAYS)
    assert epochs[0] == SIX_DAYS[0] and len(epochs) == len(set(epochs)) == 20
    assert list(epochs) == sorted(epochs) and set(epochs) <= set(SIX_DAYS)
    days = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in SIX_DAYS], dtype="datetime64[D]")
    quarters = [np.datetime64(f"{year}-{month:02d}-01") for year in range(2020, 2026)
                for month in (1, 4, 7, 10)]  # fmt: skip
    quarters = [q for q in quarters if days[0] < q <= days[-1]]
    nearest = {str(days[np.abs(days - q).argmin()]).replace("-", "") for q in quarters}
    assert set(epochs[1:]) == nearest


def test_no_dates_no_epochs_and_iso_dates_read() -> None:
    assert ep.epoch_dates([]) == ()
    assert ep.epoch_dates(["2020-01-03", "2020-04-02"]) == ("20200103", "20200402")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.integers(-49_999, 49_998), st.none()), min_size=1, max_size=30))
def test_text_round_trips(values: list[int | None]) -> None:
    codes = np.array([[ep.MISSING_CODE if v is None else v + ep.OFFSET for v in values]])
    text = ep.epoch_text(codes)[0].decode()
    assert len(text) == ep.WIDTH * len(values)
    assert ep.decode(text) == [None if v is None else v / 10 for v in values]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-24_999, 24_999), min_size=len(SIX_DAYS), max_size=len(SIX_DAYS)),
       st.integers(0, len(SIX_DAYS) - 1))  # fmt: skip
def test_a_series_on_the_epochs_dates_is_stored_exactly(values: list[int], hole: int) -> None:
    epochs = ep.epoch_dates(SIX_DAYS)
    block = np.array([values], dtype=np.int32)
    block[0, hole] = MISSING
    decoded = ep.decode(ep.epoch_text(ep.epoch_codes(block, SIX_DAYS, epochs))[0].decode())
    at = [SIX_DAYS.index(date) for date in epochs]
    if at[0] == hole:
        assert decoded == [None] * (len(epochs) - 1)
        return
    expected = [None if i == hole else (values[i] - values[at[0]]) / 10 for i in at[1:]]
    assert decoded == expected


def test_other_dates_are_interpolated_between_their_neighbours() -> None:
    dates = ["20200101", "20200111", "20200401", "20200411"]
    epochs = ("20200101", "20200106", "20200406")
    block = np.array([[0, 100, 200, 300], [0, MISSING, 200, 300]], dtype=np.int32)
    codes = ep.epoch_codes(block, dates, epochs) - ep.OFFSET
    assert codes[0].tolist() == [50, 250]
    assert codes[1, 0] == ep.MISSING_CODE - ep.OFFSET  # a neighbour without a value: none
    assert ep.epoch_codes(block, dates, ("20191201", "20200501"))[0, 0] == ep.MISSING_CODE
    # a unit starting or ending up to REACH_DAYS from an epoch takes its first or last value
    near = ep.epoch_codes(block[:1], dates, ("20191220", "20200111", "20200423")) - ep.OFFSET
    assert near[0].tolist() == [100, 300]
    far = ep.epoch_codes(block[:1], dates, ("20191219", "20200111", "20200424"))[0]
    assert far.tolist() == [ep.MISSING_CODE, ep.MISSING_CODE]  # 13 days: no value at all
    beyond = np.array([[0, 0, 0, 50_000]], dtype=np.int32)  # 5 m: beyond what 5 digits hold
    assert ep.epoch_codes(beyond, dates, ("20200101", "20200411"))[0, 0] == ep.MISSING_CODE


@pytest.mark.parametrize("layer_id", sorted(LAYERS))
def test_the_tiles_hold_the_csv_displacement_at_every_epoch(
    built_site: Path, layer_id: str
) -> None:
    """Every 7th point of the layer at its maximum zoom: its text decodes to its CSV values at
    the epochs (since the first), to the 0.1 mm the files are written in."""
    entry = sd.layer(built_site, layer_id)
    epochs = entry["epochs"]
    assert epochs["attribute"] == ep.EPOCHS_ATTRIBUTE and epochs["attribute"] in entry["attributes"]
    assert (epochs["width"], epochs["offset"], epochs["missing"]) == (ep.WIDTH, ep.OFFSET,
                                                                      ep.MISSING_CODE)  # fmt: skip
    rows = sd.csv_by_pid(LAYERS[layer_id])
    columns = [date.replace("-", "") for date in epochs["dates"]]
    assert set(columns) <= set(sd.date_columns(next(iter(rows.values()))))
    features = sd.features_at_zoom(built_site / "data" / entry["tiles"], entry["maxzoom"])
    checked = 0
    for feature in features[::7]:
        props = feature["properties"]
        row = rows[props["pid"]]
        first = float(row[columns[0]])
        expected = [round(float(row[date]) - first, 1) for date in columns[1:]]
        assert ep.decode(props[ep.EPOCHS_ATTRIBUTE]) == pytest.approx(expected, abs=1e-9)
        checked += 1
    assert checked > 50


def test_without_epochs_and_trend_the_site_has_neither(tmp_path: Path) -> None:
    """--no-epochs --no-trend: no epochs in the manifest or the tiles, no screening in the tiles
    or the chunks; the points and their series as with them."""
    from tiler import build

    source = LAYERS["l2b-2020-2024-desc"]
    build([source], tmp_path / "plain", quiet=True, epochs=False, trend=False)
    entry = sd.layer(tmp_path / "plain", "l2b-2020-2024-desc")
    assert "epochs" not in entry
    assert not {ep.EPOCHS_ATTRIBUTE, "break_date", "break_p", "accel_p"} & set(entry["attributes"])
    chunk = next(sd.all_chunks(tmp_path / "plain", entry))
    assert not {"break_date", "break_p", "residual_rho"} & set(chunk["attributes"])
    rows = sd.csv_by_pid(source)
    for pid, values in zip(chunk["pid"], chunk["d"], strict=True):
        dates = sd.date_columns(rows[pid])
        assert values == [round(float(rows[pid][d]) * 10) for d in dates]


def test_tiles_with_epochs_may_be_bigger() -> None:
    """Epochs make a point's feature ~2.2x bigger: a tile as dense as the maximum zoom allows
    gets a bound to match instead of the slower fallback recipe (tiler/tiles/runs.py)."""
    from tiler.tiles.tippecanoe import TileOptions, argv

    plain = TileOptions(source=Path("a.geojsonl"), output=Path("a.pmtiles"))
    timed = TileOptions(source=Path("a.geojsonl"), output=Path("a.pmtiles"),
                        max_tile_bytes=ep.EPOCH_TILE_BYTES)  # fmt: skip
    assert not any(arg.startswith("--maximum-tile-bytes") for arg in argv(plain))
    assert f"--maximum-tile-bytes={ep.EPOCH_TILE_BYTES}" in argv(timed)
