"""Build one layer (level × period × geometry): ids, chunks, tile features, then tippecanoe."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import shapely

from tiler.errors import InputError, InputWarning
from tiler.inputs.egms import ATTRIBUTION, iso_date
from tiler.layer.attributestats import AttributeStats
from tiler.layer.chunkindex import index_part, row_count, save_rows, write_index
from tiler.layer.epochs import EPOCH_TILE_BYTES, EPOCHS_ATTRIBUTE, EpochTexts
from tiler.layer.outlines import unit_outline, write_outlines
from tiler.layer.pidindex import save_pairs, write_pid_index
from tiler.layer.processing_unit import (
    SERIES_DTYPE,
    PointFilter,
    UnitPoints,
    read_points,
    spool_series,
)
from tiler.layer.scratchmatrix import RowFile
from tiler.layer.serieschunks import (
    ChunkSpec,
    PointsWriter,
    UnitChunks,
    chunk_path_template,
    chunks_needed,
    write_spooled_chunks,
)
from tiler.layer.seriesprefetch import AHEAD, Spooler
from tiler.layer.trendchange import RESULTS as TREND_RESULTS
from tiler.layer.trendchange import TILE_ONLY, screen, tile_columns
from tiler.memory import give_back
from tiler.model import LayerKey, Source
from tiler.spatial import Bounds
from tiler.stop import Stop
from tiler.tiles import runs, sampling, tippecanoe
from tiler.tiles.density import layer_density
from tiler.tiles.features import (
    SOURCE_LAYER,
    FeatureFiles,
    geojson_lines,
    tile_attributes,
)
from tiler.tiles.zoomchoice import (
    MAX_POINTS_PER_TILE,
    MAX_ZOOM,
    in_densest_tile,
    max_zoom_from,
    tile_max_zoom,
    tile_width_m,
)

FEATURE_SLICE = 65_536  # points turned into GeoJSON text at a time


@dataclass(slots=True)
class LayerResult:
    """What the manifest needs to know about a finished layer."""

    key: LayerKey
    points: int
    bounds: list[float]
    units: list[dict[str, Any]]
    attributes: list[str]
    stats: dict[str, dict[str, float]]
    chunk_size: int
    chunks: int
    tiles: Path
    pids: dict[str, object]
    dates: list[str] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)
    epochs: tuple[str, ...] = ()  # the dates of EPOCHS_ATTRIBUTE in the tiles (none: not there)

    @property
    def velocity(self) -> dict[str, float | None]:
        """The colour scale's default clip: 2nd and 98th percentiles of the velocities."""
        found = self.stats.get("velocity")
        return {"p02": found["p02"], "p98": found["p98"]} if found else {"p02": None, "p98": None}


@dataclass(slots=True, kw_only=True)
class LayerJob:
    key: LayerKey
    sources: list[Source]
    data_dir: Path  # OUT(staging)/data
    scratch_dir: Path
    chunk_size: int
    on_rows: Callable[[int], None] | None = None
    keep: PointFilter | None = None  # --clip
    dedupe: bool = False  # drop points on ground an earlier unit of the layer covers
    on_bounds: Callable[[list[float]], None] | None = None  # the bounds are final (after pass 1)
    epochs: tuple[str, ...] = ()  # the displacement at these dates in the tiles (--no-epochs: none)
    trend: bool = True  # the trend-change screening (--no-trend: none)
    on_tiles: Callable[[str], None] | None = None  # how the tiling was cut (runs.spread)
    stop: Stop = field(default_factory=Stop)  # the build's Ctrl-C (tiler/stop.py)


def build_layer(job: LayerJob) -> LayerResult | None:
    """Build one layer in two passes over its files.

    Pass 1 reads the small columns of every unit, assigns ids, screens the series for trend
    changes (trendchange.py) and writes the tile features; tippecanoe then tiles them in the
    background while pass 2 writes the chunks from the series, which a background thread has
    been reading since the start (seriesprefetch.py). The tiles need the series screened, so at
    most AHEAD units' series wait for pass 2: the chunks of earlier units are written in pass 1.
    None when no point is left (all outside the --clip area).
    """
    layer_dir = job.data_dir / job.key.id
    (layer_dir / "ts").mkdir(parents=True)
    spooler = None if job.keep else Spooler(job.sources, job.scratch_dir, job.key.id)
    try:
        return _build_layer(job, layer_dir, spooler)
    finally:
        if spooler is not None:
            spooler.close()


