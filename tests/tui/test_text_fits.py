"""Text reads whole at the sizes a new user meets: the explorer at 80×24 (and its keys as the footer
names them), the settings' option labels at 120×40 and 80×24."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Footer, Select, Static

from synic_core import Session
from synic_core.versions.registry import session_config
from tui.app import SynicApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.settings import SettingsScreen

from .conftest import make_app, until


def screen_text(app: SynicApp) -> str:
    """What the terminal shows of the top screen, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def unwrapped(text: str) -> str:
    """Screen lines joined, so that a sentence wrapped over two lines reads as one."""
    return " ".join(text.split())


def shown_in(app: SynicApp, widget: Widget) -> str:
    """What the terminal shows inside a widget's region (a parent that clips it hides the rest), unwrapped."""
    r = widget.region
    lines = screen_text(app).splitlines()[r.y : r.bottom]
    return unwrapped(" ".join(line[r.x : r.right] for line in lines))


async def open_explorer(app: SynicApp, pilot: Pilot[None]) -> ExplorerScreen:
    await pilot.press("g")
    await until(pilot, lambda: isinstance(app.screen, ExplorerScreen), "the explorer open")
    screen = app.screen
    assert isinstance(screen, ExplorerScreen)
    await until(pilot, lambda: screen.result is not None and len(screen.versions) >= 5, "the explorer's answers on screen")
    await pilot.pause()
    return screen


async def test_explorer_proof_reads_whole_at_80x24() -> None:
    app = make_app("v4", cpus=2)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_explorer(app, pilot)
        assert screen.has_class("-narrow")
        for selector in ("#explorer-title", "#explorer-status", "#explorer-unreachable", "#explorer-versions"):
            widget = screen.query_one(selector, Static)
            whole = unwrapped(str(widget.render()))
            assert shown_in(app, widget) == whole, f"{selector} is cut at 80×24"
        assert str(screen.query_one("#explorer-status", Static).render()).startswith("fixpoint at depth")
        # the modal fills the screen: no column of it is left to the dashboard behind
        for child in screen.children:
            assert child.region.x == 0 and child.region.width == 80, child


async def test_explorer_intro_names_the_footer_keys() -> None:
    app = make_app("v4", cpus=2)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_explorer(app, pilot)
        intro = str(screen.query_one("#explorer-title", Static).render())
        footer = {str(getattr(key, "description", "")) for key in screen.query_one(Footer).query("FooterKey")}
        assert {"N-1", "N+1"} <= footer
        assert "1–4 or -/+ (N-1/N+1) set the CPUs" in intro
        await pilot.press("plus")
        await until(pilot, lambda: screen.cpus == 3, "+ is N+1")
        await pilot.press("minus")
        await until(pilot, lambda: screen.cpus == 2, "- is N-1")


async def check_settings_labels(size: tuple[int, int], hypervisor: str) -> None:
    app = SynicApp(
        Session(session_config(partition="nested_root", mshv="v4", hypervisor=hypervisor, cpus=4)), instant=True, manual_ticks=True
    )
    async with app.run_test(size=size) as pilot:
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen), "the settings open")
        await pilot.pause()
        for select in app.screen.query(Select):
            label = select.query_one("SelectCurrent #label", Static)
            whole = unwrapped(str(label.render()))
            assert shown_in(app, label) == whole, f"the option label is cut: {whole!r}"
        assert "Apply" in screen_text(app) and "Cancel" in screen_text(app)


async def test_settings_labels_read_whole_at_120x40() -> None:
    await check_settings_labels((120, 40), "strict")


async def test_settings_longest_labels_read_whole_at_80x24() -> None:
    await check_settings_labels((80, 24), "lenient")


async def test_the_findings_filter_label_reads_whole_at_120x40() -> None:
    """What is shown (counts agreeing, the severity filter) and the list's keys, none of it cut."""
    from tui.widgets.panels import FindingsPanel

    app = make_app("patch5-only")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "v", "m", "k", "f")
        panel = app.dashboard.query_one(FindingsPanel)
        await until(pilot, lambda: len(panel.shown) > 1, "the findings listed")
        label = app.dashboard.query_one("#findings-filter", Static)
        total = len(panel.shown)
        for severity, wording in ((1, "warning or worse"), (2, "error or worse"), (3, "faults only")):
            panel.min_severity = severity
            await pilot.pause()
            shown = shown_in(app, label)
            assert f"{len(panel.shown)} of {total} groups · {wording}" in shown, shown
            assert "f severity · K kind · / search" in shown and "…" not in shown, shown


def test_the_group_count_agrees_with_its_number() -> None:
    from tui.widgets.panels import filter_summary

    assert filter_summary(1, 1, 0, None, "").startswith("1 of 1 group\n")
    assert filter_summary(0, 1, 3, None, "").startswith("0 of 1 group · faults only\n")
    assert filter_summary(2, 14, 0, None, "").startswith("2 of 14 groups\n")
    assert filter_summary(0, 0, 0, None, "").startswith("no findings\n")
