"""Side panels: findings (newest first), the MSR write trace, the inspector, the legend."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import OptionList, RichLog, Static
from textual.widgets.option_list import Option

from synic_core import Finding, Write
from synic_core.vocabulary import Component

from ..describe import finding_line, trace_line
from .option_list import PagedOptionList

MAX_FINDINGS_SHOWN = 200
MAX_TRACE_LINES = 2000


class FindingsPanel(PagedOptionList):
    """Findings, newest first; choosing one moves the grid cursor to its cell."""

    class FindingChosen(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def show(self, findings: list[Finding]) -> None:
        newest = findings[::-1][:MAX_FINDINGS_SHOWN]
        self._shown = newest
        self.clear_options()
        options = [Option(finding_line(f, self.app.theme_variables), id=str(i)) for i, f in enumerate(newest)]
        if len(findings) > MAX_FINDINGS_SHOWN:
            options.append(Option(f"… {len(findings) - MAX_FINDINGS_SHOWN} older findings (synic run shows all)", disabled=True))
        if not options:
            options.append(Option("No findings yet.", disabled=True))
        self.add_options(options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.FindingChosen(self._shown[int(event.option.id)]))


class TracePanel(RichLog):
    """Every MSR write as it is played, coloured by component, with optional filters."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=MAX_TRACE_LINES, wrap=False, markup=False, **kwargs)  # type: ignore[arg-type]
        self.component: Component | None = None
        self.cpu: int | None = None

    def cycle_component(self) -> None:
        """All writes, then VMBus only, then MSHV only."""
        order: list[Component | None] = [None, "vmbus", "mshv"]
        self.component = order[(order.index(self.component) + 1) % len(order)]

    def accepts(self, w: Write) -> bool:
        return (self.component is None or w.component == self.component) and (self.cpu is None or w.cpu == self.cpu)

    def add(self, step: int, writes: list[Write]) -> None:
        """Append the accepted writes; only the newest MAX_TRACE_LINES are ever rendered."""
        for w in [w for w in writes if self.accepts(w)][-MAX_TRACE_LINES:]:
            self.write(trace_line(step, w, self.app.theme_variables))

    def rebuild(self, history: list[tuple[int, list[Write]]]) -> None:
        self.clear()
        who = {None: "all components", "vmbus": "VMBus only", "mshv": "MSHV only"}[self.component]
        self.border_title = f"trace · {who} · {'all CPUs' if self.cpu is None else f'CPU {self.cpu}'}"
        kept: list[tuple[int, Write]] = []
        for step, writes in reversed(history):
            kept[:0] = [(step, w) for w in writes if self.accepts(w)][-MAX_TRACE_LINES:]
            if len(kept) >= MAX_TRACE_LINES:
                break
        for step, w in kept[-MAX_TRACE_LINES:]:
            self.write(trace_line(step, w, self.app.theme_variables))


class Inspector(Static):
    """Everything about the cursor cell: register, address, fields, owner, history, findings."""


class Legend(Static):
    """What the glyphs and colours mean (they read the same without colour)."""
