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
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

from tiler.errors import BuildError

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
