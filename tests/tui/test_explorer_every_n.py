"""The explorer screen's "every CPU count" (`a`): the proof, the per-version verdicts over every N, and
loading a counterexample with the CPU count it needs."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Footer, OptionList

from synic_core.versions.registry import session_config
from tui.screens.explorer import ExplorerScreen

from .conftest import ExplorerHost as Host
from .conftest import explorer_text as text
from .conftest import until

SIZE = (120, 40)


async def every_count(app: Host, pilot: Pilot[None], versions: int = 0) -> ExplorerScreen:
    """Press `a` once the first search is shown, and wait for the every-CPU-count answers."""
    screen = app.screen
    assert isinstance(screen, ExplorerScreen)
    await until(pilot, lambda: screen.result is not None, "the first search on screen")
    await pilot.press("a")
    await until(pilot, lambda: screen.every is not None and len(screen.every_versions) >= versions, "every CPU count on screen")
    return screen


async def test_every_cpu_count_proves_v4_and_names_each_version() -> None:
    app = Host(session_config(partition="l1vh", mshv="v4", cpus=4))
    async with app.run_test(size=SIZE) as pilot:
        screen = await every_count(app, pilot, versions=5)
        assert "every number of CPUs" in text(screen, "#explorer-mode")
        assert "proved for every number of CPUs" in text(screen, "#explorer-status")
        assert "hypervisor_fault" in text(screen, "#explorer-unreachable")
        versions = text(screen, "#explorer-versions")
        assert "v4           proved: no fault on any number of CPUs" in versions
        assert "patch5-only  fault in 3 steps on 1 CPU" in versions
        footer = screen.query_one(Footer)
        assert "every CPU count" in {str(getattr(key, "description", "")) for key in footer.query("FooterKey")}
        await pilot.press("3")  # a CPU count leaves the mode
        await until(pilot, lambda: screen.result is not None and screen.result.config.cpus == 3, "3 CPUs again")
        assert screen.every is None and "3 CPUs" in text(screen, "#explorer-mode")


async def test_a_counterexample_loads_with_the_cpus_it_needs() -> None:
    app = Host(session_config(partition="l1vh", mshv="v4", cpus=4))
    async with app.run_test(size=SIZE) as pilot:
        screen = await every_count(app, pilot)
        kinds = [c.kind for c in screen.shown]
        assert "stale_state" in kinds
        for _ in range(kinds.index("stale_state")):
            await pilot.press("down")
        assert "on 2 CPUs: vmbus_load [0-1] → crash_kexec [0]" in text(screen, "#explorer-detail")
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.dismissed), "the chosen counterexample handed back")
    scenario = app.dismissed[0]
    assert scenario is not None and scenario["cpus"] == 2
    assert [s["action"] for s in scenario["steps"]] == ["vmbus_load", "crash_kexec"]


async def test_every_cpu_count_keeps_every_channel_cpu_of_the_session_and_names_it() -> None:
    """The session's channels on CPU 3: N CPUs keeps those below N; every CPU count keeps CPU 3 and says how it is numbered."""
    app = Host(session_config(partition="l1vh", mshv="v4", cpus=4, channel_cpus=(0, 3)))
    async with app.run_test(size=SIZE) as pilot:
        first = app.screen
        assert isinstance(first, ExplorerScreen)
        await until(pilot, lambda: first.result is not None, "the first search on screen")
        assert "2 CPUs · VMBus channels on CPU 0 (CPU 3 beyond the CPU count: left out)" in text(first, "#explorer-mode")
        screen = await every_count(app, pilot, versions=5)
        assert screen.every is not None and screen.every.asked_channels == (0, 3)
        assert "every number of CPUs · VMBus channels on CPU 0,3" in text(screen, "#explorer-mode")
        status = text(screen, "#explorer-status")
        assert "from 2 (1 CPU besides CPU 0 holding VMBus channels)" in status
        assert "VMBus channels on CPU 3 as given" in status and "number it CPU 1" in status
        assert all(r.asked_channels == (0, 3) for r in screen.every_versions.values())  # each version: the same channels
        refused = next(c for c in screen.shown if c.kind == "refused")
        assert [a for a, _ in refused.steps] == ["vmbus_load", "cpu_offline"]  # CPU 1 (CPU 3 as given) refuses


async def test_every_cpu_count_says_where_the_smallest_n_is_an_upper_bound() -> None:
    """Three CPUs besides CPU 0 hold channels: refused needs 4 CPUs (exact), stale_state was met on 5 (≤ 5)."""
    app = Host(session_config(partition="guest", mshv="v4", cpus=4, channel_cpus=(0, 1, 2, 3)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await every_count(app, pilot)
        assert "VMBus channels on CPU 0,1,2,3 · N ≥ 4 by abstraction (a proof)" in text(screen, "#explorer-mode")
        assert text(screen, "#explorer-unreachable").startswith("Not reachable on any number of CPUs from 4 (3 CPUs besides CPU 0")
        options = screen.query_one(OptionList)
        prompts = {c.kind: str(options.get_option_at_index(i).prompt) for i, c in enumerate(screen.shown)}
        assert prompts["stale_state"].endswith("2 steps · 5 CPUs · reached from ≤ 5 CPUs")
        assert prompts["refused"].endswith("2 steps · 4 CPUs · reached from 4 CPUs")
        assert screen.shown[0].kind == "stale_state"
        assert "reached from ≤ 5 CPUs: an upper bound" in text(screen, "#explorer-detail")
        await pilot.press("down")
        assert "upper bound" not in text(screen, "#explorer-detail")
