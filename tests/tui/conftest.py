"""The dashboard tests' app factory (fixed settings, playback ticked by hand) and what the app told the user."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import pytest
from textual.app import App
from textual.command import CommandList
from textual.notifications import Notification, SeverityLevel
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from synic_core import Session, SessionConfig
from synic_core.traces.load import import_trace
from synic_core.traces.session import TraceSession
from synic_core.versions.registry import session_config
from tests.support.traces import exported, join, kernel_log, save, split, without_gp
from tui.app import SynicApp

_TOLD: WeakKeyDictionary[App[Any], list[Notification]] = WeakKeyDictionary()


@pytest.fixture(autouse=True)
def record_notifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every `notify` (Textual's public way to tell the user; widgets and screens call the App's) is recorded."""
    real = App.notify

    def recording(
        self: App[Any],
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        shown = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        _TOLD.setdefault(self, []).append(Notification(message, title, severity, shown, markup=markup))
        real(self, message, title=title, severity=severity, timeout=timeout, markup=markup)

    monkeypatch.setattr(App, "notify", recording)
    yield


def notifications(app: App[Any]) -> list[Notification]:
    """What the app told the user, oldest first. None expires here: a test never depends on how long a toast stays."""
    return list(_TOLD.get(app, []))


def trace_app(tmp_path: Path) -> SynicApp:
    """The dashboard on a real trace (exported from a built-in scenario), as `synic trace FILE` opens it."""
    session = TraceSession(import_trace(save(tmp_path, exported("l1vh-patch5-only-kexec")), mshv="patch5-only"))
    return SynicApp(session, instant=True, manual_ticks=True)


def plain_trace_app(tmp_path: Path, with_log: bool = False) -> SynicApp:
    """The same trace as a real kernel writes it (a plain WRMSR never shows #GP), with or without its kernel log."""
    header, blocks = split(exported("l1vh-patch5-only-kexec"))
    plain, faulted = without_gp(blocks)
    log = save(tmp_path, kernel_log(plain, faulted), "dmesg.txt") if with_log else None
    ti = import_trace(save(tmp_path, join(header, plain), "plain.txt"), mshv="patch5-only", dmesg=log)
    return SynicApp(TraceSession(ti), instant=True, manual_ticks=True)


def make_app(mshv: str = "patch5-only", partition: str = "l1vh", cpus: int = 4, instant: bool = True) -> SynicApp:
    """Playback is driven by `app.dashboard.player.tick()` in tests, never by the wall clock."""
    return SynicApp(Session(session_config(partition=partition, mshv=mshv, cpus=cpus)), instant=instant, manual_ticks=True)


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


def highlighted_command(app: SynicApp) -> str:
    """The command palette's highlighted hit, as text ("" while it is still searching)."""
    found = app.screen.query(CommandList)
    if not found or found.first().highlighted is None:
        return ""
    hits = found.first()
    return str(hits.get_option_at_index(hits.highlighted or 0).prompt)


class ExplorerHost(App[None]):
    """The explorer screen on an app of its own: what it dismisses with is kept in `dismissed`."""

    def __init__(self, config: SessionConfig) -> None:
        super().__init__()
        self.config = config
        self.dismissed: list[dict[str, Any] | None] = []

    def on_mount(self) -> None:
        from tui.screens.explorer import ExplorerScreen

        self.push_screen(ExplorerScreen(self.config), self.dismissed.append)


def explorer_text(screen: Screen[Any], selector: str) -> str:
    from textual.widgets import Static

    return str(screen.query_one(selector, Static).render())
