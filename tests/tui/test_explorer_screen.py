"""The explorer screen on its own host app: N and the bound, progress, proof status per version,
loading a counterexample, and closing mid-search."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Footer

from synic_core.versions.registry import session_config
from tui.screens.explorer import ExplorerScreen

from .conftest import ExplorerHost as Host
from .conftest import explorer_text as text
from .conftest import until

SIZE = (120, 40)


async def settle(app: Host, pilot: Pilot[None], versions: int = 0) -> ExplorerScreen:
    """Wait for the search (and, with `versions`, that many per-version answers) to be on screen."""
    await app.workers.wait_for_complete()
    screen = app.screen
    assert isinstance(screen, ExplorerScreen)
    await until(pilot, lambda: screen.result is not None and len(screen.versions) >= versions, "the explorer's answers on screen")
    return screen


async def test_exhaustive_by_default_with_a_proof_per_version() -> None:
    app = Host(session_config(partition="l1vh", mshv="v4", cpus=4))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot, versions=5)
        assert screen.result is not None and screen.result.fixpoint and screen.result.config.cpus == 2
        assert "fixpoint at depth 16" in text(screen, "#explorer-status")  # 2 CPUs, CPU 0 never offline (issue 24)
        unreachable = text(screen, "#explorer-unreachable")
        assert "hypervisor_fault" in unreachable and "on 2 CPUs (proved)" in unreachable
        versions = text(screen, "#explorer-versions")
        assert "proved: no fault for any sequence on 2 CPUs" in versions
        assert "patch5-only" in versions and "fault in 3 steps (proved shortest" in versions
        assert len(screen.versions) == 5


async def test_choose_cpus_and_bound_then_load() -> None:
    app = Host(session_config(partition="l1vh", mshv="patch5-only", cpus=4))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        assert screen.result is not None and screen.result.fixpoint
        await pilot.press("b")
        await settle(app, pilot, versions=5)
        assert screen.result is not None and not screen.result.fixpoint and screen.result.depth == 6
        assert "bounded: not a proof" in text(screen, "#explorer-status")
        assert "not a proof" in text(screen, "#explorer-versions")
        await pilot.press("3")
        await settle(app, pilot)
        assert screen.result is not None and screen.result.config.cpus == 3 and screen.result.depth == 6
        assert "3 CPUs" in text(screen, "#explorer-mode") and "bounded" in text(screen, "#explorer-mode")
        await pilot.press("minus")
        await settle(app, pilot)
        assert screen.result is not None and screen.result.config.cpus == 2
        assert screen.shown[0].kind == "hypervisor_fault"
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.dismissed), "the chosen counterexample handed back")
    assert len(app.dismissed) == 1
    scenario = app.dismissed[0]
    assert scenario is not None and scenario["cpus"] == 2
    assert [s["action"] for s in scenario["steps"]] == ["vmbus_load", "mshv_init", "kexec"]


async def test_close_while_searching_cancels() -> None:
    app = Host(session_config(partition="l1vh", mshv="mainline", cpus=4))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")  # a long search (4 CPUs, to the fixpoint)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: not isinstance(app.screen, ExplorerScreen), "the explorer closed")
    assert app.dismissed == [None]


async def test_footer_shows_the_screen_keys() -> None:
    app = Host(session_config(partition="l1vh", mshv="v4", cpus=2))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        footer = screen.query_one(Footer)
        shown = {str(getattr(key, "description", "")) for key in footer.query("FooterKey")}
        assert {"close", "load into the grid", "exhaustive/bounded", "N-1", "N+1"} <= shown


async def test_the_refused_counterexample_is_a_blocked_action_not_an_unload_of_nothing() -> None:
    app = Host(session_config(partition="l1vh", mshv="v4", cpus=2))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        refused = next(c for c in screen.shown if c.kind == "refused")
        assert [a for a, _ in refused.steps] == ["vmbus_load", "mshv_init", "vmbus_unload"]
        assert "while mshv_root is loaded" in refused.message
    app = Host(session_config(partition="guest", mshv="v4", cpus=2))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        assert "refused" not in {c.kind for c in screen.shown} and "refused" in text(screen, "#explorer-unreachable")
