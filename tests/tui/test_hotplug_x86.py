"""The dashboard's side of x86 hotplug: `o` on CPU 0 says why it stays online; Settings sets the channel CPUs."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label

from .conftest import make_app, settle


async def test_o_on_cpu0_is_refused_with_no_write_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app("v4")
    async with app.run_test(size=(120, 40)) as pilot:
        said: list[str] = []
        monkeypatch.setattr(app.dashboard, "notify", lambda message, **kw: said.append(message))
        await pilot.press("a", "v", "a", "m")
        await settle(app)
        app.dashboard.grid.cursor_cpu = 0
        await pilot.press("escape", "o")
        await settle(app)
        step = app.dashboard.session.history[-1]
        assert step.action == "cpu_offline" and step.cpus == [0] and step.writes == [] and step.refused
        assert any("-EPERM" in m and "CPU 0 cannot go offline on x86" in m for m in said)


async def test_settings_set_the_channel_cpus_and_name_a_bad_list() -> None:
    app = make_app("v4")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.query_one("#channel-cpus", Input).value == "0"
        app.screen.query_one("#channel-cpus", Input).value = "1,9"
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert "channel" in str(app.screen.query_one("#settings-error", Label).render()).lower()
        app.screen.query_one("#channel-cpus", Input).value = "1-2"
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert app.dashboard.session.config.channel_cpus == (1, 2)


def test_the_inspector_says_which_cpus_hold_vmbus_channels() -> None:
    from synic_core import Session
    from synic_core.model.columns import columns_for
    from synic_core.versions.registry import session_config
    from tui.state.describe import inspector
    from tui.state.display import Display
    from tui.themes import VARIABLES

    session = Session(session_config(channel_cpus=(1,)))
    display = Display(session)
    col = columns_for(session.config.partition_spec)[0]
    assert "VMBus channels are bound to CPU 1" in inspector(display, 1, col, VARIABLES).plain
    assert "VMBus channels" not in inspector(display, 2, col, VARIABLES).plain
    session.apply("vmbus_load")
    session.apply("move_channels", [1])
    display.show_final()
    assert "VMBus channels" not in inspector(display, 1, col, VARIABLES).plain
    assert "VMBus channels are bound to CPU 0" in inspector(display, 0, col, VARIABLES).plain


def test_the_status_line_names_channel_cpus_other_than_the_default() -> None:
    from synic_core import Session
    from synic_core.versions.registry import session_config
    from tui.state.describe import status_line
    from tui.state.display import Display
    from tui.themes import VARIABLES

    assert "channels" not in status_line(Display(Session(session_config())), "20/s", VARIABLES).plain
    assert "4 CPUs · channels on 1-2" in status_line(Display(Session(session_config(channel_cpus=(1, 2)))), "20/s", VARIABLES).plain


def test_the_status_line_says_where_the_channels_are_now() -> None:
    """After M the channels are on CPU 0 (unsaid, the default), not where the session started them."""
    from synic_core import Session
    from synic_core.versions.registry import session_config
    from tui.state.describe import status_line
    from tui.state.display import Display
    from tui.themes import VARIABLES

    session = Session(session_config(channel_cpus=(1, 2)))
    session.apply("vmbus_load")
    session.apply("move_channels", [1])
    display = Display(session)
    display.show_final()
    assert "4 CPUs · channels on 0,2" in status_line(display, "20/s", VARIABLES).plain
    session.apply("move_channels", [2])
    display = Display(session)
    display.show_final()
    assert "channels" not in status_line(display, "20/s", VARIABLES).plain


def test_the_inspector_gives_no_m_hint_on_cpu0() -> None:
    """M moves channels to CPU 0, and x86 never offlines CPU 0: neither is said there."""
    from synic_core import Session
    from synic_core.model.columns import columns_for
    from synic_core.versions.registry import session_config
    from tui.state.describe import inspector
    from tui.state.display import Display
    from tui.themes import VARIABLES

    session = Session(session_config(channel_cpus=(0, 1)))
    display = Display(session)
    col = columns_for(session.config.partition_spec)[0]
    on_cpu0 = inspector(display, 0, col, VARIABLES).plain
    assert "VMBus channels are bound to CPU 0" in on_cpu0 and "M moves them" not in on_cpu0 and "cannot go offline" not in on_cpu0
    assert "M moves them" in inspector(display, 1, col, VARIABLES).plain


async def test_m_says_what_it_moved_or_why_nothing_moved() -> None:
    """M writes no MSR: without a toast a press that moves nothing would look ignored."""
    from .conftest import notifications

    app = make_app("v4")
    async with app.run_test(size=(120, 40)) as pilot:
        app.dashboard.grid.cursor_cpu = 1
        await pilot.press("M")  # VMBus not loaded
        await settle(app)
        assert notifications(app)[-1].message == "VMBus is not connected: it has no channels to move."
        await pilot.press("a", "v", "escape")
        await settle(app)
        app.dashboard.grid.cursor_cpu = 1
        await pilot.press("M")  # CPU 1 holds no channel (they start on CPU 0)
        await settle(app)
        assert "CPU 1 holds no VMBus channel: nothing to move" in notifications(app)[-1].message
        assert notifications(app)[-1].title == "Move channels"
