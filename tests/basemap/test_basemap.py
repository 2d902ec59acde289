"""The basemap: TopoJSON decoding (properties), `--basemap` choices, the offline archive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import L2B_DESC
from hypothesis import given
from hypothesis import strategies as st
from pmtiles.reader import MmapSource, Reader, all_tiles
from sitedata import csv_rows

from tiler.basemap import cache, choices, offline, topojson
from tiler.basemap.background import BasemapAhead, union
from tiler.errors import BuildError
from tiler.model import LayerKey

USTICA = [13.151794, 38.690647, 13.200813, 38.720917]  # the samples' bounds

coords = st.integers(min_value=-1000, max_value=1000)
points = st.tuples(coords, coords)


def delta_encode(line: list[tuple[int, int]]) -> list[list[int]]:
    out, previous = [], (0, 0)
    for x, y in line:
        out.append([x - previous[0], y - previous[1]])
        previous = (x, y)
    return out


@given(
    arcs=st.lists(st.lists(points, min_size=2, max_size=8), min_size=1, max_size=5),
    scale=st.tuples(st.floats(0.001, 1), st.floats(0.001, 1)),
    translate=st.tuples(st.floats(-180, 0), st.floats(-90, 0)),
)
def test_quantised_arcs_decode_to_their_positions(
    arcs: list[list[tuple[int, int]]], scale: tuple[float, float], translate: tuple[float, float]
) -> None:
    topology = {
        "arcs": [delta_encode(arc) for arc in arcs],
        "transform": {"scale": list(scale), "translate": list(translate)},
    }
    decoded = topojson.decode_arcs(topology)
    for arc, got in zip(arcs, decoded, strict=True):
        want = [(x * scale[0] + translate[0], y * scale[1] + translate[1]) for x, y in arc]
        assert [c for xy in got for c in xy] == pytest.approx([c for xy in want for c in xy])


def test_unquantised_arcs_are_taken_as_they_are() -> None:
    assert topojson.decode_arcs({"arcs": [[[1, 2], [3.5, 4]]]}) == [[(1, 2), (3.5, 4)]]


@given(
    line=st.lists(points, min_size=2, max_size=30, unique=True),
    data=st.data(),
)
def test_a_line_cut_into_arcs_joins_back(line: list[tuple[int, int]], data: Any) -> None:
    # cut the line at some inner points; store some pieces backwards and refer to them as ~i
    cuts = sorted(data.draw(st.sets(st.integers(1, len(line) - 2), max_size=5)) if len(line) > 2
                  else set())  # fmt: skip
    bounds = [0, *cuts, len(line) - 1]
    pieces = [line[a : b + 1] for a, b in zip(bounds, bounds[1:], strict=False)]
    backwards = data.draw(st.lists(st.booleans(), min_size=len(pieces), max_size=len(pieces)))
    stored = [piece[::-1] if flip else piece for piece, flip in zip(pieces, backwards, strict=True)]
    indices = [~i if flip else i for i, flip in enumerate(backwards)]
    arcs = [[(float(x), float(y)) for x, y in arc] for arc in stored]
    assert topojson.join_arcs(arcs, indices) == [(float(x), float(y)) for x, y in line]


# Two unit squares side by side sharing the edge x = 1 (arc 1), plus a null geometry.
SQUARES = {
    "type": "Topology",
    "arcs": [
        [[1, 0], [0, 0], [0, 1], [1, 1]],  # 0: left square's outer part
        [[1, 1], [1, 0]],  # 1: the shared edge
        [[1, 1], [2, 1], [2, 0], [1, 0]],  # 2: right square's outer part
    ],
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "West"}},
                {"type": "MultiPolygon", "arcs": [[[~1, 2]]], "properties": {"name": "East"}},
                {"type": None, "properties": {"name": "Nowhere"}},
            ],
        }
    },
}


def test_polygons_and_multipolygons_become_closed_rings() -> None:
    found = topojson.features(SQUARES, "countries")
    assert [f["properties"]["name"] for f in found] == ["West", "East"]
    west, east = (f["geometry"] for f in found)
    assert west == {"type": "Polygon",
                    "coordinates": [[(1, 0), (0, 0), (0, 1), (1, 1), (1, 0)]]}  # fmt: skip
    assert east["type"] == "MultiPolygon"
    ring = east["coordinates"][0][0]
    assert ring == [(1, 0), (1, 1), (2, 1), (2, 0), (1, 0)]
    assert ring[0] == ring[-1]


def test_borders_are_the_arcs_two_countries_share() -> None:
    assert topojson.shared_arcs(SQUARES, "countries") == [1]
    assert topojson.borders(SQUARES, "countries") == [[(1, 1), (1, 0)]]


# --- the --basemap choices ------------------------------------------------------------------------


def test_parse_the_choices(tmp_path: Path) -> None:
    assert choices.parse(None) == choices.Basemap("offline")
    assert choices.parse("offline").kind == "offline"
    assert choices.parse("none").kind == "none"
    online = choices.parse("https://tiles.example.org/styles/light/style.json")
    assert online.kind == "style"
    assert online.origin == "https://tiles.example.org"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("https://tiles.example.org/styles/light", "style URL ending in .json"),
        ("somewhere.txt", "use 'offline', 'osm', 'aerial', 'esri', 'none'"),
        ("missing.pmtiles", "no such PMTiles file"),
    ],
)
def test_bad_choices_name_the_fix(value: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=message):
        choices.parse(str(tmp_path / value) if not value.startswith("http") else value)


def test_a_file_that_is_not_pmtiles_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.pmtiles"
    fake.write_bytes(b"not an archive at all" * 10)
    with pytest.raises(BuildError, match="not a PMTiles archive"):
        choices.parse(str(fake))


def test_presets_in_order_with_the_offline_map_last() -> None:
    picked = choices.parse_all(["osm,aerial", "esri"])
    assert [(c.kind, c.name) for c in picked] == [
        ("style", "osm"), ("raster", "aerial"), ("raster", "esri"), ("offline", "")]  # fmt: skip
    assert choices.local_choice(picked) == choices.Basemap("offline")
    assert choices.parse_all(None) == choices.parse_all([]) == [choices.Basemap("offline")]
    assert choices.parse_all("none") == [choices.Basemap("none")], "no file when only none"
    assert choices.parse_all(["offline", "osm", "osm"])[1:] == [choices.parse("osm")]


def test_a_preset_moved_to_another_server_keeps_its_kind(tmp_path: Path) -> None:
    moved = choices.parse("aerial=http://127.0.0.1:8099/aerial/{z}/{y}/{x}.png")
    assert moved.kind == "raster" and moved.name == "aerial"
    assert moved.origins == ["http://127.0.0.1:8099"]
    entry = choices.entries([moved], {"kind": "offline"})[0]
    assert entry["id"] == "aerial" and entry["tiles"] == [moved.value]
    assert "EOX IT Services GmbH" in entry["attribution"] and entry["maxzoom"] == 14


def test_the_policy_names_exactly_the_chosen_basemaps_hosts() -> None:
    from tiler.viewer.render import content_security_policy

    def hosts(*values: str) -> set[str]:
        policy = content_security_policy(choices.origins(choices.parse_all(list(values))))
        connect = next(d for d in policy.split("; ") if d.startswith("connect-src"))
        image = next(d for d in policy.split("; ") if d.startswith("img-src"))
        assert connect.split()[4:] == image.split()[4:]
        return set(connect.split()[4:])

    assert hosts("offline") == set()
    assert hosts("osm") == {"https://tiles.openfreemap.org"}
    assert hosts("aerial") == {"https://tiles.maps.eox.at"}
    assert hosts("offline", "osm,esri") == {"https://tiles.openfreemap.org",
                                            "https://server.arcgisonline.com"}  # fmt: skip
    assert hosts("osm=http://127.0.0.1:9/styles/liberty") == {"http://127.0.0.1:9"}


# --- the offline archive ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The offline archive tiled afresh (an empty cache), and its entry."""
    root = tmp_path_factory.mktemp("basemap")
    (root / "data").mkdir()
    (root / "scratch").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.CACHE_ENV, str(root / "cache"))
        entry = offline.install(choices.parse("offline"), root / "data", USTICA, root / "scratch")
    return root / "data" / choices.FILE_NAME, entry


