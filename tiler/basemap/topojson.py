"""Natural Earth's TopoJSON as GeoJSON land and borders (pure).

A small transcription of the TopoJSON specification: quantised, delta-encoded arcs; rings as arc
indices, `~i` = arc `i` reversed; borders = arcs shared by two different geometries, like
topojson-client's `mesh(a !== b)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

import numpy as np

Position = tuple[float, float]
Line = list[Position]
Arcs = list[Line]
MARGIN_DEGREES = 10.0


class ArcTable:
    """Every arc's absolute lon/lat positions in one numpy array (the TopoJSON's nested lists
    of a world atlas weigh ~50 MB of Python objects; this ~8 MB), lines made on demand."""

    def __init__(self, arcs: list[list[list[float]]], transform: dict[str, Any] | None) -> None:
        lengths = np.fromiter(map(len, arcs), dtype=np.int64, count=len(arcs))
        values = chain.from_iterable(point[:2] for arc in arcs for point in arc)
        flat = np.fromiter(values, dtype=np.float64, count=2 * int(lengths.sum())).reshape(-1, 2)
        self.ends = np.cumsum(lengths)
        self.starts = self.ends - lengths
        if transform is not None:  # quantised and delta-encoded: running sums per arc
            (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
            total = np.cumsum(flat, axis=0)
            before = np.zeros((len(arcs), 2))
            has_before = self.starts > 0
            before[has_before] = total[self.starts[has_before] - 1]
            flat = total - np.repeat(before, lengths, axis=0)
            flat = flat * np.array([kx, ky]) + np.array([dx, dy])
        self.positions = flat
        self.cache: dict[int, Line] = {}

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> Line:
        if index not in self.cache:
            part = self.positions[self.starts[index] : self.ends[index]]
            self.cache[index] = [(x, y) for x, y in part.tolist()]
        return self.cache[index]

    def box(self, indices: Iterable[int]) -> tuple[float, float, float, float]:
        """Bounds of the arcs `indices` (`~i` for arc i backwards)."""
        parts = [self.positions[self.starts[i] : self.ends[i]]
                 for i in (j if j >= 0 else ~j for j in indices)]  # fmt: skip
        joined = np.concatenate(parts)
        west, south = joined.min(axis=0).tolist()
        east, north = joined.max(axis=0).tolist()
        return west, south, east, north


def decode_arcs(topology: dict[str, Any]) -> Arcs:
    """Absolute lon/lat positions of every arc (undoing quantisation and delta encoding)."""
    table = ArcTable(topology["arcs"], topology.get("transform"))
    return [table[index] for index in range(len(table))]


def join_arcs(arcs: Arcs | ArcTable, indices: Sequence[int]) -> Line:
    """One line (or ring) from arc indices; `~i` (= -i - 1) walks arc i backwards."""
    points: Line = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # consecutive arcs share their joining point: keep it once
        points.extend(arc[1:] if points else arc)
    return points


def geometry(obj: dict[str, Any], arcs: Arcs | ArcTable) -> dict[str, Any] | None:
    """The GeoJSON geometry of one TopoJSON geometry object (None for a null geometry)."""
    kind = obj.get("type")
    if kind == "Polygon":
        return {"type": kind, "coordinates": [join_arcs(arcs, ring) for ring in obj["arcs"]]}
    if kind == "MultiPolygon":
        polygons = [[join_arcs(arcs, ring) for ring in polygon] for polygon in obj["arcs"]]
        return {"type": kind, "coordinates": polygons}
    if kind == "LineString":
        return {"type": kind, "coordinates": join_arcs(arcs, obj["arcs"])}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": [join_arcs(arcs, line) for line in obj["arcs"]]}
    return None


def members(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The geometries of an object (a GeometryCollection's members, or the object itself)."""
    if obj.get("type") == "GeometryCollection":
        return [g for m in obj["geometries"] for g in members(m)]
    return [obj]


def features(topology: dict[str, Any], name: str, arcs: Arcs | None = None) -> list[dict[str, Any]]:
    """GeoJSON features of the named object (null geometries dropped)."""
    arcs = decode_arcs(topology) if arcs is None else arcs
    found = []
    for obj in members(topology["objects"][name]):
        shape = geometry(obj, arcs)
        if shape is not None:
            found.append({"type": "Feature", "properties": obj.get("properties", {}),
                          "geometry": shape})  # fmt: skip
    return found


def _polygon_arc_indices(obj: dict[str, Any]) -> Iterator[int]:
    rings = obj["arcs"] if obj["type"] == "Polygon" else [r for p in obj["arcs"] for r in p]
    for ring in rings:
        for index in ring:
            yield index if index >= 0 else ~index


def shared_arcs(topology: dict[str, Any], name: str) -> list[int]:
    """Indices of the arcs two different polygons of `name` share: the internal borders."""
    owners: dict[int, set[int]] = {}
    for number, obj in enumerate(members(topology["objects"][name])):
        if obj.get("type") in ("Polygon", "MultiPolygon"):
            for index in _polygon_arc_indices(obj):
                owners.setdefault(index, set()).add(number)
    return sorted(index for index, who in owners.items() if len(who) > 1)


def borders(topology: dict[str, Any], name: str, arcs: Arcs | None = None) -> list[Line]:
    """Country borders: each shared arc once, as a line."""
    arcs = decode_arcs(topology) if arcs is None else arcs
    return [arcs[index] for index in shared_arcs(topology, name)]


# --- clipping to the area of the site (a cheap bbox test; tippecanoe clips exactly) ----------


def overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def area_features(
    topology: dict[str, Any], area: Sequence[float], arcs: ArcTable | None = None
) -> Iterator[dict[str, Any]]:
    """Land polygons and border lines that touch `area` [w, s, e, n], as GeoJSON features.

    Only the arcs of those features become Python lists.
    """
    arcs = ArcTable(topology["arcs"], topology.get("transform")) if arcs is None else arcs
    for land in members(topology["objects"]["land"]):
        for polygon in _polygons(land):
            if overlaps(arcs.box(polygon[0]), area):
                shape = {"type": "Polygon", "coordinates": [join_arcs(arcs, r) for r in polygon]}
                yield {"type": "Feature", "properties": {}, "geometry": shape,
                       "tippecanoe": {"layer": "land"}}  # fmt: skip
    for index in shared_arcs(topology, "countries"):
        if overlaps(arcs.box([index]), area):
            yield {"type": "Feature", "properties": {}, "tippecanoe": {"layer": "borders"},
                   "geometry": {"type": "LineString", "coordinates": arcs[index]}}  # fmt: skip


def _polygons(obj: dict[str, Any]) -> list[list[list[int]]]:
    """A land geometry's polygons, each a list of rings of arc indices (so distant parts of a
    MultiPolygon can be dropped)."""
    if obj.get("type") == "Polygon":
        return [obj["arcs"]]
    return list(obj["arcs"]) if obj.get("type") == "MultiPolygon" else []


def area_around(bounds: Sequence[float], margin: float = MARGIN_DEGREES) -> list[float]:
    west, south, east, north = bounds
    area = (max(-180.0, west - margin), max(-85.0, south - margin),
            min(180.0, east + margin), min(85.0, north + margin))  # fmt: skip
    return [round(value, 4) for value in area]
