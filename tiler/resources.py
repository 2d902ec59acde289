"""Find the site templates and front-end files, in a checkout and in an installed wheel.

In a checkout they sit at the top level (`templates/`, `site/app`, `site/vendor`); the wheel
force-includes them into the package (`tiler/templates`, `tiler/site/...`).
"""

from __future__ import annotations

from pathlib import Path

from tiler.errors import BuildError

PACKAGE = Path(__file__).resolve().parent


def resource_dir(*parts: str) -> Path:
    """The first of `tiler/<parts>` (installed) and `<checkout>/<parts>` that exists."""
    for base in (PACKAGE, PACKAGE.parent):
        candidate = base.joinpath(*parts)
        if candidate.is_dir():
            return candidate
    raise BuildError(f"egms-tiler is missing its {'/'.join(parts)} files; reinstall the package")


def templates_dir() -> Path:
    return resource_dir("templates")


def app_dir() -> Path:
    return resource_dir("site", "app")


def vendor_dir() -> Path:
    return resource_dir("site", "vendor")
