"""The XML metadata file beside each CSV (docs/egms-format.md#inside-a-zip), as the real ones.

L2: `<BURST>` with level, track / burst / sub-swath (2020-2024 only), producer, production
date, DEM and GNSS model versions, the reference SLCs and every SLC used: three slices per date,
the last CSV date missing as in the real files. L3: `<TILE>` with the few fields of the sample.
A comment says the data are synthetic: readers ignore it, people should not.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from . import dates
from .columns import new_names
from .dates import Acquisition
from .plan import FileSpec

DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>"
DATATAKE = {"S1A": (30639, 0x0382D5), "S1B": (17373, 0x020AAB)}  # (orbit, datatake) of a sample
DATATAKES_PER_ORBIT = 8.7
SLICE_STEP, SLICE_LENGTH = timedelta(seconds=24.6), timedelta(seconds=27)


def marker(spec: FileSpec) -> str:
    return (
        f"synthetic EGMS-format data written by egms-tiler sample (seed {spec.seed}); "
        "not Copernicus data"
    )


def burst_xml(spec: FileSpec, acquisitions: list[Acquisition]) -> str:
    info = spec.info
    lines = [
        DECLARATION,
        f"<!-- {marker(spec)} -->",
        "<BURST>",
        f"  <product_level>{spec.level}</product_level>",
    ]
    if new_names(spec.period):
        lines.append(f"  <track>{info.track:03d}</track>")
    lines.append(f"  <burst_id>{info.burst:04d}</burst_id>")
    if new_names(spec.period):
        lines.append(f"  <sub_swath>{info.swath}</sub_swath>")
    lines += _producer(spec)
    lines += _version("dem", "COPDEM")
    if spec.level == "L2b":
        lines += _version("gnss", _gnss_version(spec))
    assert info.track is not None and info.burst is not None
    reference = dates.reference_acquisition(spec.period, info.track, info.burst)
    lines += ["  <reference>", *_images(reference), "  </reference>", "  <dataset>"]
    for acquisition in acquisitions[:-1]:  # the real XMLs lack the last CSV date
        lines += _images(acquisition)
    lines += ["  </dataset>", "</BURST>"]
    return "\n".join(lines)


def tile_xml(spec: FileSpec) -> str:
    lines = [
        DECLARATION,
        f"<!-- {marker(spec)} -->",
        "<TILE>",
        "  <product_level>L3</product_level>",
        *_producer(spec),
        *_version("dem", "COP-DEM_GLO-30/2020_1"),
        *_version("gnss", _gnss_version(spec)),
        "</TILE>",
    ]
    return "\n".join(lines)


def _producer(spec: FileSpec) -> list[str]:
    return [
        f"  <production_facility>{spec.facility}</production_facility>",
        f"  <production_date>{spec.production_date:%d/%m/%Y}</production_date>",
    ]


def _version(element: str, version: str) -> list[str]:
    return [f"  <{element}>", f"    <version>{version}</version>", f"  </{element}>"]


def _gnss_version(spec: FileSpec) -> str:
    return "2.0" if new_names(spec.period) else "1.0"


def _images(acquisition: Acquisition) -> list[str]:
    lines = []
    for index in range(3):  # the burst lies in the first of three consecutive SLC slices
        start = acquisition.when - timedelta(seconds=10) + index * SLICE_STEP
        lines += [
            "    <image>",
            "      <orbit_type>FILTERED</orbit_type>",
            f"      <product_id>{product_id(acquisition, start)}</product_id>",
            "    </image>",
        ]
    return lines


def product_id(acquisition: Acquisition, start: datetime) -> str:
    """A Sentinel-1 SLC (SAFE) name: satellite, times, orbit, datatake, unique id."""
    orbit, take = DATATAKE[acquisition.satellite]
    datatake = (take + round(DATATAKES_PER_ORBIT * (acquisition.orbit - orbit))) % (1 << 24)
    stamp = f"{start:%Y%m%dT%H%M%S}"
    unique = zlib.crc32(f"{acquisition.satellite}{stamp}".encode()) & 0xFFFF
    return (
        f"{acquisition.satellite}_IW_SLC__1SDV_{stamp}_{start + SLICE_LENGTH:%Y%m%dT%H%M%S}_"
        f"{acquisition.orbit:06d}_{datatake:06X}_{unique:04X}"
    )
