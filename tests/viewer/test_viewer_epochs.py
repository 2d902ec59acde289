"""The map through time in the real viewer (site/app/epochs.js, timecontrols.js): the map's own
expressions (evaluated by MapLibre, as a filter) give a point's CSV displacement at an epoch and
the least-squares velocity of its stored epochs over a window; the controls, legend and address."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sitedata as sd
from browser_support import Viewer
from conftest import SAMPLES
from node_support import run_with_app

from tiler.layer import epochs as ep
from tiler.layer.epochs import decode

pytestmark = pytest.mark.browser

LAYER = "l2b-2020-2024-desc"
SOURCE = SAMPLES / "EGMS_L2b_022_0845_IW2_VV_2020_2024_1.zip"
SAMPLED = 6  # points sampled across the layer

# In the page: does MapLibre's evaluation of `expression` (the map's own, from epochs.js) keep
# the point `pid` when asked for `value` (within `tolerance`), and only then?
MATCHES = r"""async ([kind, args, pid, value, tolerance]) => {
  const main = document.querySelector('script[src$="/main.js"]').src;
  const epochs = await import(main.replace(/main\.js$/, 'epochs.js'));
  const layer = window.egms.manifest.layers.find((l) => l.id === window.egms.state.layerId);
  const found = kind === 'at' ? epochs.displacementExpression(layer.epochs, ...args)
    : epochs.windowVelocityExpression(layer.epochs, ...args);
  const map = window.egms.map;
  const keeps = (target) => {
    map.setFilter('egms-velocity', ['all', ['==', ['get', 'pid'], pid], found.has,
      ['<=', ['abs', ['-', found.value, target]], tolerance]]);
    return new Promise((resolve) => map.once('idle', () =>
      resolve(map.queryRenderedFeatures({ layers: ['egms-velocity'] }).length > 0)));
  };
  const result = [await keeps(value), await keeps(value + 10 * tolerance)];
  map.setFilter('egms-velocity', null);
  return result;
}"""


def sample_points(site: Path) -> list[dict[str, Any]]:
    entry = sd.layer(site, LAYER)
    features = sd.features_at_zoom(site / "data" / entry["tiles"], entry["maxzoom"])
    step = max(1, len(features) // SAMPLED)
    return features[::step][:SAMPLED]


def show(viewer: Viewer, feature: dict[str, Any], extra: str = "") -> None:
    lonlat = feature["lonlat"]
    viewer.open(f"#17/{lonlat.lat:.6f}/{lonlat.lng:.6f}&layer={LAYER}{extra}")
    viewer.idle()


def test_the_map_colours_by_the_csv_displacement_at_an_epoch(
    viewer: Viewer, built_site: Path
) -> None:  # fmt: skip
    entry = sd.layer(built_site, LAYER)
    dates = [date.replace("-", "") for date in entry["epochs"]["dates"]]
    rows = sd.csv_by_pid(SOURCE)
    for n, feature in enumerate(sample_points(built_site)[::2]):
        epoch = 1 + (n * 7) % (len(dates) - 1)
        row = rows[feature["properties"]["pid"]]
        expected = round(float(row[dates[epoch]]) - float(row[dates[0]]), 1)
        show(viewer, feature, "&color=displacement")
        kept = viewer.js(MATCHES, ["at", [epoch], row["pid"], expected, 0.05])
        assert kept == [True, False], (row["pid"], dates[epoch], expected)
    viewer.assert_no_errors()


def test_the_window_velocity_is_the_least_squares_fit_of_the_stored_epochs(
    viewer: Viewer, built_site: Path
) -> None:  # fmt: skip
    entry = sd.layer(built_site, LAYER)
    years = np.array(
        [np.datetime64(d).astype(np.int64) / 365.25 + 1970 for d in entry["epochs"]["dates"]]
    )
    windows = [(0, len(years) - 1), (4, 12), (8, len(years) - 1)]
    for n, feature in enumerate(sample_points(built_site)[1::2]):
        first, last = windows[n % len(windows)]
        values = decode(feature["properties"]["displacement_epochs"])
        stored = np.array([0.0, *values])[first : last + 1]
        slope = np.polyfit(years[first : last + 1], stored, 1)[0]
        show(viewer, feature, "&color=window_velocity")
        kept = viewer.js(
            MATCHES, ["window", [first, last], feature["properties"]["pid"], slope, 1e-3]
        )
        assert kept == [True, False], (feature["properties"]["pid"], first, last, slope)
    viewer.assert_no_errors()


def test_the_controls_the_legend_and_the_address(viewer: Viewer, built_site: Path) -> None:
    entry = sd.layer(built_site, LAYER)
    dates = entry["epochs"]["dates"]
    show(viewer, sample_points(built_site)[0])
    page = viewer.page
    assert page.locator("#legend-time").is_hidden()
    page.click("#time-toggle")
    viewer.idle()
    assert page.locator("#time-toggle").get_attribute("aria-pressed") == "true"
    title = page.locator("#legend-title").text_content().replace("\u2011", "-")
    assert title == f"LOS displacement {dates[0]} → {dates[-1]} (mm)"
    assert "the 2nd/98th percentile velocity over" in page.locator("#legend-note").text_content()
    slider = page.locator("#time-slider")
    late = len(dates) - 3
    slider.fill(str(late))
    viewer.idle()
    assert f"at={dates[late]}" in viewer.js("() => location.hash")
    assert page.locator("#time-date").text_content() == dates[late]
    page.click("#time-play")  # plays on from the date shown, then stops at the last
    stopped = "() => document.getElementById('time-play').getAttribute('aria-pressed') === 'false'"
    page.wait_for_function(stopped, timeout=(len(dates) + 5) * 1000)
    assert page.locator("#time-date").text_content() == dates[-1]
    viewer.open(f"#13/38.7/13.17&layer={LAYER}&color=window_velocity&win={dates[2]},{dates[10]}")
    viewer.idle()
    assert page.locator("#legend-window").is_visible() and page.locator("#legend-time").is_hidden()
    title = page.locator("#legend-title").text_content().replace("\u2011", "-")
    assert title == f"LOS velocity {dates[2]} – {dates[10]} (mm/yr)"
    page.click("#time-toggle")  # off: back to the mean velocity
    viewer.idle()
    assert page.locator("#legend-title").text_content() == "LOS velocity (mm/yr)"
    assert "color=" not in viewer.js("() => location.hash")
    viewer.assert_no_errors()


def test_the_viewer_reads_a_series_at_a_date_as_the_build_does(tmp_path: Path) -> None:
    """site/app/epochs.js valueAtDate (a profile at the slider's date) against epochs.py: exact
    on a date, linear between two, a unit's first or last value up to 12 days out, else none."""
    dates = ["2020-01-01", "2020-01-11", "2020-04-01", "2020-04-11"]
    values = [0.0, 10.0, 20.0, 30.0]
    asked = ["2020-01-01", "2020-01-06", "2019-12-20", "2019-12-19", "2020-04-23", "2020-04-24"]
    script = f"""
import {{ valueAtDate }} from './app/epochs.js';
console.log(JSON.stringify({json.dumps(asked)}.map((d) => valueAtDate({json.dumps(dates)},
  {json.dumps(values)}, d))));
"""
    shown = run_with_app(tmp_path, "at-date", script)
    block = np.array([[int(v * 10) for v in values]], dtype=np.int32)
    built = [
        ep.epoch_codes(block, dates, (dates[0], date))[0, 0] for date in asked
    ]  # relative to the first date, whose value is 0
    expected = [None if code == ep.MISSING_CODE else (code - ep.OFFSET) / 10 for code in built]
    rounded = [None if v is None else round(v, 6) for v in shown]  # JS: in decimal years
    assert rounded == expected == [0.0, 5.0, 0.0, None, 30.0, None]
