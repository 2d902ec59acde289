"""Hostile paths and options through the real command line (a subprocess, argv as bytes).

Whatever the names (undecodable bytes, newlines, escape sequences, 255-byte names, FIFOs,
devices, link loops, paths inside the output) and option values, a command exits with 0 or 1,
prints at most one `Error:` line (its last line), never a traceback or an escape sequence, and
loses no file it did not write.
"""

from __future__ import annotations

import html as html_module
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from badcorpus import L2_NAME, l2_rows, write_rows
from click.testing import CliRunner
from conftest import lock_directory, unlock_directory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tiler.cli import main

TIMEOUT = 60  # a FIFO opened by mistake would block: the subprocess is killed, the test fails
NO_CHROMIUM = "--chromium=/nonexistent/chromium"  # snapshot stops before starting a browser


def run(*args: str | bytes | Path) -> subprocess.CompletedProcess[bytes]:
    argv = [os.fsencode(sys.executable), b"-m", b"tiler", *(os.fsencode(a) for a in args)]
    return subprocess.run(argv, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def outcome(done: subprocess.CompletedProcess[bytes]) -> str:
    """The one `Error:` line of a failed command ('' for a success), checking the promise."""
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode in (0, 1), stderr
    assert "Traceback" not in stderr, stderr
    assert "\x1b" not in stderr, "an escape sequence reached the terminal"
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    if done.returncode == 0:
        assert errors == [], stderr
        return ""
    assert errors == lines[-1:], f"one Error line, the last: {stderr!r}"
    return errors[0]


@dataclass
class World:
    """Hostile things on disk, made once for the module."""

    root: Path
    good: Path  # a small valid EGMS CSV
    site: Path  # a built site
    notes: Path  # a user's file inside another built site
    inside: Path  # an input file inside a third built site
    fifo: Path

    def reset(self) -> None:
        """Put back what a --force build may legitimately have replaced."""
        for path in (self.notes, self.inside):
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(self.good, path)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("hostile")
    good = write_rows(root / "inputs" / f"{L2_NAME}.csv", l2_rows(40))
    sites = {}
    for name in ("site", "with-notes", "with-input"):
        sites[name] = root / name
        assert outcome(run("build", good, "-o", sites[name], "-q", "--basemap=none")) == ""
    fifo = root / "fifo"
    os.mkfifo(fifo)
    loop = root / "loop-dir"
    loop.mkdir()
    shutil.copy(good, loop / good.name)
    (loop / "up").symlink_to("..", target_is_directory=True)
    (loop / "a").symlink_to("b")
    (loop / "b").symlink_to("a")
    (root / "self-loop").symlink_to("self-loop")
    (root / "empty-dir").mkdir()
    shutil.copy(good, root / os.fsdecode(b"caf\xe9\xff.csv"))
    write_rows(root / "bad\nname\x1b[2J.csv", [["pid", "x"], ["1", "2"]])
    shutil.copy(good, root / ("n" * 251 + ".csv"))
    world = World(root, good, sites["site"], sites["with-notes"] / "notes.txt",
                  sites["with-input"] / good.name, fifo)  # fmt: skip
    world.reset()
    return world


# --- explicit cases ---------------------------------------------------------------------------


def test_a_directory_with_a_link_loop_builds(world: World) -> None:
    done = run("build", world.root / "loop-dir", "-o", world.root / "out-loop", "--basemap=none")
    assert outcome(done) == ""
    assert "linked directory" in done.stderr.decode()


def test_an_output_name_of_255_bytes(world: World) -> None:
    out = world.root / ("o" * 255)
    assert outcome(run("build", world.good, "-o", out, "-q")) == (
        f"Error: cannot use {out} as output: file name too long; choose a shorter -o"
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (b"gone\xff\x1b]0;title\x07.zip", "gone\\xff\\x1b]0;title\\x07.zip: no such file"),
        (b"bad\nname\x1b[2J.csv", "bad\\x0aname\\x1b[2J.csv, line 1: "),  # not EGMS data
        (b"n" * 256 + b".csv", "n.csv: file name too long (check the path)"),
    ],
    ids=["missing-non-utf8", "newline", "256-bytes"],
)
def test_input_names_are_shown_escaped_on_one_line(world: World, name: bytes, shown: str) -> None:
    path = os.fsencode(world.root) + b"/" + name
    line = outcome(run("build", path, "-o", world.root / "out-names", "-q", "--basemap=none"))
    assert line.startswith(f"Error: {world.root}/") and shown in line


