"""Conformance: replay the inferred actions under one MSHV version, compare CPU by CPU with the trace.

Two writes agree when they hit the same MSR with the same bits in every field but the page frame
(real frame numbers are the machine's; only "no page" (0) against "a page" is compared), by the
same driver where the trace's stack names one, and — inside the partition, where ` #GP` is
visible — both faulted or neither. The first write where a CPU's trace and the model part is its
divergence; a CPU whose whole run agrees conforms.
"""

from __future__ import annotations

from collections.abc import Sequence
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

KEY_FIELDS = {"SCONTROL": ("enable",), "SIMP": ("enable",), "SIEFP": ("enable",), "SIRBP": ("enable",)}
"""The fields a divergence message names (a SINT's: masked, and the vector when unmasked)."""
COMPARED_APART = frozenset({"frame", "preserved"})


def describe(register: str, value: int) -> str:
    reg = REGISTERS[register]
    if register.startswith("SINT"):
        masked = reg.field("masked").get(value)
        return f"{register}.masked=1" if masked else f"{register}.masked=0 vector={reg.field('vector').get(value):#x}"
    return register + "." + " ".join(f"{f}={reg.field(f).get(value)}" for f in KEY_FIELDS.get(register, ("value",)))


def same_bits(register: str, a: int, b: int) -> bool:
    for f in REGISTERS[register].fields:
        x, y = f.get(a), f.get(b)
        if f.name == "frame":
            if (x == 0) != (y == 0):
                return False
        elif f.name not in COMPARED_APART and x != y:
            return False
    return True


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


def replay_actions(actions: Sequence[TraceAction], config: SessionConfig, result: CheckResult) -> Session:
    session = Session(config)
    for a in actions:
        cpus = replay_cpus(a, session)
        try:
            step = session.apply(a.action, cpus)
        except ActionError as exc:
            result.notes.append(f"the model cannot apply {a.action} on CPUs {a.cpus} here: {exc}")
            continue
        result.replayed.append((a.action, step.cpus))
    return session


class _Compare:
    def __init__(self, att: Attributed, version: str, profile: str, kvm: bool) -> None:
        self.att, self.version, self.profile, self.kvm = att, version, profile, kvm

    def agrees(self, rank: int, w: Write) -> bool:
        att = self.att
        i = att.order[rank]
        wr = att.writes
        if SLOTS[wr.slot[i]] != (w.bank, w.register) or not same_bits(w.register, wr.value[i], w.attempted):
            return False
        if ATTRIBUTIONS[att.how[rank]] == "stack" and WRITERS[att.writer[rank]] != w.component:
            return False
        return self.kvm or wr.gp(i) == w.rejected

    def who(self, rank: int) -> str:
        i = self.att.order[rank]
        register = SLOTS[self.att.writes.slot[i]][1]
        text = describe(register, self.att.writes.value[i])
        writer = WRITERS[self.att.writer[rank]]
        return f"{title(writer)} wrote {text}" if writer else f"an unattributed write set {text}"

    def model(self, w: Write, where: str = "") -> str:
        return f"{describe(w.register, w.attempted)}{where} ({title(w.component)}: {w.source})"

    def verdict(self, cpu: int, trace: Sequence[int], predicted: Sequence[Write]) -> CpuVerdict:
        for k in range(max(len(trace), len(predicted))):
            if k < len(trace) and k < len(predicted) and self.agrees(trace[k], predicted[k]):
                continue
            n = self.number(trace, k)
            return CpuVerdict(cpu, len(trace), len(predicted), n, f"CPU {cpu}, write {n}: {self.why(trace, predicted, k)}")
        return CpuVerdict(cpu, len(trace), len(predicted), None, f"CPU {cpu}: conforms to {self.version} ({len(trace)} writes)")

    def number(self, trace: Sequence[int], k: int) -> int:
        """The write's number on its CPU as the trace shows it (host writes count there, though not compared)."""
        if k < len(trace):
            return self.att.position(trace[k])
        return self.att.position(trace[-1]) + 1 if trace else 1

    def why(self, trace: Sequence[int], predicted: Sequence[Write], k: int) -> str:
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
            if not self.kvm and self.att.writes.gp(i) != p.rejected:
                did = "faulted (#GP)" if self.att.writes.gp(i) else "went through"
                predicts = "is refused" if p.rejected else "goes through"
                return f"{said}, which {did}; {v} under the {self.profile} profile predicts it {predicts}"
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


def check_trace(att: Attributed, actions: Sequence[TraceAction], config: SessionConfig) -> CheckResult:
    """Replay the inferred actions under `config` and compare each CPU's writes with the trace's."""
    result = CheckResult(config.mshv, config.hypervisor)
    session = replay_actions(actions, config, result)
    predicted: dict[int, list[Write]] = {}
    for step in session.history:
        for w in step.writes:
            predicted.setdefault(w.cpu, []).append(w)
    kvm = att.trace.format == "kvm"
    compare = _Compare(att, config.mshv, config.hypervisor, kvm)
    for cpu in range(att.ncpus):
        trace = [r for r in att.per_cpu.get(cpu, ()) if not att.writes.host(att.order[r])]  # the VMM's writes are not the guest's
        if trace or predicted.get(cpu):
            result.cpus.append(compare.verdict(cpu, trace, predicted.get(cpu, [])))
    result.faults = sum(1 for i in range(len(att.writes)) if att.writes.gp(i))
    return result
