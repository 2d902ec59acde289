"""Render the viewer: index.html from the Jinja2 templates, assets copied under hashed names.

Each asset directory is named by a hash of its contents (`assets/app-1a2b3c4d/`), so a browser
never mixes cached files of two builds, while ES module imports inside it stay relative.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tiler.errors import BuildError
from tiler.inputs.egms import ATTRIBUTION
from tiler.resources import app_dir, templates_dir, vendor_dir
from tiler.viewer.manifest import GENERATOR

ENTRY_MODULE = "main.js"
# `import ... from './x.js'`, `import './x.js'` and `import('./x.js')`: the app's own modules
RELATIVE_IMPORT = re.compile(
    r"""(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])\./([\w.-]+\.js)\2"""
)


# scheme://host[:port]: nothing that could end a CSP directive or the meta element's attribute
CSP_ORIGIN = re.compile(r"https?://(?:[a-z0-9.-]+|\[[0-9a-f:.]+(?:%[a-z0-9%]+)?\])(?::\d+)?")


def render_site(out: Path, title: str, online: str | Sequence[str] | None = None) -> None:
    """Write index.html and assets/ into `out` (data/ is written by the build).

    `online`: origins (scheme://host) of the online basemaps the page may load from.
    """
    assets = out / "assets"
    app = copy_hashed(app_dir(), assets, "app")
    vendor = copy_hashed(vendor_dir(), assets, "vendor")
    context = {
        "title": title,
        "app": f"assets/{app}/",
        "vendor": f"assets/{vendor}/",
        "entry": ENTRY_MODULE,
        "modules": imported_modules(app_dir(), ENTRY_MODULE),
        "manifest_url": "data/manifest.json",
        "generator": GENERATOR,
        "attribution": ATTRIBUTION,
        "csp": content_security_policy(online),
    }
    for template in ("index.html",):
        html = environment().get_template(template).render(**context)
        (out / template).write_text(html, encoding="utf-8")


def imported_modules(directory: Path, entry: str) -> list[str]:
    """`entry` and the modules it imports, directly or not, in the order first met (to preload).

    Without `<link rel="modulepreload">` the browser finds them one import depth at a time: the
    sample's app took three round trips (~300 ms on localhost) before its first line ran.
    """
    found: dict[str, None] = {entry: None}
    pending = [entry]
    while pending:
        text = (directory / pending.pop(0)).read_text(encoding="utf-8")
        for match in RELATIVE_IMPORT.finditer(text):
            name = match[3]
            if name not in found:
                found[name] = None
                pending.append(name)
    return list(found)


def content_security_policy(online: str | Sequence[str] | None = None) -> str:
    """The page's CSP: only its own files, plus the `online` origins for fetches and images.

    MapLibre starts its workers from blob: URLs; styles set from JS (CSSOM) need no
    'unsafe-inline'.
    """
    origins = [online] if isinstance(online, str) else list(online or [])
    for origin in origins:  # basemap.style_origin makes only these
        if not CSP_ORIGIN.fullmatch(origin):
            raise BuildError(f"{origin!r} is not an origin a page policy can name; fix --basemap")
    extra = "".join(f" {origin}" for origin in dict.fromkeys(origins))
    return (
        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; "
        f"connect-src 'self' blob: data:{extra}; img-src 'self' data: blob:{extra}; "
        "style-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'none'"
    )


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def copy_hashed(source: Path, assets: Path, name: str) -> str:
    """Copy `source` to `assets/<name>-<hash>/`; return that directory's name."""
    target = f"{name}-{tree_hash(source)}"
    shutil.copytree(source, assets / target, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    return target


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]
