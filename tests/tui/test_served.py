"""Served mode (synic serve): a visitor's saves and exports are downloads, and opening offers only what the teacher shares."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from synic_core import Session
from synic_core.versions.registry import session_config
from tui.app import SynicApp
from tui.screens.open import OpenScreen
from tui.serve.files import Serving, serving_from_environment

SIZE = (120, 40)


def served_app(files: Path | None = None) -> SynicApp:
    return SynicApp(Session(session_config(mshv="patch5-only")), instant=True, manual_ticks=True, serving=Serving(files))


@pytest.fixture
def deliveries(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """What the app hands textual-serve to download (instead of writing anything itself)."""
    sent: list[tuple[str, str | None]] = []

    def deliver(self: App[Any], path_or_file: Any, *, save_filename: str | None = None, **kw: Any) -> str:
        sent.append((path_or_file.read(), save_filename))
        return "key"

    monkeypatch.setattr(App, "deliver_text", deliver)
    return sent


@pytest.mark.parametrize(
    ("key", "filename", "content"),
    [
        ("ctrl+s", "synic-session.json", '"steps"'),
        ("E", "synic-report.md", "#"),
        ("J", "synic-report.json", '"summary"'),
        ("S", "synic-screenshot.svg", "<svg"),
    ],
)
async def test_saves_and_exports_are_downloads_and_write_nothing(
    key: str, filename: str, content: str, deliveries: list[tuple[str, str | None]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = served_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k", key)
        await pilot.pause()
        assert app.screen is app.dashboard  # no file dialog on the server
        assert len(deliveries) == 1 and deliveries[0][1] == filename and content in deliveries[0][0]
    assert os.listdir(tmp_path) == []  # nothing written in the server's working directory


async def test_quit_after_saving_as_a_download(deliveries: list[tuple[str, str | None]]) -> None:
    app = served_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "q")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert deliveries and not app.is_running


async def test_opening_offers_built_ins_and_shared_files_only(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "class.json").write_text('{"partition": "l1vh", "cpus": 2, "mshv": "v4", "steps": [{"action": "vmbus_load"}]}')
    secret = tmp_path / "secret.json"
    secret.write_text('{"partition": "l1vh", "cpus": 2, "mshv": "v4", "steps": []}')
    app = served_app(shared)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OpenScreen)
        dialog: OpenScreen = app.screen
        assert dialog.offered is not None and "class.json" in dialog.offered
        for refused in (str(secret), "/etc/passwd", "../secret.json"):
            dialog.submit(refused, Path(refused))
            await pilot.pause()
            assert app.screen is dialog  # refused, explained in the dialog
            assert "not offered here" in str(dialog.query_one(".path-message").render())
        dialog.submit("class.json", Path("class.json"))
        await pilot.pause()
        assert isinstance(app.screen, type(app.dashboard)) and app.dashboard.session.config.cpus == 2
        assert app.dashboard.controller.opened is None  # a later save is a download, never a write back to the server


def test_a_tab_knows_it_is_served_from_its_environment(tmp_path: Path) -> None:
    assert serving_from_environment({}) is None
    serving = serving_from_environment({"SYNICLAB_SERVED": "1", "SYNICLAB_FILES": str(tmp_path)})
    assert serving is not None and serving.files == tmp_path
