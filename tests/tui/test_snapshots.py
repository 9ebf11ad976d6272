"""Snapshot SVGs of the screens (pytest-textual-snapshot; accept changes with `make snapshots`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets._footer import FooterKey

from synic_core.versions.registry import session_config

from .conftest import make_app, plain_trace_app, until

SnapCompare = Callable[..., bool]  # pytest-textual-snapshot's fixture

RUN = ["a", "v", "m", "k"]


class TestMainScreen:
    def test_empty_80x24(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), terminal_size=(80, 24))

    def test_patch5_only_kexec_80x24(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("patch5-only"), press=RUN, terminal_size=(80, 24))

    def test_patch5_only_kexec_160x48(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("patch5-only"), press=RUN, terminal_size=(160, 48))

    def test_v4_kexec_160x48(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), press=RUN, terminal_size=(160, 48))

    def test_nested_root_two_banks(self, snap_compare: SnapCompare) -> None:
        app = make_app("v4", partition="nested_root")
        assert snap_compare(app, press=["a", "v", "m"], terminal_size=(160, 48))


class TestHighlights:
    def test_highlighted_fault_in_inspector(self, snap_compare: SnapCompare) -> None:
        keys = [*RUN, "escape", "down", "right", "right", "right", "right", "right", "n"]
        assert snap_compare(make_app("patch5-only"), press=keys, terminal_size=(160, 48))

    def test_trace_outcome_unknown_with_legend(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        """A real trace without #GP or a kernel log: the refused writes are drawn "outcome unknown", never as faults."""
        assert snap_compare(plain_trace_app(tmp_path), press=["l"], terminal_size=(120, 40))

    def test_trace_outcome_unknown_80x24(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        assert snap_compare(plain_trace_app(tmp_path, with_log=True), terminal_size=(80, 24))

    def test_no_color_keeps_every_meaning(self, snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NO_COLOR", "1")
        assert snap_compare(make_app("patch5-only"), press=RUN, terminal_size=(120, 40))


class TestScreens:
    def test_bits_view(self, snap_compare: SnapCompare) -> None:
        keys = ["a", "v", "m", "right", "right", "right", "right", "right", "right", "b"]
        assert snap_compare(make_app("v4"), press=keys, terminal_size=(100, 30))

    def test_help_screen(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), press=["question_mark"], terminal_size=(100, 40))

    def test_settings_screen(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), press=["s"], terminal_size=(100, 36))

    def test_settings_screen_80x24(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), press=["s"], terminal_size=(80, 24))

    def test_help_screen_80x24(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), press=["question_mark"], terminal_size=(80, 24))

    def test_open_dialog_explains_a_bad_name(self, snap_compare: SnapCompare) -> None:
        keys = ["ctrl+o", *"no-such-scenario", "enter"]
        assert snap_compare(make_app("v4"), press=keys, terminal_size=(100, 30))

    def test_quit_asks_when_steps_are_unsaved(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), press=["a", "v", "q"], terminal_size=(80, 24))

    def test_quit_names_two_earlier_sessions(self, snap_compare: SnapCompare) -> None:
        from tui.screens.confirm import ConfirmQuitScreen

        async def two_kept(pilot: Pilot[object]) -> None:
            app = pilot.app
            await dashboard_ready(pilot)
            for keys in (["a", "v"], ["c"], []):  # unsaved steps, then a scenario opened over them: twice
                await pilot.press(*keys)
                if keys:
                    await pilot.press("ctrl+o", *"l1vh-v4-kexec", "enter")
            await until(pilot, lambda: app.dashboard.controller.unsaved_kept == (2, 2), "two sessions kept")  # type: ignore[attr-defined]
            app.clear_notifications()
            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen), "the quit question")
            await pilot.pause()

        assert snap_compare(make_app("v4"), run_before=two_kept, terminal_size=(80, 24))

    def test_too_small(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), terminal_size=(50, 10))


def footer_settled(screen: Screen[object]) -> bool:
    """The footer shows the keys the screen's bindings have now (it recomposes a moment after they change)."""
    shown = {key.action for key in screen.query(FooterKey)}  # the footer shows one key per action
    active = screen.active_bindings
    wanted = {b.binding.action for b in active.values() if b.binding.show}
    palette = screen.app.COMMAND_PALETTE_BINDING
    return shown == wanted | ({active[palette].binding.action} if palette in active else set())


async def dashboard_ready(pilot: Pilot[object]) -> None:
    """The dashboard's footer has its keys: a modal on top shows its right end (the palette key) through."""
    screen = pilot.app.screen
    await until(pilot, lambda: footer_settled(screen), "the dashboard's footer")


class TestExplorer:
    def test_explorer_results(self, snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch) -> None:
        from types import SimpleNamespace

        from synic_core.explore import fast as explore_fast

        monkeypatch.setattr(explore_fast, "time", SimpleNamespace(perf_counter=lambda: 0.0))  # "0.0 s": a picture, not a clock

        async def wait_for_search(pilot):
            await dashboard_ready(pilot)
            await pilot.press("g")
            await pilot.app.workers.wait_for_complete()
            screen = pilot.app.screen
            await until(pilot, lambda: screen.result is not None and len(screen.versions) == 5, "every version's answer")
            await until(pilot, lambda: footer_settled(screen), "the footer showing the screen's bindings")
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()

        assert snap_compare(make_app("patch5-only"), run_before=wait_for_search, terminal_size=(120, 36))


class TestLessons:
    def test_lesson_panel_mid_lesson(self, snap_compare: SnapCompare) -> None:
        from synic_core.scenarios.lesson import load_lesson
        from tui.app import SynicApp

        app = SynicApp(instant=True, lesson=load_lesson("kexec-patch5-only"))
        keys = ["greater_than_sign"] * 3
        assert snap_compare(app, press=keys, terminal_size=(140, 40))


async def open_compare(pilot) -> None:
    """Compare computes the other side in a worker: wait for it, then for the repaint."""
    await dashboard_ready(pilot)
    await pilot.press(*RUN, "d")
    await pilot.app.workers.wait_for_complete()
    screen = pilot.app.screen
    await until(pilot, lambda: footer_settled(screen), "the footer showing the screen's bindings")
    await pilot.pause()


class TestCompare:
    def test_compare_v4_vs_mainline(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), run_before=open_compare, terminal_size=(160, 30))

    def test_compare_stacked_when_narrow(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("v4"), run_before=open_compare, terminal_size=(100, 36))

    def test_compare_lists_findings_at_80x24(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(make_app("patch5-only"), run_before=open_compare, terminal_size=(80, 24))


class TestPresenter:
    def test_presenter_mode_with_lesson(self, snap_compare: SnapCompare) -> None:
        from synic_core.scenarios.lesson import load_lesson
        from tui.app import SynicApp

        app = SynicApp(instant=True, lesson=load_lesson("kexec-patch5-only"))
        app.dashboard.lessons.presenter_pause = 3600  # no autoplay during the snapshot

        async def present(pilot):
            await pilot.press("greater_than_sign", "greater_than_sign", "P")
            pilot.app.dashboard.instant = True  # a finished step, not a frame of the animation
            await pilot.press("greater_than_sign")
            await pilot.pause()

        assert snap_compare(app, run_before=present, terminal_size=(120, 30))


class TestThemes:
    def test_high_contrast(self, snap_compare: SnapCompare) -> None:
        from synic_core import Session
        from tui.app import SynicApp

        app = SynicApp(Session(session_config(mshv="patch5-only")), instant=True, theme="synic-high-contrast")
        assert snap_compare(app, press=RUN, terminal_size=(120, 32))
