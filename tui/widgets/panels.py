"""Side panels: findings (grouped, most severe first), the MSR write trace, the inspector, the legend."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widgets import Input, OptionList, RichLog, Static
from textual.widgets.option_list import Option

from synic_core import Finding, Write
from synic_core.model.findings import SEVERITY_RANK
from synic_core.model.vocabulary import Component, Severity
from synic_core.reports.formatting import grouped_findings, plural
from tui.state.describe import OUTCOME_UNKNOWN, Palette, severity_mark, trace_line
from tui.widgets.option_list import PagedOptionList

MAX_TRACE_LINES = 2000
SEVERITY_FILTERS: tuple[Severity, ...] = ("info", "warning", "error", "fault")  # "at least this severe"
FILTER_KEYS = "f severity · K kind · / search"  # on its own line: the filter above it may take the whole width
SEVERITY_FILTER_LABELS = ("", "warning or worse", "error or worse", "faults only")  # what each filter shows (short: a 40% panel)


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """Findings that differ only by CPU, as the headless report groups them."""

    first: Finding
    count: int
    cpus: str
    message: str
    predicted: bool = False  # faults a trace's profile predicts for writes whose outcome is unknown

    @property
    def key(self) -> tuple[object, ...]:
        f = self.first
        return (f.step, f.kind, f.bank, f.register, f.field, f.component, f.owner, self.predicted)

    def matches(self, query: str) -> bool:
        """Every word of the query matches somewhere: `cpu 2` (or `cpus 1-3`) a CPU of the group, `step 2` its step,
        any other word its kind, severity, register, component, CPUs or message (case-insensitive)."""
        f = self.first
        haystack = (
            f"{f.kind} {f.severity} {f.register or ''}.{f.field or ''} {f.bank or ''} {f.component or ''} {f.owner or ''} "
            f"step {f.step} CPUs {self.cpus} {self.message}{' ' + OUTCOME_UNKNOWN if self.predicted else ''}"
        ).lower()
        for m in _QUERY_WORD.finditer(query):
            what, span, word = m.group(1), m.group(2), m.group(3)
            if what is not None:
                lo, hi = _span(span)
                if what.lower() == "step" and not lo <= f.step <= hi:
                    return False
                if what.lower() != "step" and not self.on_cpus(lo, hi):
                    return False
            elif word.lower() not in haystack and not (_NUMBERS.fullmatch(word) and self.on_cpus(*_span(word))):
                return False
        return True

    def on_cpus(self, lo: int, hi: int) -> bool:
        """Whether any CPU of the group is in lo..hi (read from its ranges: a group of 4096 CPUs is a few spans)."""
        spans = [_span(part) for part in self.cpus.split(",") if part] if self.cpus else []
        if not spans and self.first.cpu is not None:
            spans = [(self.first.cpu, self.first.cpu)]
        return any(a <= hi and lo <= b for a, b in spans)


_QUERY_WORD = re.compile(r"\b(cpus?|step)\s*(\d+(?:-\d+)?)\b|(\S+)", re.IGNORECASE)  # `cpu 2`, `CPUs 1-3`, `step 0`, or a word
_NUMBERS = re.compile(r"\d+(?:-\d+)?")


def _span(text: str) -> tuple[int, int]:
    """ "2" -> (2, 2), "1-3" -> (1, 3)."""
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


def finding_groups(findings: list[Finding], predicted: Callable[[Finding], bool] = lambda f: False) -> list[FindingGroup]:
    """Every finding, grouped; the most severe first (a fault seen before one predicted), then by step (the cause
    before its consequences). A predicted fault is never grouped with one the trace or the kernel log shows."""
    unknown = [f for f in findings if predicted(f)]
    known = [f for f in findings if not predicted(f)] if unknown else findings
    groups = [
        FindingGroup(first, n, cpus, message, part is unknown)
        for part in (known, unknown)
        for first, n, cpus, message in grouped_findings(part)
    ]
    groups.sort(
        key=lambda g: (
            -SEVERITY_RANK[g.first.severity],
            g.predicted,
            g.first.step,
            g.first.write if g.first.write is not None else 1 << 30,
        )
    )
    return groups


def filter_summary(shown: int, total: int, min_severity: int, kind: str | None, search_text: str) -> str:
    """The label above the findings list: what it shows ("3 of 14 groups · error or worse"), then its keys."""
    parts = [f"{shown:,} of {plural(total, 'group')}"] if total else ["no findings"]
    if min_severity:
        parts.append(SEVERITY_FILTER_LABELS[min_severity])
    if kind:
        parts.append(f"{kind} only")
    if search_text:
        parts.append(f"matching {search_text!r}")
    return " · ".join(parts) + "\n" + FILTER_KEYS


class FindingsPanel(PagedOptionList):
    """All findings, grouped by kind, step and register with their CPUs; filter by severity and kind, `/` to search.

    Choosing a group moves the grid cursor to its first cell; the list keeps its place.
    """

    BINDINGS = [  # named on the panel's own first line: the footer keeps the dashboard's keys (80 columns)
        Binding("f", "cycle_severity", "min severity", show=False),
        Binding("K", "cycle_kind", "kind", show=False),
        Binding("slash", "search", "search", show=False),
    ]

    min_severity: var[int] = var(0)
    kind: var[str | None] = var(None)
    search_text: var[str] = var("")

    class FindingChosen(Message):
        def __init__(self, panel: FindingsPanel, finding: Finding) -> None:
            super().__init__()
            self.panel = panel
            self.finding = finding

        @property
        def control(self) -> FindingsPanel:
            return self.panel

    class FilterChanged(Message):
        """The filter or the counts changed: the label above the list says what is shown."""

        def __init__(self, panel: FindingsPanel, summary: str) -> None:
            super().__init__()
            self.panel = panel
            self.summary = summary

        @property
        def control(self) -> FindingsPanel:
            return self.panel

    class SearchRequested(Message):
        """The user pressed `/` in the list: the search field should take the keys."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._all: list[Finding] = []
        self._predicted: Callable[[Finding], bool] = lambda f: False
        self._steps = 0
        self._groups: list[FindingGroup] = []

    @property
    def shown(self) -> list[FindingGroup]:
        return self._groups

    def show(self, findings: list[Finding], steps: int = 0, predicted: Callable[[Finding], bool] = lambda f: False) -> None:
        """`steps`: how many steps those findings come from (0: nothing has happened yet); `predicted`: which are faults
        a trace's profile predicts for writes whose outcome is unknown (`Display.outcome_unknown`)."""
        self._all, self._steps, self._predicted = findings, steps, predicted
        self._rebuild()

    def _rebuild(self) -> None:
        keep = self._groups[self.highlighted].key if self.highlighted is not None and self.highlighted < len(self._groups) else None
        groups = [g for g in finding_groups(self._all, self._predicted) if self._passes(g)]
        self._groups = groups
        self.clear_options()
        palette = self.app.theme_variables
        options = [Option(group_text(g, palette), id=str(i)) for i, g in enumerate(groups)]
        if not options:
            options.append(Option(self._empty_text(), disabled=True))
        self.add_options(options)
        keys = [g.key for g in groups]
        if keep in keys:
            self.highlighted = keys.index(keep)
        self.post_message(self.FilterChanged(self, self.summary()))

    def _passes(self, g: FindingGroup) -> bool:
        f = g.first
        return (
            SEVERITY_RANK[f.severity] >= self.min_severity
            and (self.kind is None or f.kind == self.kind)
            and (not self.search_text or g.matches(self.search_text))
        )

    def _empty_text(self) -> str:
        if self._all:
            return "No finding matches the filter (f: severity, K: kind, /: search)."
        if self._steps:
            return "No findings: every write was made by the register's owner."
        return "No findings yet."

    def summary(self) -> str:
        total = len(finding_groups(self._all, self._predicted)) if self._all else 0
        return filter_summary(len(self._groups), total, self.min_severity, self.kind, self.search_text)

    def watch_min_severity(self) -> None:
        self._rebuild()

    def watch_kind(self) -> None:
        self._rebuild()

    def watch_search_text(self) -> None:
        self._rebuild()

    def action_cycle_severity(self) -> None:
        self.min_severity = (self.min_severity + 1) % len(SEVERITY_FILTERS)

    def action_cycle_kind(self) -> None:
        kinds: list[str | None] = [None, *sorted({f.kind for f in self._all})]
        self.kind = kinds[(kinds.index(self.kind) + 1) % len(kinds)] if self.kind in kinds else None

    def action_search(self) -> None:
        self.post_message(self.SearchRequested())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.FindingChosen(self, self._groups[int(event.option.id)].first))


