"""Rows of an L2a / L2b burst file, block by block (bounded memory whatever the burst size).

A point's series is the ground's motion where it is (`motion`, evaluated at the easting and
northing written in the file) projected on its line of sight (the los_east/north/up written, so
"series = LOS · truth + noise" holds with the file's own numbers) + noise of the point's σ.
L2a series are relative to a reference: minus a LOS velocity per burst (or per cluster).

Every release measures the same scatterers (`points`), a few missing from each, and a date's
noise is the point's on that acquisition, the same in every release holding the date (drawn on
all the passes of the releases, `ALL`): two releases of a point differ on their common dates
only by the offset between their first dates, the known offset of the join across releases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tiler.inputs import pid

from . import dates, field, layout, motion, points, series
from .columns import decimals
from .dates import Acquisition
from .plan import PERIODS, FileSpec
from .points import GROUND
from .seeds import rng

BLOCK = 5000  # rows formatted at once: numpy-sized, cache-friendly, ~150 MB peak RSS in all
ALL = (PERIODS[0][0], PERIODS[-1][1])  # the noise is drawn on every pass of these years


@dataclass(slots=True)
class Block:
    pid: np.ndarray  # (rows, 10) uint8 ASCII
    columns: dict[str, np.ndarray]  # static values by (old) column name
    displacement: np.ndarray  # (rows, dates) mm, rounded to 0.1


@dataclass(frozen=True, slots=True)
class Context:
    spec: FileSpec
    model: series.Model
    towns: field.Towns
    clusters: int  # L2a clusters in the burst (0: one reference for the whole burst)
    reference: np.ndarray  # L2a: LOS velocity removed per cluster label (index 0..clusters)
    shift: np.ndarray  # geolocation offset of this burst (m): duplicates differ slightly
    dates: tuple[np.ndarray, int]  # the file's dates among ALL's passes, and how many those are


def burst_blocks(spec: FileSpec, acquisitions: list[Acquisition]) -> Iterator[Block]:
    """The burst's rows: strip after strip, each in blocks of at most BLOCK rows."""
    assert spec.burst is not None
    burst = spec.burst
    context = _context(spec, acquisitions)
    for strip in burst.strips:
        count = points.strip_count(spec.points, strip)
        track = burst.track
        bands = points.strip_points(spec.seed, spec.period, track, strip, count, context.towns)
        for band, found in enumerate(bands):
            for k, start in enumerate(range(0, found["line"].size, BLOCK)):
                part = {name: values[start : start + BLOCK] for name, values in found.items()}
                # the scatterers of a strip are the same in both bursts that hold it, not the noise
                key = (track.number, track.swath, strip, band, k)
                scatterers = rng(spec.seed, *GROUND, "scatterers", *key)
                part.update(points.scatterers(scatterers, spec.seed, part, points.L2_SIGMA))
                noise = rng(spec.seed, "noise", burst.index, *key)
                yield _block(context, part, noise)


def _context(spec: FileSpec, acquisitions: list[Acquisition]) -> Context:
    assert spec.burst is not None
    burst, track = spec.burst, spec.burst.track
    towns = field.towns_in(spec.seed, *layout.footprint(burst))
    model = series.model([a.when.date() for a in acquisitions])
    draw = rng(spec.seed, *GROUND, "clusters", track.number, burst.index)
    clusters = int(draw.choice([0, 0, 0, 2, 3])) if spec.level == "L2a" else 0
    reference = np.zeros(clusters + 1)
    if spec.level == "L2a":  # relative to a stable point of the burst (or of each cluster)
        x, y = track.ground(
            np.array([burst.first_line + layout.LINES / 2]), np.array([track.pixels / 2])
        )
        los = layout.line_of_sight(track.heading, track.incidence(np.array([track.pixels / 2])))
        north, east, up = field.gnss(spec.seed, x, y)
        reference += float((east * los[0] + north * los[1] + up * los[2])[0])
        reference += draw.normal(0.0, 0.6, clusters + 1) * (clusters > 0)
    shift = rng(spec.seed, "geolocation", track.number, burst.index).normal(0.0, 0.7, 2)
    passes = day_numbers(dates.all_passes(ALL, track.number, burst.index))
    columns = np.searchsorted(passes, day_numbers(acquisitions))
    return Context(spec, model, towns, clusters, reference, shift, (columns, len(passes)))


def day_numbers(acquisitions: list[Acquisition]) -> np.ndarray:
    return np.array([a.when.date() for a in acquisitions], dtype="datetime64[D]")


def _block(context: Context, part: dict[str, np.ndarray], noise: np.random.Generator) -> Block:
    spec = context.spec
    assert spec.burst is not None
    track = spec.burst.track
    pixel = part["pixel"]
    digits = decimals(spec.level, "easting")
    x = np.round(part["x"] + context.shift[0] + noise.normal(0.0, 0.3, pixel.size), digits)
    y = np.round(part["y"] + context.shift[1] + noise.normal(0.0, 0.3, pixel.size), digits)
    incidence = track.incidence(pixel + noise.uniform(-40.0, 40.0, pixel.size))
    digits = decimals(spec.level, "los_east")
    los = np.round(np.column_stack(layout.line_of_sight(track.heading, incidence)), digits)
    los_east, los_north, los_up = los.T
    north, east, up = field.gnss(spec.seed, x, y)
    gnss = east * los_east + north * los_north + up * los_up
    ground = motion.motion_at(spec.seed, spec.changes, context.towns, x, y)
    years = context.model.years
    signal = motion.along(ground, los, years)
    label = (pixel * context.clusters // track.pixels + 1) if context.clusters else 0 * pixel
    signal -= np.multiply.outer(context.reference[label], years - years[0])
    displacement = series.simulate(context.model, noise, signal, part["sigma"], context.dates)
    fitted = series.fit(context.model, displacement)
    lon, lat = layout.to_lonlat(x, y)
    line = part["line"] - spec.burst.first_line
    code = pid.burst_code(track.number, spec.burst.index, track.swath, "VV")
    columns = {
        "cluster_label": label,
        "mp_type": np.zeros(x.size),
        "latitude": lat,
        "longitude": lon,
        "easting": x,
        "northing": y,
        "height": part["height"],
        "height_wgs84": np.round(part["height"], 1) + np.round(field.geoid(x, y), 1),
        "line": line,
        "pixel": pixel,
        "rmse": fitted["rmse"],
        "temporal_coherence": series.coherence(fitted["rmse"], part["quality"]),
        "amplitude_dispersion": series.amplitude_dispersion(fitted["rmse"], part["quality"]),
        "incidence_angle": incidence,
        "track_angle": np.full(x.size, track.heading),
        "los_east": los_east,
        "los_north": los_north,
        "los_up": los_up,
        "gnss_velocity": gnss,
        **fitted,
    }
    kept = part["kept"]
    ids = pid.encode_l2_array(track.facility, code, line[kept], part["pid_pixel"][kept])
    columns["pixel"] = part["pid_pixel"]
    return Block(ids, {name: values[kept] for name, values in columns.items()}, displacement[kept])