def _build_layer(job: LayerJob, layer_dir: Path, spooler: Spooler | None) -> LayerResult | None:
    features = FeatureFiles(job.scratch_dir / f"{job.key.id}-features")
    state = LayerState()
    for source in job.sources:
        job.stop.check()
        unit = read_points(source, job.scratch_dir / f"{job.key.id}.static", job.on_rows, job.keep)
        try:
            state.warnings += unit.warnings
            give_back()  # the CSV blocks
            if unit.rows:
                series = _series_for_pass1(job, state, layer_dir, spooler, source)
                add_unit(job, state, len(state.units), unit, features, series)
                _spill_pids(job, state)
                if spooler is None:
                    _keep_own_series(state, series)
        finally:
            unit.close()
        del unit
        give_back()
    if not state.units:
        shutil.rmtree(features.directory)
        shutil.rmtree(layer_dir)
        return None
    if job.on_bounds is not None:
        job.on_bounds(state.bounds.as_list())
    tiles = layer_dir / "tiles.pmtiles"
    options = tippecanoe.TileOptions(
        source=(),
        output=tiles,
        layer=SOURCE_LAYER,
        name=f"EGMS {job.key.label}",
        attribution=ATTRIBUTION,
        temp_dir=job.scratch_dir,
        subject=tiling_subject(job.key.id, job.sources),
        cwd=job.data_dir.parent,
        max_tile_bytes=EPOCH_TILE_BYTES if job.epochs else None,
    )
    chunks = partial(_write_chunks, job, state, layer_dir, spooler)
    layer_pyramid = _pyramid(state, features, job.key.level)
    state.recipe = runs.tile_layer(options, layer_pyramid, chunks, job.on_tiles, job.stop)
    shutil.rmtree(features.directory)
    assert state.pid_entry is not None  # written with the chunks
    return state.finish(job, layer_dir, tiles, state.pid_entry)


def tiling_subject(layer_id: str, sources: list[Source], named: int = 3) -> str:
    """'layer ID (from FILE, FILE and 5 more)': what a tippecanoe failure names."""
    files = ", ".join(source.display for source in sources[:named])
    more = f" and {len(sources) - named} more" if len(sources) > named else ""
    return f"layer {layer_id} (from {files}{more})"


def _pyramid(state: LayerState, features: FeatureFiles, level: str) -> runs.Pyramid:
    files = {divmod(key, sampling.BANDS): path for key, path in features.paths.items()}
    return layer_pyramid(files, level, lambda: crowded_tile(state.pending, *state.all_points()))


def layer_pyramid(
    files: dict[sampling.FileKey, Path], level: str, crowded: Callable[[], Exception]
) -> runs.Pyramid:  # fmt: skip
    """What to tile: the maximum zoom and each zoom's sample, from the feature files' line
    indexes (both builds: the zooms come from the same points, whatever their files' order).

    `crowded`: the error to raise when even the deepest zoom has a tile too full.
    """
    paths = list(files.values())
    density = layer_density(paths, MAX_ZOOM, paths[0].parent / "density")
    densest = density.densest
    if densest[MAX_ZOOM] > MAX_POINTS_PER_TILE:
        raise crowded()
    base = max_zoom_from(density.guessed_zoom, densest)
    zoom = tile_max_zoom(level, base)
    # band 0 (rank < 0.4^0): every point, at each zoom from the base zoom up
    first_bands = sampling.zoom_bands(densest[: base + 1]) + [0] * (zoom - base)
    return runs.Pyramid(files, zoom, first_bands)


FIRST_DATA_LINE = 2  # a file's data row 0 is its line 2, after the header


def crowded_tile(units: list[UnitChunks], lon: np.ndarray, lat: np.ndarray) -> InputError:
    """The error for points too dense for any zoom's tiles: naming the file with the most of
    them in the densest tile, and where it is.

    No EGMS data comes near this (a burst has a few hundred points in a tile of the maximum
    zoom); stacked points are broken coordinates, which tippecanoe would fail on or drop.
    """
    inside = in_densest_tile(lon, lat, MAX_ZOOM)
    counts = np.array([unit.count for unit in units])
    starts = np.cumsum(counts) - counts
    per_unit = np.add.reduceat(inside.astype(np.int64), starts)
    worst = int(np.argmax(per_unit))
    unit, start = units[worst], int(starts[worst])
    rows = unit.file_rows()[inside[start : start + unit.count]]
    total, here = int(inside.sum()), int(per_unit[worst])
    share = "" if here == total else f" ({here:,} of them from this file)"
    problem = (f"{total:,} points{share} {_spot(lon[inside], lat[inside])}: more than the "
               f"{MAX_POINTS_PER_TILE:,} one map tile can hold")  # fmt: skip
    fix = "check the latitude/longitude columns: EGMS points lie metres apart, never stacked"
    return InputError(unit.source.display, problem, fix, line=int(rows.min()) + FIRST_DATA_LINE)