class FindingsSearch(Input):
    """The findings' search field, above the list: `enter` goes back to the list keeping the search, `esc` clears it and
    goes back. Its hint names what matches (`FindingGroup.matches`)."""

    HINT = "words, cpu 2 · enter: list · esc: clear"  # fits the sidebar at 120 columns
    BINDINGS = [Binding("escape", "leave", "clear the search")]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(placeholder=self.HINT, name=name, id=id, classes=classes)

    def action_leave(self) -> None:
        """Clear the search, hide the field and give the keys back to the findings list beside it."""
        self.value = ""
        self.display = False
        if self.parent is not None:
            for panel in self.parent.query_children(FindingsPanel):
                panel.search_text = ""
                panel.focus()


def group_text(g: FindingGroup, p: Palette) -> Text:
    f = g.first
    reg = f"{f.register}.{f.field}" if f.register and f.field else (f.register or "")
    where = f"CPUs {g.cpus}" if g.count > 1 else (f"CPU {f.cpu}" if f.cpu is not None else "")
    text = Text()
    text.append(*severity_mark(f, p, g.predicted))
    text.append(f" {f.kind}", "bold")
    if g.count > 1:
        text.append(f" ×{g.count}", "bold")
    text.append(f"  step {f.step} {where} {reg}\n")
    text.append(f"  {g.message}")
    return text


