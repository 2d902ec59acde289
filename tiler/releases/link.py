"""The release step of a build: every pair of releases of the same ground matched and linked."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from .layerpoints import LayerPoints, read_points
from .linkfiles import clear, folder, write_links
from .match import match
from .pairs import same_ground


def link_layers(
    data: Path, layers: list[dict[str, Any]], log: Callable[[str], None] = lambda text: None,
    reused: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:  # fmt: skip
    """`layers` (manifest entries, built or reused, under `data/`) with `releases` added to
    those that have another release of their ground, and the link files written. The links of
    two `reused` layers (taken unchanged from the previous site) are kept as they were."""
    grounds = list(same_ground(layers))
    kept = carried(grounds, data, reused)
    for layer in layers:
        clear(data, layer["id"], keep={other for mine, other in kept if mine == layer["id"]}
              | {mine for mine, other in kept if other == layer["id"]})  # fmt: skip
    found: dict[str, list[dict[str, Any]]] = {layer["id"]: [] for layer in layers}
    by_id = {layer["id"]: layer for layer in layers}

    @lru_cache(maxsize=2)  # the arrays of two layers at most
    def points(layer_id: str) -> LayerPoints:
        return read_points(data, by_id[layer_id])

    for first, second in grounds:
        if (first["id"], second["id"]) in kept:
            found[first["id"]].append(kept[first["id"], second["id"]][0])
            found[second["id"]].append(kept[first["id"], second["id"]][1])
            log(f"{first['id']} ↔ {second['id']}: unchanged, links reused")
            continue
        started = time.perf_counter()
        one, two = points(first["id"]), points(second["id"])
        pairs = match(one.points, two.points)
        found[first["id"]].append(write_links(data, first, second, one, two, pairs))
        back = pairs.inverse(len(two.points))
        found[second["id"]].append(write_links(data, second, first, two, one, back))
        log(f"{first['id']} ↔ {second['id']}: {found[first['id']][-1]['matched']:,} point(s) "
            f"paired in {time.perf_counter() - started:.1f} s")  # fmt: skip
    return [with_releases(layer, found[layer["id"]]) for layer in layers]


def carried(
    grounds: list[tuple[dict[str, Any], dict[str, Any]]], data: Path, reused: frozenset[str]
) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]]:  # fmt: skip
    """The previous site's records of the pairs of two reused layers, by their ids."""
    kept = {}
    for first, second in grounds:
        if {first["id"], second["id"]} <= reused:
            records = previous_links(first, second, data)
            if records is not None:
                kept[first["id"], second["id"]] = records
    return kept


def previous_links(
    first: dict[str, Any], second: dict[str, Any], data: Path
) -> tuple[dict[str, Any], dict[str, Any]] | None:  # fmt: skip
    """The two layers' records of each other from the previous site, if their files are there."""
    one = next((r for r in first.get("releases", []) if r["layer"] == second["id"]), None)
    two = next((r for r in second.get("releases", []) if r["layer"] == first["id"]), None)
    if one is None or two is None:
        return None
    if not (folder(data, first["id"]) / second["id"]).is_dir():
        return None
    if not (folder(data, second["id"]) / first["id"]).is_dir():
        return None
    return one, two


def with_releases(layer: dict[str, Any], releases: list[dict[str, Any]]) -> dict[str, Any]:
    entry = {key: value for key, value in layer.items() if key != "releases"}
    return {**entry, "releases": sorted(releases, key=lambda r: r["period"])} if releases else entry
