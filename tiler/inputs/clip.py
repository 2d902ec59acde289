"""`--clip AOI_FILE`: keep only the points inside an area of interest (a polygon file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from tiler.errors import InputError

FIX = "pass a polygon file GDAL reads (GeoPackage, GeoJSON, Shapefile, KML, ...)"


def load_area(path: Path) -> shapely.Geometry:
    """The union of the file's polygons in WGS84 lon/lat, prepared for fast point tests."""
    import pyogrio.raw
    from pyogrio.errors import DataLayerError, DataSourceError

    if not path.is_file():
        raise InputError(path, "clip file not found", "check the --clip path")
    try:
        meta, _, wkb, _ = pyogrio.raw.read(path, force_2d=True)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InputError(path, f"cannot read the clip file ({exc})", FIX) from None
    geometries = shapely.from_wkb(wkb)
    polygons = [g for g in geometries if g is not None and g.geom_type.endswith("Polygon")]
    if not polygons:
        raise InputError(path, "the clip file holds no polygon", FIX)
    area = to_lonlat(shapely.union_all(polygons), meta.get("crs"))
    shapely.prepare(area)
    return area


def to_lonlat(area: shapely.Geometry, crs: str | None) -> shapely.Geometry:
    if not crs or crs.upper() in ("EPSG:4326", "OGC:CRS84"):
        return area
    from pyproj import CRS, Transformer

    if CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return area
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return shapely.transform(
        area, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def inside(area: shapely.Geometry, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Boolean mask of the points inside (or on the edge of) `area`."""
    return np.asarray(shapely.intersects_xy(area, lon, lat), dtype=bool)
