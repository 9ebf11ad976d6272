"""The findings search as a new user drives it: esc leaves it for the list, `CPU 2` finds the groups on
CPU 2, and several words each match somewhere in the group."""

from __future__ import annotations

from textual.pilot import Pilot

from tui.app import SynicApp
from tui.widgets.panels import FindingsPanel, FindingsSearch

from .conftest import make_app, until

SIZE = (120, 40)


async def search_field(app: SynicApp) -> FindingsSearch:
    """The dashboard's search field."""
    return app.dashboard.query_one("#findings-search", FindingsSearch)


async def run_to_kexec(app: SynicApp, pilot: Pilot[None]) -> FindingsPanel:
    await pilot.press("a", "v", "m", "k")
    panel = app.dashboard.query_one(FindingsPanel)
    await until(pilot, lambda: len(panel.shown) == 14, "the 14 finding groups of patch5-only's kexec")
    return panel


async def test_esc_in_the_search_clears_it_and_returns_to_the_list() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        search = await search_field(app)
        panel = await run_to_kexec(app, pilot)
        for _ in range(6):  # tab, as a user does, until the list has the keys
            if panel.has_focus:
                break
            await pilot.press("tab")
        assert panel.has_focus
        await pilot.press("slash")
        await until(pilot, lambda: search.has_focus, "the search field takes the keys")
        assert "esc: clear" in search.placeholder and "enter: list" in search.placeholder
        assert len(search.placeholder) <= search.content_size.width, "the hint is cut"
        await pilot.press(*"dangling")
        await until(pilot, lambda: len(panel.shown) < 14, "the search filters the list")
        await pilot.press("escape")
        await until(pilot, lambda: panel.has_focus, "esc gives the keys back to the list")
        assert search.value == "" and not search.display
        assert panel.search_text == "" and len(panel.shown) == 14
        assert "matching" not in str(app.dashboard.query_one("#findings-filter").render())


async def type_search(pilot: Pilot[None], search: FindingsSearch, panel: FindingsPanel, query: str) -> None:
    """`/` from the list, a new query, enter: back to the list with the search kept."""
    await pilot.press("slash")
    await until(pilot, lambda: search.has_focus, "the search field takes the keys")
    search.value = ""
    await pilot.press(*[{" ": "space"}.get(c, c) for c in query])
    await until(pilot, lambda: search.value == query, f"{query!r} typed")
    await pilot.press("enter")
    await until(pilot, lambda: panel.search_text == query and panel.has_focus, f"{query!r} applied, the list has the keys")


async def test_cpu_numbers_and_several_words_match() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        search = await search_field(app)
        panel = await run_to_kexec(app, pilot)
        on_cpu2 = [g for g in panel.shown if g.on_cpus(2, 2)]
        assert on_cpu2 and any(g.cpus == "0-3" for g in on_cpu2)
        for query in ("CPU 2", "cpu 2", "cpus 2"):
            await type_search(pilot, search, panel, query)
            assert panel.shown == on_cpu2, query
        await type_search(pilot, search, panel, "CPU 7")
        assert panel.shown == []
        await type_search(pilot, search, panel, "refused SINT2")
        assert panel.shown, "refused SINT2: 0 groups"
        assert all(g.first.register == "SINT2" and "refused" in g.message for g in panel.shown)
        await type_search(pilot, search, panel, "sint2 fault cpu 3 step 2")
        assert [(g.first.kind, g.first.register, g.first.step) for g in panel.shown] == [("hypervisor_fault", "SINT2", 2)]
        await type_search(pilot, search, panel, "SINT2 dangling")  # every word must match: no group is both
        assert panel.shown == []
