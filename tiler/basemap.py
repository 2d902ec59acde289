"""The site's basemap: offline Natural Earth land and borders, an online style, or a user file.

`--basemap` takes `offline` (default: Natural Earth 1:10m land + country borders from the
vendored world-atlas TopoJSON, tiled at build time into `data/basemap.pmtiles`, no download at
run time), `none`, an online MapLibre style URL (`https://.../style.json`), or a PMTiles file
(copied into the site as `data/basemap.pmtiles`).

The TopoJSON decoding below is a small pure transcription of the TopoJSON specification
(quantised, delta-encoded arcs; rings as arc indices, `~i` = arc `i` reversed; borders = arcs
shared by two different geometries, like topojson-client's `mesh(a !== b)`).
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

import numpy as np

from .cache import link_or_copy
from .errors import BuildError

Position = tuple[float, float]
Line = list[Position]
Arcs = list[Line]

WORLD_ATLAS = "countries-10m.json"
SOURCE_LAYERS = ("land", "borders")
MARGIN_DEGREES = 10.0
MAX_ZOOM = 10
OFFLINE_ATTRIBUTION = "Natural Earth"
FILE_NAME = "basemap.pmtiles"
KINDS = ("offline", "none", "style", "pmtiles")


@dataclass(frozen=True, slots=True)
class Basemap:
    """What `--basemap` asked for: kind is one of KINDS; `value` the URL or the file."""

    kind: str
    value: str = ""

    @property
    def origin(self) -> str | None:
        """scheme://host[:port] of an online style (for the page's CSP), else None."""
        return style_origin(self.value) if self.kind == "style" else None


def parse(value: str | None) -> Basemap:
    """Check a `--basemap` value; a bad one raises BuildError naming the fix."""
    if value is None or value == "offline":
        return Basemap("offline")
    if value == "none":
        return Basemap("none")
    if value.startswith(("https://", "http://")):
        style_origin(value)
        if not urlsplit(value).path.endswith(".json"):
            raise BuildError(
                f"--basemap {value}: an online basemap is a MapLibre style URL ending in .json"
            )
        return Basemap("style", value)
    path = Path(value)
    if path.suffix != ".pmtiles":
        raise BuildError(
            f"--basemap {value}: use 'offline', 'none', a https://.../style.json URL "
            "or a .pmtiles file"
        )
    if not path.is_file():
        raise BuildError(f"--basemap {value}: no such PMTiles file")
    _check_pmtiles(path)
    return Basemap("pmtiles", str(path.resolve()))


# The origin of a style URL goes into the page's Content-Security-Policy, whose directives a
# space, a semicolon or a comma would end: such characters are refused anywhere in the URL,
# and the origin is made from the parsed parts, never from the text.
URL_FORBIDDEN = re.compile(r"[\s\"'`;,<>\\\x00-\x1f\x7f-\x9f]|[^\x00-\x7f]")
HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")


def style_origin(url: str) -> str:
    """scheme://host[:port] of a style URL; BuildError naming the fix for anything else."""
    if bad := URL_FORBIDDEN.search(url):
        raise BuildError(f"--basemap {url}: {bad[0]!r} may not appear in a style URL; "
                         f"percent-encode it as {quote(bad[0], safe='')} (in a host name: "
                         "use its xn-- form)")  # fmt: skip
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced [ or ]
        raise BuildError(f"--basemap {url}: not a URL (brackets only around an IPv6 host); "
                         "fix the URL") from None  # fmt: skip
    if parts.scheme not in ("https", "http"):
        raise BuildError(f"--basemap {url}: a style URL starts with https:// or http://")
    if "@" in parts.netloc:
        raise BuildError(f"--basemap {url}: no user name or password in a style URL; remove "
                         "the part before @")  # fmt: skip
    try:
        port = parts.port
    except ValueError:
        raise BuildError(f"--basemap {url}: the port is not a number from 0 to 65535; "
                         "fix the URL") from None  # fmt: skip
    return f"{parts.scheme}://{url_host(parts, url)}" + ("" if port is None else f":{port}")


def url_host(parts: SplitResult, url: str) -> str:
    """The host of a URL: a DNS name or IPv4 address, or an IPv6 address in brackets."""
    host = parts.hostname or ""
    if parts.netloc.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            pass
    elif HOST_NAME.fullmatch(host):
        return host
    raise BuildError(f"--basemap {url}: the host must be a name of letters, digits, dots and "
                     "hyphens, or an IPv6 address in brackets; fix the URL")  # fmt: skip


