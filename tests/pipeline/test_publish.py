"""Atomic publishing: one build per output, killed builds never hurt the previous site."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import L2B_ASC, L2B_DESC, L3_EAST, L3_UP
from interrupting import HOW, STOPPED, exit_code, gone, interrupted_build, stand_in

from tiler import build
from tiler.errors import BuildError, TilerError
from tiler.pipeline.atomic import BUILDING_MARKER, first_foreign, output_lock

pytestmark = pytest.mark.usefixtures("reuse_offline_basemap")  # conftest.py


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_second_build_into_the_same_output_stops_with_a_message(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with output_lock(out.absolute()), pytest.raises(BuildError, match="another build is writing"):
        build([L3_UP], out, quiet=True)
    assert not out.exists()
    build([L3_UP], out, quiet=True)  # the lock is released with its holder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "lock or temp files left"


def test_leftovers_of_a_killed_build_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build([L3_UP], out, quiet=True)
    before = tree_digest(out)
    out.rename(tmp_path / ".site.old-killed")  # killed between the two renames of a swap
    (tmp_path / ".site.building-killed" / "data").mkdir(parents=True)
    with pytest.raises(TilerError, match="missing.zip"):
        build([tmp_path / "missing.zip"], out, quiet=True)
    build([L3_UP], out, quiet=True)
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_restores_site_caught_mid_swap_before_failing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build([L3_UP], out, quiet=True)
    before = tree_digest(out)
    out.rename(tmp_path / ".site.old-killed")
    bad = tmp_path / "bad.csv"
    bad.write_text("pid,x\n")
    with pytest.raises(TilerError, match="bad.csv"):
        build([bad], out, quiet=True)
    assert tree_digest(out) == before


@pytest.mark.slow
def test_kill_9_at_random_moments_keeps_the_previous_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build([L3_UP], out, quiet=True)
    before = tree_digest(out)
    inputs = [str(p) for p in (L2B_ASC, L2B_DESC, L3_EAST)]
    command = [sys.executable, "-m", "tiler", "build", *inputs, "-o", str(out), "-q"]
    rng = random.Random(9)
    for delay in sorted(rng.uniform(0.2, 5.0) for _ in range(6)):
        proc = subprocess.Popen(command, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)  # tippecanoe too
        proc.wait()
        assert (out / "data" / "manifest.json").is_file(), f"no site after kill at {delay:.1f}s"
        if tree_digest(out) != before:  # the kill came after the swap: the new site is whole
            before = tree_digest(out)
            assert len(before) > 40
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("how", sorted(HOW))
def test_ctrl_c_stops_every_layer_and_keeps_the_previous_site(tmp_path: Path, how: str) -> None:
    """Ctrl-C reaches the main thread only: the layers' threads stop where they are and kill
    their tippecanoe runs (tests/interrupting.py: a stand-in that never ends). Before, the
    build waited for its layers, and the runs a terminal's Ctrl-C had killed were tiled again."""
    out = tmp_path / "site"
    build([L3_UP], out, quiet=True, basemap="none")
    before = tree_digest(out)
    script, started = stand_in(tmp_path / "stand-in")
    argv = ["build", str(L2B_ASC), str(L2B_DESC), str(L3_EAST), "-o", str(out), "--basemap",
            "none", "--rebuild"]  # fmt: skip
    code, stderr = interrupted_build(argv, script, started, how)
    assert code == exit_code(how) and "Traceback" not in stderr, stderr
    assert stderr.splitlines()[-1] == STOPPED
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "stand-in"]
    assert all(gone(int(pid)) for pid in started.read_text().split())


# --- the build deletes nothing but a previous site's own files -------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    build([L3_UP], out, quiet=True, basemap="none")
    return out


@pytest.mark.parametrize("force", [False, True])
def test_an_input_inside_the_output_is_refused_even_with_force(site: Path, force: bool) -> None:
    inside = site / L3_UP.name
    shutil.copy(L3_UP, inside)
    before = tree_digest(site)
    with pytest.raises(BuildError, match="lies inside the output directory") as caught:
        build([inside], site, quiet=True, force=force)
    assert str(caught.value) == (
        f"{inside} lies inside the output directory {site}, which the build replaces; "
        "move it out or choose another -o"
    )
    assert tree_digest(site) == before


