"""What the dashboard shows: the machine as of the last write played back.

The session computes a whole action at once; `Display` replays its writes one at a time on a
copy of the state before the action, and reveals each finding at the write that caused it.
Pure Python (no textual), so playback is tested without a terminal.
"""

from __future__ import annotations

from dataclasses import replace

from synic_core import Finding, Session, StepResult
from synic_core.findings import SEVERITY_RANK
from synic_core.registers import STATE_INDEX
from synic_core.state import CpuState

Cell = tuple[int, str, str]  # (cpu, bank, register)


class Display:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.step: StepResult | None = None
        self.pos = 0  # writes of `step` played so far
        self.last: Cell | None = None  # the cell written last (it flashes)
        self.show_final()

    # -- whole states ---------------------------------------------------------------------
    def _load(self, regs: dict[str, list[list[int]]], writer: dict[str, list[list[str]]], cpus: list[CpuState]) -> None:
        self.regs = {b: [row[:] for row in rows] for b, rows in regs.items()}
        self.writer = {b: [row[:] for row in rows] for b, rows in writer.items()}
        self.cpus = [replace(c) for c in cpus]

    def show_final(self) -> None:
        """Show the session's current state, every finding revealed."""
        st = self.session.state
        self._load(st.regs, st.writer, st.cpus)
        self.step, self.pos, self.last = None, 0, None
        self.findings: list[Finding] = self.session.findings
        self.marks = marks_of(self.findings)

    def begin(self, step: StepResult) -> None:
        """Rewind to the state before `step` (the last one in history) and play it from its first write."""
        before = self.session.state_before(step.index)
        self._load(before.regs, before.writer, before.cpus)
        self.step, self.pos, self.last = step, 0, None
        self.findings = [f for s in self.session.history[: step.index] for f in s.findings]
        self.marks = marks_of(self.findings)

    # -- playback -------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.step is not None

    @property
    def total(self) -> int:
        return len(self.step.writes) if self.step else 0

    def advance(self, n: int) -> tuple[set[Cell], list[Finding], bool]:
        """Play up to `n` writes: the cells they changed, the findings they revealed, and whether it ended."""
        step = self.step
        if step is None:
            return set(), [], True
        changed: set[Cell] = set()
        end = min(self.pos + n, len(step.writes))
        for w in step.writes[self.pos:end]:
            ri = STATE_INDEX[w.register]
            self.regs[w.bank][w.cpu][ri] = w.new
            if not w.rejected:
                self.writer[w.bank][w.cpu][ri] = w.component
            changed.add((w.cpu, w.bank, w.register))
            self.last = (w.cpu, w.bank, w.register)
        revealed = [f for f in step.findings if f.write is not None and self.pos <= f.write < end]
        self.pos = end
        self._reveal(revealed)
        if end >= len(step.writes):
            return changed, self._finish(), True
        return changed, revealed, False

    def _reveal(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)
        for f in findings:
            _mark(self.marks, f)

    def _finish(self) -> list[Finding]:
        """End of the action: state findings (no causing write) appear, and the final driver state."""
        step = self.step
        assert step is not None
        rest = [f for f in step.findings if f.write is None]
        last = self.last
        self.show_final()
        self.last = last
        return rest

    # -- queries --------------------------------------------------------------------------
    def value(self, cpu: int, bank: str, register: str) -> int:
        return self.regs[bank][cpu][STATE_INDEX[register]]

    def last_writer(self, cpu: int, bank: str, register: str) -> str:
        return self.writer[bank][cpu][STATE_INDEX[register]]

    def severity(self, cpu: int, bank: str, register: str) -> int:
        return self.marks.get((cpu, bank, register), -1)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITY_RANK, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts


def marks_of(findings: list[Finding]) -> dict[Cell, int]:
    marks: dict[Cell, int] = {}
    for f in findings:
        _mark(marks, f)
    return marks


def _mark(marks: dict[Cell, int], f: Finding) -> None:
    if f.cpu is None or f.bank is None or f.register is None:
        return
    key = (f.cpu, f.bank, f.register)
    rank = SEVERITY_RANK[f.severity]
    if rank > marks.get(key, -1):
        marks[key] = rank
