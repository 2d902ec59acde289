"""`build --single-file`: the whole built site as one HTML file (`OUT/site.html`).

Browsers opening a page from disk (file://) refuse ES module files and fetch(), so everything is
inlined into the page made from the site's own `index.html`:

- stylesheets and classic scripts become inline elements, allowed by CSP hashes (no
  'unsafe-inline', no eval);
- the app's ES modules are mapped by an import map to `data:` URLs, their `./x.js` imports
  rewritten to the map's bare names, so module semantics stay exactly those of the site;
- every file under `data/` is stored base64 in a JSON block; `embedded.js` answers the app's
  fetch() from it and gives pmtiles.js an in-memory Source per archive. Unit outlines, which
  MapLibre's worker loads by URL, become `data:` URLs in the embedded manifest.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

from tiler.errors import BuildError
from tiler.progress import human_size
from tiler.viewer.render import RELATIVE_IMPORT

NAME = "site.html"
# Raw bytes of data/ (the page grows by 4/3 in base64). Browsers hold far more, but opening,
# mailing and decoding a file much bigger than this gets slow, and mail servers refuse it.
LIMIT_BYTES = 50 * 1024 * 1024
SHIM = "embedded.js"  # the classic script serving data/ from the page
DROPPED = frozenset({"offline.js"})  # the file:// warning: this page works from file://
MODULE_PREFIX = "egms-app/"
PRELOADS = frozenset({"modulepreload", "preload"})

ASSET_TAG = re.compile(r"<(script|link)\b([^>]*)>(?:\s*</script>)?", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([\w-]+)(?:="([^"]*)")?')
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def write(site: Path, target: Path, limit: int | None = None) -> int:
    """Write `site` (a built site directory) as one HTML file; its size in bytes.

    Raises `BuildError` when the data to inline is larger than `limit` (`LIMIT_BYTES`) bytes.
    """
    limit = LIMIT_BYTES if limit is None else limit
    files = data_files(site / "data")
    total = sum(len(data) for data in files.values())
    if total > limit:
        raise BuildError(
            f"--single-file: the site's data is {human_size(total)}, more than the "
            f"{human_size(limit)} one HTML file may hold; build a smaller area (--clip) or "
            "publish the site folder (egms-tiler serve)"
        )
    page = Page(site)
    text = page.render(embed_outlines(files))
    target.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def data_files(data: Path) -> dict[str, bytes]:
    """Every file under `data/`, by its path relative to it (as the manifest names them)."""
    return {
        path.relative_to(data).as_posix(): path.read_bytes()
        for path in sorted(data.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def embed_outlines(files: dict[str, bytes]) -> dict[str, bytes]:
    """`files` with the manifest's unit outlines turned into `data:` URLs (read by a worker)."""
    document: dict[str, Any] = json.loads(files["manifest.json"])
    files = dict(files)
    for layer in document["layers"]:
        if layer.get("outlines") in files:
            geojson = base64.b64encode(files.pop(layer["outlines"])).decode("ascii")
            layer["outlines"] = f"data:application/geo+json;base64,{geojson}"
    files["manifest.json"] = json.dumps(document, separators=(",", ":")).encode("utf-8")
    return files


def sha256(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def script_text(text: str) -> str:
    """JS safe inside <script>: `</script` cannot end the element early."""
    return text.replace("</script", "<\\/script")


class Page:
    """The site's index.html with its assets inlined; collects the CSP hashes on the way."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def render(self, files: dict[str, bytes]) -> str:
        source = (self.site / "index.html").read_text(encoding="utf-8")
        policy = CSP_META.search(source)
        online = re.findall(r"https?://[^\s;]+", policy[1] if policy else "")  # online basemap
        body = ASSET_TAG.sub(self.inline, source)
        table = json.dumps(
            {name: base64.b64encode(data).decode("ascii") for name, data in files.items()}
        )
        block = f'<script type="application/json" id="egms-data">{table}</script>\n'
        body = body.replace("</body>", block + "</body>", 1)
        meta = f'<meta http-equiv="Content-Security-Policy" content="{self.policy(online)}">'
        return CSP_META.sub(lambda _: meta, body, count=1)

    def inline(self, match: re.Match[str]) -> str:
        attributes = {k.lower(): html.unescape(v or "") for k, v in ATTRIBUTE.findall(match[2])}
        if match[1].lower() == "link":
            if attributes.get("rel") in PRELOADS:
                return ""  # the page holds them all already
            if attributes.get("rel") != "stylesheet":
                return match[0]
            return self.style(self.asset(attributes["href"]).read_text(encoding="utf-8"))
        if "src" not in attributes:
            return match[0]
        path = self.asset(attributes["src"])
        if path.name in DROPPED:
            return ""
        if attributes.get("type") == "module":
            return self.modules(path)
        return self.script(path.read_text(encoding="utf-8"))

    def asset(self, href: str) -> Path:
        path = (self.site / href).resolve()
        if not path.is_relative_to(self.site.resolve()) or not path.is_file():
            page = self.site / "index.html"
            raise BuildError(f"--single-file: {page} refers to {href}, which is not a file "
                             "of the site; rebuild the site")  # fmt: skip
        return path

    def script(self, text: str, kind: str = "") -> str:
        text = script_text(text)
        self.scripts.append(sha256(text))
        return f"<script{kind}>{text}</script>"

    def style(self, text: str) -> str:
        self.styles.append(sha256(text))
        return f"<style>{text}</style>"

    def modules(self, main: Path) -> str:
        """The shim, an import map of the app's modules as `data:` URLs, and the entry module."""
        imports = {
            MODULE_PREFIX + path.name: "data:text/javascript;base64,"
            + base64.b64encode(module_source(path).encode("utf-8")).decode("ascii")
            for path in sorted(main.parent.glob("*.js"))
            if path.name not in DROPPED and path.name != SHIM
        }  # fmt: skip
        return "\n".join([
            self.script((main.parent / SHIM).read_text(encoding="utf-8")),
            self.script(json.dumps({"imports": imports}), ' type="importmap"'),
            self.script(f'import "{MODULE_PREFIX}{main.name}";', ' type="module"'),
        ])  # fmt: skip

    def policy(self, online: list[str]) -> str:
        """Hashes for the inline scripts and styles, `data:` for the modules; nothing else."""
        extra = "".join(f" {origin}" for origin in dict.fromkeys(online))
        return (
            f"default-src 'none'; script-src {' '.join(self.scripts)} data:; "
            "worker-src blob:; child-src blob:; "
            f"connect-src data: blob:{extra}; img-src data: blob:{extra}; "
            f"style-src {' '.join(self.styles)}; font-src data:; object-src 'none'; "
            "base-uri 'none'; form-action 'none'"
        )


def module_source(path: Path) -> str:
    """An app module with its `./x.js` imports renamed to the import map's names."""
    text = path.read_text(encoding="utf-8")
    return RELATIVE_IMPORT.sub(lambda m: f"{m[1]}{m[2]}{MODULE_PREFIX}{m[3]}{m[2]}", text)
