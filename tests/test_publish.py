"""Atomic publishing: one build per output, killed builds never hurt the previous site."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import L2B_ASC, L2B_DESC, L3_EAST, L3_UP

from tiler import build
from tiler.errors import BuildError, TilerError
from tiler.publish import output_lock


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