class TracePanel(RichLog):
    """Every MSR write as it is played, coloured by component, with optional filters."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(max_lines=MAX_TRACE_LINES, wrap=False, markup=False, name=name, id=id, classes=classes)
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

    def filter_label(self) -> str:
        who = {None: "all components", "vmbus": "VMBus only", "mshv": "MSHV only"}[self.component]
        return f"{who} · {'all CPUs' if self.cpu is None else f'CPU {self.cpu}'}   e who · r CPU"

    def rebuild(self, history: list[tuple[int, list[Write]]]) -> None:
        self.clear()
        kept: list[tuple[int, Write]] = []
        for step, writes in reversed(history):
            kept[:0] = [(step, w) for w in writes if self.accepts(w)][-MAX_TRACE_LINES:]
            if len(kept) >= MAX_TRACE_LINES:
                break
        for step, w in kept[-MAX_TRACE_LINES:]:
            self.write(trace_line(step, w, self.app.theme_variables))


class ScrollingText(VerticalScroll, can_focus=True):
    """A panel of text that scrolls with the wheel and the keys and that `tab` reaches."""

    def __init__(self, text: str | Text = "", *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._initial = text

    def compose(self) -> ComposeResult:
        yield Static(self._initial, classes="panel-text")

    def update(self, text: str | Text) -> None:
        self.query_one(Static).update(text)

    def text(self) -> str:
        return str(self.query_one(Static).render())


class Inspector(ScrollingText):
    """Everything about the cursor cell: register, address, fields, owner, history, findings."""


class Legend(ScrollingText):
    """What the glyphs and colours mean (they read the same without colour)."""
