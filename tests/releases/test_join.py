"""The viewer's join (site/app/releases.js, run by Node) on three generated releases of the same
ground with a known offset per release: the offsets and the joined series are the truth's within
0.1 mm (the files' 0.1 mm rounding), and a release without the point is named, not invented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from node_support import run_with_app

from releases.releasedata import PERIODS, read_release, same_ground
from tiler.synthetic import SampleOptions
from tiler.synthetic.truth import Truth

TOLERANCE = 0.1 + 1e-9  # mm
POINTS = 25

JOIN = """
import { readFileSync } from 'node:fs';
import { joinReleases, joinTexts } from './app/releases.js';
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = cases.map((releases) => {
  const r = joinReleases(releases);
  const offsets = r.parts.map((p) => p.offset);
  return { offsets, joined: r.joined, fit: r.fit, texts: joinTexts(r) };
});
console.log(JSON.stringify(results));
"""


def iso(day: str) -> str:
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"


def release_of(table: dict[str, Any], row: int, period: tuple[int, int]) -> dict[str, Any]:
    values = [None if np.isnan(v) else float(v) for v in table["series"][row]]
    return {"period": list(period), "dates": [iso(d) for d in table["dates"]], "values": values}


def known_offsets(tables: list[dict[str, Any]], rows: list[int]) -> np.ndarray:
    """The ground's displacement (along the point's line of sight) at each release's first date
    since the first release's: what shifts each release onto the first."""
    first, row = tables[0], rows[0]
    los = np.array([[first[c][row] for c in ("los_east", "los_north", "los_up")]])
    days = [table["dates"][0] for table in tables]
    truth = Truth(seed=24)
    return truth.line_of_sight(first["easting"][[row]], first["northing"][[row]], los, days)[0]


def test_joined_series_and_offsets_are_the_truths(
    release_options: SampleOptions, tmp_path: Path
) -> None:
    tables = [read_release(release_options, period) for period in PERIODS]
    links = [same_ground(tables[0], table) for table in tables[1:]]
    everywhere = [pid for pid in tables[0]["pid"] if all(pid in link for link in links)]
    chosen = everywhere[:: max(1, len(everywhere) // POINTS)][:POINTS]
    cases, truths = [], []
    for pid in chosen:
        rows = [tables[0]["pid"].index(pid)]
        rows += [
            table["pid"].index(link[pid]) for table, link in zip(tables[1:], links, strict=True)
        ]
        cases.append([release_of(t, r, p) for t, r, p in zip(tables, rows, PERIODS, strict=True)])
        truths.append(known_offsets(tables, rows))
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    results = run_with_app(tmp_path, "join", JOIN, str(path))
    for releases, offsets, result in zip(cases, truths, results, strict=True):
        assert np.allclose(result["offsets"], offsets, atol=TOLERANCE, rtol=0)
        expected = joined_truth(releases, offsets)
        assert result["joined"]["dates"] == sorted(expected)
        got = np.array(result["joined"]["values"], dtype=float)
        assert np.abs(got - [expected[d] for d in sorted(expected)]).max() <= TOLERANCE
        assert result["fit"]["n"] == len(expected)
        assert result["texts"][0].startswith("2019-2023 shifted by ")
        assert "common dates" in result["texts"][1]


def joined_truth(releases: list[dict[str, Any]], offsets: np.ndarray) -> dict[str, float]:
    """Each date's value: a release's value there plus its known offset (the releases holding a
    date agree on it within 0.1 mm; their mean)."""
    found: dict[str, list[float]] = {}
    for release, offset in zip(releases, offsets, strict=True):
        for day, value in zip(release["dates"], release["values"], strict=True):
            found.setdefault(day, []).append(value + offset)
    for values in found.values():
        assert max(values) - min(values) <= 2 * TOLERANCE
    return {day: float(np.mean(values)) for day, values in found.items()}


def test_a_release_without_the_point_is_named_not_invented(tmp_path: Path) -> None:
    dates = ["2019-01-01", "2019-01-13", "2019-01-25", "2020-02-01"]
    releases = [
        {"period": [2019, 2023], "dates": dates, "values": [0.0, 1.0, 2.0, 3.0]},
        {"period": [2018, 2022], "missing": True},
        {"period": [2020, 2024], "dates": ["2020-02-01", "2021-01-01"], "values": [0.0, 1.0]},
    ]
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([releases]))
    (result,) = run_with_app(tmp_path, "join", JOIN, str(path))
    assert result["offsets"] == [0, 3.0]
    assert result["texts"][:2] == [
        "2020-2024 shifted by +3.0 mm over 1 common date",
        "no counterpart in 2018-2022",
    ]
    assert result["joined"]["dates"] == [*dates, "2021-01-01"]
