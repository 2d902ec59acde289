"""The release step of a build: every pair of releases of the same ground matched and linked."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from .layerpoints import LayerPoints, read_points
from .linkfiles import clear, write_links
from .match import match
from .pairs import same_ground


def link_layers(
    data: Path, layers: list[dict[str, Any]], log: Callable[[str], None] = lambda text: None
) -> list[dict[str, Any]]:
    """`layers` (manifest entries, built or reused, under `data/`) with `releases` added to
    those that have another release of their ground, and the link files written."""
    for layer in layers:
        clear(data, layer["id"])
    found: dict[str, list[dict[str, Any]]] = {layer["id"]: [] for layer in layers}
    by_id = {layer["id"]: layer for layer in layers}

    @lru_cache(maxsize=2)  # the arrays of two layers at most
    def points(layer_id: str) -> LayerPoints:
        return read_points(data, by_id[layer_id])

    for first, second in same_ground(layers):
        started = time.perf_counter()
        one, two = points(first["id"]), points(second["id"])
        pairs = match(one.points, two.points)
        found[first["id"]].append(write_links(data, first, second, one, two, pairs))
        back = pairs.inverse(len(two.points))
        found[second["id"]].append(write_links(data, second, first, two, one, back))
        log(f"{first['id']} ↔ {second['id']}: {found[first['id']][-1]['matched']:,} point(s) "
            f"paired in {time.perf_counter() - started:.1f} s")  # fmt: skip
    return [with_releases(layer, found[layer["id"]]) for layer in layers]


def with_releases(layer: dict[str, Any], releases: list[dict[str, Any]]) -> dict[str, Any]:
    entry = {key: value for key, value in layer.items() if key != "releases"}
    return {**entry, "releases": sorted(releases, key=lambda r: r["period"])} if releases else entry
