"""Partition types and the ownership table (docs/kernel-facts.md#partition-types, #ownership-after-the-series)."""

from __future__ import annotations

from dataclasses import dataclass

from synic_core.model.vocabulary import Bank, Component

COMPONENTS: tuple[Component, ...] = ("vmbus", "mshv")
COMPONENT_TITLES = {"vmbus": "VMBus", "mshv": "MSHV", "hypervisor": "hypervisor", "reset": "reset"}


def title(component: str | None) -> str:
    """Display name of a component ("VMBus", "MSHV"), or "nobody"."""
    return COMPONENT_TITLES.get(component or "", component or "nobody")


VMBUS_OWNS = ("SCONTROL", "SIMP", "SIEFP", "SINT2")
MSHV_OWNS = ("SINT0", "SINT5", "SIRBP")
MSHV_ALONE_OWNS = ("SCONTROL", "SIMP", "SIEFP", "SIRBP", "SINT0", "SINT5")
MSHV_USES = ("SCONTROL", "SIMP", "SIEFP", "SIRBP", "SINT0", "SINT5")
"""MSHV maps and reads the SIMP/SIEFP pages even where VMBus owns them (shared pages, other slots)."""


@dataclass(frozen=True, slots=True)
class Partition:
    """One partition type: who runs, on which register bank, and who owns what."""

    name: str
    title: str
    vmbus_bank: Bank | None  # None: VMBus does not run (hv_acpi_init returns early)
    banks: tuple[Bank, ...]
    mshv_allowed: bool
    hv_root: bool  # hv_root_partition(): root and nested root
    provides_frames: bool  # hypervisor pre-programs SIMP/SIEFP/SIRBP frames at reset
    owners: dict[tuple[str, str], Component]  # (bank, register) -> owner  # (bank, register) -> component
    mshv_refusal: str = ""
    inference: str = ""  # non-empty when the row is a model inference, not read in a source

    @property
    def vmbus_runs(self) -> bool:
        return self.vmbus_bank is not None

    @property
    def parent(self) -> bool:
        """hv_parent_partition(): root or L1VH (a nested root is a root)."""
        return self.mshv_allowed

    def owner(self, bank: str, register: str) -> Component | None:
        return self.owners.get((bank, register))

    def label(self, register: str, bank: str) -> str:
        """How findings name a register: with its bank only where the partition has two."""
        return f"{register} ({bank.upper()} bank)" if len(self.banks) > 1 else register

    def uses(self, component: Component) -> tuple[tuple[Bank, str], ...]:
        """(bank, register) pairs the component depends on while it is live."""
        return _USES[(self.name, component)]


def _own(bank: Bank, component: Component, registers: tuple[str, ...]) -> dict[tuple[str, str], Component]:
    return {(bank, r): component for r in registers}


PARTITIONS: dict[str, Partition] = {
    p.name: p
    for p in (
        Partition(
            "root",
            "bare-metal root: no VMBus, MSHV manages everything",
            vmbus_bank=None,
            banks=("l1",),
            mshv_allowed=True,
            hv_root=True,
            provides_frames=True,
            owners=_own("l1", "mshv", MSHV_ALONE_OWNS),
        ),
        Partition(
            "nested_root",
            "nested root: VMBus on the L0 (NESTED) bank, MSHV on L1",
            vmbus_bank="l0",
            banks=("l1", "l0"),
            mshv_allowed=True,
            hv_root=True,
            provides_frames=True,
            owners=_own("l0", "vmbus", VMBUS_OWNS) | _own("l1", "mshv", MSHV_ALONE_OWNS),
            inference="ownership of the L1 bank on a nested root is inferred from hv_set_msr's NESTED "
            "redirection (arch/x86/kernel/cpu/mshyperv.c hv_set_msr) and a developer's scratch notes; no patch states it",
        ),
        Partition(
            "l1vh",
            "L1 virtual host: VMBus and MSHV share the same registers",
            vmbus_bank="l1",
            banks=("l1",),
            mshv_allowed=True,
            hv_root=False,
            provides_frames=False,
            owners=_own("l1", "vmbus", VMBUS_OWNS) | _own("l1", "mshv", MSHV_OWNS),
        ),
        Partition(
            "guest",
            "ordinary guest: VMBus only",
            vmbus_bank="l1",
            banks=("l1",),
            mshv_allowed=False,
            hv_root=False,
            provides_frames=False,
            owners=_own("l1", "vmbus", VMBUS_OWNS),
            mshv_refusal="mshv_root refuses to load (-ENODEV): hv_parent_partition() is false on a guest.",
        ),
    )
}
PARTITION_NAMES = tuple(PARTITIONS)


def _uses(p: Partition, component: Component) -> tuple[tuple[Bank, str], ...]:
    if component == "vmbus":
        return tuple((p.vmbus_bank, r) for r in VMBUS_OWNS) if p.vmbus_bank else ()
    return tuple(("l1", r) for r in MSHV_USES) if p.mshv_allowed else ()


_USES = {(p.name, c): _uses(p, c) for p in PARTITIONS.values() for c in COMPONENTS}
