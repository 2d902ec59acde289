"""The map under the points: offline Natural Earth, online presets, a style or a PMTiles file.

`choices` (the `--basemap` values and what the viewer gets for each), `topojson` (Natural Earth's
TopoJSON to GeoJSON, pure), `offline` (the offline map tiled into the site, or a file copied),
`cache` (the offline map tiled once per machine), `background` (the install started on a thread
while the layers tile).
"""

from tiler.basemap.background import BasemapAhead, union
from tiler.basemap.choices import (
    FILE_NAME,
    Basemap,
    entries,
    local_choice,
    origins,
    parse,
    parse_all,
)
from tiler.basemap.offline import WORLD, install

__all__ = [
    "FILE_NAME",
    "WORLD",
    "Basemap",
    "BasemapAhead",
    "entries",
    "install",
    "local_choice",
    "origins",
    "parse",
    "parse_all",
    "union",
]
