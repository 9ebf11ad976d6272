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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from synic_core.model.actions import ACTIONS
from synic_core.model.config import SessionConfig
from synic_core.model.partitions import title
from synic_core.model.registers import REGISTERS
from synic_core.model.session import ActionError, Session
from synic_core.model.writes import Write
from synic_core.traces.attribute import ATTRIBUTIONS, WRITERS, Attributed
from synic_core.traces.formats import SLOTS
from synic_core.traces.infer import TraceAction
from synic_core.traces.parse import FAULT_FLAGS, HOST_FLAG

KEY_FIELDS = {"SCONTROL": ("enable",), "SIMP": ("enable",), "SIEFP": ("enable",), "SIRBP": ("enable",)}
"""The fields a divergence message names (a SINT's: masked, and the vector when unmasked)."""
COMPARED_APART = frozenset({"frame", "preserved"})
STACK = ATTRIBUTIONS.index("stack")
FAULTED_BYTE = bytes(b & FAULT_FLAGS for b in range(256))
"""A write's flags byte to its fault bits alone: counting the writes that faulted is counting the bytes not 0."""


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
            "notes": self.notes,
            "cpus": [v.to_dict() for v in self.cpus],
        }


def replay_cpus(a: TraceAction, session: Session) -> list[int] | None:
    scope = ACTIONS[a.action].scope
    if scope in ("cpu", "crash"):
        return a.cpus[:1]
    if scope == "machine":
        return session.state.online_cpus()[:1]
    return None  # module loads and unloads run on every online CPU


def replay_actions(actions: Sequence[TraceAction], config: SessionConfig, result: CheckResult) -> Iterator[Write]:
    """The model's writes, action by action; a session without history lets go of each step once its writes are
    taken (no steps, no checkpoints: memory stays one machine's whatever the number of actions)."""
    session = Session(config, keep_history=False)
    for a in actions:
        cpus = replay_cpus(a, session)
        try:
            step = session.apply(a.action, cpus)
        except ActionError as exc:
            result.notes.append(f"the model cannot apply {a.action} on CPUs {a.cpus} here: {exc}")
            continue
        result.replayed.append((a.action, step.cpus))
        yield from step.writes


@dataclass(slots=True)
class _Window:
    """The model's writes on one CPU as `why` sees them: only the one at the divergence and the one after it are kept."""

    start: int
    items: list[Write]

    def __len__(self) -> int:
        return self.start + len(self.items)

    def __getitem__(self, k: int) -> Write:
        return self.items[k - self.start]


@dataclass(slots=True)
class _CpuRun:
    """One CPU's comparison as the model's writes come: how many agreed, and the first that did not."""

    trace: array[int]
    agreed: int = 0
    predicted: int = 0
    held: list[Write] = field(default_factory=list)


