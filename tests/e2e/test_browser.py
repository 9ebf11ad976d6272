"""End to end: `synic serve` in Debian's headless Chromium, driven by Playwright.

Opens the tokenised URL with the Start button (`delay=1`), clicks it, presses `a v m k` (all CPUs,
VMBus load, MSHV init, kexec) and reads the terminal output from the page's websocket frames until
`faults N` with N > 0 appears (patch5-only on l1vh: the hypervisor refuses VMBus's cleanup writes).
A screenshot of the page is kept in build/test-artifacts/ (or $SYNIC_TEST_ARTIFACTS).

Playwright's own browser download is not reachable in CI; `.ci/run` installs the `chromium` package.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.serving import serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEADLINE = 90.0  # start-up of a browser and an app process on a busy 2-core machine; a bound, not a measurement
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="Debian's chromium is not installed (/usr/bin/chromium); .ci/run installs it with apt-get"
)


def artifacts_dir() -> Path:
    root = Path(os.environ.get("SYNIC_TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "build" / "test-artifacts")
    root.mkdir(parents=True, exist_ok=True)
    return root


def screen_text(frames: list[bytes]) -> str:
    """Everything the app sent, escape sequences removed: what reached the terminal, in order."""
    return ANSI.sub(b"", b"".join(frames)).decode("utf-8", "replace")


def recorder(frames: list[bytes]) -> Callable[[Any], None]:
    """A page's `websocket` handler that keeps every frame the terminal receives."""

    def on_websocket(ws: Any) -> None:
        ws.on("framereceived", lambda payload: frames.append(payload if isinstance(payload, bytes) else payload.encode()))

    return on_websocket


def wait_for_screen(pattern: str, page: Any, frames: list[bytes]) -> re.Match[str] | None:
    """Poll (with a deadline) until the terminal shows `pattern`; None when it never does."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = re.search(pattern, screen_text(frames))
        if found:
            return found
        page.wait_for_timeout(100)  # lets Playwright deliver the next frames
    return None


def test_a_v_m_k_in_chromium_shows_faults(tmp_path: Path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    frames: list[bytes] = []
    on_websocket = recorder(frames)

    def wait_for(pattern: str, page: Any) -> re.Match[str] | None:
        return wait_for_screen(pattern, page, frames)

    with serving("--mshv", "patch5-only", "--cpus", "4", cwd=tmp_path) as served, sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1600, "height": 1000},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.on("websocket", on_websocket)
            page.goto(served.url + "&delay=1")
            page.click("#start")
            assert wait_for(r"SINT0", page), "the dashboard never drew its grid:\n" + screen_text(frames)[-2000:]
            page.click("#terminal")
            for key in "avmk":
                page.keyboard.press(key)
            found = wait_for(r"faults\s+([1-9]\d*)", page)
            shot = artifacts_dir() / "e2e-served-dashboard.png"
            page.screenshot(path=str(shot))
        finally:
            context.close()
    assert found, "no 'faults N' with N > 0 in the terminal output:\n" + screen_text(frames)[-3000:]
    assert shot.stat().st_size > 0
    shutil.copy(shot, tmp_path / shot.name)
    assert [p.name for p in tmp_path.iterdir() if p.name not in ("profile", shot.name)] == []  # the served tab wrote nothing here


def test_a_shared_file_naming_an_outside_patch_is_refused_in_chromium(tmp_path: Path):
    """`--files DIR` holds a scenario whose `mshv` is an absolute path outside DIR: the tab refuses it, naming the
    field, and nothing of the outside file (its title, its path) reaches the browser."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    outside = tmp_path / "outside.toml"
    outside.write_text('name = "outside"\ntitle = "OUTSIDE-SECRET"\nbased_on = "v4"\n')
    shared = tmp_path / "class"
    shared.mkdir()
    (shared / "absolute.json").write_text(
        '{"partition": "l1vh", "cpus": 2, "mshv": "%s", "steps": [{"action": "vmbus_load"}]}' % outside  # noqa: UP031
    )
    frames: list[bytes] = []
    on_websocket = recorder(frames)

    def wait_for(pattern: str, page: Any) -> re.Match[str] | None:
        return wait_for_screen(pattern, page, frames)

    with serving("--files", str(shared), cwd=tmp_path) as served, sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS, viewport={"width": 1600, "height": 1000}
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.on("websocket", on_websocket)
            page.goto(served.url + "&delay=1")
            page.click("#start")
            assert wait_for(r"SINT0", page), "the dashboard never drew its grid:\n" + screen_text(frames)[-2000:]
            page.click("#terminal")
            page.keyboard.press("Control+o")
            assert wait_for(r"Shared files", page), screen_text(frames)[-2000:]
            page.keyboard.type("absolute.json")
            page.keyboard.press("Enter")
            refused = wait_for(r"mshv:\s+refused", page)
        finally:
            context.close()
    text = screen_text(frames)
    assert refused, "no refusal naming the field:\n" + text[-3000:]
    assert "OUTSIDE-SECRET" not in text and str(tmp_path) not in text
