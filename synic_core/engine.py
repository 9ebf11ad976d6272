"""The interpreter: runs driver sequences (data) against the machine state, one MSR write at a time.

Every write is recorded with its old and new value and checked by the rules in `checks`.
"""

from __future__ import annotations

from typing import Unpack

from .checks import Checker
from .config import SessionConfig
from .findings import Where, make_finding
from .partitions import title
from .registers import REGISTERS, STATE_INDEX, frame_of
from .sequences import AEOI, VECTOR, X86_CALLBACK_VECTOR, Op
from .state import MachineState
from .vocabulary import Bank, Component, FindingKindName, SequenceName
from .writes import StepResult as StepResult
from .writes import Write as Write


class Engine:
    """Applies sequences to a `MachineState` and records what happens, for one step."""

    def __init__(self, config: SessionConfig, state: MachineState, step: StepResult) -> None:
        self.config = config
        self.partition = config.partition_spec
        self.version = config.version_spec
        self.profile = config.profile_spec
        self.state = state
        self.step = step
        self.checker = Checker(self.partition, state, step.index)

    # -- recording -------------------------------------------------------------------------
    def find(self, kind: FindingKindName, message: str, assumption: str | None = "default", **where: Unpack[Where]) -> None:
        self.step.findings.append(make_finding(kind, message, step=self.step.index, assumption=assumption, **where))

    def refuse(self, message: str, cpu: int | None = None, component: Component | None = None, assumption: str | None = None) -> None:
        self.step.refused = True
        self.find("refused", message, cpu=cpu, component=component, assumption=assumption)

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
        seq = self.version.sequences[name]
        bank = self.bank_of(seq.component)
        for op in seq.ops:
            if op.when and not self.condition(op.when):
                continue
            self.apply_op(op, cpu, bank, seq.component)

    def condition(self, name: str) -> bool:
        if name == "mshv_manages_shared":
            return self.version.manages_shared_regs(self.partition, self.state.drivers.vmbus_loaded)
        raise ValueError(f"unknown condition {name!r}")

    def apply_op(self, op: Op, cpu: int, bank: Bank, component: Component) -> None:
        reg = REGISTERS[op.register]
        base = self.state.get(cpu, bank, op.register) if op.kind == "rmw" else 0
        fields = {name: self.symbol(v) for name, v in op.fields.items()}
        if op.frame:
            frame = self.frame_rule(op.frame, cpu, bank, op.register, frame_of(base))
            if frame is not None:
                fields["frame"] = frame
        self.write(cpu, bank, component, op.register, reg.encode(fields, base), tuple(op.fields), op.source)

    def symbol(self, value: int | str) -> int:
        if value == VECTOR:
            return X86_CALLBACK_VECTOR
        if value == AEOI:
            return int(self.config.auto_eoi)
        return int(value)

    def frame_rule(self, rule: str, cpu: int, bank: str, register: str, current: int) -> int | None:
        """The frame an op writes (None: keep what the register holds)."""
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
                st.free(current)
                return 0
            return None
        raise ValueError(f"unknown frame rule {rule!r}")

    # -- the write itself ------------------------------------------------------------------
    def write(self, cpu: int, bank: Bank, component: Component, register: str, value: int, touched: tuple[str, ...], source: str) -> Write:
        st = self.state
        ri = STATE_INDEX[register]
        old = st.regs[bank][cpu][ri]
        reason = self.profile.rejects(register, value, st.scontrol_dropped[bank][cpu])
        new = old if reason else value
        if not reason:
            st.regs[bank][cpu][ri] = new
            st.writer[bank][cpu][ri] = component
            if register == "SCONTROL":
                self.track_scontrol(cpu, bank, old, new)
        w = Write(
            len(self.step.writes),
            cpu,
            bank,
            component,
            register,
            old,
            new,
            value,
            REGISTERS[register].changed_fields(old, new),
            bool(reason),
            source,
        )
        self.step.writes.append(w)
        if reason:
            self.find(
                "hypervisor_fault",
                f"The hypervisor refused {title(component)}'s write of {value:#x} "
                f"to {self.partition.label(register, bank)} on CPU {cpu}: {reason}.",
                assumption=self.profile.assumption if "SCONTROL" in reason else None,
                **self.checker.located(w, touched),
            )
        self.step.findings += self.checker.write(w, touched)
        return w

    def track_scontrol(self, cpu: int, bank: str, old: int, new: int) -> None:
        was, now = old & 1, new & 1
        if was and not now:
            self.state.scontrol_dropped[bank][cpu] = True
        elif now:
            self.state.scontrol_dropped[bank][cpu] = False
