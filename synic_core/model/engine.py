"""The interpreter: runs driver sequences (data) against the machine state, one MSR write at a time.

Every write is recorded with its old and new value and checked by the rules in `checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias, Unpack

from synic_core.model.checks import ENABLE_REGISTERS, Checker, Unjudged
from synic_core.model.config import SessionConfig
from synic_core.model.findings import Where, make_finding
from synic_core.model.partitions import title
from synic_core.model.profiles import SINT_PASSES
from synic_core.model.registers import REGISTERS, SINT_REGISTERS, STATE_INDEX, Field, frame_of
from synic_core.model.sequences import AEOI, PARTITION_CONDITIONS, VECTOR, X86_CALLBACK_VECTOR, Op
from synic_core.model.state import MachineState
from synic_core.model.vocabulary import Bank, Component, ConditionName, FindingKindName, FrameRuleName, SequenceName
from synic_core.model.writes import StepResult as StepResult
from synic_core.model.writes import Write as Write


@dataclass(frozen=True, slots=True)
class CompiledOp:
    """An op with its constant fields folded in: it writes `(base & keep) | bits`, then its frame rule's frame.

    What the write path would look up on every write is looked up here once: the register's state index, whether the
    hypervisor's rules look at it whatever SCONTROL did, and whether it is SCONTROL or an enable register.
    """

    register: str
    index: int  # in STATE_INDEX
    rmw: bool
    keep: int
    bits: int
    touched: tuple[str, ...]
    when: ConditionName | None  # a condition only known when the op runs (the partition's are decided when compiled)
    frame_rule: FrameRuleName | None
    frame: Field | None  # the register's frame field, for ops with a frame rule
    sint: bool  # a SINT: the profile may refuse it even while SCONTROL was never dropped
    scontrol: bool
    enable: bool  # in ENABLE_REGISTERS: clearing its enable bit is remembered for missing_enable
    source: str


CompiledSequence: TypeAlias = tuple[tuple[CompiledOp, ...], Bank, Component]
"""A sequence's compiled ops, the bank its driver writes and the driver."""


