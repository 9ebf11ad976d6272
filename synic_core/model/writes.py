"""What one step produced: its MSR writes (as the hypervisor saw them) and its findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from synic_core.model.findings import Finding
from synic_core.model.registers import REGISTERS
from synic_core.model.vocabulary import ActionName, Bank, Component


@dataclass(slots=True)
class Write:
    """One MSR write as the hypervisor saw it; `new` equals `old` when it was rejected.

    A record nobody changes once the engine made it. Not a frozen dataclass: its constructor runs for
    every write (1.6 million in a 4096-CPU, 100-step session), and a frozen one costs ten times as much.
    """

    index: int
    cpu: int
    bank: Bank
    component: Component
    register: str
    old: int
    new: int
    attempted: int
    rejected: bool
    source: str

    @property
    def changed(self) -> tuple[str, ...]:
        """The fields the write changed (none when it was rejected), worked out when asked: most writes are never asked."""
        return REGISTERS[self.register].changed_fields(self.old, self.new)

    def to_dict(self) -> dict[str, object]:
        return {
            "cpu": self.cpu,
            "bank": self.bank,
            "component": self.component,
            "register": self.register,
            "old": self.old,
            "new": self.new,
            "attempted": self.attempted,
            "changed": list(self.changed),
            "rejected": self.rejected,
            "source": self.source,
        }


@dataclass(slots=True)
class StepResult:
    """What one user action did: its writes, its findings, and notes about the kernel's orders."""

    index: int
    action: ActionName
    cpus: list[int]
    writes: list[Write] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kernel_order: bool = True
    refused: bool = False
