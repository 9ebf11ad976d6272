"""Conformance: replay the inferred actions under one MSHV version, compare CPU by CPU with the trace.

Two writes agree when they hit the same MSR with the same bits in every field but the page frame
(real frame numbers are the machine's; only "no page" (0) against "a page" is compared), by the
same driver where the trace's stack names one, and, where the trace or the kernel log shows the write
faulted, the model refuses it too. A write without ` #GP` or a log line has an unknown outcome (a plain
WRMSR is traced with failed=0 whatever happens): only what the trace shows is compared. The first write
where a CPU's trace and the model part is its divergence; a CPU whose whole run agrees conforms.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby, repeat, takewhile
from operator import attrgetter, itemgetter, truth

from synic_core.model.actions import ACTIONS
from synic_core.model.config import SessionConfig
from synic_core.model.partitions import title
from synic_core.model.registers import REGISTERS
from synic_core.model.session import ActionError, Session
from synic_core.model.writes import Write
from synic_core.reports.formatting import plural
from synic_core.traces.attribute import ATTRIBUTIONS, WRITERS, Attributed
from synic_core.traces.formats import SLOTS
from synic_core.traces.infer import TraceAction
from synic_core.traces.parse import FAULT_FLAGS, HOST_FLAG, flagged

KEY_FIELDS = {"SCONTROL": ("enable",), "SIMP": ("enable",), "SIEFP": ("enable",), "SIRBP": ("enable",)}
"""The fields a divergence message names (a SINT's: masked, and the vector when unmasked)."""
COMPARED_APART = frozenset({"frame", "preserved"})
STACK = ATTRIBUTIONS.index("stack")


def describe(register: str, value: int) -> str:
    reg = REGISTERS[register]
    if register.startswith("SINT"):
        masked = reg.field("masked").get(value)
        return f"{register}.masked=1" if masked else f"{register}.masked=0 vector={reg.field('vector').get(value):#x}"
    return register + "." + " ".join(f"{f}={reg.field(f).get(value)}" for f in KEY_FIELDS.get(register, ("value",)))


def _masks(register: str) -> tuple[int, int]:
    """(the bits compared exactly, the frame's bits: compared only as zero or not)."""
    fields = REGISTERS[register].fields
    exact = sum(f.mask for f in fields if f.name not in COMPARED_APART)
    frame = sum(f.mask for f in fields if f.name == "frame")
    return exact, frame


MASKS: dict[str, tuple[int, int]] = {name: _masks(name) for name in REGISTERS}
SLOT_MASKS: tuple[tuple[str, str, int, int], ...] = tuple((bank, name, *MASKS[name]) for bank, name in SLOTS)
"""Each trace slot's (bank, register, exact bits, frame bits): `pair_verdict` looks its write's up once."""


def same_bits(register: str, a: int, b: int) -> bool:
    exact, frame = MASKS[register]
    return not (a ^ b) & exact and (not a & frame) == (not b & frame)


def _field_text(name: str, value: int) -> str:
    if name == "frame":
        return f"frame={value:#x}" if value else "frame=0 (no page)"
    return f"{name}={value:#x}" if value > 1 else f"{name}={value}"


def differing(register: str, a: int, b: int) -> list[str]:
    """The fields `same_bits` tells apart (the frame only as "no page" against "a page")."""
    out = []
    for f in REGISTERS[register].fields:
        x, y = f.get(a), f.get(b)
        if (f.name == "frame" and (x == 0) != (y == 0)) or (f.name not in COMPARED_APART and x != y):
            out.append(f.name)
    return out


def describe_apart(register: str, value: int, other: int) -> str:
    """`describe`, plus the fields where `value` differs from `other` when `describe` alone shows none."""
    text = describe(register, value)
    if text != describe(register, other):
        return text
    extra = [_field_text(name, REGISTERS[register].field(name).get(value)) for name in differing(register, value, other)]
    return " ".join([text, *extra])


@dataclass(frozen=True, slots=True)
class CpuVerdict:
    version: str
    cpu: int
    trace_writes: int
    predicted: int
    divergence: int | None  # the write number on this CPU (from 1) where trace and model part
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "cpu": self.cpu,
            "trace_writes": self.trace_writes,
            "predicted": self.predicted,
            "divergence": self.divergence,
            "message": self.message,
        }