class _Compare:
    def __init__(self, att: Attributed, version: str, profile: str) -> None:
        self.att, self.version, self.profile = att, version, profile
        self.unknown: set[int] = set()
        self.cut = False

    def agrees(self, rank: int, w: Write) -> bool:
        att = self.att
        i = att.order[rank]
        wr = att.writes
        value = wr.value[i]
        exact, frame = MASKS[w.register]  # same_bits, inlined: this runs on every write
        if SLOTS[wr.slot[i]] != (w.bank, w.register) or (value ^ w.attempted) & exact or (not value & frame) != (not w.attempted & frame):
            return False
        if att.how[rank] == STACK and WRITERS[att.writer[rank]] != w.component:
            return False
        if wr.flags[i] & FAULT_FLAGS:
            return w.rejected
        if w.rejected:
            self.unknown.add(rank)  # the model refuses it; the trace cannot say whether it faulted
        return True

    def who(self, rank: int) -> str:
        i = self.att.order[rank]
        register = SLOTS[self.att.writes.slot[i]][1]
        text = describe(register, self.att.writes.value[i])
        writer = WRITERS[self.att.writer[rank]]
        return f"{title(writer)} wrote {text}" if writer else f"an unattributed write set {text}"

    def model(self, w: Write, where: str = "") -> str:
        return f"{describe(w.register, w.attempted)}{where} ({title(w.component)}: {w.source})"

    def verdict(self, cpu: int, trace: Sequence[int], predicted: int, agreed: int, window: _Window) -> CpuVerdict:
        """`agreed` writes agreed; `window` holds the model's writes from there (at most two)."""
        if agreed == len(trace) and (not window.items or self.cut):
            upto = " up to where the trace was cut" if window.items else ""
            said = f"CPU {cpu}: conforms to {self.version}{upto} ({len(trace)} writes)"
            return CpuVerdict(self.version, cpu, len(trace), predicted, None, said)
        n = self.number(trace, agreed)
        return CpuVerdict(self.version, cpu, len(trace), predicted, n, f"CPU {cpu}, write {n}: {self.why(trace, window, agreed)}")

    def number(self, trace: Sequence[int], k: int) -> int:
        """The write's number on its CPU as the trace shows it (host writes count there, though not compared)."""
        if k < len(trace):
            return self.att.position(trace[k])
        return self.att.position(trace[-1]) + 1 if trace else 1

    def why(self, trace: Sequence[int], predicted: _Window, k: int) -> str:
        v = self.version
        if k >= len(trace):
            lead = "the trace has no write on this CPU" if not trace else "the trace has no more writes on this CPU"
            return f"{lead}; {v} predicts {self.model(predicted[k], ' next')}"
        said = self.who(trace[k])
        if k >= len(predicted):
            return f"{said}; {v} writes nothing more on this CPU"
        p = predicted[k]
        next_in_trace = k + 1 < len(trace) and self.agrees(trace[k + 1], p)
        if next_in_trace and k + 1 < len(predicted) and self.agrees(trace[k], predicted[k + 1]):
            return f"{said}; {v} writes {self.model(p, ' here')}, and this one after it (swapped)"
        if next_in_trace:
            return f"{said}; {v} writes nothing here (it predicts {p.register} next)"
        if k + 1 < len(predicted) and self.agrees(trace[k], predicted[k + 1]):
            return f"{said}; {v} first writes {self.model(p)}, missing from the trace"
        if self._same_bits(trace[k], p):
            i = self.att.order[trace[k]]
            if self.att.writes.faulted(i) and not p.rejected:
                line = self.att.writes.log_line.get(i)
                seen = f"the kernel log's line {line}" if line else "#GP in the trace"
                return f"{said}, which faulted ({seen}); {v} under the {self.profile} profile predicts it goes through"
            return f"{said}; {v} has {title(p.component)} write it here ({p.source})"
        if self._same_register(trace[k], p):
            return self._apart(trace[k], p)
        return f"{said}; {v} writes {self.model(p, ' here')}"

    def _same_register(self, rank: int, w: Write) -> bool:
        return SLOTS[self.att.writes.slot[self.att.order[rank]]] == (w.bank, w.register)

    def _apart(self, rank: int, p: Write) -> str:
        """Same register, different bits: show the fields that differ on both sides."""
        i = self.att.order[rank]
        value = self.att.writes.value[i]
        writer = WRITERS[self.att.writer[rank]]
        said = describe_apart(p.register, value, p.attempted)
        said = f"{title(writer)} wrote {said}" if writer else f"an unattributed write set {said}"
        theirs = describe_apart(p.register, p.attempted, value)
        return f"{said}; {self.version} writes {theirs} here ({title(p.component)}: {p.source})"

    def _same_bits(self, rank: int, w: Write) -> bool:
        i = self.att.order[rank]
        wr = self.att.writes
        return SLOTS[wr.slot[i]] == (w.bank, w.register) and same_bits(w.register, wr.value[i], w.attempted)


def _guest_writes(att: Attributed, cpu: int) -> array[int]:
    """The trace's writes on a CPU, in time order, but the VMM's (KVM `host 1`): they are not the guest kernel's."""
    ranks = att.per_cpu.get(cpu, array("I"))
    flags, order = att.writes.flags, att.order
    if not any(flags[order[r]] & HOST_FLAG for r in ranks):
        return ranks
    return array("I", (r for r in ranks if not flags[order[r]] & HOST_FLAG))


def check_trace(att: Attributed, actions: Sequence[TraceAction], config: SessionConfig) -> CheckResult:
    """Replay the inferred actions under `config` and compare each CPU's writes with the trace's."""
    result = CheckResult(config.mshv, config.hypervisor)
    compare = _Compare(att, config.mshv, config.hypervisor)
    result.cut = compare.cut = bool(att.trace.stats.not_kept)
    runs: dict[int, _CpuRun] = {}
    for w in replay_actions(actions, config, result):
        run = runs.get(w.cpu) or runs.setdefault(w.cpu, _CpuRun(_guest_writes(att, w.cpu)))
        run.predicted += 1
        if run.held:  # diverged: keep the write after the divergence (why() looks one ahead), count the rest
            if len(run.held) < 2:
                run.held.append(w)
        elif run.agreed < len(run.trace) and compare.agrees(run.trace[run.agreed], w):
            run.agreed += 1
        else:
            run.held.append(w)
    for cpu in range(att.ncpus):
        run = runs.get(cpu) or _CpuRun(_guest_writes(att, cpu))
        if run.trace or run.predicted:
            result.cpus.append(compare.verdict(cpu, run.trace, run.predicted, run.agreed, _Window(run.agreed, run.held)))
    result.faults = len(att.writes.flags) - bytes(att.writes.flags).translate(FAULTED_BYTE).count(0)
    result.unknown = len(compare.unknown)
    log = att.trace.log
    result.log = None if log is None else log.kind
    return result
