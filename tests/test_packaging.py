"""The wheel stands alone: built, installed non-editable in a fresh venv, it builds a site."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import L3_UP, REPO

pytestmark = pytest.mark.slow

MEMBERS = [
    "tiler/cli.py",
    "tiler/py.typed",
    "tiler/templates/index.html",
    "tiler/site/app/main.js",
    "tiler/site/app/palettes.js",
    "tiler/site/vendor/maplibre-gl.js",
    "tiler/site/vendor/pmtiles.js",
    "tiler/site/vendor/uPlot.iife.min.js",
    "tiler/site/vendor/LICENSE-maplibre-gl.txt",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (found,) = out.glob("egms_tiler-*.whl")
    return found


def test_wheel_carries_templates_and_site_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in MEMBERS if name not in names]
    assert not missing, f"wheel lacks {missing}"
    assert not [n for n in names if "node_modules" in n or n.startswith("tests/")]


def test_installed_wheel_builds_a_site(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=900)
    where = subprocess.run(
        [str(python), "-c", "import tiler; print(tiler.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout.strip()  # fmt: skip
    assert where.startswith(str(env_dir)), f"tiler imported from {where}, not the fresh venv"
    out = tmp_path / "site"
    done = subprocess.run(
        [str(env_dir / "bin" / "egms-tiler"), "build", str(L3_UP), "-o", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = (out / "index.html").read_text(encoding="utf-8")
    apps = list((out / "assets").glob("app-*/main.js"))
    assert len(apps) == 1 and f"assets/{apps[0].parent.name}/" in html
    assert (out / "data" / "l3-2020-2024-up" / "tiles.pmtiles").stat().st_size > 1000