@dataclass(slots=True)
class CheckResult:
    version: str
    profile: str
    replayed: list[tuple[str, list[int]]] = field(default_factory=list)
    replayed_not_kept: int = 0
    """Actions the model applied after the first MAX_REPLAYED_KEPT (listed no more: memory stays bounded)."""
    """Each action the model applied, with the CPUs it ran on (a module load: every online CPU)."""
    notes: list[str] = field(default_factory=list)
    cpus: list[CpuVerdict] = field(default_factory=list)
    faults: int = 0
    unknown: int = 0
    """Writes the model refuses whose outcome the trace cannot show (no ` #GP`, no log line)."""
    log: str | None = None
    """What kind of kernel log was read with the trace (dmesg.LOG_KINDS), or None without one."""
    cut: bool = False
    """Only the trace's first writes were judged (parse.MAX_WRITES_KEPT): a CPU whose writes end there is compared up to there."""

    @property
    def conforms(self) -> bool:
        return all(v.divergence is None for v in self.cpus) and not self.notes

    def exit_code(self) -> int:
        return 0 if self.conforms and not self.faults else 1

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "profile": self.profile,
            "conforms": self.conforms,
            "faults": self.faults,
            "unknown_outcomes": self.unknown,
            "log": self.log,
            "cut": self.cut,
            "replayed": [{"action": a, "cpus": c} for a, c in self.replayed],
            "replayed_not_kept": self.replayed_not_kept,
            "notes": self.notes,
            "cpus": [v.to_dict() for v in self.cpus],
        }


DIFFER, AGREE, AGREE_UNKNOWN = range(3)
"""How a trace write and the model's compare: they differ; they agree; they agree, and the model refuses the write
while the trace cannot show whether it faulted (an unknown outcome)."""


def pair_verdict(t: TraceRecord, w: Write) -> int:
    """DIFFER, AGREE or AGREE_UNKNOWN for the trace's write `t` and the model's `w` (the rules of the module's docstring)."""
    value, attempted = t[VALUE], w.attempted
    bank, register, exact, frame = SLOT_MASKS[t[SLOT]]  # same_bits, inlined: this runs on every write
    if register != w.register or bank != w.bank or (value ^ attempted) & exact or (not value & frame) != (not attempted & frame):
        return DIFFER
    if t[HOW] == STACK and WRITERS[t[WRITER]] != w.component:
        return DIFFER
    if t[FLAGS] & FAULT_FLAGS:
        return AGREE if w.rejected else DIFFER
    return AGREE_UNKNOWN if w.rejected else AGREE


def gather(positions: array[int]) -> Callable[[array[int]], tuple[int, ...]]:
    """A column's items at `positions` (one or more), as a tuple, gathered in one C-level call: `feed` reads five
    columns for every write of the trace."""
    if len(positions) == 1:
        only = positions[0]
        return lambda column: (column[only],)
    return itemgetter(*positions)


def replay_cpus(a: TraceAction, session: Session) -> list[int] | None:
    scope = ACTIONS[a.action].scope
    if scope in ("cpu", "crash"):
        return a.cpus[:1]
    if scope == "machine":
        return session.state.online_cpus()[:1]
    return None  # module loads and unloads run on every online CPU


TraceRecord = tuple[int, int, int, int, int, int, int]
"""A trace write as the comparison sees it: (slot, value, flags, writer, how, its number on its CPU, its kernel-log line or 0)."""
SLOT, VALUE, FLAGS, WRITER, HOW, NUMBER, LOG_LINE = range(7)
CPU_OF = attrgetter("cpu")
MAX_REPLAYED_KEPT = 1_000
"""Actions the model applied that the result lists (with their CPUs, up to 4096 each); the rest are counted."""
KEPT_AFTER_DIVERGENCE = 2
"""Writes of each side kept from a CPU's divergence on: `why` looks one write ahead on both."""
MAX_WAITING = 4096
"""Writes one side of a CPU may have while the other has none to compare them with (the trace is read ahead of the
model by at most one window; an action writes a few dozen per CPU): past this the CPU diverges there, so that memory
stays bounded whatever the trace holds."""


