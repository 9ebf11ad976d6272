"""The lesson panel: steps numbered from 0 as the timeline and the findings number them, and words
(file names above all) never cut in two at 120×40."""

from __future__ import annotations

import re

import pytest
from textual.pilot import Pilot
from textual.widgets import Markdown

from synic_core.scenarios.lesson import lesson_names, load_lesson
from tui.app import SynicApp
from tui.state import lesson_text
from tui.widgets.panels import FindingsPanel

from .conftest import until

SIZE = (120, 40)
LESSON = "model-your-own-patch"  # vmbus_load, mshv_init, cpu_offline on CPU 1, cpu_online, kexec


def lesson_source(app: SynicApp) -> str:
    return app.dashboard.query_one("#lesson-text", Markdown).source


async def play(app: SynicApp, pilot: Pilot[None], steps: int) -> None:
    target = app.dashboard.lessons.pos + steps
    for _ in range(steps):
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: not app.dashboard.view.playing, "the step played")
    await until(pilot, lambda: app.dashboard.lessons.pos == target, "the steps played")
    await pilot.pause()


async def test_lesson_steps_count_from_0_like_the_findings() -> None:
    lesson = load_lesson(LESSON)
    app = SynicApp(instant=True, manual_ticks=True, lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Press **>** to play step 0: `vmbus_load`" in lesson_source(app)
        await play(app, pilot, 3)
        source = lesson_source(app)
        assert lesson.steps[2].action == "cpu_offline"
        assert "**step 2: `cpu_offline`** on CPU 1" in source, source
        assert "3. `cpu_offline`" not in source
        assert "Press **>** for step 3: `cpu_online`" in source
        assert "**3/5** steps played" in source
        # the findings of the step the lesson calls "step 2" say "step 2"
        panel = app.dashboard.query_one(FindingsPanel)
        last = len(app.dashboard.session.history) - 1
        assert last == 2 and any(g.first.step == 2 for g in panel.shown)
        assert {g.first.step for g in panel.shown} <= {0, 1, 2}


def screen_words(app: SynicApp) -> list[str]:
    """The words the terminal shows in the lesson panel, line by line."""
    r = app.dashboard.query_one("#lesson-scroll").region
    lines = [strip.text for strip in app.screen._compositor.render_strips()][r.y : r.bottom]
    return [word for line in lines for word in line[r.x : r.right].split()]


async def test_lesson_panel_never_cuts_a_word_at_120x40() -> None:
    lesson = load_lesson(LESSON)
    app = SynicApp(instant=True, manual_ticks=True, lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        for steps in (0, 5):
            await play(app, pilot, steps)
            source = re.sub(r"[*`#]", "", lesson_source(app))
            words = set(source.split())
            await until(pilot, lambda: "exit-disables-scontrol.toml" in " ".join(screen_words(app)), "the lesson panel drawn")
            shown = screen_words(app)
            assert shown and "exit-disables-scontrol.toml" in " ".join(shown)
            frame = set("─▊▎▁▔▂▃▄▅▆▇█")  # borders and the scrollbar's thumb
            cut = [w for w in shown if w.replace("#", "") not in words and not set(w) <= frame]  # '#' as in the source
            assert not cut, f"words cut in two: {cut}"


def test_a_kernel_facts_anchor_can_wrap_before_its_hash() -> None:
    assert lesson_text.fold_paths("runs (docs/kernel-facts.md#cpu-hotplug-on-x86).") == "runs (docs/kernel-facts.md #cpu-hotplug-on-x86)."


def test_long_paths_fold_before_the_file_name_but_commands_stay_whole() -> None:
    long = "examples/patches/exit-disables-scontrol.toml"
    assert lesson_text.fold_paths(f"runs {long} now") == "runs exit-disables-scontrol.toml (in examples/patches/) now"
    assert lesson_text.fold_paths(f"runs `{long}`.") == "runs `exit-disables-scontrol.toml` (in `examples/patches/`)."
    assert lesson_text.fold_paths("see docs/patch-files.md.") == "see docs/patch-files.md."  # short: as written
    command = f"`synic explore --mshv {long}`"
    assert lesson_text.fold_paths(command) == command


def lesson_texts(name: str) -> list[str]:
    lesson = load_lesson(name)
    return [lesson.intro, lesson.outro or "", *(s.note for s in lesson.steps)]


@pytest.mark.parametrize("name", lesson_names())
def test_no_path_glob_outside_code_in_any_lesson(name: str) -> None:
    """A `*` in a path outside backticks is read as Markdown emphasis: the panel would drop it."""
    for text in lesson_texts(name):
        outside_code = re.sub(r"`[^`]*`", "", text)
        assert not re.search(r"/\*|\*/", outside_code), text


async def test_the_lesson_panel_shows_a_sysfs_glob_whole() -> None:
    path = "/sys/bus/vmbus/devices/*/channels/*/cpu"
    app = SynicApp(instant=True, manual_ticks=True, lesson=load_lesson("05-cpu0-offline"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "hotplug" in " ".join(screen_words(app)), "the lesson panel drawn")
        app.dashboard.query_one("#lesson-scroll").scroll_end(animate=False)
        await until(pilot, lambda: path in screen_words(app), "the path shown whole")
