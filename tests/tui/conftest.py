"""The dashboard tests' app factory: fixed settings, playback ticked by hand."""

from __future__ import annotations

from synic_core import Session, SessionConfig
from tui.app import SynicApp


def make_app(mshv: str = "patch5-only", partition: str = "l1vh", cpus: int = 4, instant: bool = True) -> SynicApp:
    """Playback is driven by `app.dashboard.tick()` in tests, never by the wall clock."""
    return SynicApp(Session(SessionConfig(partition=partition, mshv=mshv, cpus=cpus)), instant=instant, manual_ticks=True)


async def settle(app: SynicApp) -> None:
    """Wait until every action computed in a worker (large machines) has been applied and queued ones too."""
    from textual.pilot import Pilot

    pilot: Pilot[None] = Pilot(app)
    while app.dashboard.computing or app.workers:
        await app.workers.wait_for_complete()
        await pilot.pause()