def _check_pmtiles(path: Path) -> None:
    from pmtiles.reader import MmapSource, Reader

    try:
        with open(path, "rb") as stream:
            Reader(MmapSource(stream)).header()
    except Exception as exc:  # the reader raises plain exceptions on garbage
        raise BuildError(f"--basemap {path}: not a PMTiles archive ({exc})") from exc


# --- TopoJSON -> GeoJSON (pure) --------------------------------------------------------------


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


# --- writing it into the site -----------------------------------------------------------------


def install(
    choice: Basemap,
    data_dir: Path,
    bounds: Sequence[float],
    scratch: Path,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Put the basemap into `data_dir` (the site's data/); return its manifest entry.

    `previous` is the manifest entry of the site being replaced (its data/ beside `data_dir`'s
    parent): an identical offline basemap is taken from it instead of being tiled again.
    """
    if choice.kind == "none":
        return {"kind": "none"}
    if choice.kind == "style":
        return {"kind": "style", "url": choice.value}
    target = data_dir / FILE_NAME
    if choice.kind == "pmtiles":
        shutil.copyfile(choice.value, target)
        return {"kind": "pmtiles", "tiles": FILE_NAME, **archive_facts(target)}
    area = area_around(bounds)
    entry = {"kind": "offline", "tiles": FILE_NAME, "layers": list(SOURCE_LAYERS),
             "source": f"Natural Earth 1:10m ({world_atlas_version()})",
             "attribution": OFFLINE_ATTRIBUTION, "area": area}  # fmt: skip
    old_file = Path(previous.get("file", "")) if previous else None
    if previous and old_file and previous.get("entry") == entry and old_file.is_file():
        link_or_copy(str(old_file), str(target))
    else:
        _tile_offline(area, target, scratch)
    return entry


def _tile_offline(area: list[float], target: Path, scratch: Path) -> None:
    from . import tippecanoe

    topology = json.loads(world_atlas_file().read_text(encoding="utf-8"))
    arcs = ArcTable(topology.pop("arcs"), topology.get("transform"))
    source = scratch / "basemap.geojsonl"
    with open(source, "w", encoding="utf-8") as stream:
        for feature in area_features(topology, area, arcs):
            stream.write(json.dumps(feature, separators=(",", ":")) + "\n")
    tippecanoe.run(
        tippecanoe.TileOptions(
            source=source, output=target, layer="land", name="Natural Earth basemap",
            attribution=OFFLINE_ATTRIBUTION, temp_dir=scratch, string_attributes=(),
            cwd=scratch, recipe=polygon_recipe(area),
        )
    )  # fmt: skip
    source.unlink()


def polygon_recipe(area: Sequence[float]) -> tuple[str, ...]:
    """tippecanoe options for land and borders: z0-MAX_ZOOM, exact clip, shapes kept whole."""
    west, south, east, north = area
    return (
        "--minimum-zoom=0", f"--maximum-zoom={MAX_ZOOM}",
        f"--clip-bounding-box={west},{south},{east},{north}",
        "--no-tile-size-limit", "--no-feature-limit", "--detect-shared-borders",
        "--simplification=4",
    )  # fmt: skip


def archive_facts(path: Path) -> dict[str, Any]:
    """Tile type and vector layer names of a PMTiles archive (how the viewer draws it)."""
    from pmtiles.reader import MmapSource, Reader
    from pmtiles.tile import TileType

    with open(path, "rb") as stream:
        reader = Reader(MmapSource(stream))
        header, metadata = reader.header(), reader.metadata()
    tile_type = header["tile_type"]
    kind = {TileType.MVT: "vector", TileType.PNG: "raster", TileType.JPEG: "raster",
            TileType.WEBP: "raster", TileType.AVIF: "raster"}.get(tile_type, "unknown")  # fmt: skip
    layers = [layer.get("id") for layer in metadata.get("vector_layers", [])]
    facts: dict[str, Any] = {"tile_type": kind, "layers": [x for x in layers if x]}
    if metadata.get("attribution"):
        facts["attribution"] = str(metadata["attribution"])
    return facts


def world_atlas_file() -> Path:
    from .resources import resource_dir

    return resource_dir("site", "naturalearth") / WORLD_ATLAS


def world_atlas_version() -> str:
    from .resources import resource_dir

    versions = resource_dir("site", "naturalearth") / "VERSIONS.txt"
    for line in versions.read_text(encoding="utf-8").splitlines():
        if line.startswith("world-atlas "):
            return line.strip()
    return "world-atlas"
