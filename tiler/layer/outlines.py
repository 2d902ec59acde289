"""Processing-unit outlines: the concave hull of each unit's points, as GeoJSON.

Points are first thinned to a grid of at most GRID × GRID cells, so a million-point burst costs
about as much as a small one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from tiler.spatial import blocks

GRID = 192
HULL_RATIO = 0.1
SIMPLIFY_CELLS = 0.5  # tolerance, in grid cells


def unit_outline(lon: np.ndarray, lat: np.ndarray) -> shapely.Geometry | None:
    """The area a unit's points cover (None when it has no points)."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.all():
        lon, lat = lon[ok], lat[ok]
    if lon.size == 0:
        return None
    cell = max(float(np.ptp(lon)), float(np.ptp(lat)), 1e-6) / GRID
    corners = thinned(lon, lat, cell)
    hull = shapely.concave_hull(shapely.multipoints(corners), ratio=HULL_RATIO)
    hull = shapely.simplify(hull.buffer(cell / 2), cell * SIMPLIFY_CELLS)
    return shapely.set_precision(hull, 1e-6)


def thinned(lon: np.ndarray, lat: np.ndarray, cell: float) -> np.ndarray:
    """One point per occupied grid cell (the cell's centre), cells in (x, y) order."""
    x0, y0 = math.floor(float(lon.min()) / cell), math.floor(float(lat.min()) / cell)
    rows = math.floor(float(lat.max()) / cell) - y0 + 1
    keys = np.empty(len(lon), dtype=np.int64)
    for part in blocks(len(lon)):  # one number per cell: a 2-column unique would copy 16 B a point
        x = np.floor(lon[part] / cell).astype(np.int64) - x0
        keys[part] = x * rows + (np.floor(lat[part] / cell).astype(np.int64) - y0)
    x, y = np.divmod(np.unique(keys), rows)
    return (np.stack([x + x0, y + y0], axis=1) + 0.5) * cell


def write_outlines(
    path: Path, units: list[dict[str, Any]], geometries: list[shapely.Geometry | None]
) -> None:
    features = [
        {"type": "Feature", "id": unit["index"], "geometry": shapely.geometry.mapping(geometry),
         "properties": {"index": unit["index"], "name": unit["name"], "points": unit["points"]}}
        for unit, geometry in zip(units, geometries, strict=True)
        if geometry is not None
    ]  # fmt: skip
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
