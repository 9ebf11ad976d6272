"""Opening a scenario in the running app (ctrl+o): good files replace the session, bad ones are
explained in the dialog and the session on screen stays as it was, whatever the file holds."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Input, Markdown

from synic_core.inputs.bad_input import InputError
from tests.support.hostile import json_trees, scenario_shaped
from tui.screens.open import OpenScreen
from tui.screens.save import SaveScreen
from tui.state.opening import open_file

from .conftest import make_app, open_in_dialog

SIZE = (120, 40)


def dialog_message(app) -> str:
    return str(app.screen.query_one(".path-message").render())


async def test_opening_a_file_replaces_the_session_and_saves_go_back_there(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps({"partition": "root", "mshv": "mainline", "cpus": 3, "steps": [{"action": "mshv_init"}, {"action": "kexec"}]})
    )
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await open_in_dialog(app, pilot, str(path))
        assert not isinstance(app.screen, OpenScreen)
        c = app.dashboard.session.config
        assert (c.partition, c.mshv, c.cpus) == ("root", "mainline", 3)
        assert [h.action for h in app.dashboard.session.history] == ["mshv_init", "kexec"]
        assert app.dashboard.grid.ncpus == 3 and "root" in str(app.query_one("#status").render())
        await pilot.press("z")  # the opened steps undo one by one
        await pilot.pause()
        assert [h.action for h in app.dashboard.session.history] == ["mshv_init"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen) and app.screen.query_one(Input).value == str(path)
        await pilot.press("enter")  # our own file, unchanged on disk: no question
        await pilot.pause()
        assert not isinstance(app.screen, SaveScreen)
    assert [s["action"] for s in json.loads(path.read_text())["steps"]] == ["mshv_init"]


async def test_a_built_in_scenario_opens_by_name() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await open_in_dialog(app, pilot, "l1vh-patch5-only-kexec")
        assert app.dashboard.session.config.mshv == "patch5-only"
        assert app.dashboard.session.summary()["fault"] > 0 and app.dashboard.controller.opened is None


async def test_a_bad_file_is_explained_in_place_and_nothing_changes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"partition": "l1vh", "cpus": 2, "steps": [{"action": "mshv_init", "cpus": [5]}]}')
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        before = app.dashboard.session
        await open_in_dialog(app, pilot, str(bad))
        assert isinstance(app.screen, OpenScreen)
        assert dialog_message(app).startswith(f"{bad}: steps[0].cpus: CPU 5 is out of range")
        await open_in_dialog_again(app, pilot, "no-such-scenario")
        assert "no such file, and no built-in scenario" in dialog_message(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.dashboard.session is before and [h.action for h in app.dashboard.session.history] == ["vmbus_load"]


LESSON = {
    "title": "My lesson",
    "partition": "l1vh",
    "cpus": 2,
    "mshv": "patch5-only",
    "intro": "Two drivers, one SynIC.",
    "steps": [{"action": "vmbus_load", "note": "VMBus first."}, {"action": "mshv_init", "note": "Then MSHV."}],
}


async def test_a_lesson_file_opens_as_a_lesson(tmp_path: Path) -> None:
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(LESSON))
    app = make_app("v4", cpus=4)
    async with app.run_test(size=SIZE) as pilot:
        await open_in_dialog(app, pilot, str(path))
        assert (
            app.dashboard.lessons.lesson is not None
            and app.dashboard.lessons.lesson.title == "My lesson"
            and app.dashboard.controller.opened is None
        )
        assert (app.dashboard.session.config.cpus, app.dashboard.session.history) == (2, [])
        assert "Two drivers, one SynIC." in app.query_one("#lesson-text", Markdown).source
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert [h.action for h in app.dashboard.session.history] == ["vmbus_load"]
        assert "VMBus first." in app.query_one("#lesson-text", Markdown).source


async def test_a_lesson_whose_steps_cannot_apply_is_explained_in_the_dialog(tmp_path: Path) -> None:
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(LESSON | {"steps": [{"action": "cpu_online", "cpus": [1], "note": "oops"}]}))
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await open_in_dialog(app, pilot, str(path))
        assert isinstance(app.screen, OpenScreen) and app.dashboard.lessons.lesson is None
        assert dialog_message(app).startswith(f"{path}: steps[0].cpus: CPU 1 is already online")


async def open_in_dialog_again(app, pilot, text: str) -> None:
    app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def _open_hostile(path: Path) -> tuple[str | None, object]:
    """The dialog's message if it stayed open, and the session config on screen afterwards."""
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        await open_in_dialog(app, pilot, str(path))
        message = dialog_message(app) if isinstance(app.screen, OpenScreen) else None
        return message, app.dashboard.session.config


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(scenario_shaped, json_trees, st.binary(max_size=120)))
def test_hostile_files_opened_in_the_app(tmp_path_factory, data) -> None:
    path = tmp_path_factory.mktemp("o") / "s.json"
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data, default=str).encode())
    try:
        expected = open_file(str(path)).session.config  # a scenario, or a lesson when it has an intro
    except InputError:
        expected = None
    message, config = asyncio.run(_open_hostile(path))  # an exception in the app fails here
    if message is not None:
        assert message.startswith(f"{path}: ") and "\n" not in message.strip()
        assert config == make_app("v4", cpus=2).dashboard.session.config  # the session on screen is untouched
    else:
        assert config == expected