def test_the_offline_archive_is_tiled_once_and_copied_after(
    offline_site: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiled, entry = offline_site
    cached = list((tiled.parents[1] / "cache").glob("basemap-*.pmtiles"))
    assert len(cached) == 1 and cached[0].read_bytes() == tiled.read_bytes()
    monkeypatch.setenv(cache.CACHE_ENV, str(cached[0].parent))
    monkeypatch.setattr(offline, "_tile_offline", lambda *args: pytest.fail("tiled again"))
    (tmp_path / "data").mkdir()
    assert offline.install(choices.parse("offline"), tmp_path / "data", USTICA, tmp_path) == entry
    assert (tmp_path / "data" / choices.FILE_NAME).read_bytes() == tiled.read_bytes()


def test_a_cache_that_cannot_be_written_is_skipped(
    offline_site: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "not-a-folder" / "cache"))
    (tmp_path / "data").mkdir()
    offline.install(choices.parse("offline"), tmp_path / "data", USTICA, tmp_path)
    assert archive(tmp_path / "data" / choices.FILE_NAME) == archive(offline_site[0])


def archive(path: Path) -> tuple[dict[Any, bytes], dict[str, Any]]:
    """Every tile and the metadata but tippecanoe's command line (a tiling's bytes differ:
    tippecanoe gzips with a time)."""
    with open(path, "rb") as stream:
        reader = Reader(MmapSource(stream))
        metadata = reader.metadata()
        metadata.pop("generator_options")
        return dict(all_tiles(reader.get_bytes)), metadata


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/cache")
    assert cache.folder() == Path("/x/cache/egms-tiler")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.folder() == Path.home() / ".cache" / "egms-tiler"
    monkeypatch.setenv(cache.CACHE_ENV, "/y")
    assert cache.folder() == Path("/y")