class Engine:
    """Applies sequences to a `MachineState` and records what happens, for one step."""

    def __init__(self, config: SessionConfig, state: MachineState, step: StepResult, *, judge: bool = True) -> None:
        self.config = config
        self.partition = config.partition_spec
        self.version = config.version
        self.profile = config.profile_spec
        self.state = state
        self.step = step
        self.judge = judge
        """False: the finding rules are off (a session that only predicts writes); refusals are still recorded."""
        self.checker = (Checker if judge else Unjudged)(self.partition, state, step.index)
        self.changed_cpus: set[int] = set()
        """CPUs whose registers or liveness this step changed: the only ones whose missing enables can change."""
        self._compiled: dict[SequenceName, CompiledSequence] = {}

    # -- recording -------------------------------------------------------------------------
    def find(
        self, kind: FindingKindName, message: str, assumption: str | None = "default", cites: str | None = None, **where: Unpack[Where]
    ) -> None:
        self.step.findings.append(make_finding(kind, message, step=self.step.index, assumption=assumption, cites=cites, **where))

    def refuse(
        self,
        message: str,
        *,
        applies: bool,
        cpu: int | None = None,
        component: Component | None = None,
        assumption: str | None = None,
        cites: str | None = None,
    ) -> None:
        """The kernel turns the action away. `applies`: the action had something to act on in this state and was
        blocked (the explorer reports those), rather than having nothing to act on (`findings.explored`)."""
        self.step.refused = True
        self.step.findings.append(
            make_finding(
                "refused",
                message,
                step=self.step.index,
                assumption=assumption,
                cites=cites,
                inapplicable=not applies,
                cpu=cpu,
                component=component,
            )
        )

    def not_kernel_order(self, why: str) -> None:
        self.step.kernel_order = False
        self.step.notes.append(f"not an order the kernel produces: {why}")

    def bank_of(self, component: Component) -> Bank:
        if component == "vmbus":
            assert self.partition.vmbus_bank is not None
            return self.partition.vmbus_bank
        return "l1"

    # -- sequences -------------------------------------------------------------------------
    def run_sequence(self, name: SequenceName, cpu: int) -> None:
        ops, bank, component = self._compiled.get(name) or self.compiled(name)
        self.apply_ops(ops, cpu, bank, component)

    def condition(self, name: str) -> bool:
        if name == "mshv_manages_shared":
            return self.version.manages_shared_regs(self.partition, self.state.drivers.vmbus_loaded)
        if name in PARTITION_CONDITIONS:
            prop, wanted = PARTITION_CONDITIONS[name]
            actual = self.partition.hv_root if prop == "hv_root" else self.partition.name == "l1vh"
            return actual == wanted
        raise ValueError(f"unknown condition {name!r}")

    def compiled(self, name: SequenceName) -> CompiledSequence:
        """The sequence's ops with their constant fields encoded, its bank and its driver, once per step (the tables
        outlive the step); an op whose partition condition is false on this partition is left out (the partition never
        changes within a session)."""
        seq = self.version.sequences[name]
        kept = (op for op in seq.ops if op.when not in PARTITION_CONDITIONS or self.condition(op.when))
        compiled = self._compiled[name] = tuple(self.compile(op) for op in kept), self.bank_of(seq.component), seq.component
        return compiled

    def compile(self, op: Op) -> CompiledOp:
        reg = REGISTERS[op.register]
        mask = sum(reg.field(name).mask for name in op.fields)  # the fields of a register never overlap
        bits = reg.encode({name: self.symbol(v) for name, v in op.fields.items()})
        frame = reg.field("frame") if op.frame else None
        when = None if op.when in PARTITION_CONDITIONS else op.when
        return CompiledOp(
            op.register,
            STATE_INDEX[op.register],
            op.kind == "rmw",
            ~mask,
            bits,
            tuple(op.fields),
            when,
            op.frame,
            frame,
            op.register in SINT_REGISTERS,
            op.register == "SCONTROL",
            op.register in ENABLE_REGISTERS,
            op.source,
        )

    def symbol(self, value: int | str) -> int:
        if value == VECTOR:
            return X86_CALLBACK_VECTOR
        if value == AEOI:
            return int(self.config.auto_eoi)
        return int(value)

    def frame_rule(self, rule: str, cpu: int, bank: str, register: str, base: int) -> int | None:
        """The frame an op writes (None: keep what the register holds); `base` is the value the op starts from."""
        st = self.state
        if rule == "vmbus_enable":
            if self.partition.hv_root:
                return None
            key = (cpu, bank, register)
            if key not in st.vmbus_pages:
                st.vmbus_pages[key] = st.allocate("vmbus", f"{register} of CPU {cpu}")
            return st.vmbus_pages[key]
        if rule == "vmbus_disable":
            return None if self.partition.hv_root else 0
        if rule == "mshv_sirbp_enable":
            if self.version.allocates_sirbp(self.partition):
                return st.allocate("mshv", f"SIRBP of CPU {cpu}")
            return None
        if rule == "mshv_sirbp_disable":
            if self.version.allocates_sirbp(self.partition):
                st.free(frame_of(base))
                return 0
            return None
        raise ValueError(f"unknown frame rule {rule!r}")

    # -- the write itself ------------------------------------------------------------------
    def apply_ops(self, ops: tuple[CompiledOp, ...], cpu: int, bank: Bank, component: Component) -> None:
        """The ops' MSR writes on one CPU, in order. Each: the op's value (its frame rule's frame folded in), the
        hypervisor's verdict, the machine's change and its record; then, in a session that judges, the rules' findings.

        Every session's writes take this path (143,360 of them for `synic trace --check` on the bench trace), so what
        is the same for the whole run (the CPU's rows) is looked up once, and what is constant per op comes from
        `CompiledOp`. A condition is read when its op comes, as the kernel checks it at call time."""
        st, step, judge, profile = self.state, self.step, self.judge, self.profile
        row, writer, dropped_on = st.regs[bank][cpu], st.writer[bank][cpu], st.scontrol_dropped[bank]
        writes = step.writes
        changed = False
        for c in ops:
            if c.when is not None and not self.condition(c.when):
                continue
            ri, old = c.index, row[c.index]
            value = (old & c.keep) | c.bits if c.rmw else c.bits
            if c.frame_rule is not None and c.frame is not None:
                frame = self.frame_rule(c.frame_rule, cpu, bank, c.register, old if c.rmw else 0)
                if frame is not None:
                    value = c.frame.put(value, frame)
            dropped = dropped_on[cpu]
            reason = profile.rejects(c.register, value, dropped) if dropped or (c.sint and not value & SINT_PASSES) else None
            if reason:
                w = Write(len(writes), cpu, bank, component, c.register, old, old, value, True, c.source)
            else:
                row[ri] = value
                writer[ri] = component
                changed = True
                if c.scontrol:
                    self.track_scontrol(cpu, bank, old, value)
                if c.enable and old & 1 and not value & 1:
                    st.cleared[(cpu, bank, c.register)] = (component, step.index, step.action)
                w = Write(len(writes), cpu, bank, component, c.register, old, value, value, False, c.source)
            writes.append(w)
            if judge:
                self.judged(w, c.touched, reason)
        if changed:
            self.changed_cpus.add(cpu)

    def judged(self, w: Write, touched: tuple[str, ...], reason: str | None) -> None:
        """The findings of one write: the hypervisor's refusal, if any, then the rules' (`checks.Checker.write`)."""
        if reason:
            self.find(
                "hypervisor_fault",
                f"The hypervisor refused {title(w.component)}'s write of {w.attempted:#x} "
                f"to {self.partition.label(w.register, w.bank)} on CPU {w.cpu}: {reason}.",
                assumption=self.profile.assumption if "SCONTROL" in reason else None,
                **self.checker.located(w, touched),
            )
        findings = self.checker.write(w, touched)
        if findings:
            self.step.findings += findings

    def set_live(self, cpu: int, component: str, live: bool) -> None:
        """The component's per-CPU state starts or ends on this CPU (hv_synic_init / mshv_synic_cpu_init and their exits)."""
        setattr(self.state.cpus[cpu], component, live)
        self.changed_cpus.add(cpu)

    def track_scontrol(self, cpu: int, bank: str, old: int, new: int) -> None:
        was, now = old & 1, new & 1
        if was and not now:
            self.state.scontrol_dropped[bank][cpu] = True
        elif now:
            self.state.scontrol_dropped[bank][cpu] = False
