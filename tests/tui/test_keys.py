"""Pilot tests: drive the real app with keys and check what the user would see."""

from __future__ import annotations

import re

from textual.widgets import OptionList, TabbedContent

from synic_core.model.findings import SEVERITY_RANK
from tui.app import SynicApp
from tui.commands import COMMANDS
from tui.screens.dashboard import DashboardScreen
from tui.state.playback import SPEEDS
from tui.widgets.grid import SynicGrid
from tui.widgets.panels import FindingsPanel, Inspector, TracePanel

from .conftest import highlighted_command, make_app, until

FAULT = SEVERITY_RANK["fault"]
SIZE = (120, 40)


def status(app: SynicApp) -> str:
    return str(app.query_one("#status").render())


def counts(app: SynicApp) -> dict[str, int]:
    text = status(app)
    found = {k: re.search(rf"{k}s? (\d+)", text) for k in ("fault", "error", "warning")}
    return {k: int(m.group(1)) for k, m in found.items() if m is not None}


async def press(pilot, *keys):
    for k in keys:
        await pilot.press(k)
        await pilot.pause()


async def test_acceptance_patch5_only_faults_light_up() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "k")
        assert counts(app)["fault"] > 0
        for reg in ("SINT2", "SIMP", "SIEFP"):
            assert all(app.dashboard.view.severity(cpu, "l1", reg) == FAULT for cpu in range(4))
        options = app.query_one(FindingsPanel)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("hypervisor_fault" in t and "SCONTROL.enable went from 1 to 0" in t for t in texts)


async def test_acceptance_v4_is_clean() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "k")
        assert "faults 0  errors 0" in status(app)


async def test_acceptance_mainline_shows_stale_state() -> None:
    app = make_app("mainline")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "k")
        assert counts(app)["error"] > 0 and counts(app)["fault"] == 0
        stale = [f for f in app.dashboard.view.findings if f.kind == "stale_state"]
        assert {f.register for f in stale} == {"SINT0", "SINT5", "SIRBP"}
        assert "│ kexec: stale_state 12" in status(app)


async def test_fault_lights_up_at_the_write_that_causes_it() -> None:
    app = make_app("patch5-only", cpus=2, instant=False)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "i", "v", "m", "i")  # instant for setup, then animated
        await press(pilot, "k", "p")  # start kexec and pause at once
        assert app.dashboard.view.playing and app.dashboard.paused
        step = app.dashboard.view.step
        assert step is not None
        target = next(f.write for f in step.findings if f.kind == "hypervisor_fault" and f.write is not None)
        while app.dashboard.view.pos < target:
            assert app.dashboard.view.severity(0, "l1", "SINT2") < FAULT
            await press(pilot, "full_stop")
        assert app.dashboard.view.severity(0, "l1", "SINT2") < FAULT  # the causing write is not played yet
        await press(pilot, "full_stop")
        assert app.dashboard.view.severity(0, "l1", "SINT2") == FAULT
        assert app.dashboard.view.last == (0, "l1", "SINT2")
        await press(pilot, "enter")
        assert not app.dashboard.view.playing and counts(app)["fault"] == 6


async def test_playback_runs_on_ticks_and_speed_keys_change_it() -> None:
    app = make_app("v4", instant=False)
    async with app.run_test(size=SIZE) as pilot:
        dash = app.dashboard
        assert dash.speed_index == 3
        await press(pilot, "plus", "equals_sign", "minus")
        assert dash.speed_index == 4 and dash.playback.speed == SPEEDS[4]
        await press(pilot, "a", "v")
        assert dash.view.playing and dash.view.pos < dash.view.total  # not all at once
        assert "playing" in status(app)
        before = dash.view.pos
        dash.player.tick(0.1)  # the timer's work, driven by hand: no wall clock in the test
        assert dash.view.pos == before + int(dash.playback.rate(dash.view.total) * 0.1)
        while dash.view.playing:
            dash.player.tick(0.5)
        assert dash.session.state.cpus[0].vmbus and dash.view.cpus[0].vmbus


async def test_speed_has_bounds() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *["minus"] * 10)
        assert app.dashboard.speed_index == 0
        await press(pilot, *["plus"] * 10)
        assert app.dashboard.speed_index == len(SPEEDS) - 1


