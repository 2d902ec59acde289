"""The viewer's ES modules (site/app/) run by Node.js, outside a browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def run_with_app(tmp_path: Path, name: str, script: str, *args: str) -> Any:
    """Run `script`, an ES module importing `./app/...`, beside a copy of site/app with `args`;
    what it prints, read as JSON."""
    node = shutil.which("node")
    assert node, "node is missing: make test installs it (tools/system-deps.sh)"
    folder = tmp_path / "js"
    shutil.copytree(REPO / "site" / "app", folder / "app", dirs_exist_ok=True)
    (folder / "package.json").write_text('{"type": "module"}')
    path = folder / f"{name}.mjs"
    path.write_text(script)
    done = subprocess.run([node, str(path), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