def inside(lon: float, lat: float, ring: list[tuple[float, float]]) -> bool:
    """Ray casting (even-odd) — an independent point-in-polygon test."""
    hit = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit


def test_offline_land_holds_the_sample_points() -> None:
    topology = json.loads(offline.world_atlas_file().read_text(encoding="utf-8"))
    area = topojson.area_around(USTICA, 0.5)
    land = [f for f in topojson.area_features(topology, area) if f["tippecanoe"]["layer"] == "land"]
    rows = list(csv_rows(L2B_DESC))[::50]
    on_land = [
        any(inside(float(r["longitude"]), float(r["latitude"]), f["geometry"]["coordinates"][0])
            for f in land)
        for r in rows
    ]  # fmt: skip
    # Natural Earth 1:10m is quantised to ~300 m and Ustica is 3 km wide: the many points near
    # its coast may fall outside (measured: 74 %); most must be on land.
    assert sum(on_land) >= 0.7 * len(rows), (sum(on_land), len(rows))


def test_offline_archive_has_land_and_borders(offline_site: tuple[Path, dict[str, Any]]) -> None:
    path, entry = offline_site
    assert entry["kind"] == "offline" and entry["tiles"] == "basemap.pmtiles"
    assert entry["attribution"] == "Natural Earth"
    assert entry["area"] == list(offline.WORLD), "the whole world: no edge at any zoom"
    with open(path, "rb") as stream:
        reader = Reader(MmapSource(stream))
        header, metadata = reader.header(), reader.metadata()
    assert header["min_zoom"] == 0 and header["max_zoom"] == offline.MAX_ZOOM == entry["maxzoom"]
    assert {layer["id"] for layer in metadata["vector_layers"]} == {"land", "borders"}
    # every z2 tile over land or a coast is there (z2 = 16 tiles; only the polar rows may lack land)
    with open(path, "rb") as stream:
        reader = Reader(MmapSource(stream))
        present = [(x, y) for x in range(4) for y in range(4) if reader.get(2, x, y)]
    assert {(x, 1) for x in range(4)} <= set(present), present
    assert path.stat().st_size < 2_200_000  # measured 1.83 MB