async def test_cursor_selection_keys() -> None:
    app = make_app(cpus=8)
    async with app.run_test(size=SIZE) as pilot:
        grid = app.query_one(SynicGrid)
        await press(pilot, "down", "down", "right")
        assert (grid.cursor_cpu, grid.cursor_col) == (2, 1)
        await press(pilot, "space")
        assert grid.selected == {2}
        await press(pilot, "shift+down", "shift+down")
        assert grid.selected == {2, 3, 4}
        await press(pilot, "escape")
        assert grid.selected == set()
        await press(pilot, "a")
        assert grid.selected == set(range(8))
        await press(pilot, "end")
        assert grid.cursor_cpu == 7
        await press(pilot, "home", "pagedown")
        assert grid.cursor_cpu == 7  # one screen is more than 8 CPUs
        await press(pilot, "pageup")
        assert grid.cursor_cpu == 0
        await press(pilot, "end", "up", "left")
        assert (grid.cursor_cpu, grid.cursor_col) == (6, 0)


async def test_actions_apply_to_cursor_cpu_without_selection() -> None:
    app = make_app("v4", cpus=4)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "down", "v")
        assert [c.vmbus for c in app.dashboard.session.state.cpus] == [False, True, False, False]
        assert not app.dashboard.session.history[0].kernel_order


async def test_click_moves_cursor_and_selects() -> None:
    app = make_app(cpus=4)
    async with app.run_test(size=SIZE) as pilot:
        grid = app.query_one(SynicGrid)
        await pilot.click(SynicGrid, offset=(11 + 6 * 2 + 1, 2 + 3))
        assert (grid.cursor_cpu, grid.cursor_col) == (3, 2)
        await pilot.click(SynicGrid, offset=(3, 2 + 1))
        assert grid.selected == {1}


async def test_offline_online_unload_crash() -> None:
    app = make_app("v4", cpus=4)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "escape", "down", "down", "o")
        assert not app.dashboard.session.state.cpus[2].online
        await press(pilot, "o")
        assert app.dashboard.session.state.cpus[2].online and app.dashboard.session.state.cpus[2].mshv
        await press(pilot, "home", "o")  # CPU 0: refused, rolled back
        assert app.dashboard.session.state.cpus[0].online and app.dashboard.session.history[-1].refused
        await press(pilot, "a", "c", "u")
        assert not any(c.vmbus or c.mshv for c in app.dashboard.session.state.cpus)
        await press(pilot, "v", "x")
        assert app.dashboard.session.history[-1].action == "crash_kexec"
        assert app.dashboard.session.state.drivers.kdump


async def test_undo_redo() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "k")
        faults = counts(app)["fault"]
        await press(pilot, "z")
        assert counts(app)["fault"] == 0 and len(app.dashboard.session.history) == 2
        assert app.dashboard.view.cpus[0].mshv  # the state before kexec is shown again
        await press(pilot, "y")
        assert counts(app)["fault"] == faults


async def test_bits_view_opens_and_closes() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "right", "right", "right", "right", "right", "b")
        from tui.screens.bits import BitsScreen, BitsView

        assert isinstance(app.screen, BitsScreen)
        view = app.screen.query_one(BitsView)
        assert view.register == "SINT2"
        assert "vector" in str(app.screen.query_one("#bits-title").render())
        await press(pilot, "escape")
        assert not isinstance(app.screen, BitsScreen)


async def test_help_screen_lists_every_key() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "question_mark")
        from textual.widgets import Markdown

        from tui.screens.help import HelpScreen, keys_markdown

        assert isinstance(app.screen, HelpScreen)
        md = keys_markdown()
        for c in COMMANDS:
            assert c.description in md
        assert app.screen.query_one(Markdown)
        await press(pilot, "escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_settings_screen_starts_a_new_session() -> None:
    app = make_app("v4", cpus=4)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "s")
        from textual.widgets import Input

        inp = app.screen.query_one("#cpus", Input)
        inp.focus()
        inp.value = "16"
        await press(pilot, "enter")
        assert app.dashboard.session.config.cpus == 16 and app.query_one(SynicGrid).ncpus == 16


async def test_settings_screen_rejects_bad_cpu_count() -> None:
    app = make_app("v4", cpus=4)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "s")
        from textual.widgets import Input

        await press(pilot, "v")  # app keys do nothing under a dialog
        assert app.dashboard.session.history == []
        inp = app.screen.query_one("#cpus", Input)
        inp.focus()
        inp.value = "5000"
        await press(pilot, "enter")
        assert "expected 1..4096" in str(app.screen.query_one("#settings-error").render())
        await press(pilot, "escape")
        assert app.dashboard.session.config.cpus == 4


async def test_panel_keys_and_trace_filters() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        tabs = app.query_one(TabbedContent)
        for key, pane in (("t", "trace"), ("n", "inspector"), ("l", "legend"), ("f", "findings")):
            await press(pilot, key)
            assert tabs.active == pane
        await press(pilot, "a", "v", "m")
        trace = app.query_one(TracePanel)
        assert len(trace.lines) == 16 + 12
        await press(pilot, "e")
        assert trace.component == "vmbus" and len(trace.lines) == 16
        await press(pilot, "e", "r")
        assert (trace.component, trace.cpu, len(trace.lines)) == ("mshv", 0, 3)
        await press(pilot, "w")
        assert not app.query_one("#sidebar").display
        await press(pilot, "w")
        assert app.query_one("#sidebar").display


