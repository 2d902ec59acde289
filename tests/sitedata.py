"""Read a built site and the source CSVs back, independently of the code under test."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import mercantile
from pmtiles.reader import MmapSource, Reader, all_tiles

from tiler.layer.seriespack import chunk_bytes

DATE = re.compile(r"^\d{8}$")


def csv_rows(path: Path) -> Iterator[dict[str, str]]:
    """Rows of an EGMS CSV (plain or the one .csv inside a ZIP) with Python's csv module."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".csv"))
            with archive.open(member) as raw:
                yield from csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
    else:
        with open(path, encoding="utf-8", newline="") as stream:
            yield from csv.DictReader(stream)


def csv_by_pid(path: Path) -> dict[str, dict[str, str]]:
    return {row["pid"]: row for row in csv_rows(path)}


def date_columns(row: dict[str, str]) -> list[str]:
    return [name for name in row if DATE.match(name)]


def manifest(site: Path) -> dict[str, Any]:
    return json.loads((site / "data" / "manifest.json").read_text(encoding="utf-8"))


def layer(site: Path, layer_id: str) -> dict[str, Any]:
    return next(item for item in manifest(site)["layers"] if item["id"] == layer_id)


def chunk(site: Path, entry: dict[str, Any], index: int) -> dict[str, Any]:
    return json.loads(gzip.decompress(chunk_bytes(site / "data", entry["chunks"], index)))


def all_chunks(site: Path, entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    size = entry["chunks"]["size"]
    for unit in entry["units"]:
        first = unit["first_id"] // size
        for index in range(first, first + -(-unit["points"] // size)):
            yield chunk(site, entry, index)


def series_by_pid(site: Path, entry: dict[str, Any]) -> dict[str, tuple[int, list[str], list[Any]]]:
    """pid -> (feature id, ISO dates, values in 0.1 mm) over every chunk of a layer."""
    found: dict[str, tuple[int, list[str], list[Any]]] = {}
    for data in all_chunks(site, entry):
        for row, (pid, values) in enumerate(zip(data["pid"], data["d"], strict=True)):
            assert pid not in found, f"pid {pid} appears twice in {entry['id']}"
            found[pid] = (data["first_id"] + row, data["dates"], values)
    return found


def pmtiles_header(path: Path) -> dict[str, Any]:
    with open(path, "rb") as stream:
        return dict(Reader(MmapSource(stream)).header())


def features_at_zoom(path: Path, zoom: int) -> list[dict[str, Any]]:
    """Every feature of every tile at `zoom`, decoded, with lon/lat of its point."""
    out = []
    for tile, layer_data in decoded_layers(path, zoom):
        extent = layer_data["extent"]
        for feature in layer_data["features"]:
            inside = [(px, py) for px, py in point_coordinates(feature["geometry"])
                      if 0 <= px < extent and 0 <= py < extent]  # fmt: skip
            if inside:  # not only a neighbour's buffer copy
                feature["lonlat"] = tile_lonlat(*inside[0], tile, extent)
                out.append(feature)
    return out


def decoded_layers(path: Path, zoom: int) -> Iterator[tuple[tuple[int, int, int], dict[str, Any]]]:
    """((x, y, z), decoded layer) of every tile at `zoom`."""
    with open(path, "rb") as stream:
        for (z, x, y), data in all_tiles(MmapSource(stream)):
            if z != zoom:
                continue
            decoded = mapbox_vector_tile.decode(
                gzip.decompress(data), default_options={"y_coord_down": True}
            )
            for layer_data in decoded.values():
                yield (x, y, z), layer_data


def every_tile(path: Path) -> dict[tuple[int, int, int], dict[str, Any]]:
    """Every tile of an archive, at every zoom, decoded: (z, x, y) -> its layers."""
    with open(path, "rb") as stream:
        return {
            zxy: mapbox_vector_tile.decode(
                gzip.decompress(data), default_options={"y_coord_down": True}
            )
            for zxy, data in all_tiles(MmapSource(stream))
        }


def ids_at_zoom(path: Path, zoom: int) -> set[int]:
    """The ids of the features the tiles at `zoom` place, each in some tile or on its edge.

    tippecanoe may round a point just across a tile edge in both tiles (4096 in one, -1 in the
    next), so `features_at_zoom` finds it in neither; buffer copies farther out do not count.
    """
    found: set[int] = set()
    for _, layer_data in decoded_layers(path, zoom):
        extent = layer_data["extent"]
        for feature in layer_data["features"]:
            points = point_coordinates(feature["geometry"])
            if any(-1 <= px <= extent and -1 <= py <= extent for px, py in points):
                found.add(feature["id"])
    return found


def point_coordinates(geometry: dict[str, Any]) -> list[tuple[int, int]]:
    """A Point's coordinates, or a MultiPoint's (tippecanoe makes one of a point on the
    antimeridian at zoom 0: the point at both edges of the world)."""
    if geometry["type"] == "MultiPoint":
        return [tuple(xy) for xy in geometry["coordinates"]]
    return [tuple(geometry["coordinates"])]


def tile_lonlat(px: int, py: int, tile: tuple[int, int, int], extent: int) -> mercantile.LngLat:
    bounds = mercantile.xy_bounds(*tile)
    mx = bounds.left + px / extent * (bounds.right - bounds.left)
    my = bounds.top - py / extent * (bounds.top - bounds.bottom)
    return mercantile.lnglat(mx, my)


def pid_index(site: Path, entry: dict[str, Any]) -> dict[str, int]:
    """pid -> feature id over every bucket of a layer's pid index, each pid checked to be in the
    bucket its FNV-1a hash names (docs/site-data.md)."""
    found: dict[str, int] = {}
    buckets = entry["pids"]["buckets"]
    for bucket in range(buckets):
        path = site / "data" / entry["pids"]["path"].format(bucket=bucket)
        for pid, feature_id in json.loads(gzip.decompress(path.read_bytes())).items():
            assert fnv1a32(pid.encode()) % buckets == bucket, f"pid {pid!r} in bucket {bucket}"
            found[pid] = feature_id
    return found


def fnv1a32(data: bytes) -> int:
    hash_ = 0x811C9DC5
    for byte in data:
        hash_ = ((hash_ ^ byte) * 0x01000193) & 0xFFFFFFFF
    return hash_
