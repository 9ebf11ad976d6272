"""What `synic trace` reports of a trace, gathered as its windows are judged: sums, never the writes themselves.

Each CPU's writes by writer, the attribution counts, the faults seen, the inferred actions (as rows) and the
findings: a trace of any length is summed up window by window (`add`), in memory that does not grow with its
writes; the whole trace read at once (for `--writes` and the dashboard) is one window (`summary_of`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from synic_core.model.config import SessionConfig
from synic_core.model.findings import Finding, summarize
from synic_core.model.partitions import title
from synic_core.model.vocabulary import ActionName, FindingKindName, Severity
from synic_core.reports.formatting import cpus_text, plural
from synic_core.traces.attribute import ATTRIBUTIONS, WRITERS, Attributed
from synic_core.traces.infer import TraceAction
from synic_core.traces.load import TraceImport
from synic_core.traces.parse import FAULT_FLAGS, GP_FLAG, ParsedTrace, flagged


def who(writer: str | None) -> str:
    return title(writer) if writer else "unknown"


@dataclass(frozen=True, slots=True)
class ActionRow:
    """An inferred action as the report lists it: its CPUs as spans (a module load on 4096 CPUs is one), the trace's
    lines of its first and last write."""

    action: ActionName
    spans: tuple[tuple[int, int], ...]
    why: str
    lines: tuple[int, int]

    @property
    def cpus(self) -> list[int]:
        return [cpu for first, last in self.spans for cpu in range(first, last + 1)]


def spans(cpus: list[int]) -> tuple[tuple[int, int], ...]:
    """Sorted CPUs as runs of consecutive ones: [0, 1, 2, 5] -> ((0, 2), (5, 5))."""
    out: list[tuple[int, int]] = []
    for cpu in cpus:
        if out and cpu == out[-1][1] + 1:
            out[-1] = (out[-1][0], cpu)
        else:
            out.append((cpu, cpu))
    return tuple(out)


@dataclass(slots=True)
class TraceSummary:
    trace: ParsedTrace
    """The trace as read: its name, format, reading statistics, guests and kernel log (not its writes)."""
    config: SessionConfig
    partition_why: str
    partition_guessed: bool
    judged: int = 0
    ncpus: int = 0
    by_writer: dict[int, dict[str, int]] = field(default_factory=dict)
    """CPU -> its writes by writer (as `who` names them), in the order the writers first appear."""
    attribution: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ATTRIBUTIONS, 0))
    gp: int = 0
    """Writes the trace marks ` #GP`."""
    matched: int = 0
    """Writes the kernel log names."""
    faulted: int = 0
    actions: list[ActionRow] = field(default_factory=list)
    """The first MAX_ACTIONS_KEPT inferred actions; the rest are counted by name (`actions_not_kept`)."""
    actions_not_kept: dict[ActionName, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    """The first MAX_FINDINGS_KEPT findings; the rest are counted (`not_kept`)."""
    not_kept: dict[tuple[FindingKindName, Severity], int] = field(default_factory=dict)
    """Findings after the first MAX_FINDINGS_KEPT, counted by kind and severity."""
    windows: int = 1
    """The windows the trace was judged in (one: read whole)."""
    notes: list[str] = field(default_factory=list)
    """What reading the trace in windows changed (a CPU first seen late, a window judged whole)."""

    def add(self, att: Attributed, actions: list[TraceAction], upto: int) -> None:
        """The writes before rank `upto` of a window (the file's first `upto` writes of it) and its `actions`."""
        w = att.writes
        self.judged += upto
        self.ncpus = max(self.ncpus, att.ncpus)
        pairs = Counter(zip(map(w.cpu.__getitem__, att.order[:upto]), att.writer[:upto], strict=True))
        for (cpu, writer), n in pairs.items():
            tally = self.by_writer.setdefault(cpu, {})
            name = who(WRITERS[writer])
            tally[name] = tally.get(name, 0) + n
        for how, n in Counter(att.how[:upto]).items():
            self.attribution[ATTRIBUTIONS[how]] += n
        flags = w.flags[:upto]
        self.gp += flagged(flags, GP_FLAG)
        self.faulted += flagged(flags, FAULT_FLAGS)
        self.matched += sum(1 for i in w.log_line if i < upto)
        line, order = w.line, att.order
        room = max(MAX_ACTIONS_KEPT - len(self.actions), 0)
        self.actions += [ActionRow(a.action, spans(a.cpus), a.why, (line[order[a.first]], line[order[a.last]])) for a in actions[:room]]
        for a in actions[room:]:
            self.actions_not_kept[a.action] = self.actions_not_kept.get(a.action, 0) + 1

    @property
    def action_count(self) -> int:
        return len(self.actions) + sum(self.actions_not_kept.values())

    def keep(self, findings: list[Finding]) -> None:
        """A window's findings: kept while fewer than MAX_FINDINGS_KEPT are, counted after (memory stays bounded)."""
        room = max(MAX_FINDINGS_KEPT - len(self.findings), 0)
        self.findings += findings[:room]
        for f in findings[room:]:
            key = (f.kind, f.severity)
            self.not_kept[key] = self.not_kept.get(key, 0) + 1

    def severities(self, cpu: int | None = None) -> dict[str, int]:
        """Findings by severity, the counted ones too (on one CPU: the kept ones on it)."""
        counts = summarize([f for f in self.findings if cpu is None or f.cpu in (None, cpu)])
        if cpu is None:
            for (_, severity), n in self.not_kept.items():
                counts[severity] += n
        return counts

    def note_header(self) -> None:
        """A header's CPU count that the writes overrule (`#P:4`, then a write on CPU 7) is named, not silently replaced."""
        header, cpus = self.trace.stats.ncpus_header, self.cpus
        if header and self.trace.spec.cpus_from == "header" and cpus and cpus[-1] >= header:
            beyond = [cpu for cpu in cpus if cpu >= header]
            self.notes.append(
                f"the trace's header says {plural(header, 'CPU')}, but it has writes on {cpus_text(beyond)}: "
                f"taken as {plural(max(cpus) + 1, 'CPU')} (check the file: a damaged CPU field reads this way too)"
            )

    def writes_on(self, cpu: int) -> int:
        return sum(self.by_writer.get(cpu, {}).values())

    @property
    def cpus(self) -> list[int]:
        """The CPUs with a write judged."""
        return sorted(self.by_writer)


MAX_ACTIONS_KEPT = 1_000
"""Inferred actions listed whole (`--json`, up to 4096 CPUs each); a longer trace has the rest counted by name (a kexec
loop makes three a cycle)."""
MAX_FINDINGS_KEPT = 20_000
"""Findings kept whole (about 600 bytes each); a trace that makes more has them counted by kind, so that memory stays
bounded whatever its length (a kexec loop of the buggy version makes hundreds a cycle)."""


def summary_of(ti: TraceImport) -> TraceSummary:
    """The summary of a trace read whole: one window."""
    summary = TraceSummary(ti.trace, ti.config, ti.partition_why, ti.partition_guessed)
    summary.add(ti.attributed, ti.actions, len(ti.attributed.order))
    summary.findings = ti.run.findings  # read whole (the dashboard, --writes): every finding kept
    summary.note_header()
    return summary
