"""Golden files: the site built from the real samples, as a decoded summary (tippecanoe's habit:
compare PMTiles through what they hold, not their bytes). Regenerate after a reviewed change with
`make golden` (UPDATE_GOLDEN=1)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import sitedata as sd
from conftest import REPO
from pmtiles.reader import MmapSource, all_tiles

GOLDEN = REPO / "tests" / "golden" / "samples.json"
VOLATILE = {"generator", "build_key"}


def features_per_zoom(path: Path) -> dict[str, int]:
    """Features per zoom (each counted in its own tile, not in neighbours' buffers)."""
    with open(path, "rb") as stream:
        zooms = sorted({z for (z, _, _), _ in all_tiles(MmapSource(stream))})
    return {str(z): len(sd.features_at_zoom(path, z)) for z in zooms}


def chunks_digest(site: Path, entry: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    for path in sorted(
        (site / "data" / entry["id"] / "ts").iterdir(), key=lambda p: int(p.name.split(".")[0])
    ):
        digest.update(gzip.decompress(path.read_bytes()))
    return digest.hexdigest()


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def summary(site: Path) -> dict[str, Any]:
    manifest = sd.manifest(site)
    layers = {}
    for entry in manifest["layers"]:
        tiles = site / "data" / entry["tiles"]
        layers[entry["id"]] = {
            "features_per_zoom": features_per_zoom(tiles),
            "chunks_sha256": chunks_digest(site, entry),
        }
    return {"manifest": strip(manifest), "layers": layers}


def test_site_matches_the_golden_summary(built_site: Path) -> None:
    current = summary(built_site)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert current["manifest"] == expected["manifest"]
    assert current["layers"] == expected["layers"]
