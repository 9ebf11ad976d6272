"""What the dashboard shows: the machine as of the last write played back.

The session computes a whole action at once; `Display` replays its writes one at a time on a
copy of the state before the action, and reveals each finding at the write that caused it.
Pure Python (no textual), so playback is tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from synic_core import Finding, Session, StepResult, Write
from synic_core.model.findings import SEVERITY_RANK
from synic_core.model.registers import STATE_INDEX
from synic_core.model.state import CpuState
from synic_core.traces.session import outcome_unknown

Cell = tuple[int, str, str]  # (cpu, bank, register)


class Display:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.step: StepResult | None = None
        self.pos = 0  # writes of `step` played so far
        self.last: Cell | None = None  # the cell written last (it flashes)
        self._indexes: dict[int, tuple[StepResult, dict[Cell, list[Write]]]] = {}
        self._step_start = 0
        self.upto = 0
        self.show_final()

    # -- whole states ---------------------------------------------------------------------
    def _load(self, regs: dict[str, list[list[int]]], writer: dict[str, list[list[str]]], cpus: list[CpuState]) -> None:
        self.regs = {b: [row[:] for row in rows] for b, rows in regs.items()}
        self.writer = {b: [row[:] for row in rows] for b, rows in writer.items()}
        self.cpus = [replace(c) for c in cpus]

    def show_final(self) -> None:
        """Show the session's current state, every finding revealed."""
        self.show_upto(len(self.session.history))

    def show_upto(self, n: int) -> None:
        """Show the machine after the first `n` steps (time travel; n = len(history) is the present)."""
        history = self.session.history
        st = self.session.state if n >= len(history) else self.session.state_before(n)
        self._load(st.regs, st.writer, st.cpus)
        self.step, self.pos, self.last = None, 0, None
        self.upto = min(n, len(history))
        self.findings: list[Finding] = [f for s in history[: self.upto] for f in s.findings]
        self.marks = CellFindings(self.findings, self.outcome_unknown)
        self._counts = _count(self.findings)

    def begin(self, step: StepResult) -> None:
        """Rewind to the state before `step` (the last one in history) and play it from its first write."""
        before = self.session.state_before(step.index)
        self._load(before.regs, before.writer, before.cpus)
        self.step, self.pos, self.last = step, 0, None
        self.upto = step.index
        self.findings = [f for s in self.session.history[: step.index] for f in s.findings]
        self._step_start = len(self.findings)
        self.marks = CellFindings(self.findings, self.outcome_unknown)
        self._counts = _count(self.findings)

    # -- playback -------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.step is not None

    @property
    def at_present(self) -> bool:
        return self.step is None and self.upto == len(self.session.history)

    # -- time travel ----------------------------------------------------------------------
    def boundaries(self) -> list[int]:
        """Global write index at the start of each step, plus the total."""
        out = [0]
        for s in self.session.history:
            out.append(out[-1] + len(s.writes))
        return out

    @property
    def position(self) -> int:
        """Writes shown so far, counted across the whole history."""
        start = self.boundaries()[self.upto]
        return start + self.pos if self.step is not None else start

    def seek(self, position: int) -> None:
        """Show the machine after exactly `position` MSR writes of the history."""
        bounds = self.boundaries()
        position = max(0, min(position, bounds[-1]))
        k = max(i for i, b in enumerate(bounds) if b <= position)
        if bounds[k] == position:
            self.show_upto(k)
            return
        self.begin(self.session.history[k])
        self.advance(position - bounds[k])

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
        for w in step.writes[self.pos : end]:
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
            self.marks.add(f)
            self._counts[f.severity] += 1

    def _finish(self) -> list[Finding]:
        """End of the action: state findings (no causing write) appear, and the final driver state."""
        step = self.step
        assert step is not None
        rest = [f for f in step.findings if f.write is None]
        last = self.last
        self.show_upto(step.index + 1)
        self.last = last
        return rest

    # -- queries --------------------------------------------------------------------------
    def value(self, cpu: int, bank: str, register: str) -> int:
        return self.regs[bank][cpu][STATE_INDEX[register]]

    def last_writer(self, cpu: int, bank: str, register: str) -> str:
        return self.writer[bank][cpu][STATE_INDEX[register]]

    def severity(self, cpu: int, bank: str, register: str) -> int:
        return self.marks.rank.get((cpu, bank, register), -1)

    def cell_outcome_unknown(self, cpu: int, bank: str, register: str) -> bool:
        """A write to the cell, as far as played, is one whose outcome a trace does not show, and the profile refuses."""
        return (cpu, bank, register) in self.marks.unknown

    def outcome_unknown(self, f: Finding) -> bool:
        """`f` is a predicted fault of a trace's write, not one the trace or the kernel log shows."""
        return outcome_unknown(self.session, f)

    def cell_findings(self, cpu: int, bank: str, register: str) -> list[Finding]:
        return self.marks.by_cell.get((cpu, bank, register), [])

    def step_findings(self) -> list[Finding]:
        """Findings of the step being played (as far as revealed), else of the last step."""
        if self.step is not None:
            return self.findings[self._step_start :]
        history = self.session.history
        return history[-1].findings if history else []

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def outcome_unknown_count(self) -> int:
        """How many of the faults counted are predictions for writes whose outcome a trace does not show."""
        return self.marks.unknown_count

    def cell_writes(self, cpu: int, bank: str, register: str) -> list[tuple[int, Write]]:
        """Writes to one register of one CPU, as far as playback has got (indexed once per step)."""
        out: list[tuple[int, Write]] = []
        for step in self.session.history:
            writes = self._index(step).get((cpu, bank, register), [])
            if self.step is step:
                out += [(step.index, w) for w in writes if w.index < self.pos]
                break
            out += [(step.index, w) for w in writes]
        return out

    def _index(self, step: StepResult) -> dict[Cell, list[Write]]:
        cached = self._indexes.get(id(step))
        if cached is None or cached[0] is not step:
            index: dict[Cell, list[Write]] = {}
            for w in step.writes:
                index.setdefault((w.cpu, w.bank, w.register), []).append(w)
            cached = self._indexes[id(step)] = (step, index)
        return cached[1]


def _count(findings: list[Finding]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(SEVERITY_RANK, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


class CellFindings:
    """Findings indexed by cell, with the strongest severity of each (what the grid highlights).

    A fault predicted for a write whose outcome is unknown (`predicted`) does not rank as a fault: its cell is
    in `unknown`, which the grid draws as "outcome unknown"."""

    def __init__(self, findings: list[Finding], predicted: Callable[[Finding], bool]) -> None:
        self.by_cell: dict[Cell, list[Finding]] = {}
        self.rank: dict[Cell, int] = {}
        self.unknown: set[Cell] = set()
        self.unknown_count = 0  # predicted faults (each also counted as a fault by `Display.counts`)
        self.predicted = predicted
        for f in findings:
            self.add(f)

    def add(self, f: Finding) -> None:
        if f.cpu is None or f.bank is None or f.register is None:
            return
        key = (f.cpu, f.bank, f.register)
        self.by_cell.setdefault(key, []).append(f)
        if self.predicted(f):
            self.unknown.add(key)
            self.unknown_count += 1
            return
        rank = SEVERITY_RANK[f.severity]
        if rank > self.rank.get(key, -1):
            self.rank[key] = rank
