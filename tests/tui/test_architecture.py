"""The house rules: the App stays small, screens own their keys, messages stay on their screen."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from textual.binding import Binding

import tui
from tui import app as app_module
from tui.commands import COMMANDS
from tui.screens.compare import CompareScreen
from tui.screens.dashboard import DashboardScreen

from .conftest import make_app

SIZE = (120, 40)


def test_the_app_class_is_small() -> None:
    """Settings, themes and the first screen; everything else lives on screens."""
    tree = ast.parse(inspect.getsource(app_module.SynicApp))
    methods = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    lines = sum((n.end_lineno or n.lineno) - n.lineno + 1 for n in methods)
    assert len(methods) <= 8 and lines <= 80, (len(methods), lines)


MAX_LINES = {"screens": 400, "widgets": 400}  # a screen composes parts; a part that grows past this is two parts
MAX_DASHBOARD_LINES = 300  # compose, bindings, playback wiring: the rest is the parts' (controller, sidebar, player, …)
MAX_DASHBOARD_METHOD_LINES = 30


@pytest.mark.parametrize("package", sorted(MAX_LINES))
def test_no_screen_or_widget_module_is_long(package: str) -> None:
    folder = Path(tui.__file__).parent / package
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in folder.glob("*.py")}
    assert sizes
    assert {name: n for name, n in sizes.items() if n > MAX_LINES[package]} == {}


def test_the_dashboard_screen_only_composes_and_dispatches() -> None:
    source = inspect.getsource(DashboardScreen)
    assert len(source.splitlines()) <= MAX_DASHBOARD_LINES
    tree = ast.parse(source)
    methods = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    long = {n.name: (n.end_lineno or n.lineno) - n.lineno + 1 for n in methods}
    assert {name: n for name, n in long.items() if n > MAX_DASHBOARD_METHOD_LINES} == {}


def test_dashboard_keys_are_bound_on_the_dashboard_screen() -> None:
    app_keys = {b.action for b in app_module.SynicApp.BINDINGS if hasattr(b, "action")}  # type: ignore[union-attr]
    assert app_keys == set()  # quit is the dashboard's: it asks first when steps are unsaved
    dash_keys = {b.action for b in DashboardScreen.BINDINGS if hasattr(b, "action")}  # type: ignore[union-attr]
    assert dash_keys == {c.action for c in COMMANDS if c.scope == "dashboard"}


async def test_moving_on_the_compare_screen_leaves_the_dashboard_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app("patch5-only")
    calls: list[str] = []
    original = DashboardScreen._refresh_inspector

    def counting(self: DashboardScreen) -> None:
        calls.append("inspector")
        original(self)

    monkeypatch.setattr(DashboardScreen, "_refresh_inspector", counting)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k", "d")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        before = len(calls)
        await pilot.press("down", "down", "right")
        await pilot.pause()
        assert len(calls) == before  # the compare grids' cursor messages stop at their screen


async def test_modals_show_their_own_keys_not_the_dashboards() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for key in ("question_mark", "s", "ctrl+o"):
            await pilot.press(key)
            await pilot.pause()
            shown = {b.binding.description for b in app.screen.active_bindings.values() if b.binding.show}
            assert "VMBus load" not in shown and "all" not in shown, (key, shown)
            assert shown, key  # and they do show keys of their own
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)


RELEASED_IDS = [
    "vmbus-load",
    "vmbus-unload",
    "mshv-init",
    "mshv-cleanup",
    "cpu-off-online",
    "kexec",
    "crash-kexec",
    "up",
    "down",
    "left",
    "right",
    "page-up",
    "page-down",
    "first-cpu",
    "last-cpu",
    "extend-up",
    "extend-down",
    "select",
    "all",
    "none",
    "pause",
    "step",
    "faster",
    "slower",
    "finish",
    "write-back",
    "write-fwd",
    "step-back",
    "step-fwd",
    "instant",
    "next",
    "previous",
    "lessons",
    "bits",
    "findings",
    "trace",
    "inspector",
    "legend",
    "lesson",
    "trace-who",
    "trace-cpu",
    "text",
    "compare",
    "explore",
    "presenter",
    "panels",
    "undo",
    "redo",
    "open",
    "save",
    "report",
    "json",
    "screenshot",
    "settings",
    "help",
    "quit",
]


def test_command_ids_are_explicit_and_stable() -> None:
    """User configs rebind by id: every id a release has shipped keeps working, whatever its label says now."""
    ids = [c.id for c in COMMANDS]
    assert len(ids) == len(set(ids))
    assert set(RELEASED_IDS) <= set(ids)


async def test_a_keymap_survives_a_relabel(monkeypatch: pytest.MonkeyPatch) -> None:
    relabelled = [
        Binding(c.key, c.action, "reboot into a new kernel" if c.id == "kexec" else c.label, show=c.footer, id=c.id)
        for c in COMMANDS
        if c.scope == "dashboard"
    ]
    monkeypatch.setattr(DashboardScreen, "BINDINGS", relabelled)
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        app.set_keymap({"kexec": "K"})
        await pilot.press("a", "v", "m", "K")
        await pilot.pause()
        assert [s.action for s in app.dashboard.session.history] == ["vmbus_load", "mshv_init", "kexec"]


async def test_the_footer_fits_80_columns_with_help() -> None:
    from textual.widgets._footer import FooterKey

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = {k.description: k.region for k in app.screen.query(FooterKey)}
        assert "help" in keys and keys["help"].width > 0 and keys["help"].right <= 80, keys
