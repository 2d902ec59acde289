"""manifest.json: the one file the viewer reads first (schema 1; extend, don't break)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tiler import __version__
from tiler.inputs.egms import ATTRIBUTION, iso_date
from tiler.layer.epochs import EPOCHS_ATTRIBUTE, MISSING_CODE, OFFSET, WIDTH
from tiler.layer.passes import LayerResult, chunk_manifest

SCHEMA = 1
GENERATOR = f"egms-tiler {__version__}"


def layer_entry(result: LayerResult, zooms: tuple[int, int]) -> dict[str, Any]:
    key = result.key
    return {
        "id": key.id,
        "label": key.label,
        "level": key.level,
        "period": list(key.period),
        "geometry": key.geometry,
        "tiles": f"{key.id}/tiles.pmtiles",
        "source_layer": "points",
        "bounds": result.bounds,
        "minzoom": zooms[0],
        "maxzoom": zooms[1],
        "points": result.points,
        "chunks": chunk_manifest(key.id, result.chunk_size),
        "index": f"{key.id}/index.json",
        "pids": result.pids,
        "outlines": f"{key.id}/units.geojson",
        "units": result.units,
        "attributes": result.attributes,
        "velocity": result.velocity,
        "stats": result.stats,
        "dates": {"count": len(result.dates), "first": iso_date(result.dates[0]),
                  "last": iso_date(result.dates[-1])},
        **({"epochs": epochs_entry(result.epochs)} if result.epochs else {}),
    }  # fmt: skip


def epochs_entry(dates: tuple[str, ...]) -> dict[str, Any]:
    """How the tiles' EPOCHS_ATTRIBUTE reads (tiler/layer/epochs.py; site/app/epochs.js)."""
    return {"attribute": EPOCHS_ATTRIBUTE, "dates": [iso_date(date) for date in dates],
            "width": WIDTH, "offset": OFFSET, "missing": MISSING_CODE, "scale": 0.1}  # fmt: skip


def manifest(
    title: str, layers: list[dict[str, Any]], viewer: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The document; `viewer` adds the viewer's optional fields (description, basemap)."""
    return {
        "schema": SCHEMA,
        "generator": GENERATOR,
        "title": title,
        "attribution": ATTRIBUTION,
        **(viewer or {}),
        "layers": layers,
    }


def write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as stream:
        document: dict[str, Any] = json.load(stream)
    return document
