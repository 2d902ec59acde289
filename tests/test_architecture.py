"""The layout says what the program does: the maps name every module, imports go one way."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "tiler"
FOUNDATION = "foundation"  # the top-level modules every package may use

# Which groups each group may import: inputs and tiles know nothing of each other, a layer uses
# both, the site knows layers but not how they were tiled, only the pipeline knows every stage.
MAY_IMPORT = {
    FOUNDATION: set(),
    "inputs": set(),
    "tiles": set(),
    "layer": {"inputs", "tiles"},
    "distributed": {"inputs", "tiles", "layer"},
    "basemap": {"tiles"},
    "viewer": {"inputs", "layer"},
    "serve": set(),
    "snapshot": {"serve"},
    "synthetic": {"inputs"},
    "assets": {"tiles", "layer"},
    "releases": {"inputs", "layer"},
    "pipeline": {
        "inputs",
        "tiles",
        "layer",
        "distributed",
        "basemap",
        "viewer",
        "assets",
        "releases",
    },
    "cli": {"inputs", "pipeline", "serve", "snapshot", "synthetic"},
}
FACADE = {"tiler", "tiler.__main__"}  # the public API and `python -m tiler`: may import anything


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def group(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 or (REPO / "tiler" / parts[-1]).is_dir():
        return parts[1]
    return parts[1] if parts[1] in MAY_IMPORT else FOUNDATION


def imported(module: str) -> set[str]:
    """The tiler modules `module` imports, at the top or inside a function."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1],
                             *([base] if base else [])])  # fmt: skip
        if base.split(".")[0] != "tiler":
            continue
        for alias in node.names:
            name = f"{base}.{alias.name}"
            found.add(name if name in modules() else base)
    return found - {module}


def test_imports_go_one_way() -> None:
    wrong = []
    for module in modules():
        if module in FACADE:
            continue
        allowed = {group(module), FOUNDATION, *MAY_IMPORT[group(module)]}
        wrong += [f"{module} imports {target}" for target in sorted(imported(module))
                  if target not in FACADE and group(target) not in allowed]  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle() -> None:
    graph = {module: imported(module) - FACADE for module in modules() if module not in FACADE}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            pytest.fail("import cycle: " + " -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def mapped_files(text: str) -> set[str]:
    return set(re.findall(r"`(tiler/[\w/]+\.py)`", text))


def test_the_architecture_map_names_every_module() -> None:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = {str(path.relative_to(REPO)) for path in modules().values()}
    tree -= {path for path in tree if path.endswith("__main__.py")}
    assert sorted(tree - mapped_files(text)) == [], "modules missing from docs/architecture.md"
    assert sorted(mapped_files(text) - tree) == [], "docs/architecture.md names what is not there"


def test_the_readme_map_names_every_package() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    packages = {f"tiler/{path.parent.name}/" for path in PACKAGE.glob("*/__init__.py")}
    named = set(re.findall(r"`(tiler/\w+/)`", text))
    assert sorted(packages - named) == [], "packages missing from the README's map"
    assert sorted(named - packages) == [], "the README's map names what is not there"
    assert "docs/architecture.md" in text


@pytest.mark.parametrize("package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_each_package_says_what_its_modules_do(package: str) -> None:
    init = PACKAGE / package / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    names = {path.stem for path in (PACKAGE / package).glob("*.py") if path.stem != "__init__"}
    assert sorted(name for name in names if f"`{name}`" not in doc) == []
