"""An imported trace as a dashboard session: its inferred actions are the steps, the machine's writes their content.

Read-only: the writes happened, so no action applies to it (`apply` raises `ActionError`), and a
state from its past is a copy taken while the trace was replayed, not a re-run of the model. Each
write keeps what the trace said about it (timestamp, task, attribution, stack) for the panels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from synic_core.model.findings import Finding
from synic_core.model.session import ActionError, Session
from synic_core.model.state import MachineState
from synic_core.model.vocabulary import Attribution
from synic_core.model.writes import StepResult, Write
from synic_core.traces.attribute import ATTRIBUTIONS, WRITERS
from synic_core.traces.check import replay_cpus
from synic_core.traces.formats import SLOTS
from synic_core.traces.load import TraceImport
from synic_core.traces.reading import TraceError
from synic_core.traces.replay import UNKNOWN_WRITER, TraceRun, replay_trace


@dataclass(slots=True)
class TraceWrite(Write):
    """A write as the trace showed it; `component` is "hypervisor" for a KVM host write, "unknown" when unattributed."""

    timestamp: float = 0.0
    task: str = ""
    attribution: Attribution = "unknown"
    stack: tuple[str, ...] = ()
    line: int = 0
    number: int = 0  # the write's number on its CPU, from 1
    log_line: int | None = None  # the kernel log's line that names its fault (`rejected` then, with no ` #GP` in the trace)
    outcome_unknown: bool = False
    """The profile refuses the write, but neither the trace (no ` #GP`) nor a matched kernel-log line shows whether it
    faulted: the replay applies it, and its `hypervisor_fault` finding is a prediction (docs/traces.md)."""


READ_ONLY = "a real trace is read-only. Press s to replay it in the model, where actions apply"
"""What an action key in a trace session says (a toast: short, and what to do instead)."""
NO_STEPS = "no run of writes matches a driver sequence, so there are no steps to play; synic trace FILE lists its writes"


class TraceSession(Session):
    """A read-only session built from an imported trace (see the module docstring)."""

    def __init__(self, ti: TraceImport) -> None:
        super().__init__(ti.config)
        if not ti.actions:
            raise TraceError(f"{ti.trace.path}: {NO_STEPS}")
        self.imported = ti
        starts = [0] + [a.first for a in ti.actions[1:]]
        run = replay_trace(ti.attributed, ti.actions, ti.config, frozenset(starts))
        ends = [*starts[1:], len(ti.attributed.order)]
        cpus = model_cpus(ti)
        self.history = [self._step(k, ti, run, start, end, cpus[k]) for k, (start, end) in enumerate(zip(starts, ends, strict=True))]
        self._before = [run.states[s] for s in starts]
        self.state = run.state

    def _step(self, k: int, ti: TraceImport, run: TraceRun, start: int, end: int, cpus: list[int]) -> StepResult:
        a = ti.actions[k]
        step = StepResult(index=k, action=a.action, cpus=cpus, notes=[a.why])
        step.writes = [trace_write(ti, run, rank, rank - start) for rank in range(start, end)]
        step.findings = [
            _placed(f, k, rank - start if by_write else None)
            for f, (rank, by_write) in zip(run.findings, run.at, strict=True)
            if start <= rank < end
        ]
        return step

    # -- read-only ----------------------------------------------------------------------------
    def apply(self, action: str, cpus: list[int] | None = None) -> StepResult:
        raise ActionError("trace", READ_ONLY)

    def can_undo(self) -> bool:
        return False

    def undo(self) -> StepResult | None:
        return None

    def redo(self) -> StepResult | None:
        return None

    def state_before(self, step_index: int) -> MachineState:
        if not 0 <= step_index <= len(self.history):
            raise IndexError(f"step {step_index} is not in the history (0..{len(self.history)})")
        return self.state if step_index == len(self.history) else self._before[step_index]


def model_cpus(ti: TraceImport) -> list[list[int]]:
    """Each step's CPUs as the model takes them (a module load: every online CPU; a kexec: the reboot CPU),
    so that saving the session or switching the version replays the same actions; the trace's own CPUs where
    the model cannot apply an action."""
    model, out = Session(ti.config, keep_history=False, judge=False), []
    for a in ti.actions:
        try:
            out.append(model.apply(a.action, replay_cpus(a, model)).cpus)
        except ActionError:
            out.append(a.cpus)
    return out


def _placed(f: Finding, step: int, write: int | None) -> Finding:
    return replace(f, step=step, write=write)


def trace_write(ti: TraceImport, run: TraceRun, rank: int, index: int) -> TraceWrite:
    att = ti.attributed
    w = att.writes
    i = att.order[rank]
    bank, register = SLOTS[w.slot[i]]
    old, value, faulted = run.old[rank], w.value[i], w.faulted(i)  # ` #GP`, or the kernel log's error matched to it
    new = old if faulted else value
    return TraceWrite(
        index=index,
        cpu=w.cpu[i],
        bank=bank,
        component=WRITERS[att.writer[rank]] or UNKNOWN_WRITER,  # type: ignore[arg-type]  # the trace's writer, shown as such
        register=register,
        old=old,
        new=new,
        attempted=value,
        rejected=faulted,
        source=att.source[rank],
        timestamp=w.ts[i],
        task=w.tasks[w.task[i]],
        attribution=ATTRIBUTIONS[att.how[rank]],
        stack=w.stacks[w.stack[i]],
        line=w.line[i],
        log_line=w.log_line.get(i),
        number=att.position(rank),
        outcome_unknown=rank in run.unknown,
    )


def outcome_unknown(session: Session, f: Finding) -> bool:
    """Whether `f` is a fault the profile predicts for a trace's write whose outcome the trace does not show
    (drawn as "outcome unknown", never as a fault that happened). False for every finding of a simulated session."""
    if not isinstance(session, TraceSession) or f.kind != "hypervisor_fault" or f.write is None:
        return False
    w = session.history[f.step].writes[f.write]
    return isinstance(w, TraceWrite) and w.outcome_unknown