def _spot(lon: np.ndarray, lat: np.ndarray) -> str:
    """Where a crowd of points is, in words."""
    west, east, south, north = lon.min(), lon.max(), lat.min(), lat.max()
    if west == east and south == north:
        return f"share one position ({west:.6f}, {south:.6f})"
    lon_mid, lat_mid = (west + east) / 2, (south + north) / 2
    width = tile_width_m(lat_mid, MAX_ZOOM)
    return f"lie within one {width:.0f} m square around ({lon_mid:.6f}, {lat_mid:.6f})"


def _series_for_pass1(
    job: LayerJob, state: LayerState, layer_dir: Path, spooler: Spooler | None, source: Source
) -> Path:  # fmt: skip
    """The unit's series spooled (file order), for pass 1 to screen, once at most AHEAD - 1
    units' series wait for their chunks.

    Without a --clip area the series were spooled early (seriesprefetch.py): with one, most
    files may have no point left, and spooling them would be wasted, so a unit with points
    spools its own here.
    """
    if spooler is None:
        _write_pending(job, state, layer_dir, None, leave=AHEAD - 1)
        path = job.scratch_dir / f"{job.key.id}-{len(state.units)}.series"
        spool_series(source, path)
        return path
    while not spooler.has_room(source):
        if state.written < len(state.pending):
            unwritten = len(state.pending) - state.written
            _write_pending(job, state, layer_dir, spooler, leave=unwritten - 1)
        else:
            spooler.release_before(source)  # units left out whole by --dedupe
    return spooler.spooled(source)


def _spill_pids(job: LayerJob, state: LayerState) -> None:
    """The unit's (pid, id) pairs to scratch until the pid index is written (bounded memory)."""
    if state.pids:
        path = job.scratch_dir / f"{job.key.id}-pids" / f"u{len(state.pid_files)}.arrow"
        save_pairs(path, state.pids.pop(), state.ids.pop())
        state.pid_files.append(path)


def _keep_own_series(state: LayerState, series: Path) -> None:
    """Keep a --clip unit's own series for its chunks; drop it if the unit was left out."""
    index = len(state.pending) - 1
    if index >= state.written and index not in state.spooled:
        state.spooled[index] = series
    else:
        series.unlink(missing_ok=True)


def _write_pending(
    job: LayerJob, state: LayerState, layer_dir: Path, spooler: Spooler | None, leave: int = 0
) -> None:  # fmt: skip
    """Pass 2 of the oldest units whose chunks are not written, until `leave` are left."""
    while len(state.pending) - state.written > leave:
        job.stop.check()
        index = state.written
        unit = state.pending[index]
        spec = ChunkSpec(job.key.id, index, job.chunk_size, layer_dir / "ts")
        if spooler is None:
            series = state.spooled.pop(index)
            try:
                rows = write_spooled_chunks(unit, spec, series, job.stop)
            finally:
                series.unlink(missing_ok=True)
        else:
            rows = write_spooled_chunks(unit, spec, spooler.take(unit.source), job.stop)
            spooler.done_with(unit.source)
        folder = job.scratch_dir / f"{job.key.id}-index"
        state.add_index_part(save_rows(index_part(folder, index), rows))
        state.pending[index] = unit.written()
        state.written += 1


def _write_chunks(
    job: LayerJob, state: LayerState, layer_dir: Path, spooler: Spooler | None
) -> None:  # fmt: skip
    """Pass 2: the chunks of every unit not yet written (runs while tippecanoe tiles)."""
    _write_pending(job, state, layer_dir, spooler)
    for unit in state.pending:
        unit.points.unlink()
    state.pending.clear()
    # here rather than after the tiles: this thread is otherwise idle until tippecanoe ends
    state.pid_entry = write_pid_index(layer_dir, job.key.id, state.pid_files, state.points)
    for path in state.pid_files:
        path.unlink()