@pytest.mark.parametrize(
    ("name", "unit"),
    [(b"caf\xe9\xff.csv", "caf\\xe9\\xff"), (b"n" * 251 + b".csv", "n" * 251)],
    ids=["non-utf8", "255-bytes"],
)
def test_odd_input_names_build(world: World, name: bytes, unit: str) -> None:
    out = world.root / "out-odd"
    path = os.fsencode(world.root) + b"/" + name
    assert outcome(run("build", path, "-o", out, "-q", "--basemap=none", "--single-file")) == ""
    document = json.loads((out / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert document["layers"][0]["units"][0]["name"] == unit


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--title", b"caf\xe9", "--title holds bytes that are not UTF-8 text"),
        ("--description", b"a\x1b[2Jb", "--description holds the control character \\x1b"),
        ("--title", b"two\nlines", "--title holds the control character \\x0a"),
    ],
)
def test_titles_must_be_text_on_one_line(
    world: World, option: str, value: bytes, message: str
) -> None:
    given = option.encode() + b"=" + value
    done = run("build", world.good, "-o", world.root / "out-title", given)
    assert message in outcome(done)
    assert not (world.root / "out-title").exists()


@pytest.mark.parametrize("command", ["build", "inspect"])
@pytest.mark.parametrize(
    ("special", "kind"), [("fifo", "a FIFO"), ("/dev/null", "a character device")]
)
def test_special_files_are_named_not_opened(
    world: World, command: str, special: str, kind: str
) -> None:
    path = world.fifo if special == "fifo" else Path(special)
    extra = ["-o", str(world.root / "out-special"), "-q"] if command == "build" else []
    assert f"not a regular file ({kind})" in outcome(run(command, path, *extra))


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("/proc/x.png", "cannot write /proc/x.png: /proc takes no new files"),
        ("{root}/no/such/folder/x.png", "no directory {root}/no/such/folder; choose another -o"),
        ("{root}/empty-dir", "{root}/empty-dir is a directory; give a file name such as map.png"),
        ("/dev/null", "/dev/null is not a regular file; choose another -o"),
        ("{root}/" + "p" * 255, "file name too long"),
    ],
)
def test_snapshot_into_an_unwritable_place(world: World, output: str, message: str) -> None:
    target = output.format(root=world.root)
    line = outcome(run("snapshot", world.site, "-o", target, NO_CHROMIUM))
    assert message.format(root=world.root) in line
    assert not list(world.root.rglob("*.part"))


def test_snapshot_into_a_directory_without_write_permission(world: World) -> None:
    folder = world.root / "read-only"
    folder.mkdir()
    lock_directory(folder)
    try:
        line = outcome(run("snapshot", world.site, "-o", folder / "x.png", NO_CHROMIUM))
    finally:
        unlock_directory(folder)
    assert "choose another -o" in line and ("permission denied" in line or "read-only" in line)


def test_snapshot_leaves_no_partial_image(world: World) -> None:
    line = outcome(run("snapshot", world.site, "-o", world.root / "x.png", NO_CHROMIUM))
    assert "Chromium not found" in line
    assert not (world.root / "x.png").exists() and not list(world.root.glob(".x.png*"))


def test_an_input_inside_the_output_is_kept(world: World) -> None:
    line = outcome(run("build", world.inside, "-o", world.inside.parent, "-q", "--force"))
    assert line.endswith("which the build replaces; move it out or choose another -o")
    assert world.inside.is_file()


# --- --basemap URLs: nothing can be injected into the page's policy --------------------------

HOSTILE_URLS = [
    "https://evil.example;script-src 'unsafe-inline'/style.json",
    "https://a.example/style.json; script-src *",
    "https://a.example,https://b.example/style.json",
    "https://a.example/x'y/style.json",
    'https://a.example/"><script>alert(1)</script>.json',
    "https://a.example\n/style.json",
    "https://a.example/\x1b[2J/style.json",
    "https://user:secret@a.example/style.json",
    "https://a.example:99999/style.json",
    "https://a.example:port/style.json",
    "https://*.example/style.json",
    "https://a_b.example/style.json",
    "https://[::1/style.json",
    "https://ä.example/style.json",
    "https:///style.json",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_hostile_basemap_url_is_one_line(url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(tmp_path), "-o", str(tmp_path / "s"),
                                       f"--basemap={url}"])  # fmt: skip
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --basemap "), result.stderr
    assert "\x1b" not in result.stderr
    assert not (tmp_path / "s").exists()


def policy(html: str) -> dict[str, list[str]]:
    match = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert match, "no CSP"
    text = html_module.unescape(match[1])
    return {d.split()[0]: d.split()[1:] for d in text.split(";") if d.strip()}