def test_a_user_pmtiles_basemap_is_copied(
    offline_site: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    source, _ = offline_site
    choice = choices.parse(str(source))
    assert choice.kind == "pmtiles"
    (tmp_path / "data").mkdir()
    entry = offline.install(choice, tmp_path / "data", USTICA, tmp_path)
    copied = tmp_path / "data" / "basemap.pmtiles"
    assert copied.read_bytes() == source.read_bytes()
    assert entry["kind"] == "pmtiles" and entry["tile_type"] == "vector"
    assert sorted(entry["layers"]) == ["borders", "land"]


def test_one_local_basemap_at_most(offline_site: tuple[Path, dict[str, Any]]) -> None:
    own = str(offline_site[0])
    assert [c.kind for c in choices.parse_all(["osm", own])] == ["style", "pmtiles"]
    with pytest.raises(BuildError, match="one local basemap at most"):
        choices.parse_all(["offline", own])


def test_online_and_no_basemap_write_no_file(tmp_path: Path) -> None:
    url = "https://tiles.example.org/style.json"
    assert offline.install(choices.parse(url), tmp_path, USTICA, tmp_path) == {
        "id": "style", "kind": "style", "label": "tiles.example.org", "url": url,
    }  # fmt: skip
    assert offline.install(choices.parse("none"), tmp_path, USTICA, tmp_path) == {"kind": "none"}
    assert list(tmp_path.iterdir()) == []


# --- through the build and the command line -----------------------------------------------------


def test_the_built_site_has_the_offline_basemap(built_site: Path) -> None:
    document = json.loads((built_site / "data" / "manifest.json").read_text(encoding="utf-8"))
    entry = document["basemap"]
    assert entry["kind"] == "offline" and entry["tiles"] == "basemap.pmtiles"
    assert (built_site / "data" / entry["tiles"]).stat().st_size > 10_000
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert "connect-src &#39;self&#39; blob: data:;" in html  # nothing online allowed


def test_an_online_style_opens_the_csp_for_its_host_only() -> None:
    from tiler.viewer.render import content_security_policy

    origin = choices.parse("https://tiles.example.org/styles/light.json").origin
    policy = content_security_policy(origin)
    assert "connect-src 'self' blob: data: https://tiles.example.org;" in policy
    assert "img-src 'self' data: blob: https://tiles.example.org;" in policy
    assert "script-src 'self';" in policy
    assert "https://" not in content_security_policy(None)


@pytest.mark.parametrize(
    "value",
    [
        "nowhere.txt",
        "ftp://example.org/style.json",
        "nonsense",
        "osm=ftp://example.org/s.json",
        "aerial=https://example.org/tile.png",
        "osm,,aerial",
    ],
)
def test_a_bad_basemap_is_one_line_and_exit_1(value: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tiler.cli import main

    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", str(L2B_DESC), "-o", str(out), "--basemap", value])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --basemap"), result.output
    assert not out.exists()


# --- made while the layers tile (tiler/basemap/background.py) -------------------------------------


class CountedAhead(BasemapAhead):
    """A BasemapAhead that counts its installs (the real ones)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.installs: list[list[float]] = []

    def install(self, bounds: list[float]) -> dict[str, Any]:
        self.installs.append(bounds)
        return super().install(bounds)


def ahead_in(tmp_path: Path, kind: str = "offline") -> CountedAhead:
    (tmp_path / "data").mkdir()
    return CountedAhead(choices.parse(kind), tmp_path, None)


def test_the_basemap_is_made_once_while_the_layers_tile(tmp_path: Path) -> None:
    first, second = LayerKey("L2b", (2020, 2024), "asc"), LayerKey("L2b", (2020, 2024), "desc")
    with ahead_in(tmp_path) as ahead:
        ahead.expect({first, second}, [USTICA])
        assert ahead.thread is not None, "started before any layer reported"
        ahead.reported(first, [13.1, 38.6, 13.2, 38.7])
        ahead.reported(second, [23.3, 37.7, 24.3, 38.1])
        entry = ahead.entry(union([USTICA, [23.3, 37.7, 24.3, 38.1]]))
    assert len(ahead.installs) == 1, "the entry is the one made ahead, whatever the bounds"
    assert entry["area"] == list(offline.WORLD)
    assert (tmp_path / "data" / choices.FILE_NAME).stat().st_size > 10_000
    assert not list(tmp_path.glob(".basemap-*")), "its scratch is removed"


def test_no_basemap_to_make_starts_nothing(tmp_path: Path) -> None:
    key = LayerKey("L2b", (2020, 2024), "asc")
    with ahead_in(tmp_path, "none") as ahead:
        ahead.expect({key}, [])
        ahead.reported(key, USTICA)
        assert ahead.thread is None
        assert ahead.entry(USTICA) == {"kind": "none"}
