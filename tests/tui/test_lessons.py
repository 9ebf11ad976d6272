"""Lessons: each built-in lesson runs to its end with `>`, matching a headless replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Markdown, TabbedContent

from synic_core.scenarios.lesson import lesson_names, load_lesson
from synic_core.scenarios.scenario import replay
from tui.app import SynicApp
from tui.cli import main
from tui.screens.lessons import LessonsScreen
from tui.state.lesson_text import fold_paths

SIZE = (140, 44)


def test_at_least_six_lessons_and_synic_lessons_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(lesson_names()) >= 6
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    for name in lesson_names():
        assert load_lesson(name).title.split()[0] in out


@pytest.mark.parametrize("name", lesson_names())
async def test_each_lesson_runs_to_its_end(name) -> None:
    lesson = load_lesson(name)
    app = SynicApp(instant=True, lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "lesson"
        for i in range(len(lesson.steps)):
            await pilot.press("greater_than_sign")
            await pilot.pause()
            assert app.dashboard.lessons.pos == i + 1
        assert app.dashboard.lessons.lesson is not None
        text = app.query_one("#lesson-text", Markdown).source
        shown = [fold_paths(lesson.steps[-1].note), fold_paths(lesson.outro or "End of the lesson")]  # as the panel folds them
        assert all(part in text for part in shown)
        headless = replay(lesson)
        assert app.dashboard.session.findings == headless.findings


async def test_previous_step_and_leaving_keep_the_state() -> None:
    app = SynicApp(instant=True, lesson=load_lesson("kexec-patch5-only"))
    async with app.run_test(size=SIZE) as pilot:
        for key in ("greater_than_sign", "greater_than_sign", "less_than_sign"):
            await pilot.press(key)
            await pilot.pause()
        assert app.dashboard.lessons.pos == 1 and len(app.dashboard.session.history) == 1
        await pilot.press("k")  # any action leaves the lesson and keeps exploring
        await pilot.pause()
        assert app.dashboard.lessons.lesson is None and [s.action for s in app.dashboard.session.history] == ["vmbus_load", "kexec"]
        assert "You left the lesson" in app.query_one("#lesson-text", Markdown).source


async def test_lesson_picker_starts_and_leaves() -> None:
    app = SynicApp(instant=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, LessonsScreen)
        await pilot.press("down", "enter")  # the second lesson
        await pilot.pause()
        assert app.dashboard.lessons.lesson is not None and app.dashboard.lessons.lesson.title == load_lesson(lesson_names()[1]).title
        assert app.dashboard.session.config.mshv == "patch5-only"
        await pilot.press("L")
        await pilot.pause()
        await pilot.press("end", "enter")  # the last option: leave
        await pilot.pause()
        assert app.dashboard.lessons.lesson is None


def test_bad_lesson_file_is_refused_with_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps({"title": "x", "intro": "y", "steps": [{"action": "kexec"}]}))
    assert main(["--lesson", str(path)]) == 2
    err = capsys.readouterr().err
    assert "lesson.json: steps[0].note: Field required" in err


def test_unknown_lesson_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lesson", "no-such-lesson"]) == 2
    assert "ownership-l1vh" in capsys.readouterr().err


async def lesson_at_step_one(app: SynicApp, pilot) -> None:
    await pilot.pause()
    await pilot.press("greater_than_sign")
    await pilot.pause()
    assert app.dashboard.lessons.pos == 1


def lesson_ended(app: SynicApp) -> bool:
    return app.dashboard.lessons.lesson is None and "You left the lesson" in app.query_one("#lesson-text", Markdown).source


async def test_a_counterexample_loaded_during_a_lesson_ends_it() -> None:
    """The explorer's `enter` hands a scenario back: a new session, so `>` no longer answers for the lesson."""
    import json

    from synic_core.scenarios import builtin

    app = SynicApp(instant=True, lesson=load_lesson("kexec-patch5-only"))
    async with app.run_test(size=(120, 40)) as pilot:
        await lesson_at_step_one(app, pilot)
        data = json.loads((Path(builtin.__file__).parent / "l1vh-mainline-kexec.json").read_text())
        app.dashboard.actions.open_scenario(data)
        await pilot.pause()
        assert lesson_ended(app)
        assert not app.dashboard.check_action("lesson_next", ())  # the footer drops `> next < previous`


async def test_a_patch_file_opened_during_a_lesson_ends_it() -> None:
    from tui.state.opening import open_file

    patch = Path(__file__).parents[2] / "examples" / "patches" / "exit-disables-scontrol.toml"
    app = SynicApp(instant=True, lesson=load_lesson("kexec-patch5-only"))
    async with app.run_test(size=(120, 40)) as pilot:
        await lesson_at_step_one(app, pilot)
        app.dashboard.files.opened(open_file(str(patch)))
        await pilot.pause()
        assert app.dashboard.session.config.mshv == "exit-disables-scontrol"
        assert lesson_ended(app)
