"""`--assets FILE`: the user's assets read in batches with GDAL (pyogrio) and geopandas, checked,
repaired where GEOS can, buffered where they are lines or points, in WGS84 lon/lat."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from tiler.errors import InputError, InputWarning

CRS_FIX = "give it one, e.g. `ogr2ogr -a_srs EPSG:25832 out.gpkg in.shp`"
READ_FIX = "pass a vector file GDAL reads (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, ...)"
BATCH = 16_384  # features read at a time (~40 MB of work each for building footprints)
QUAD_SEGMENTS = 16  # a buffer's round ends within 1.2 cm of the circle at 10 m
KINDS = ("polygon", "line", "point")


@dataclass(frozen=True, slots=True)
class AssetOptions:
    """`--assets FILE`, `--assets-buffer M` (lines and points), `--assets-id FIELD`."""

    path: Path
    buffer: float = 10.0
    id_field: str | None = None


@dataclass(frozen=True, slots=True)
class AssetBatch:
    ids: list[str]
    kinds: np.ndarray  # uint8 index into KINDS
    geometries: np.ndarray  # shapely polygons in lon/lat


def check_options(options: AssetOptions) -> dict[str, Any]:
    """Fail before any work on what the file's header tells: readable, a geometry column, a CRS
    that transforms, the id field. Returns pyogrio's description of the file."""
    path = options.path
    if not path.is_file():
        raise InputError(path, "assets file not found", "check the --assets path")
    if not (options.buffer >= 0 and np.isfinite(options.buffer)):
        raise InputError(path, f"--assets-buffer must be 0 or more metres, not {options.buffer}")
    info = read_info(path)
    if not info.get("geometry_name") and info.get("geometry_type") in (None, "None"):
        raise InputError(path, "the file has no geometry column",
                         "pass a file of polygons, lines or points")  # fmt: skip
    fields = [str(name) for name in info.get("fields", ())]
    if options.id_field is not None and options.id_field not in fields:
        known = ", ".join(fields[:12]) or "none"
        raise InputError(path, f"no field {options.id_field!r} for --assets-id",
                         f"the file's fields are: {known}")  # fmt: skip
    check_crs(path, info.get("crs"))
    return info


def read_info(path: Path) -> dict[str, Any]:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        info: dict[str, Any] = pyogrio.read_info(path)
    except (DataSourceError, DataLayerError, OSError) as exc:
        problem = f"cannot read the assets file ({first_line(exc)})"
        raise InputError(path, problem, READ_FIX) from None
    return info


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def check_crs(path: Path, crs: str | None) -> None:
    """The file's CRS must say where it is and transform to metres and to lon/lat."""
    from pyproj import Transformer
    from pyproj.exceptions import CRSError, ProjError

    if not crs:
        raise InputError(path, "the file says no coordinate reference system", CRS_FIX)
    try:
        Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except (CRSError, ProjError) as exc:
        problem = f"its CRS {crs} cannot be transformed to lon/lat ({first_line(exc)})"
        raise InputError(
            path, problem, "reproject it, e.g. `ogr2ogr -t_srs EPSG:4326 out.gpkg in.gpkg`"
        ) from None


def read_batches(
    options: AssetOptions, warn: Callable[[InputWarning], None]
) -> Iterator[AssetBatch]:
    """The file's features, BATCH at a time, as polygons in lon/lat with their ids and kinds."""
    from pyogrio.raw import open_arrow

    info = check_options(options)
    crs = info["crs"]
    columns = [] if options.id_field is None else [options.id_field]
    row = 0
    try:
        with open_arrow(options.path, batch_size=BATCH, columns=columns,
                        use_pyarrow=True) as (meta, reader):  # fmt: skip
            geometry = meta.get("geometry_name") or "wkb_geometry"
            for batch in reader:
                yield prepared(options, batch, geometry, row, crs, warn)
                row += batch.num_rows
    except (OSError, RuntimeError) as exc:
        raise InputError(options.path, f"cannot read the assets file after feature {row} "
                         f"({first_line(exc)})", READ_FIX) from None  # fmt: skip


def prepared(
    options: AssetOptions, batch: Any, geometry_column: str, first_row: int,
    crs: str, warn: Callable[[InputWarning], None],
) -> AssetBatch:  # fmt: skip
    import geopandas

    rows = np.arange(first_row + 1, first_row + batch.num_rows + 1)
    wkb = batch.column(geometry_column).to_numpy(zero_copy_only=False)
    geometries = shapely.force_2d(geopandas.GeoSeries.from_wkb(wkb, crs=crs).to_numpy())
    ids = batch_ids(options, batch, rows)
    present = ~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)
    if not present.all():
        warn(InputWarning(str(options.path), f"{int((~present).sum())} feature(s) without "
                          f"geometry left out (the first: row {int(rows[~present][0])})",
                          "give them a geometry or remove them"))  # fmt: skip
    ids = [asset for asset, kept in zip(ids, present, strict=True) if kept]
    geometries, rows = geometries[present], rows[present]
    kinds = geometry_kinds(options.path, geometries, rows)
    geometries = valid_polygons(options.path, geometries, kinds, rows, warn)
    lonlat = geopandas.GeoSeries(geometries, crs=crs).to_crs("EPSG:4326").to_numpy()
    return AssetBatch(ids, kinds, buffered(options, lonlat, kinds, rows))


