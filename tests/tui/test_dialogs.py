"""The dialogs in a user's hands: save, open, settings, help and bits (issue 13, items 9, 12 and 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from tui.screens.save import SaveScreen

from .conftest import make_app

SIZE = (120, 40)


def dialog_message(app) -> str:
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


async def test_settings_apply_and_cancel_are_on_screen_at_80x24() -> None:
    from textual.widgets import Button

    app = make_app("v4")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "SettingsScreen"
        visible = screen.region
        for button in screen.query(Button):
            assert visible.contains_region(button.region), f"{button.id} is cut off at {button.region}"
            assert button.region.bottom <= 23  # above the footer
        assert app.focused is screen.query_one("#partition")
        await pilot.click("#cancel")
        await pilot.pause()
        assert type(app.screen).__name__ == "DashboardScreen"
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#cpus", Input).value = "6"
        await pilot.click("#apply")
        await pilot.pause()
        assert app.dashboard.session.config.cpus == 6


async def test_settings_box_scrolls_when_the_terminal_is_shorter_than_it() -> None:
    app = make_app("v4")
    async with app.run_test(size=(80, 14)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        box = app.screen.query_one("#settings-box")
        assert box.region.bottom <= 13 and box.max_scroll_y > 0  # nothing below the screen: it scrolls instead
        box.scroll_end(animate=False)
        await pilot.pause()
        assert box.region.contains_region(app.screen.query_one("#apply").region)


async def test_help_starts_with_the_keys_then_the_guide() -> None:
    app = make_app("v4")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        keys, guide = screen.query_one("#help-keys"), screen.query_one("#help-text")
        assert keys.region.y < guide.region.y
        assert keys.region.y <= screen.query_one("#help-scroll").region.y + 3  # at the top, no scrolling needed
        from importlib import metadata

        title = str(screen.query_one("#help-title").render())
        assert title.startswith(f"SynIC Lab {metadata.version('synic-lab')} — keys")  # the version a bug report needs


def test_the_keys_table_is_aligned() -> None:
    from rich.console import Console

    from tui.commands import COMMANDS
    from tui.screens.help import keys_table

    ids = {c.id for c in COMMANDS}
    for width in (60, 100):
        console = Console(width=width, record=True, color_system=None)
        console.print(keys_table())
        header, *rows = console.export_text().splitlines()
        what, idcol = header.index("what it does"), header.index(" id") + 1
        keyed = [row for row in rows if row[:what].strip() and row[what:].strip()]  # a key's row, not a group's
        assert len(keyed) == len(COMMANDS)
        for row in keyed:
            assert row[what - 1] == " " and row[what] != " ", row  # every description starts in one column
            assert row[idcol - 1] == " " and row[idcol:].strip() in ids, row  # and every id in another


async def test_bits_view_shows_each_cpus_hex_value_and_moves_between_registers() -> None:
    from tui.screens.bits import BitsScreen, BitsView

    app = make_app("v4")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a", "v", "m", *["right"] * 6, "b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BitsScreen)
        view = screen.query_one(BitsView)
        assert (view.bank, view.register) == ("l1", "SINT5")
        row = view._row(0).text
        assert row.split()[:2] == ["0", "0xa00f3"] and row.endswith("11110011│")
        await pilot.press("tab")
        assert (view.bank, view.register) == ("l1", "SINT6")
        assert view._row(0).text.split()[1] == "0x10000"
        assert str(screen.query_one("#bits-title").render()).startswith("SINT6 0x40000096")
        await pilot.press("shift+tab", "shift+tab")
        assert view.register == "SINT4"
        for _ in range(len(screen.registers)):  # all the way round
            await pilot.press("tab")
        assert view.register == "SINT4" and isinstance(app.screen, BitsScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, BitsScreen)


async def type_and_wait(app, pilot, text: str) -> Input:
    field: Input = app.screen.query_one(Input)
    field.value = ""
    await pilot.press(*text)
    await app.workers.wait_for_complete()  # the suggester runs in a worker
    await pilot.pause()
    return field


async def test_the_open_dialog_suggests_built_in_scenarios_and_lessons_and_lists_them() -> None:
    from tui.screens.open import OpenScreen

    app = make_app("v4")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OpenScreen)
        listed = str(app.screen.query_one(".path-builtins").render())
        assert "l1vh-patch5-only-kexec" in listed and "kexec-v4-fix" in listed
        field = await type_and_wait(app, pilot, "l1vh-p")
        assert field._suggestion == "l1vh-patch5-only-kexec"
        await pilot.press("right")  # accepts the suggestion
        assert field.value == "l1vh-patch5-only-kexec"
        field = await type_and_wait(app, pilot, "kexec-v")
        await pilot.press("right", "enter")  # a built-in lesson opens by name
        await pilot.pause()
        assert not isinstance(app.screen, OpenScreen)
        assert app.dashboard.lessons.lesson is not None and app.dashboard.lessons.lesson.name.endswith("kexec-v4-fix")


async def test_the_path_dialogs_complete_files_in_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my-run.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "second.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    app = make_app("v4")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert (await type_and_wait(app, pilot, "my"))._suggestion == "my-run.json"
        assert (await type_and_wait(app, pilot, "no"))._suggestion == ""  # not a scenario's suffix
        assert (await type_and_wait(app, pilot, "ru"))._suggestion == "runs/"
        assert (await type_and_wait(app, pilot, "runs/s"))._suggestion == "runs/second.json"
        await pilot.press("escape")
        await pilot.press("E")  # an export may be any file
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen)
        assert (await type_and_wait(app, pilot, "no"))._suggestion == "notes.txt"


def test_path_completion_is_quiet_about_what_it_cannot_read(tmp_path: Path) -> None:
    from tui.screens.path_dialog import path_completion

    assert path_completion(str(tmp_path / "missing" / "x")) is None
    assert path_completion("") is None
    (tmp_path / "a.json").write_text("{}")
    assert path_completion(str(tmp_path) + "/") == str(tmp_path / "a.json")


async def test_lesson_titles_are_shown_as_written_never_as_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import dataclass

    from tui.screens import lessons

    @dataclass
    class Titled:
        title: str

    monkeypatch.setattr(lessons, "load_lesson", lambda name: Titled(f"[/] {name} [b]bold?[/b] [@click=app.quit]x[/]"))
    app = make_app("v4")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, lessons.LessonsScreen)
        first = app.screen.query_one("#lessons-list", OptionList).get_option_at_index(0).prompt
        assert str(first).startswith("1. [/] ") and "[@click=app.quit]x[/]" in str(first)