async def test_choosing_a_finding_moves_the_cursor() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "k")
        panel = app.query_one(FindingsPanel)
        panel.focus()
        index = next(i for i, g in enumerate(panel.shown) if g.first.kind == "hypervisor_fault" and g.first.register == "SIMP")
        panel.highlighted = index
        await press(pilot, "enter")
        f = panel.shown[index].first
        grid = app.query_one(SynicGrid)
        assert grid.cursor_cpu == f.cpu and grid.column.register == f.register
        assert app.query_one(TabbedContent).active == "findings" and panel.highlighted == index  # the list keeps its place
        await press(pilot, "n")
        text = app.query_one(Inspector).text()
        assert "hypervisor_fault" in text and "assumption" in text and "owner VMBus" in text


async def test_instant_toggle() -> None:
    app = make_app("v4", instant=False)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "i", "a", "v")
        assert app.dashboard.instant and not app.dashboard.view.playing


async def test_too_small_terminal_says_so() -> None:
    app = make_app()
    async with app.run_test(size=(50, 10)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("too-small")
        assert app.query_one("#too-small").display
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not app.screen.has_class("too-small")


async def test_command_palette_runs_actions_and_settings() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "ctrl+p")
        await pilot.press(*"VMBus load")
        await until(pilot, lambda: highlighted_command(app).startswith("VMBus load"), "the palette's VMBus load hit")
        await press(pilot, "enter")
        await until(pilot, lambda: bool(app.dashboard.session.history), "the palette's command applied")
        assert app.dashboard.session.history[0].action == "vmbus_load"
        await press(pilot, "ctrl+p")
        await pilot.press(*"MSHV version: mainline")
        await until(pilot, lambda: highlighted_command(app).startswith("MSHV version: mainline"), "the palette's version hit")
        await press(pilot, "enter")
        await until(pilot, lambda: app.dashboard.session.config.mshv == "mainline", "the version chosen in the palette")


def test_every_command_has_a_handler() -> None:
    """The command table is the only place keys are defined; each one must do something."""
    for c in COMMANDS:
        name = "action_" + c.action.split("(")[0]
        owner = {"grid": SynicGrid, "dashboard": DashboardScreen, "app": SynicApp}[c.scope]
        assert hasattr(owner, name), c


async def test_findings_are_grouped_most_severe_first_cause_first() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "k")
        panel = app.query_one(FindingsPanel)
        assert isinstance(panel, OptionList)
        order = [(-SEVERITY_RANK[g.first.severity], g.first.step) for g in panel.shown]
        assert order == sorted(order) and panel.shown[0].first.kind == "hypervisor_fault"
        assert sum(g.count for g in panel.shown) == len(app.dashboard.view.findings)  # every finding is in a group
        assert all(g.count == 4 and g.cpus == "0-3" for g in panel.shown if g.first.kind == "hypervisor_fault")


async def test_q_quits() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "q")
        assert not app.is_running


async def test_explorer_screen_finds_and_loads_a_counterexample() -> None:
    app = make_app("patch5-only", cpus=4)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "g")
        from tui.screens.explorer import ExplorerScreen

        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        await until(pilot, lambda: screen.result is not None and bool(screen.shown), "the explorer's result")
        assert screen.result is not None and screen.shown[0].kind == "hypervisor_fault"
        await press(pilot, "enter")
        assert not isinstance(app.screen, ExplorerScreen)
        assert [s.action for s in app.dashboard.session.history] == ["vmbus_load", "mshv_init", "kexec"]
        assert app.dashboard.session.config.cpus == 2 and counts(app)["fault"] > 0


async def test_explorer_closes_while_searching() -> None:
    app = make_app("mainline", cpus=4)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "g", "escape")
        from tui.screens.explorer import ExplorerScreen

        assert not isinstance(app.screen, ExplorerScreen)
        assert app.dashboard.session.config.cpus == 4 and app.dashboard.session.history == []


async def test_plain_text_view() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "k", "G")
        from textual.widgets import TextArea

        from tui.screens.text_dump import TextDumpScreen

        assert isinstance(app.screen, TextDumpScreen)
        text = app.screen.query_one(TextArea).text
        assert "faults 12" in text and "hypervisor_fault" in text
        await press(pilot, "escape")
        assert not isinstance(app.screen, TextDumpScreen)
