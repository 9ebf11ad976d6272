"""The dialogs in a user's hands: save, open, settings, help and bits (issue 13, items 9, 12 and 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tui.screens.save import SaveScreen

from .conftest import make_app

SIZE = (120, 40)


def dialog_message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(".path-message").render())


async def test_a_failed_save_keeps_the_dialog_open_with_the_reason_and_keys_stay_in_it(tmp_path: Path) -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen)
        app.screen.query_one(Input).value = str(tmp_path / "no" / "such" / "dir" / "s.json")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen), "a failed save closed the dialog"
        assert "Could not write" in dialog_message(app) and "No such file or directory" in dialog_message(app)
        await pilot.press("k", "m")  # typed keys go to the field, not to the grid as kexec / MSHV init
        await pilot.pause()
        assert [s.action for s in app.dashboard.session.history] == ["vmbus_load"]
        assert "km" in app.screen.query_one(Input).value
        app.screen.query_one(Input).value = str(tmp_path / "s.json")  # a good name now saves and closes
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SaveScreen)
    assert (tmp_path / "s.json").exists()


async def test_a_path_with_markup_is_shown_as_typed_in_the_failure(tmp_path: Path) -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "[/x]" / "[b]r.md")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen) and "[/x]/[b]r.md" in dialog_message(app)


async def test_a_screenshot_shows_the_dashboard_not_the_dialog(tmp_path: Path) -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k", "S")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "shot.svg")
        await pilot.press("enter")
        await pilot.pause()
    svg = (tmp_path / "shot.svg").read_text()
    assert "faults&#160;12" in svg and "Export&#160;a&#160;screenshot" not in svg


@pytest.fixture
def no_cwd_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
