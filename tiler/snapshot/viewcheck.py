"""A snapshot's `--view` checked against the site's manifest before Chromium starts.

The viewer quietly falls back when a permalink names what the site lacks (the first layer for
an unknown one, no chart for an unknown point); a report must not. Each error is one line
naming what is unknown and what the site has. What only the page can tell (a drawn area with no
point in it, a series that does not load) is reported by the viewer (`data-view-problem`).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tiler.errors import SnapshotError

WORLD_TILE = 512  # MapLibre's world is 512 × 2^zoom CSS pixels wide
POINT_REF = re.compile(r"^(?:(.+):)?(\d+)\Z")
MAX_RANGES_SHOWN = 4
Layer = dict[str, Any]


def check_view(site: Path, view: str, width: int, height: int) -> None:
    """Raise `SnapshotError` when `view` names a layer, point or place the site does not have."""
    layers = {layer["id"]: layer for layer in read_layers(site)}
    centre, params = parse_view(view)
    layer = shown_layer(site, layers, params.get("layer"))
    if "pt" in params:
        check_point(layer, params["pt"], "pt")
    for item in filter(None, params.get("sel", "").split(",")):
        check_point_ref(site, layers, layer, item, "sel")
    ref = params.get("ref")
    if ref == "poly" and not params.get("poly"):
        raise SnapshotError("--view: ref=poly needs the drawn area it refers to (poly=lon,lat,...)")
    if ref and ref != "poly":
        check_point_ref(site, layers, layer, ref, "ref")
    if centre is not None:
        check_in_view(layer, centre, width, height)


def read_layers(site: Path) -> list[Layer]:
    try:
        manifest = json.loads((site / "data" / "manifest.json").read_text(encoding="utf-8"))
        layers = manifest["layers"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(f"{site} has no readable data/manifest.json ({exc}); "
                            "build the site again") from None  # fmt: skip
    if not isinstance(layers, list) or not layers:
        raise SnapshotError(f"{site} has no layers; build the site again")
    return layers


def parse_view(view: str) -> tuple[tuple[float, float, float] | None, dict[str, str]]:
    """(zoom, lat, lon) or None, and the first value of each key, as the viewer reads a hash."""
    body = view.split("#", 1)[1] if "#" in view else view
    first, _, rest = body.partition("&")
    centre = None
    if "/" in first:
        centre = parse_centre(first)
    else:
        rest = body
    params: dict[str, str] = {}
    for key, value in parse_qsl(rest, keep_blank_values=True):
        params.setdefault(key, value)
    return centre, params


def parse_centre(text: str) -> tuple[float, float, float]:
    try:
        zoom, lat, lon = (float(part) for part in text.split("/"))
    except ValueError:
        zoom = lat = lon = math.nan
    if not all(map(math.isfinite, (zoom, lat, lon))) or abs(lat) > 90 or abs(lon) > 180:
        raise SnapshotError(f"--view: '{text}' is not zoom/lat/lon (e.g. 14/38.7058/13.1696)")
    return zoom, lat, lon


def shown_layer(site: Path, layers: dict[str, Layer], name: str | None) -> Layer:
    if name is None:
        return next(iter(layers.values()))
    if name not in layers:
        raise SnapshotError(f"--view: no layer '{name}' in {site}; layers: {', '.join(layers)}")
    return layers[name]


def check_point_ref(
    site: Path, layers: dict[str, Layer], current: Layer, text: str, key: str
) -> None:  # fmt: skip
    """`LAYER:ID` or `ID` (in the shown layer), as sel= and ref= write a point."""
    match = POINT_REF.match(text.strip())
    if not match:
        raise SnapshotError(f"--view: {key}={text} is not LAYER:ID; layers: {', '.join(layers)}")
    name = match[1] or current["id"]
    if name not in layers:
        raise SnapshotError(f"--view: no layer '{name}' in {site} ({key}={text}); layers: "
                            f"{', '.join(layers)}")  # fmt: skip
    check_point(layers[name], match[2], key)


def check_point(layer: Layer, text: str, key: str) -> None:
    """A feature id is a point when a processing unit holds it (ids leave gaps between units)."""
    units = layer.get("units", [])
    if text.isdigit() and any(u["first_id"] <= int(text) < u["first_id"] + u["points"]
                              for u in units):  # fmt: skip
        return
    raise SnapshotError(f"--view: no point '{text}' ({key}=) in layer {layer['id']}; its point "
                        f"ids: {id_ranges(units)}")  # fmt: skip


def id_ranges(units: list[dict[str, int]]) -> str:
    ranges = [f"{u['first_id']}-{u['first_id'] + u['points'] - 1}" for u in units if u["points"]]
    more = len(ranges) - MAX_RANGES_SHOWN
    shown = ", ".join(ranges[:MAX_RANGES_SHOWN]) or "none"
    return shown + (f" and {more} more ranges" if more > 0 else "")


def check_in_view(
    layer: Layer, centre: tuple[float, float, float], width: int, height: int
) -> None:  # fmt: skip
    """The page of width × height pixels around `centre` must show some of the layer's bounds."""
    zoom, lat, lon = centre
    west, south, east, north = layer["bounds"]
    seen_west, seen_south, seen_east, seen_north = visible_bounds(zoom, lat, lon, width, height)
    if seen_west <= east and west <= seen_east and seen_south <= north and south <= seen_north:
        return
    middle = f"{(south + north) / 2:.4f}/{(west + east) / 2:.4f}"
    raise SnapshotError(
        f"--view: {zoom:g}/{lat:g}/{lon:g} at {width}x{height} px shows none of layer "
        f"{layer['id']}, whose points lie within lon {west:g} to {east:g}, lat {south:g} to "
        f"{north:g} (e.g. --view '#{zoom:g}/{middle}&layer={layer['id']}')"
    )


def visible_bounds(
    zoom: float, lat: float, lon: float, width: int, height: int
) -> tuple[float, float, float, float]:  # fmt: skip
    """[west, south, east, north] a Web Mercator map of width × height pixels shows."""
    world = WORLD_TILE * 2.0**zoom
    x = (lon + 180.0) / 360.0
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0
    half_x, half_y = width / 2 / world, height / 2 / world
    if half_x >= 0.5:
        west, east = -180.0, 180.0
    else:
        west, east = (x - half_x) * 360.0 - 180.0, (x + half_x) * 360.0 - 180.0
    north = mercator_lat(max(0.0, y - half_y))
    south = mercator_lat(min(1.0, y + half_y))
    return west, south, east, north


def mercator_lat(y: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y))))