def test_a_directory_input_that_is_the_output_is_refused(site: Path) -> None:
    shutil.copy(L3_UP, site / L3_UP.name)
    with pytest.raises(BuildError, match="lies inside the output directory"):
        build([site], site, quiet=True, force=True)
    assert (site / L3_UP.name).is_file()


def test_an_input_linked_into_the_output_is_refused(site: Path, tmp_path: Path) -> None:
    inside = site / L3_UP.name
    shutil.copy(L3_UP, inside)
    (tmp_path / "link.zip").symlink_to(inside)
    with pytest.raises(BuildError, match="lies inside the output directory"):
        build([tmp_path / "link.zip"], site, quiet=True)
    assert inside.is_file()


def test_clip_and_basemap_files_inside_the_output_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build([L3_UP], out, quiet=True)  # the offline basemap: data/basemap.pmtiles
    clip = out / "area.geojson"
    clip.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(BuildError, match=r"^--clip .*area.geojson lies inside"):
        build([L3_UP], out, quiet=True, clip=clip, force=True)
    clip.unlink()
    basemap = out / "data" / "basemap.pmtiles"
    with pytest.raises(BuildError, match=r"^--basemap .*basemap.pmtiles lies inside"):
        build([L3_UP], out, quiet=True, basemap=str(basemap))
    assert basemap.is_file()


@pytest.mark.parametrize(
    ("foreign", "named"),
    [
        ("notes.txt", "notes.txt"),
        ("data/x.csv", "data/x.csv"),
        ("data/l3-2020-2024-up/ts/notes", "data/l3-2020-2024-up/ts/notes"),
        ("assets/mine/a.js", "assets/mine"),  # a foreign folder is named, not entered
    ],
)
def test_a_file_put_into_a_site_is_named_and_kept(site: Path, foreign: str, named: str) -> None:
    (site / foreign).parent.mkdir(parents=True, exist_ok=True)
    (site / foreign).write_text("mine")
    before = tree_digest(site)
    with pytest.raises(BuildError, match="pass --force to replace it anyway") as caught:
        build([L3_UP], site, quiet=True)
    assert str(caught.value).startswith(f"{site / named} is not a file of the egms-tiler site")
    assert tree_digest(site) == before
    build([L3_UP], site, quiet=True, force=True)
    assert not (site / foreign).exists(), "--force replaces it, and reuses nothing of it"
    assert first_foreign(site) is None