def test_a_good_basemap_url_puts_exactly_its_origin_in_the_policy(world: World) -> None:
    """And the title and description stay text: escaped in the HTML, plain in the JSON."""
    out = world.root / "out-online"
    title = "<script>alert(1)</script> \"q\" 'a' & </title>"
    url = "https://Tiles.Example.org:8443/styles/light.json?key=a%20b#x"
    done = run("build", world.good, "-o", out, "-q", "--single-file", f"--basemap={url}",
               f"--title={title}", f"--description={title}")  # fmt: skip
    assert outcome(done) == ""
    for page in ("index.html", "site.html"):
        html = (out / page).read_text(encoding="utf-8")
        directives = policy(html)
        assert directives["connect-src"][-1] == "https://tiles.example.org:8443", page
        assert directives["img-src"][-1] == "https://tiles.example.org:8443", page
        assert sum("example" in source for d in directives.values() for source in d) == 2
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    document = json.loads((out / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert document["description"] == title and document["basemaps"][0]["url"] == url
    assert document["basemap"]["kind"] == "offline", "the local map to fall back to"


# --- any mix of hostile paths and options ----------------------------------------------------

PIECES = [b"\n", b"\r", b"\x1b[31m", b"\x1b]0;pwned\x07", b"\xff", b"\xc3(", b"\xe2\x80\xae",
          b"\t", b" ", b"-", b"*", b"[", b"..", b".csv", b".zip", b"n" * 120,
          b"EGMS_L3_E45N17_100km_U_2020_2024_1"]  # fmt: skip
NAMES = (
    st.lists(st.sampled_from(PIECES) | st.binary(min_size=1, max_size=4), min_size=1, max_size=5)
    .map(lambda parts: b"".join(parts).replace(b"/", b"_").replace(b"\0", b"_")[:255])
    .filter(lambda name: name not in (b".", b".."))
)
TEXT = st.binary(max_size=12).map(lambda b: b.replace(b"\0", b"")) | st.text(max_size=12).map(
    lambda t: t.replace("\0", "").encode()
)
URLS = st.sampled_from([b"none", b"https://tiles.example.org/style.json", b"x.pmtiles",
                        *(u.encode() for u in HOSTILE_URLS[:6])]) | TEXT.map(
    lambda t: b"https://" + t + b"/style.json"
)  # fmt: skip


def fixed_inputs(world: World) -> list[bytes]:
    root = os.fsencode(world.root)
    return [os.fsencode(world.good), root + b"/loop-dir", os.fsencode(world.fifo), b"/dev/null",
            root + b"/empty-dir", root + b"/self-loop", root + b"/caf\xe9\xff.csv",
            root + b"/" + b"n" * 251 + b".csv", root + b"/" + b"n" * 256, root + b"/missing.zip",
            os.fsencode(world.inside), root + b"/bad\nname\x1b[2J.csv",
            root + b"/*.csv"]  # fmt: skip


def fixed_outputs(world: World) -> list[bytes]:
    root = os.fsencode(world.root)
    return [os.fsencode(world.site), os.fsencode(world.notes.parent),
            os.fsencode(world.inside.parent), os.fsencode(world.fifo), os.fsencode(world.good),
            root + b"/" + b"o" * 255, b"/proc/x", root + b"/fifo/below", root + b"/self-loop",
            root + b"/empty-dir"]  # fmt: skip


@st.composite
def commands(draw: st.DrawFn, world: World) -> list[bytes]:
    root = os.fsencode(world.root)
    made = NAMES.map(lambda name: root + b"/made/" + name)
    path = st.sampled_from(fixed_inputs(world)) | made
    command = draw(st.sampled_from(["build", "inspect", "snapshot"]))
    sizes, ratios = st.sampled_from([b"4G", b"6X", b"0", b"1K"]), st.sampled_from([b"1", b"nan"])
    limits = [b"--max-csv-size=" + draw(sizes | TEXT), b"--max-zip-ratio=" + draw(ratios | TEXT)]
    if command == "inspect":
        flags = draw(st.lists(st.sampled_from([b"--json", *limits]), unique=True))
        return [b"inspect", *draw(st.lists(path, min_size=1, max_size=3)), *flags]
    output = draw(st.sampled_from(fixed_outputs(world)) | made)
    if command == "snapshot":
        image = draw(st.sampled_from([output, output + b".png", b"/dev/null", b"/proc/x.png"]))
        site = draw(st.sampled_from([os.fsencode(world.site)]) | path)
        return [b"snapshot", site, b"-o", image, NO_CHROMIUM.encode(), b"--view=" + draw(TEXT)]
    options = [b"-q", b"--basemap=" + draw(URLS)]
    options += draw(st.lists(st.sampled_from([b"--force", *limits]), unique=True))
    text = st.sampled_from([b"Etna", b"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x8c\x8b"]) | TEXT
    options += [b"--title=" + draw(text)] if draw(st.booleans()) else []
    options += [b"--description=" + draw(text)] if draw(st.booleans()) else []
    return [b"build", *draw(st.lists(path, min_size=1, max_size=2)), b"-o", output, *options]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_hostile_command_line_is_one_line_or_success(world: World, data: st.DataObject) -> None:
    world.reset()
    argv = data.draw(commands(world), label="argv")
    forced, named = b"--force" in argv, os.fsencode(world.inside) in argv
    outcome(run(*argv))
    assert world.inside.is_file() or (forced and not named), "an input inside OUT was deleted"
    assert world.notes.is_file() or forced, "a user's file inside a site was deleted"
    assert not list(world.root.rglob("*.part")), "a partial snapshot image was left"
    assert (world.site / "data" / "manifest.json").is_file()
