"""Which layers hold the same ground in another release: the same level and geometry (L2:
asc/desc, L3: up/east), another period."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import Any


def same_ground(layers: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each pair of layers of one level and geometry and two periods, the earlier first."""
    ordered = sorted(layers, key=lambda layer: tuple(layer["period"]))
    for first, second in combinations(ordered, 2):
        if (first["level"], first["geometry"]) == (second["level"], second["geometry"]) and list(
            first["period"]
        ) != list(second["period"]):
            yield first, second
