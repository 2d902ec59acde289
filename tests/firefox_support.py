"""Firefox for the browser tests: Debian's firefox-esr driven by Marionette (marionette_driver).

With WebGL: Firefox under `xvfb-run` (a virtual X display) with Mesa's llvmpipe
(`libgl1-mesa-dri`), as a desktop without a GPU draws. Without WebGL: headless Firefox, which
offers none here, the case of locked-down or GPU-less machines.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
SESSION_TIMEOUT_S = 60
WAIT_TIMEOUT_S = 30
PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "devtools.console.stdout.content": True,  # the page's console on Firefox's stdout
    "browser.download.folderList": 2,
    "browser.download.useDownloadDir": True,
    "browser.download.always_ask_before_handling_new_types": False,
    "browser.helperApps.neverAsk.saveToDisk": "text/csv,image/png,image/svg+xml",
}


def pref_line(name: str, value: object) -> str:
    text = "true" if value is True else "false" if value is False else repr(value)
    if isinstance(value, str):
        text = '"' + value.replace('"', '\\"') + '"'
    return f"user_pref({name!r}, {text});".replace("'", '"')


@dataclass
class Firefox:
    """A Marionette session and what Firefox printed (the page's console lines among it)."""

    client: Any
    log: Path
    downloads: Path

    def js(self, script: str, *args: Any) -> Any:
        """Run `script` (a function body; `arguments` are `args`); a returned promise is awaited."""
        return self.client.execute_script(script, script_args=list(args), sandbox=None)

    def open(self, url: str) -> None:
        self.client.navigate(url)
        self.wait("return window.egms !== undefined")
        self.js("return window.egms.ready.then(() => true)")

    def wait(self, condition: str, *args: Any, timeout: float = WAIT_TIMEOUT_S) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(condition, *args)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for: {condition}")

    def console_errors(self) -> list[str]:
        """The page's console errors and uncaught exceptions (Firefox's own are left out)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        page = ("console.error", "JavaScript error: http", "JavaScript error: data:")
        return [line for line in text.splitlines() if line.startswith(page)]


@contextmanager
def firefox(tmp: Path, port: int, webgl: bool) -> Iterator[Firefox]:
    """Firefox with a fresh profile; `webgl`: under xvfb-run (llvmpipe), else headless (none)."""
    if FIREFOX is None:
        pytest.fail("Firefox is missing: `make system-deps` installs firefox-esr, xvfb and Mesa")
    from marionette_driver.marionette import Marionette

    profile, downloads = tmp / "profile", tmp / "downloads"
    profile.mkdir()
    downloads.mkdir()
    prefs = {**PREFS, "marionette.port": port, "browser.download.dir": str(downloads)}
    (profile / "user.js").write_text("\n".join(pref_line(k, v) for k, v in prefs.items()) + "\n")
    command = [FIREFOX, "--marionette", "--no-remote", "--profile", str(profile)]
    if webgl:
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x900x24", *command]
    else:
        command.append("--headless")
    log = tmp / "firefox.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    client = Marionette(host="127.0.0.1", port=port)
    try:
        client.start_session(timeout=SESSION_TIMEOUT_S)
        client.set_window_rect(width=1024, height=768)
        yield Firefox(client, log, downloads)
    finally:
        with suppress(Exception):  # Firefox may already be gone
            client.delete_session()
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
