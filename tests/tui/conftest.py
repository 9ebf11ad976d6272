"""The dashboard tests' app factory: fixed settings, playback ticked by hand."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from synic_core import Session, SessionConfig
from tui.app import SynicApp


def make_app(mshv: str = "patch5-only", partition: str = "l1vh", cpus: int = 4, instant: bool = True) -> SynicApp:
    """Playback is driven by `app.dashboard.tick()` in tests, never by the wall clock."""
    return SynicApp(Session(SessionConfig(partition=partition, mshv=mshv, cpus=cpus)), instant=instant, manual_ticks=True)


async def settle(app: SynicApp) -> None:
    """Wait until every action computed in a worker (large machines) has been applied and queued ones too."""
    pilot: Pilot[None] = Pilot(app)
    while app.dashboard.controller.computing or app.workers:
        await app.workers.wait_for_complete()
        await pilot.pause()


async def until(pilot: Pilot[Any], reached: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Wait until the app shows a state (a palette search's hits, a worker's result): polls, never a fixed delay.

    `limit` only stops a test that would otherwise hang; a busy machine makes the wait longer, never the test fail.
    """
    give_up = time.monotonic() + limit
    while not reached():
        if time.monotonic() > give_up:
            raise AssertionError(f"never reached: {what}")
        await pilot.pause()
        await asyncio.sleep(0.005)


async def save_as(app: SynicApp, pilot: Pilot[Any], key: str, path: Path, replace: bool = False) -> None:
    """Save through the dialog; `replace` answers the "already exists / changed on disk" question with enter."""
    from tui.screens.save import SaveScreen

    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, SaveScreen)
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()
    if replace:
        assert isinstance(app.screen, SaveScreen), "expected a question before replacing the file"
        await pilot.press("enter")
        await pilot.pause()


async def open_in_dialog(app: SynicApp, pilot: Pilot[Any], text: str) -> None:
    """Open through the dialog: ctrl+o, type the name or path, enter."""
    from tui.screens.open import OpenScreen

    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(app.screen, OpenScreen)
    app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()