class LayerState:
    """A layer's ids, indexes, statistics and outlines as its units are added (`add_unit`), in
    unit order. A Dask worker's holds one unit's part, which the client adds to the layer's."""

    def __init__(self) -> None:
        self.next_id = 0
        self.points = 0
        self.bounds = Bounds()
        self.units: list[dict[str, Any]] = []
        self.outlines: list[shapely.Geometry | None] = []
        self.index_parts: list[Path] = []  # each unit's chunk index rows (chunkindex.py)
        self.chunks = 0
        self.pids: list[pa.Array] = []  # of the units not yet spilled (`pid_files`)
        self.ids: list[np.ndarray] = []
        self.pid_files: list[Path] = []
        self.stats = AttributeStats()
        self.columns: set[str] = set()
        self.dates: set[str] = set()
        self.warnings: list[InputWarning] = []
        self.pending: list[UnitChunks] = []  # units whose chunks pass 2 writes
        self.written = 0  # pending units whose chunks are written
        self.spooled: dict[int, Path] = {}  # --clip: a pending unit's series, by its index
        self.pid_entry: dict[str, object] | None = None  # the pid index, once written
        self.recipe = ""

    def all_points(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes of every point read so far."""
        positions = [unit.lonlat() for unit in self.pending]
        return (
            np.concatenate([lon for lon, _ in positions]),
            np.concatenate([lat for _, lat in positions]),
        )

    def add_index_part(self, *parts: Path) -> None:
        self.index_parts += parts
        self.chunks += sum(map(row_count, parts))

    def absorb(self, part: LayerState) -> None:
        """Add the state of the next unit, made apart (a Dask worker's `add_unit`)."""
        self.units += part.units
        self.outlines += part.outlines
        self.add_index_part(*part.index_parts)
        self.stats.merge(part.stats)
        self.columns |= part.columns
        self.dates |= part.dates
        self.points += part.points
        box = part.bounds
        self.bounds.add(np.array([box.west, box.east]), np.array([box.south, box.north]))

    def covered(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Points on ground that an earlier unit of the layer already covers (burst overlaps)."""
        earlier = [outline for outline in self.outlines if outline is not None]
        if not earlier:
            return np.zeros(lon.shape, dtype=bool)
        return np.asarray(shapely.intersects_xy(shapely.union_all(earlier), lon, lat), dtype=bool)

    def finish(
        self, job: LayerJob, layer_dir: Path, tiles: Path, pids: dict[str, object]
    ) -> LayerResult:
        """Write the layer-wide files (chunk index, outlines) and sum up.

        `pids`: the manifest entry of the pid index, written by then.
        """
        write_index(layer_dir / "index.json", job.key.id, job.chunk_size, self.index_parts)
        for part in self.index_parts:
            part.unlink()
        write_outlines(layer_dir / "units.geojson", self.units, self.outlines)
        return LayerResult(
            key=job.key,
            points=self.points,
            bounds=self.bounds.as_list(),
            units=self.units,
            attributes=tile_attributes(self.columns),
            stats=self.stats.summary(),
            chunk_size=job.chunk_size,
            chunks=self.chunks,
            tiles=tiles,
            pids=pids,
            dates=sorted(self.dates),
            warnings=self.warnings,
            epochs=job.epochs if EPOCHS_ATTRIBUTE in self.columns else (),
        )


def add_unit(
    job: LayerJob, state: LayerState, index: int, unit: UnitPoints, features: FeatureFiles,
    series: Path | None = None,
) -> None:  # fmt: skip
    """Pass 1 of a unit: ids along the Hilbert curve, tile features, indexes, stats.

    `series`: the unit's spooled series (file order), screened for trend changes.
    """
    covered = state.covered(unit.lon, unit.lat)
    order = unit.curve_order()
    if job.dedupe:
        order = order[~covered[order]]
    count = len(order)
    if count == 0:
        return
    first_id = state.next_id
    ids = np.arange(first_id, first_id + count, dtype=np.int64)
    unit.reorder(order)
    overlap = covered[order] if covered.any() and not job.dedupe else None
    points = job.scratch_dir / f"{job.key.id}-{index}.{os.getpid()}.points"
    trend = _screening(series, unit) if series is not None and job.trend else {}
    timed = series is not None and len(job.epochs) > 1
    texts = EpochTexts(series, unit.source.dates, job.epochs) if series and timed else None
    with texts or nullcontext() as epochs:
        _write_features(state, index, unit, order, overlap, ids, features, points, trend, epochs)
    columns = (*unit.static.names, *trend)
    state.pending.append(UnitChunks(unit.source, first_id, count, unit.pid, points, columns))
    state.next_id = first_id + chunks_needed(count, job.chunk_size) * job.chunk_size
    state.points += count
    state.bounds.add(unit.lon, unit.lat)
    entry = unit_entry(index, unit, first_id, count)
    entry["overlap" if not job.dedupe else "overlap_dropped"] = int(covered.sum())
    state.units.append(entry)
    state.outlines.append(unit_outline(unit.lon, unit.lat))
    state.pids.append(unit.pid)
    state.ids.append(ids)
    state.columns.update(columns, ["overlap"] if overlap is not None else [],
                         [EPOCHS_ATTRIBUTE] if timed else [])  # fmt: skip
    state.dates.update(unit.source.dates)


def _write_features(
    state: LayerState, index: int, unit: UnitPoints, order: np.ndarray,
    overlap: np.ndarray | None, ids: np.ndarray, features: FeatureFiles, points: Path,
    trend: dict[str, np.ndarray], epochs: EpochTexts | None,
) -> None:  # fmt: skip
    """A slice of ids at a time (the text of a whole burst would be ~250 B a point at once):
    tile features, statistics and the chunk inputs pass 2 reads (`UnitChunks.points`)."""
    keys = sampling.file_keys(unit.lon, unit.lat, ids)  # a tile's floor is the unit's
    writer = PointsWriter(points)
    try:
        for part in _slices(len(ids)):
            static = unit.static.rows(order[part])
            if overlap is not None:
                static["overlap"] = np.where(overlap[part], 1.0, np.nan)
            static.update((name, values[part].astype(np.float64)) for name, values in trend.items())
            lon, lat = unit.lon[part], unit.lat[part]
            texts = {EPOCHS_ATTRIBUTE: epochs.of(unit.file_rows[part])} if epochs else {}
            lines = geojson_lines(ids[part], lon, lat, unit.pid[part], static, index, texts)
            features.write(keys[part], lines, lon, lat)
            state.stats.add(static)
            writer.add(lon, lat, static, unit.file_rows[part])
    finally:
        writer.close()


SCREEN_ROWS = 16_384  # series rows screened at a time


def _screening(series: Path, unit: UnitPoints) -> dict[str, np.ndarray]:
    """The trend-change screening of the unit's points (in its order, float32): the series read
    in file order, a block at a time."""
    dates = unit.source.dates
    order = np.argsort(unit.file_rows, kind="stable")
    names = (*TREND_RESULTS, *(f"tile_{name}" for name in TILE_ONLY))
    out = {name: np.empty(unit.rows, dtype=np.float32) for name in names}
    with RowFile(series, len(dates), SERIES_DTYPE) as rows:
        for part in _slices(unit.rows, SCREEN_ROWS):
            chosen = order[part]
            found = screen(rows.rows(unit.file_rows[chosen]), dates)
            for name, values in (*found.items(), *tile_columns(found).items()):
                out[name][chosen] = values
    return out


def _slices(count: int, size: int = FEATURE_SLICE) -> list[slice]:
    return [slice(start, start + size) for start in range(0, count, size)]


def unit_entry(index: int, unit: UnitPoints, first_id: int, points: int) -> dict[str, Any]:
    source = unit.source
    entry: dict[str, Any] = {
        "index": index, "name": source.stem, "first_id": first_id, "points": points,
        "dates": len(source.dates), "first_date": iso_date(source.dates[0]),
        "last_date": iso_date(source.dates[-1]),
    }  # fmt: skip
    for name in ("track", "burst", "swath", "tile"):
        value = getattr(source, name)
        if value is not None:
            entry[name] = value
    return entry


def tile_zooms(path: Path) -> tuple[int, int]:
    """(minzoom, maxzoom) from a PMTiles header."""
    from pmtiles.reader import MmapSource, Reader

    with open(path, "rb") as stream:
        header = Reader(MmapSource(stream)).header()
    return int(header["min_zoom"]), int(header["max_zoom"])


def chunk_manifest(layer_id: str, size: int) -> dict[str, object]:
    return {"path": chunk_path_template(layer_id), "size": size, "encoding": "gzip"}
