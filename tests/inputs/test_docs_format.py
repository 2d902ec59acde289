"""docs/egms-format.md is the project's own account of its input format, and stays true.

Every column name the reader knows is in it, its rename table is the reader's, its 2020-2024
column lists are the real samples' headers, every link to one of its sections lands on a
heading, and no file of the repository cites a format document kept outside it.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import L2B_DESC, L3_UP, REPO

from tiler.inputs import egms, header

DOC = REPO / "docs" / "egms-format.md"
# spelled in two parts, so that this file does not match itself
OUTSIDE = [("EGMS_" + "FORMAT").encode(), ("../" + "shared").encode()]
LINK = re.compile(r"egms-format\.md#([A-Za-z0-9_-]+)")
CODE = re.compile(r"`([^`]+)`")


def doc() -> str:
    if not DOC.is_file():
        pytest.skip("docs/ is not in this tree (an sdist)")
    return DOC.read_text(encoding="utf-8")


def repository_files() -> list[Path]:
    """Tracked files and new ones not ignored: what a commit would hold."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout  # fmt: skip
    paths = (REPO / name for name in listed.decode().split("\0") if name)
    return [path for path in paths if path.is_file()]


def known_columns() -> set[str]:
    """Every static column name the reader knows, in the files' spelling and its own."""
    return {
        *egms.CANONICAL, *egms.CANONICAL.values(), *egms.KNOWN_STATIC, *egms.L2_STATIC_OLD,
        *egms.L3_STATIC_OLD, *egms.REQUIRED_L2, *egms.REQUIRED_L3, *egms.L2_ONLY,
        *header.STATIC_FIELDS,
    }  # fmt: skip


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the rows of the first table under `heading` (header and rule left out)."""
    rows: list[list[str]] = []
    for line in text.split(f"\n{heading}\n", 1)[1].splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("| ").split(" | ")])
        elif rows:
            break
    return rows[2:]


def names(cell: str) -> list[str]:
    return CODE.findall(cell)


def heading_anchors(text: str) -> set[str]:
    """GitHub's anchors of the Markdown headings: lower case, punctuation dropped, '-' for ' '."""
    headings = re.findall(r"^#{1,6} (.+)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def static_header(sample: Path) -> list[str]:
    with zipfile.ZipFile(sample) as archive:
        line = archive.open(f"{sample.stem}.csv").readline().decode("ascii")
    return [name for name in line.strip().split(",") if not egms.DATE_COLUMN.match(name)]


def test_no_file_cites_a_format_document_outside_the_repository() -> None:
    citing = [str(path.relative_to(REPO)) for path in repository_files()
              if any(text in path.read_bytes() for text in OUTSIDE)]  # fmt: skip
    assert not citing, f"cite docs/egms-format.md instead: {citing}"


@pytest.mark.parametrize("name", sorted(known_columns()))
def test_every_column_the_reader_knows_is_documented(name: str) -> None:
    assert f"`{name}`" in doc(), (
        f"{name} is known to tiler.inputs.egms/tiler.inputs.reader, not documented"
    )


def test_the_rename_table_is_the_readers() -> None:
    documented = {}
    for old, new, internal in (map(names, row) for row in table_rows(doc(), "### Renamed columns")):
        documented |= {old[0]: internal[0], new[0]: internal[0]}
    assert documented == egms.CANONICAL


def test_the_column_lists_are_the_readers_and_the_samples() -> None:
    lists = {row[0]: names(row[1]) for row in table_rows(doc(), "## Columns")}
    assert lists["L2b up to 2019-2023 (24)"] == list(egms.L2_STATIC_OLD)
    assert lists["L3 up to 2019-2023 (11)"] == list(egms.L3_STATIC_OLD)
    assert lists["L2b 2020-2024 (25)"] == static_header(L2B_DESC)
    assert lists["L3 2020-2024 (14)"] == static_header(L3_UP)


def test_links_to_its_sections_land_on_headings() -> None:
    anchors = heading_anchors(doc())
    links = [(str(path.relative_to(REPO)), anchor) for path in repository_files()
             for anchor in LINK.findall(path.read_bytes().decode("utf-8", "replace"))]  # fmt: skip
    links += [("docs/egms-format.md", a) for a in re.findall(r"\]\(#([\w-]+)\)", doc())]
    assert links, "no link to a section found"
    broken = [(path, anchor) for path, anchor in links if anchor not in anchors]
    assert not broken, f"no such heading in docs/egms-format.md: {broken}"


def test_it_keeps_the_copernicus_attribution() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (credit,) = re.findall(r"^> Contains modified Copernicus .*$", readme, re.M)
    assert credit in doc()