def test_links_and_fifos_in_a_site_are_foreign(site: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("mine")
    (site / "data" / "l3-2020-2024-up" / "index.json").unlink()
    (site / "data" / "l3-2020-2024-up" / "index.json").symlink_to(mine)
    assert first_foreign(site) == site / "data" / "l3-2020-2024-up" / "index.json"
    (site / "data" / "l3-2020-2024-up" / "index.json").unlink()
    os.mkfifo(site / "index.html.fifo")
    assert first_foreign(site) == site / "index.html.fifo"


def test_a_file_put_into_the_output_during_the_build_is_kept(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tiler.pipeline import build as pipeline

    write_outputs = pipeline.write_outputs

    def meanwhile(*args: object, **kwargs: object) -> object:
        (site / "notes.txt").write_text("written while the build ran")
        return write_outputs(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "write_outputs", meanwhile)
    with pytest.raises(BuildError, match="notes.txt is not a file of the egms-tiler site"):
        build([L3_UP], site, quiet=True, rebuild=True)
    assert (site / "notes.txt").read_text() == "written while the build ran"
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"], "stage or lock left"


@pytest.mark.parametrize(
    "options",
    [{"single_file": True}, {}, {"basemap": "https://tiles.example.org/style.json"}],
    ids=["single-file", "offline", "online"],
)
def test_every_file_a_build_writes_is_in_the_site_layout(
    tmp_path: Path, options: dict[str, object]
) -> None:
    out = tmp_path / "site"
    build([L3_UP, L2B_ASC], out, quiet=True, **options)  # type: ignore[arg-type]
    assert first_foreign(out) is None
    build([L3_UP, L2B_ASC], out, quiet=True, **options)  # type: ignore[arg-type]


def test_a_large_layer_s_packed_series_and_index_blocks_are_in_the_layout(
    packed_site: Path,
) -> None:  # a second build into it would refuse the site as not its own
    assert list((packed_site / "data" / "l2b-2020-2024-desc" / "index").iterdir())
    assert first_foreign(packed_site) is None


def test_a_built_pmtiles_basemap_site_is_in_the_layout(site: Path, tmp_path: Path) -> None:
    offline = tmp_path / "offline"
    build([L3_UP], offline, quiet=True)
    out = tmp_path / "own-basemap"
    build([L3_UP], out, quiet=True, basemap=str(offline / "data" / "basemap.pmtiles"))
    assert first_foreign(out) is None


def test_a_symlink_as_output_is_refused(site: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(site)
    with pytest.raises(BuildError, match="is a symbolic link"):
        build([L3_UP], link, quiet=True, force=True)


# --- leftovers and the lock ------------------------------------------------------------------


def test_only_our_leftovers_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    ours_old, ours_stage = tmp_path / ".site.old-a", tmp_path / ".site.building-b"
    theirs_old, theirs_stage = tmp_path / ".site.old-c", tmp_path / ".site.building-d"
    for folder in (ours_old, ours_stage, theirs_old, theirs_stage):
        (folder / "data").mkdir(parents=True)
    (ours_old / "index.html").write_text("a site swapped out")
    (ours_stage / BUILDING_MARKER).touch()
    (ours_stage / ".work").mkdir()
    (theirs_old / "thesis.tex").write_text("mine")
    (theirs_stage / "data" / "x.csv").write_text("mine")
    (tmp_path / ".site.old-file").write_text("a file, not a leftover")
    build([L3_UP], out, quiet=True, basemap="none")
    assert not ours_old.exists() and not ours_stage.exists()
    assert (theirs_old / "thesis.tex").is_file() and (theirs_stage / "data" / "x.csv").is_file()
    assert (tmp_path / ".site.old-file").is_file()


def test_an_output_name_is_no_pattern(tmp_path: Path) -> None:
    """`.site[1].old-*` as a glob would match `.site1.old-x`."""
    near = tmp_path / ".site1.old-x"
    near.mkdir()
    (near / "index.html").write_text("not a leftover of site[1]")
    build([L3_UP], tmp_path / "site[1]", quiet=True, basemap="none")
    assert (near / "index.html").is_file()


def test_a_lock_file_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("do not truncate")
    (tmp_path / ".site.lock").symlink_to(precious)
    with pytest.raises(BuildError, match=r"\.site\.lock is in the way of the build's lock file"):
        build([L3_UP], tmp_path / "site", quiet=True)
    assert precious.read_text() == "do not truncate"
    assert (tmp_path / ".site.lock").is_symlink()


def test_a_lock_file_holding_other_data_is_not_overwritten(tmp_path: Path) -> None:
    lock = tmp_path / ".site.lock"
    lock.write_text("my notes\n")
    with pytest.raises(BuildError, match="remove it if it is not yours"):
        build([L3_UP], tmp_path / "site", quiet=True)
    assert lock.read_text() == "my notes\n"


def test_a_fifo_as_lock_file_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".site.lock")
    with pytest.raises(BuildError, match="in the way of the build's lock file"):
        build([L3_UP], tmp_path / "site", quiet=True)


def test_a_stale_lock_of_a_killed_build_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / ".site.lock").write_text("999999")
    build([L3_UP], tmp_path / "site", quiet=True, basemap="none")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_output_name_too_long_for_the_file_system_is_one_message(tmp_path: Path) -> None:
    out = tmp_path / ("a" * 255)
    with pytest.raises(BuildError) as caught:
        build([L3_UP], out, quiet=True)
    assert str(caught.value) == (
        f"cannot use {out} as output: file name too long; choose a shorter -o"
    )
    assert list(tmp_path.iterdir()) == []