@dataclass(slots=True)
class _CpuRun:
    """One CPU's comparison as writes come from both sides: the writes not compared yet (at a divergence: the first
    two of each side from there), how many agreed, and how many each side has."""

    trace: list[TraceRecord] = field(default_factory=list)
    model: list[Write] = field(default_factory=list)
    agreed: int = 0
    traced: int = 0
    predicted: int = 0
    last_number: int = 0
    diverged: bool = False
    waited: str = ""
    waited_at: int = 0
    """Which side had more than MAX_WAITING writes the other side had none to compare with ("trace", "model"), if any."""

    def compare(self, conformance: Conformance) -> None:
        """The pairs both sides have, in order, up to the first that does not agree (there the CPU diverges):
        `pair_verdict` is mapped over them, the agreed ones leave both lists at once, and their unknown outcomes count."""
        trace, model = self.trace, self.model
        if not self.diverged and trace and model:
            verdicts = list(takewhile(truth, map(pair_verdict, trace, model)))
            agreed = len(verdicts)
            conformance.unknown += verdicts.count(AGREE_UNKNOWN)
            del trace[:agreed], model[:agreed]
            self.agreed += agreed
            self.diverged = bool(trace and model)  # the pair after the agreed ones did not agree
        if len(model) > MAX_WAITING and not self.diverged:  # the model far ahead of the trace here (a trace side is bounded by its window)
            self.diverged, self.waited, self.waited_at = True, "model", self.last_number + 1  # every write fed had agreed
        if self.diverged:
            del trace[KEPT_AFTER_DIVERGENCE:], model[KEPT_AFTER_DIVERGENCE:]