def batch_ids(options: AssetOptions, batch: Any, rows: np.ndarray) -> list[str]:
    if options.id_field is None:
        return [str(row) for row in rows]
    values = batch.column(options.id_field).to_pylist()
    for row, value in zip(rows, values, strict=True):
        if value is None or str(value).strip() == "":
            raise InputError(options.path, f"row {row} has no {options.id_field!r}",
                             "give every feature an id, or pick another --assets-id")  # fmt: skip
    return [str(value) for value in values]


def geometry_kinds(path: Path, geometries: np.ndarray, rows: np.ndarray) -> np.ndarray:
    types = shapely.get_type_id(geometries)
    # shapely's type ids: 0 point, 1 line, 2 ring, 3 polygon, 4-6 their multi-, 7 collection
    table = np.array([2, 1, 1, 0, 2, 1, 0, 255], dtype=np.uint8)
    kinds = table[np.clip(types, 0, 7)]
    if (wrong := kinds == 255).any():
        kind = shapely.get_type_id(geometries[wrong][0])
        raise InputError(path, f"row {int(rows[wrong][0])} is a geometry collection ({kind})",
                         "split it into polygons, lines or points")  # fmt: skip
    return kinds


def valid_polygons(
    path: Path, geometries: np.ndarray, kinds: np.ndarray, rows: np.ndarray,
    warn: Callable[[InputWarning], None],
) -> np.ndarray:  # fmt: skip
    """The polygons GEOS finds invalid (self-intersections, ...) repaired, with a warning."""
    invalid = (kinds == 0) & ~shapely.is_valid(geometries)
    if not invalid.any():
        return geometries
    fixed = geometries.copy()
    fixed[invalid] = repaired(path, geometries[invalid], rows[invalid])
    warn(InputWarning(str(path), f"{int(invalid.sum())} invalid polygon(s) repaired (the "
                      f"first: row {int(rows[invalid][0])})",
                      "check them in a GIS (e.g. QGIS' Check validity)"))  # fmt: skip
    return fixed


def buffered(
    options: AssetOptions, lonlat: np.ndarray, kinds: np.ndarray, rows: np.ndarray
) -> np.ndarray:  # fmt: skip
    """Lines and points as polygons `buffer` metres around them, buffered in the UTM zone of
    each one's centre (a scale error under 0.1 %: 1 cm at 10 m)."""
    import geopandas

    thin = np.flatnonzero(kinds != 0)
    if not len(thin):
        return lonlat
    if options.buffer <= 0:
        problem = f"row {int(rows[thin[0]])} is a line or point and --assets-buffer is 0"
        raise InputError(options.path, problem, "give a buffer in metres, e.g. 10")
    centres = shapely.centroid(lonlat[thin])
    zones = utm_zone(shapely.get_x(centres), shapely.get_y(centres))
    out = lonlat.copy()
    for zone in np.unique(zones):
        pick = thin[zones == zone]
        local = geopandas.GeoSeries(lonlat[pick], crs="EPSG:4326").to_crs(int(zone))
        around = local.buffer(options.buffer, quad_segs=QUAD_SEGMENTS)
        out[pick] = around.to_crs("EPSG:4326").to_numpy()
    return out


def utm_zone(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The EPSG code of the WGS84 UTM zone of each position (326zz north, 327zz south)."""
    zone = np.clip(np.floor((lon + 180) / 6).astype(np.int64) + 1, 1, 60)
    return np.where(lat >= 0, 32600, 32700) + zone


def repaired(path: Path, polygons: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """GEOS's make_valid, keeping the polygonal parts; a polygon with none left is refused."""
    fixed = shapely.make_valid(polygons)
    out = np.empty(len(fixed), dtype=object)
    for index, geometry in enumerate(fixed):
        parts = [part for part in shapely.get_parts(geometry)
                 if shapely.get_type_id(part) in (3, 6) and not part.is_empty]  # fmt: skip
        if not parts:
            raise InputError(path, f"row {int(rows[index])} is an invalid polygon with no area "
                             "left after repair", "fix or remove it")  # fmt: skip
        out[index] = parts[0] if len(parts) == 1 else shapely.multipolygons(parts)
    return out
