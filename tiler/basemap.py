"""The site's basemaps: offline Natural Earth land and borders, online presets, a style or a file.

`--basemap` (repeatable, or a comma list; the first is the one the viewer opens on) takes:

- `offline` (the default): Natural Earth 1:10m land + country borders from the vendored
  world-atlas TopoJSON, tiled at build time into `data/basemap.pmtiles` for the whole world at
  zooms 0-5, full detail at zoom 5 (MapLibre overzooms it to any zoom: no edge, no gap);
- the online presets of PRESETS (`osm`, `aerial`, `esri`), fetched by the viewer only while
  shown; `NAME=URL` puts a preset on another server (a copy of the style, a tile mirror);
- `none`, an online MapLibre style URL (`https://.../style.json`), or a PMTiles file (copied
  into the site as `data/basemap.pmtiles`).

One local basemap (offline or a PMTiles file) is always there: the viewer falls back to it when
an online one cannot be reached; `offline` is added when only online ones are named.

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
WORLD = (-180.0, -85.0, 180.0, 85.0)
# Zoom 5 tiles in 16384 units (tippecanoe's --full-detail=14) are ~76 m a unit at 38° N, finer
# than Natural Earth's quantisation in world-atlas (0.0036° x 0.0017°, ~300 m x 190 m): the
# overzoomed z5 tiles hold every position the data has (measured: 75.8 % of the samples' points
# on land, 74.0 % with the raw data), the whole world in ~1.8 MB.
MAX_ZOOM = 5
FULL_DETAIL = 14
OFFLINE_ATTRIBUTION = "Natural Earth"
FILE_NAME = "basemap.pmtiles"
KINDS = ("offline", "none", "style", "pmtiles", "raster")
LOCAL_KINDS = ("offline", "pmtiles")


@dataclass(frozen=True, slots=True)
class Preset:
    """A named online basemap: a MapLibre style, or raster tiles (`{z}/{x}/{y}` template)."""

    kind: str  # "style" or "raster"
    url: str
    label: str
    attribution: str  # as the provider asks for it (shown on the map)
    # every origin the viewer fetches from for it (the style, its tiles, glyphs and sprites)
    hosts: tuple[str, ...]
    maxzoom: int | None = None  # raster: the deepest zoom the provider has (overzoomed beyond)
    terms: str = ""  # where its terms of use are


PRESETS: dict[str, Preset] = {
    "osm": Preset(
        "style", "https://tiles.openfreemap.org/styles/liberty",
        "OpenStreetMap",
        "© OpenMapTiles © OpenStreetMap contributors", ("https://tiles.openfreemap.org",),
        terms="https://openfreemap.org/tos/",
    ),
    "aerial": Preset(
        "raster", "https://tiles.maps.eox.at/wmts/1.0.0/s2cloudless_3857/default/g/{z}/{y}/{x}.jpg",
        "Sentinel-2 2016 (EOX)",
        "Sentinel-2 cloudless - https://s2maps.eu by EOX IT Services GmbH "
        "(Contains modified Copernicus Sentinel data 2016)",
        ("https://tiles.maps.eox.at",), maxzoom=14,
        terms="https://s2maps.eu (2016: CC BY 4.0)",
    ),
    "esri": Preset(
        "raster",
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/"
        "{z}/{y}/{x}",
        "Esri World Imagery",
        "Powered by Esri | Esri, Maxar, Earthstar Geographics, and the GIS User Community",
        ("https://server.arcgisonline.com",), maxzoom=18,
        terms="https://www.esri.com/en-us/legal/terms/full-master-agreement",
    ),
}  # fmt: skip
TILE_FIELDS = ("{z}", "{x}", "{y}")


@dataclass(frozen=True, slots=True)
class Basemap:
    """One `--basemap` choice: kind is one of KINDS; `value` the URL, template or file; `name`
    the preset's name (or "")."""

    kind: str
    value: str = ""
    name: str = ""

    @property
    def origin(self) -> str | None:
        """scheme://host[:port] of an online style (for the page's CSP), else None."""
        return style_origin(self.value) if self.kind in ("style", "raster") else None

    @property
    def origins(self) -> list[str]:
        """Every origin the page must be allowed to fetch this basemap from."""
        preset = PRESETS.get(self.name)
        if preset is not None and self.value == preset.url:
            return list(preset.hosts)
        return [self.origin] if self.origin else []

    @property
    def local(self) -> bool:
        return self.kind in LOCAL_KINDS


def parse(value: str | None) -> Basemap:
    """Check one `--basemap` value; a bad one raises BuildError naming the fix."""
    if value is None or value == "offline":
        return Basemap("offline")
    if value == "none":
        return Basemap("none")
    name, equals, url = value.partition("=")
    if name in PRESETS:
        return preset_choice(name, url if equals else None)
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
            f"--basemap {value}: use 'offline', {', '.join(repr(n) for n in PRESETS)}, 'none', "
            "a https://.../style.json URL or a .pmtiles file"
        )
    if not path.is_file():
        raise BuildError(f"--basemap {value}: no such PMTiles file")
    _check_pmtiles(path)
    return Basemap("pmtiles", str(path.resolve()))


def preset_choice(name: str, url: str | None) -> Basemap:
    """A preset, at its own URL or at `url` (NAME=URL: a copy of its style, a tile mirror)."""
    preset = PRESETS[name]
    if url is None:
        return Basemap(preset.kind, preset.url, name)
    style_origin(url, f"--basemap {name}={url}")
    if preset.kind == "raster" and not all(field in url for field in TILE_FIELDS):
        raise BuildError(f"--basemap {name}={url}: a tile URL holds {{z}}, {{x}} and {{y}}")
    return Basemap(preset.kind, url, name)


