"""A site of three releases over the same ground: every link file names the truth's counterpart
(the same scatterer), the manifest counts them, and a point missing from a release has none."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from releases.releasedata import PERIODS, read_release, same_ground
from tiler.layer.chunkreader import read_layer
from tiler.synthetic import SampleOptions


def layer_id(period: tuple[int, int]) -> str:
    return f"l2b-{period[0]}-{period[1]}-asc"


def entries(site: Path) -> dict[str, dict[str, Any]]:
    document = json.loads((site / "data" / "manifest.json").read_text())
    return {layer["id"]: layer for layer in document["layers"]}


def links(site: Path, layer: dict[str, Any], release: dict[str, Any]) -> dict[str, tuple]:
    """pid -> (counterpart's pid or None, by, metres), read from the layer's link files."""
    data = site / "data"
    other = entries(site)[release["layer"]]
    pid_of = {}
    for chunk in read_layer(data, other, series=False):
        pid_of.update(zip(chunk.ids.tolist(), chunk.pid, strict=True))
    found = {}
    for chunk in read_layer(data, layer, series=False):
        path = data / release["path"].replace("{chunk}", str(chunk.index))
        document = json.loads(gzip.decompress(path.read_bytes()))
        assert document["layer"] == other["id"] and document["chunk"] == chunk.index
        for pid, id_, by, metres in zip(chunk.pid, document["id"], document["by"], document["m"],
                                        strict=True):  # fmt: skip
            found[pid] = (None if id_ is None else pid_of[id_], by, metres)
    return found


@pytest.mark.parametrize("first", PERIODS, ids=lambda p: f"{p[0]}-{p[1]}")
def test_every_link_is_the_same_ground_point(
    release_site: Path, release_options: SampleOptions, first: tuple[int, int]
) -> None:
    layer = entries(release_site)[layer_id(first)]
    mine = read_release(release_options, first)
    assert [r["period"] for r in layer["releases"]] == [list(p) for p in PERIODS if p != first]
    for release in layer["releases"]:
        truth = same_ground(mine, read_release(release_options, tuple(release["period"])))
        found = links(release_site, layer, release)
        assert {pid: link[0] for pid, link in found.items()} == {
            pid: truth.get(pid) for pid in mine["pid"]}  # fmt: skip
        renumbered = sum(1 for pid, other in truth.items() if pid != other)
        assert release["matched"] == len(truth) < len(mine["pid"])  # some missing: null
        assert (release["by_pid"], release["by_position"]) == (len(truth) - renumbered, renumbered)
        assert renumbered > 0
        assert {link[1] for link in found.values() if link[0] is None} == {0}
        assert max(link[2] for link in found.values() if link[0] is not None) == 0.0


def test_links_of_two_unchanged_releases_are_reused(
    release_options: SampleOptions, tmp_path: Path
) -> None:
    """A rebuild keeps the links between two reused layers and drops those to a layer gone."""
    import shutil

    from tiler import build

    inputs = tmp_path / "inputs"
    shutil.copytree(release_options.output, inputs)
    site = tmp_path / "site"
    build([inputs], site, quiet=True, trend=False)
    first, second, third = (layer_id(period) for period in PERIODS)
    path = site / "data" / first / "releases" / second / "0.json.gz"
    linked = path.stat().st_ino
    build([inputs], site, quiet=True, trend=False)
    assert path.stat().st_ino == linked  # nothing changed: the links are the previous ones
    for gone in inputs.glob(f"*_{PERIODS[-1][0]}_{PERIODS[-1][1]}_*"):
        gone.unlink()
    build([inputs], site, quiet=True, trend=False)
    assert path.stat().st_ino == linked  # the first two unchanged: their links kept
    assert not (site / "data" / first / "releases" / third).exists()
    assert [r["layer"] for r in entries(site)[first]["releases"]] == [second]
