"""Text from files, paths or users is shown as written: never parsed as console markup, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from synic_core.scenarios.lesson import Lesson, parse_lesson
from tui.state.lesson_text import caption, inline_markdown

from .conftest import make_app, notifications, open_in_dialog, save_as

SIZE = (120, 40)
NASTY = "[/] [b]bold?[/b] [@click=app.quit]click[/] [red]x **same** [word] ${x} \\[esc]"


def lesson(intro: str, note: str, outro: str, title: str = "T") -> Lesson:
    data = {
        "title": title,
        "partition": "l1vh",
        "cpus": 2,
        "mshv": "patch5-only",
        "intro": intro,
        "outro": outro,
        "steps": [{"action": "vmbus_load", "note": note}, {"action": "mshv_init", "note": note}],
    }
    return parse_lesson(data, "test lesson")


text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(intro=text, note=text, outro=text)
def test_captions_keep_every_character_but_the_emphasis_markers(intro: str, note: str, outro: str) -> None:
    les = lesson(intro, note, outro)
    for pos in range(len(les.steps) + 1):
        shown = caption(les, pos).plain
        source = f"{les.title} — {intro}" if pos == 0 else f"{pos}/2 {note}" + ("\n" + outro if pos == 2 else "")
        assert shown == inline_markdown(source).plain
        assert "[" not in source or "[" in shown  # brackets are shown, not eaten as markup


async def test_a_lesson_with_markup_like_text_runs_through_presenter_mode() -> None:
    les = lesson(NASTY, NASTY, NASTY, title=NASTY)
    app = make_app("patch5-only", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        app.dashboard.lessons.start(les)
        await pilot.press("P")
        for _ in les.steps:
            app.dashboard.lessons.autoplay_next()
            while app.dashboard.view.playing:
                app.dashboard.player.tick(1.0)
            await pilot.pause()
        shown = str(app.query_one("#caption").render())
        assert "[@click=app.quit]click[/]" in shown and "[word]" in shown and "same" in shown and "**" not in shown
        assert app.is_running and app.dashboard.lessons.pos == 2


async def test_a_path_with_markup_is_saved_and_reported_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "["
    folder.mkdir()  # the saved path then reads ".../[/x] [b]odd.json": a closing tag, as markup
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")
        await save_as(app, pilot, "ctrl+s", folder / "x] [b]odd.json")
        assert (folder / "x] [b]odd.json").is_file() and app.is_running
        assert any("[/x] [b]odd.json" in str(n.message) for n in notifications(app))


async def test_an_open_error_quoting_file_content_is_shown_literally(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"partition": "[/] [@click=app.quit]x[/]"}')
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await open_in_dialog(app, pilot, str(bad))
        assert app.is_running and "partition" in str(app.screen.query_one(".path-message").render())
