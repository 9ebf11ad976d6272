"""Nothing is lost silently: replacing a session is undoable, a version switch replays, quitting asks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.screens.confirm import ConfirmQuitScreen

from .conftest import make_app, open_in_dialog, save_as, until

SIZE = (120, 40)


async def test_a_new_session_keeps_the_old_one_and_z_brings_it_back() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k")
        dash = app.dashboard
        dash.set_setting("cpus", 2)  # what the palette's "CPUs: 2" does
        await pilot.pause()
        assert dash.session.config.cpus == 2 and not dash.session.history
        await pilot.press("z")
        await pilot.pause()
        assert dash.session.config.cpus == 4 and [s.action for s in dash.session.history] == ["vmbus_load", "mshv_init", "kexec"]


async def test_a_version_switch_replays_the_same_steps() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k")
        dash = app.dashboard
        assert dash.view.counts()["fault"] == 12
        dash.set_setting("mshv", "v4")
        await pilot.pause()
        assert dash.session.config.mshv == "v4" and len(dash.session.history) == 3
        assert dash.view.counts()["fault"] == 0  # the story the README tells: the same keys under v4
        for _ in range(4):
            await pilot.press("z")
        await pilot.pause()
        assert dash.session.config.mshv == "patch5-only" and len(dash.session.history) == 3


async def test_opening_a_lesson_keeps_the_work_before_it() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")
        dash = app.dashboard
        from synic_core.scenarios.lesson import lesson_names, load_lesson

        dash.lessons.start(load_lesson(lesson_names()[0]))
        await pilot.pause()
        assert dash.controller.previous and dash.controller.previous[-1][0].history[0].action == "vmbus_load"


async def test_quitting_with_unsaved_steps_asks_once() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitScreen) and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.dashboard.session.history  # stayed, nothing lost
        await pilot.press("q", "q")
        await pilot.pause()
        assert not app.is_running


async def test_quitting_a_saved_session_does_not_ask(tmp_path: Path) -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")
        await save_as(app, pilot, "ctrl+s", tmp_path / "mine.json")
        assert (tmp_path / "mine.json").is_file() and app.dashboard.controller.unsaved_steps == 0
        assert app.dashboard.controller.opened == tmp_path / "mine.json"  # the next save offers the same file
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_save_first_then_quit(tmp_path: Path) -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitScreen)
        await save_as(app, pilot, "s", tmp_path / "before-quit.json")  # "s" in the question: save first
        assert (tmp_path / "before-quit.json").is_file() and not app.is_running


async def test_an_internal_error_saves_the_session_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = make_app("patch5-only")

    def broken() -> None:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("a", "v", "m")
            app.dashboard.action_bits = broken  # type: ignore[method-assign]
            await pilot.press("b")
            await pilot.pause()
    assert app.rescued is not None and app.rescued.is_file()
    saved = json.loads(app.rescued.read_text())
    assert [s["action"] for s in saved["steps"]] == ["vmbus_load", "mshv_init"]


async def test_quitting_asks_for_an_earlier_session_kept_for_undo() -> None:
    """Opening a scenario keeps the unsaved session for z; quitting must not lose it silently."""
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")
        await open_in_dialog(app, pilot, "l1vh-v4-kexec")
        assert app.dashboard.controller.unsaved_steps == 0 and app.dashboard.controller.unsaved_kept == (1, 1)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen), "the quit question")
        question = app.screen
        assert isinstance(question, ConfirmQuitScreen)
        assert question.message().startswith("An earlier session (kept for z) has 1 step that was never saved.")
        assert "save_first" not in str(question.active_bindings) and "s" not in question.active_bindings  # nothing here to save
        await pilot.press("escape")
        await pilot.pause()
        for _ in range(4):  # undo the scenario's steps, then back to the earlier session
            await pilot.press("z")
        await until(pilot, lambda: len(app.dashboard.session.history) == 1, "the earlier session back")
        assert app.dashboard.controller.unsaved_steps == 1 and app.dashboard.controller.unsaved_kept == (
            0,
            0,
        )  # still unsaved after coming back
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen), "the quit question")
        assert app.screen.message().startswith("This session has 1 step that was never saved.")  # type: ignore[attr-defined]


async def test_quitting_names_several_earlier_sessions_in_the_plural() -> None:
    """Two scenarios opened over unsaved steps: both earlier sessions are counted, and the keys speak of them, not "it"."""
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")
        await open_in_dialog(app, pilot, "l1vh-v4-kexec")
        await pilot.press("c")  # a step the opened scenario did not have
        await until(pilot, lambda: app.dashboard.controller.unsaved_steps == 1, "the step applied")
        await open_in_dialog(app, pilot, "l1vh-v4-kexec")
        assert app.dashboard.controller.unsaved_kept == (2, 2)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen), "the quit question")
        message = app.screen.message()  # type: ignore[attr-defined]
        assert message == (
            "2 earlier sessions (kept for z) have steps that were never saved (2 in all). escape stays (z, undo, goes back "
            "to them one at a time, the latest first; ctrl+s saves the one on screen), q quits anyway."
        )
        assert " it" not in message and " has " not in message
        await pilot.press("escape")
        await pilot.press("v")  # now this session has an unsaved step too: s saves it, and says what it does not save
        await until(pilot, lambda: app.dashboard.controller.unsaved_steps == 1, "the step applied")
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen), "the quit question")
        message = app.screen.message()  # type: ignore[attr-defined]
        assert message.startswith("This session has 1 step that was never saved. 2 earlier sessions (kept for z) have ")
        assert "the earlier sessions' steps are then lost" in message


@pytest.mark.parametrize(
    ("steps", "sessions", "kept", "words"),
    [
        (0, 1, 1, ["An earlier session (kept for z) has 1 step that was never saved.", "goes back to it;"]),
        (0, 1, 3, ["An earlier session (kept for z) has 3 steps that were never saved.", "goes back to it;"]),
        (0, 3, 5, ["3 earlier sessions (kept for z) have steps that were never saved (5 in all).", "goes back to them"]),
        (2, 1, 1, ["This session has 2 steps that were never saved.", "the earlier session's steps are then lost"]),
        (1, 2, 4, ["This session has 1 step that was never saved.", "the earlier sessions' steps are then lost"]),
        (
            1,
            0,
            0,
            [
                "This session has 1 step that was never saved. s saves this session first (as a scenario you can "
                "reopen with synic FILE), q quits anyway, escape stays."
            ],
        ),
    ],
)
def test_the_quit_question_agrees_with_its_counts(steps: int, sessions: int, kept: int, words: list[str]) -> None:
    message = ConfirmQuitScreen(steps, sessions, kept).message()
    assert all(w in message for w in words), message
    assert ("earlier" in message) == bool(kept)
