"""Compare mode: the session's steps under two MSHV versions (or two profiles), side by side."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from synic_core import Session
from synic_core.columns import columns_for
from synic_core.formatting import summary_line
from synic_core.profiles import PROFILE_NAMES
from synic_core.scenario import parse_scenario, replay, session_scenario
from synic_core.versions import VERSION_NAMES

from ..display import Display
from ..widgets.grid import SynicGrid

NARROW = 120


def default_other(mshv: str) -> str:
    return "mainline" if mshv != "mainline" else "v4"


class CompareScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "close", priority=True),
        Binding("tab", "cycle", "other version"),
        Binding("h", "profiles", "compare profiles"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.left_session = session
        self.field = "mshv"
        self.other = default_other(session.config.mshv)

    def compose(self) -> ComposeResult:
        yield Static(
            "Cells marked ≠ differ from the other side (value or finding). tab: other version, h: compare profiles instead, escape: back.",
            id="compare-help",
        )
        with Horizontal(id="compare-panes"):
            for side in ("left", "right"):
                with Vertical(classes="compare-pane"):
                    yield Static(id=f"{side}-head", classes="compare-head")
                    yield SynicGrid(Display(self.left_session), columns_for(self.left_session.config.partition_spec), id=f"{side}-grid")
        yield Footer()

    def on_mount(self) -> None:
        self.rebuild()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")

    def right_session(self) -> Session:
        data = session_scenario(self.left_session).model_dump() | {self.field: self.other}
        return replay(parse_scenario(data, "compare"), "compare")

    def rebuild(self) -> None:
        columns = columns_for(self.left_session.config.partition_spec)
        left, right = Display(self.left_session), Display(self.right_session())
        lgrid, rgrid = self.query_one("#left-grid", SynicGrid), self.query_one("#right-grid", SynicGrid)
        lgrid.load(left, columns)
        rgrid.load(right, columns)
        lgrid.compare_to, rgrid.compare_to = right, left
        lgrid.invalidate()
        rgrid.invalidate()
        cfg = self.left_session.config
        mine = cfg.mshv if self.field == "mshv" else cfg.hypervisor
        self.query_one("#left-head", Static).update(self._head(mine, left))
        self.query_one("#right-head", Static).update(self._head(self.other, right))

    def _head(self, label: str, display: Display) -> str:
        counts = display.counts()
        what = "mshv" if self.field == "mshv" else "hypervisor"
        return f"[b]{what} {label}[/b]  {summary_line(counts)}"

    def action_cycle(self) -> None:
        names = VERSION_NAMES if self.field == "mshv" else PROFILE_NAMES
        mine = self.left_session.config.mshv if self.field == "mshv" else self.left_session.config.hypervisor
        choices = [n for n in names if n != mine]
        self.other = choices[(choices.index(self.other) + 1) % len(choices)] if self.other in choices else choices[0]
        self.rebuild()

    def action_profiles(self) -> None:
        self.field = "hypervisor" if self.field == "mshv" else "mshv"
        cfg = self.left_session.config
        self.other = default_other(cfg.mshv) if self.field == "mshv" else next(p for p in PROFILE_NAMES if p != cfg.hypervisor)
        self.rebuild()