class Conformance:
    """The comparison of a trace with the model, fed as the trace is read (`trace_writes`) and as the inferred actions
    are replayed (`replay`): each CPU's writes on both sides are compared in order, and only those not compared yet are
    held, so a trace of any length is compared in the memory of the writes between the two sides."""

    def __init__(self, config: SessionConfig, *, cut: bool = False) -> None:
        self.config = config
        self.version, self.profile = config.mshv, config.hypervisor
        self.result = CheckResult(config.mshv, config.hypervisor, cut=cut)
        self.session = Session(config, keep_history=False, judge=False)
        self.runs: dict[int, _CpuRun] = {}
        self.unknown = 0
        self.unknown_after: set[tuple[int, int]] = set()  # (CPU, number) of writes past a divergence `why` found unknown
        self.faults = 0
        self.cut = cut

    def run(self, cpu: int) -> _CpuRun:
        return self.runs.get(cpu) or self.runs.setdefault(cpu, _CpuRun())

    def feed(self, att: Attributed, upto: int, numbers: dict[int, int]) -> None:
        """The trace's writes before rank `upto` join their CPU's comparison, CPU by CPU; `numbers` counts each CPU's writes
        so far (the VMM's own, KVM `host 1`, count there but are not compared: they are not the guest kernel's)."""
        w, order = att.writes, att.order
        hosts = flagged(w.flags, HOST_FLAG) > 0
        log_line = w.log_line.get if w.log_line else None
        for cpu, all_ranks in att.per_cpu.items():
            count = bisect_left(all_ranks, upto)
            if not count:
                continue
            ranks = all_ranks[:count]
            idx = ranks if att.in_order else array("I", map(order.__getitem__, ranks))
            base = numbers.get(cpu, 0)
            numbers[cpu] = base + count
            lines = map(log_line, idx, repeat(0)) if log_line else repeat(0)
            at_index = gather(idx)
            at_rank = at_index if att.in_order else gather(ranks)
            records = list(
                zip(
                    at_index(w.slot),
                    at_index(w.value),
                    at_index(w.flags),
                    at_rank(att.writer),
                    at_rank(att.how),
                    range(base + 1, base + count + 1),
                    lines,
                    strict=False,  # `lines` repeats 0 without end when the trace has no log
                )
            )
            if hosts:
                records = [r for r in records if not r[FLAGS] & HOST_FLAG]
            if records:
                self.trace_records(cpu, records)

    def trace_records(self, cpu: int, records: list[TraceRecord]) -> None:
        run = self.run(cpu)
        run.traced += len(records)
        run.last_number = records[-1][NUMBER]
        run.trace.extend(records if not run.diverged else records[: max(KEPT_AFTER_DIVERGENCE - len(run.trace), 0)])
        run.compare(self)

    def judge(self, att: Attributed, actions: Sequence[TraceAction], upto: int, numbers: dict[int, int]) -> None:
        """The trace's writes before rank `upto`, then the model's for `actions`; a CPU where one side then waits with
        more than MAX_WAITING writes the other has not matched diverges there."""
        self.feed(att, upto, numbers)
        self.replay(actions)
        for run in self.runs.values():
            if not run.diverged and (len(run.trace) > MAX_WAITING or len(run.model) > MAX_WAITING):
                run.diverged, run.waited = True, "trace" if len(run.trace) > MAX_WAITING else "model"
                run.compare(self)

    def grow(self, ncpus: int) -> None:
        """CPUs a later window of the trace shows first join the model's machine (online, no driver live)."""
        if ncpus > self.session.state.ncpus:
            self.session.state.grow(self.config.partition_spec, ncpus)
            self.session.config = replace(self.session.config, cpus=ncpus)

    def channel_cpus(self, cpus: tuple[int, ...]) -> None:
        """CPUs the trace shows holding a channel (an offline rolled back) from here on: the model binds them too."""
        for cpu in cpus:
            if cpu < len(self.session.state.cpus):
                state = self.session.state.cpus[cpu]
                state.channels = state.channels_home = True

    def replay(self, actions: Iterable[TraceAction]) -> None:
        """The model applies each action; its writes join each CPU's comparison, which runs once the actions are
        applied (the trace's writes for them are fed already), or sooner on a CPU whose model side passes MAX_WAITING
        writes: one pass a CPU rather than one a step and CPU, with the same outcome (the writes not matched only grow
        while the model runs ahead of the trace). Meanwhile a CPU holds at most MAX_WAITING of the model's writes, as it
        holds the window's of the trace."""
        session, result = self.session, self.result
        touched: dict[int, _CpuRun] = {}
        for a in actions:
            try:
                step = session.apply(a.action, replay_cpus(a, session))
            except ActionError as exc:
                result.notes.append(f"the model cannot apply {a.action} on CPUs {a.cpus} here: {exc}")
                continue
            if len(result.replayed) < MAX_REPLAYED_KEPT:
                result.replayed.append((a.action, step.cpus))
            else:
                result.replayed_not_kept += 1
            for cpu, same_cpu in groupby(step.writes, CPU_OF):  # a step writes CPU by CPU: few runs of several writes
                run = touched[cpu] = self.run(cpu)
                writes = list(same_cpu)
                run.predicted += len(writes)
                model = run.model
                if not run.diverged:
                    model += writes
                    if len(model) > MAX_WAITING:
                        run.compare(self)
                elif len(model) < KEPT_AFTER_DIVERGENCE:
                    model += writes[: KEPT_AFTER_DIVERGENCE - len(model)]
        for run in touched.values():
            run.compare(self)

    def agrees(self, t: TraceRecord, w: Write, cpu: int) -> bool:
        """Whether the trace's write and the model's agree, for the look-ahead of `why` past a divergence on `cpu`: a
        write the model refuses whose outcome the trace cannot show is remembered there as unknown."""
        verdict = pair_verdict(t, w)
        if verdict == AGREE_UNKNOWN:
            self.unknown_after.add((cpu, t[NUMBER]))
        return verdict != DIFFER

    def finish(self, ncpus: int, faults: int, log: str | None) -> CheckResult:
        """The verdicts, once both sides have given every write."""
        result = self.result
        for cpu in range(ncpus):
            run = self.runs.get(cpu)
            if run is not None and (run.traced or run.predicted):
                result.cpus.append(self.verdict(cpu, run))
        result.faults = faults
        result.unknown = self.unknown + len(self.unknown_after)
        result.log = log
        return result

    def verdict(self, cpu: int, run: _CpuRun) -> CpuVerdict:
        if not run.trace and (not run.model or self.cut):
            upto = " up to where the trace was cut" if run.model else ""
            said = f"CPU {cpu}: conforms to {self.version}{upto} ({plural(run.traced, 'write')})"
            return CpuVerdict(self.version, cpu, run.traced, run.predicted, None, said)
        n = run.waited_at if run.waited == "model" else run.trace[0][NUMBER] if run.trace else run.last_number + 1
        return CpuVerdict(self.version, cpu, run.traced, run.predicted, n, f"CPU {cpu}, write {n}: {self.why(cpu, run)}")

    def who(self, t: TraceRecord) -> str:
        text = describe(SLOTS[t[SLOT]][1], t[VALUE])
        writer = WRITERS[t[WRITER]]
        return f"{title(writer)} wrote {text}" if writer else f"an unattributed write set {text}"

    def model_text(self, w: Write, where: str = "") -> str:
        return f"{describe(w.register, w.attempted)}{where} ({title(w.component)}: {w.source})"

    def why(self, cpu: int, run: _CpuRun) -> str:
        v, trace, predicted = self.version, run.trace, run.model
        if run.waited == "model":
            missing = f"the trace has no write here for the next {MAX_WAITING:,} writes the model makes on this CPU"
            return f"{missing}; {v} predicts {self.model_text(predicted[0], ' next')}"
        if run.waited == "trace":
            return f"{self.who(trace[0])}; {v} writes nothing for it and the {MAX_WAITING:,} writes after it on this CPU"
        if not trace:
            lead = "the trace has no write on this CPU" if not run.traced else "the trace has no more writes on this CPU"
            return f"{lead}; {v} predicts {self.model_text(predicted[0], ' next')}"
        said = self.who(trace[0])
        if not predicted:
            return f"{said}; {v} writes nothing more on this CPU"
        p = predicted[0]
        next_in_trace = len(trace) > 1 and self.agrees(trace[1], p, cpu)
        after = len(predicted) > 1 and self.agrees(trace[0], predicted[1], cpu)
        if next_in_trace and after:
            return f"{said}; {v} writes {self.model_text(p, ' here')}, and this one after it (swapped)"
        if next_in_trace:
            return f"{said}; {v} writes nothing here (it predicts {p.register} next)"
        if after:
            return f"{said}; {v} first writes {self.model_text(p)}, missing from the trace"
        return self._differs(trace[0], p, said)

    def _differs(self, t: TraceRecord, p: Write, said: str) -> str:
        v = self.version
        if SLOTS[t[SLOT]] != (p.bank, p.register):
            return f"{said}; {v} writes {self.model_text(p, ' here')}"
        if same_bits(p.register, t[VALUE], p.attempted):
            if t[FLAGS] & FAULT_FLAGS and not p.rejected:
                seen = f"the kernel log's line {t[LOG_LINE]}" if t[LOG_LINE] else "#GP in the trace"
                return f"{said}, which faulted ({seen}); {v} under the {self.profile} profile predicts it goes through"
            return f"{said}; {v} has {title(p.component)} write it here ({p.source})"
        writer = WRITERS[t[WRITER]]
        shown = describe_apart(p.register, t[VALUE], p.attempted)
        shown = f"{title(writer)} wrote {shown}" if writer else f"an unattributed write set {shown}"
        theirs = describe_apart(p.register, p.attempted, t[VALUE])
        return f"{shown}; {v} writes {theirs} here ({title(p.component)}: {p.source})"


def check_trace(att: Attributed, actions: Sequence[TraceAction], config: SessionConfig) -> CheckResult:
    """Replay the inferred actions under `config` and compare each CPU's writes with the trace's."""
    conformance = Conformance(config, cut=bool(att.trace.stats.not_kept))
    conformance.judge(att, actions, len(att.order), {})
    log = att.trace.log
    return conformance.finish(att.ncpus, flagged(att.writes.flags, FAULT_FLAGS), None if log is None else log.kind)
