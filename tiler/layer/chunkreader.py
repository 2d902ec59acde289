"""A built layer read back from its chunks, for the steps that work across layers after the
layers are built (assets: tiler/assets/, series across releases: tiler/releases/).

The chunks are the one copy of every point's position, attributes and series that a site holds,
for layers built now and layers reused from the previous site alike, so those steps never need
the inputs again. One chunk is decoded at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from isal import igzip

from tiler.layer.chunkindex import read_rows
from tiler.layer.seriespack import chunk_bytes

SERIES_KEY = b',"d":['


@dataclass(frozen=True, slots=True)
class PublishedChunk:
    """One chunk: feature ids `first_id ..`, their pids, positions, velocity and attributes, and
    the displacement series (mm, NaN where the file has no value) on `dates`."""

    index: int
    unit: int
    first_id: int
    dates: tuple[str, ...]
    pid: list[str]
    lon: np.ndarray
    lat: np.ndarray
    velocity: np.ndarray
    attributes: dict[str, np.ndarray]
    displacement: np.ndarray | None

    @property
    def ids(self) -> np.ndarray:
        return np.arange(self.first_id, self.first_id + len(self.pid), dtype=np.int64)

    def attribute(self, name: str) -> np.ndarray:
        """An attribute's values (NaN where missing), NaN everywhere if the layer lacks it."""
        if name == "velocity":
            return self.velocity
        return self.attributes.get(name, np.full(len(self.pid), np.nan))


def numbers(values: list[Any]) -> np.ndarray:
    """JSON numbers with nulls as a float array with NaN."""
    return np.array(values, dtype=np.float64) if values else np.zeros(0)


def chunk_rows(data: Path, layer: dict[str, Any]) -> list[list[float]]:
    """The layer's chunk index: [chunk, unit, west, south, east, north, points] per chunk."""
    return list(read_rows(data / layer["index"]))


def read_chunk(
    data: Path, layer: dict[str, Any], index: int, series: bool = True
) -> PublishedChunk:
    # ISA-L and orjson: 2x the standard library's
    text = igzip.decompress(chunk_bytes(data, layer["chunks"], index))
    document = orjson.loads(text if series else without_series(text))
    displacement = None
    if series:
        rows = document["d"]
        displacement = np.array(rows, dtype=np.float64) / 10 if rows else np.zeros((0, 0))
    return PublishedChunk(
        index=index,
        unit=int(document["unit"]),
        first_id=int(document["first_id"]),
        dates=tuple(document["dates"]),
        pid=document["pid"],
        lon=numbers(document["lon"]),
        lat=numbers(document["lat"]),
        velocity=numbers(document["v"]),
        attributes={
            name: numbers(values) for name, values in document.get("attributes", {}).items()
        },  # fmt: skip
        displacement=displacement,
    )


def without_series(text: bytes) -> bytes:
    """The chunk's JSON without its series, which come last and are ~90 % of it
    (layer/serieschunks.py writes them last), so it parses ~10x faster."""
    start = text.find(SERIES_KEY)
    return text if start < 0 else text[:start] + b"}"


def read_layer(
    data: Path, layer: dict[str, Any], series: bool = True,
    box: tuple[float, float, float, float] | None = None,
) -> Iterator[PublishedChunk]:  # fmt: skip
    """Every chunk of `layer` (a manifest entry) under `data/`, in id order; with `box`
    (west, south, east, north) only the chunks whose extent meets it."""
    for row in chunk_rows(data, layer):
        if box is not None and not boxes_meet(box, row[2:6]):
            continue
        yield read_chunk(data, layer, int(row[0]), series)


def boxes_meet(a: tuple[float, float, float, float] | list[float], b: list[float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
