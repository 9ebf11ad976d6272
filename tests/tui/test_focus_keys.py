"""Keys that choose CPUs work from any panel, and escape finds the way back to the grid."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input
from textual.widgets._footer import FooterKey

from synic_core import Session
from synic_core.scenarios.lesson import load_lesson
from synic_core.versions.registry import session_config
from tui.app import SynicApp
from tui.commands import COMMANDS
from tui.widgets.grid import SynicGrid
from tui.widgets.panels import FindingsPanel

from .conftest import make_app, notifications, trace_app, until

SIZE = (120, 40)


async def test_select_all_from_the_findings_list_chooses_the_cpus_the_actions_use() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")  # some findings to focus
        await pilot.press("f", "tab")
        await until(pilot, lambda: isinstance(app.focused, FindingsPanel), "the findings list focused")
        await pilot.press("a", "m")
        await until(pilot, lambda: len(app.dashboard.session.history) == 2, "MSHV init applied")
        assert app.dashboard.session.history[-1].cpus == [0, 1, 2, 3]  # every CPU, not the cursor CPU alone


async def test_escape_leaves_the_search_then_the_panel() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "slash", *"SIMP")
        search = app.dashboard.query_one("#findings-search", Input)
        panel = app.dashboard.query_one(FindingsPanel)
        await until(pilot, lambda: panel.search_text == "SIMP", "the search applied")
        await pilot.press("escape")
        await until(pilot, lambda: app.focused is panel, "the findings list focused")
        assert search.value == "" and not search.display and panel.search_text == ""
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.focused, SynicGrid), "the grid focused")
        assert app.dashboard.grid.selected == {0, 1, 2, 3}  # the first escape on the grid clears; not this one
        await pilot.press("escape")
        await pilot.pause()
        assert app.dashboard.grid.selected == set()


def footer_keys(app: SynicApp) -> dict[str, bool]:
    """The keys the footer shows, with whether each is enabled."""
    return {key.key: not key.has_class("-disabled") for key in app.screen.query(FooterKey)}


async def test_the_footer_shows_the_lesson_keys_during_a_lesson_only() -> None:
    app = SynicApp(instant=True, lesson=load_lesson("kexec-patch5-only"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: {"greater_than_sign", "less_than_sign"} <= footer_keys(app).keys(), "the lesson keys")
        await pilot.press("v")  # playing your own step leaves the lesson
        await until(pilot, lambda: "greater_than_sign" not in footer_keys(app), "the lesson keys gone")


async def test_a_trace_session_shows_the_actions_disabled(tmp_path: Path) -> None:
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: footer_keys(app).get("v") is False, "VMBus load shown disabled")
        assert footer_keys(app)["k"] is False and footer_keys(app)["z"] is True
        await pilot.press("v")
        await pilot.pause()
        assert len(app.dashboard.session.history) == 3  # the trace's steps, nothing added


async def test_the_nested_bank_off_to_the_right_is_pointed_out_once() -> None:
    app = SynicApp(Session(session_config(partition="nested_root", cpus=4)), instant=True)
    async with app.run_test(size=SIZE) as pilot:
        said = "Columns of the L0 nested (0x400010xx) bank are off to the right: → scrolls there, w hides the side panels."
        await until(pilot, lambda: [n.message for n in notifications(app)] == [said], "the hint")
        await pilot.press("w")  # the panels hide: everything fits
        await pilot.pause()
        await pilot.press("w")  # back: the columns are off-screen again, but the hint was given
        await pilot.pause()
        assert [n.message for n in notifications(app)].count(said) == 1


async def test_no_hint_when_every_column_fits() -> None:
    app = SynicApp(Session(session_config(partition="l1vh", cpus=4)), instant=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not any("off to the right" in n.message for n in notifications(app))


async def test_the_palette_offers_one_screenshot_the_dashboards() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Theme" in titles and "Screenshot" not in titles  # Textual's own would write without asking
        assert [c.id for c in COMMANDS if c.label == "screenshot"] == ["screenshot"]


async def test_the_bits_view_offers_scrolling_only_where_bits_are_off_screen() -> None:
    from tui.screens.bits import BitsScreen, BitsView

    app = make_app("v4")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "v", *["right"] * 5, "b")  # SINT2: its fields do not fit in 80 columns
        await until(pilot, lambda: isinstance(app.screen, BitsScreen) and "right" in footer_keys(app), "→ more bits")
        assert "left" not in footer_keys(app)
        view = app.screen.query_one(BitsView)
        while view.scroll_x < view.max_scroll_x:
            await pilot.press("right")
        await until(pilot, lambda: "left" in footer_keys(app) and "right" not in footer_keys(app), "← bits back only")


async def test_the_findings_list_keeps_the_dashboards_keys_in_the_footer() -> None:
    """Its own keys are named on its first line; at 80 columns the footer still shows undo, save and help."""
    app = make_app("patch5-only")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "v", "m", "k", "tab")
        await until(pilot, lambda: isinstance(app.focused, FindingsPanel), "the findings list focused")
        await until(pilot, lambda: {"z", "ctrl+s", "question_mark"} <= footer_keys(app).keys(), "undo, save and help")
        assert "f" not in footer_keys(app) and "f severity · K kind · / search" in app.dashboard.query_one(FindingsPanel).summary()