def parse_all(values: str | Sequence[str] | None) -> list[Basemap]:
    """Every `--basemap` choice, in order (each value may be a comma list), duplicates dropped,
    and the local basemap the viewer falls back to added last when none was named."""
    if values is None or isinstance(values, str):
        values = [] if values is None else [values]
    texts = [part.strip() for value in values for part in value.split(",")]
    if not texts:
        texts = ["offline"]
    if "" in texts:
        raise BuildError("--basemap: an empty name in the list; write NAME[,NAME...]")
    choices = list(dict.fromkeys(parse(text) for text in texts))
    local = [choice for choice in choices if choice.local]
    if len(local) > 1:
        raise BuildError("--basemap: one local basemap at most ('offline' or a .pmtiles file); "
                         "drop the others")  # fmt: skip
    online = [choice for choice in choices if not choice.local and choice.kind != "none"]
    if online and not local:
        choices.append(Basemap("offline"))
    return choices


def local_choice(choices: Sequence[Basemap]) -> Basemap:
    """The basemap written into the site (offline or a PMTiles file), else `none`."""
    return next((choice for choice in choices if choice.local), Basemap("none"))


def origins(choices: Sequence[Basemap]) -> list[str]:
    """The origins of every chosen online basemap, once each, in order (for the page's CSP)."""
    return list(dict.fromkeys(origin for choice in choices for origin in choice.origins))


def online_entry(choice: Basemap, taken: Iterable[str]) -> dict[str, Any]:
    """The manifest entry of an online basemap (an id not in `taken`)."""
    preset = PRESETS.get(choice.name)
    base = choice.name or choice.kind
    used = set(taken)
    ident = next(f"{base}{'' if n == 1 else n}" for n in range(1, len(used) + 2)
                 if f"{base}{'' if n == 1 else n}" not in used)  # fmt: skip
    if preset is None:  # a user's style URL: its credits are in its sources
        return {"id": ident, "kind": "style", "label": urlsplit(choice.value).hostname or ident,
                "url": choice.value}  # fmt: skip
    entry: dict[str, Any] = {"id": ident, "kind": choice.kind, "label": preset.label,
                             "attribution": preset.attribution}  # fmt: skip
    if choice.kind == "style":
        entry["url"] = choice.value
    else:
        entry["tiles"] = [choice.value]
        entry["tileSize"] = 256
        if preset.maxzoom is not None:
            entry["maxzoom"] = preset.maxzoom
    return entry


def entries(choices: Sequence[Basemap], local: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's `basemaps`: every choice in order, the local one as `local` (installed)."""
    found: list[dict[str, Any]] = []
    for choice in choices:
        taken = [entry["id"] for entry in found]
        if choice.local:
            found.append({"id": local["kind"], "label": local_label(local), **local})
        elif choice.kind == "none":
            found.append({"id": "none", "kind": "none", "label": "No basemap"})
        else:
            found.append(online_entry(choice, taken))
    return found


def local_label(entry: dict[str, Any]) -> str:
    return "Offline (Natural Earth)" if entry["kind"] == "offline" else "Site basemap"


# The origin of a style URL goes into the page's Content-Security-Policy, whose directives a
# space, a semicolon or a comma would end: such characters are refused anywhere in the URL,
# and the origin is made from the parsed parts, never from the text.
URL_FORBIDDEN = re.compile(r"[\s\"'`;,<>\\\x00-\x1f\x7f-\x9f]|[^\x00-\x7f]")
HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")


def style_origin(url: str, what: str = "") -> str:
    """scheme://host[:port] of a style URL; BuildError naming the fix for anything else."""
    try:
        return _origin(url)
    except BuildError as error:
        if not what:
            raise
        raise BuildError(str(error).replace(f"--basemap {url}", what, 1)) from None


def _origin(url: str) -> str:
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
    The offline map covers the whole world whatever `bounds` are (no edge to pan to).
    """
    if choice.kind == "none":
        return {"kind": "none"}
    if not choice.local:
        return online_entry(choice, [])
    target = data_dir / FILE_NAME
    if choice.kind == "pmtiles":
        shutil.copyfile(choice.value, target)
        return {"kind": "pmtiles", "tiles": FILE_NAME, **archive_facts(target)}
    area = list(WORLD)
    entry = {"kind": "offline", "tiles": FILE_NAME, "layers": list(SOURCE_LAYERS),
             "source": f"Natural Earth 1:10m ({world_atlas_version()})",
             "attribution": OFFLINE_ATTRIBUTION, "area": area, "maxzoom": MAX_ZOOM}  # fmt: skip
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
    """tippecanoe options for land and borders: z0-MAX_ZOOM, exact clip, shapes kept whole, the
    last zoom at FULL_DETAIL (what the viewer overzooms to street level). Land polygons share no
    edges, so no --detect-shared-borders (it cost 1.7 s of 7.4 s for the world)."""
    west, south, east, north = area
    return (
        "--minimum-zoom=0", f"--maximum-zoom={MAX_ZOOM}",
        f"--clip-bounding-box={west},{south},{east},{north}",
        "--no-tile-size-limit", "--no-feature-limit", f"--full-detail={FULL_DETAIL}",
        "--simplification=2",
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
