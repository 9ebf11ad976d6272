"""Driver per-CPU sequences: what an op is, which sequences a version may define, and their vocabulary.

The ops themselves live in the patch files (`synic_core/patches/*.toml`, read by `patch_files`):
each `Op` is one MSR write. `kind` says how the new value is built: `rmw` reads the register and
changes the listed fields; `zero` builds the value from zero. `when` names a condition the engine
evaluates at call time (so `v4`'s `hv_vmbus_exists()` is checked at each call), `frame` names what
happens to the page frame. Field values may be the symbols below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from synic_core.model.vocabulary import Component, ConditionName, FrameRuleName, OpKind, SequenceName

VECTOR = "VECTOR"  # HYPERVISOR_CALLBACK_VECTOR (0xF3) on x86, for VMBus SINT2 and MSHV SINT0/SINT5
AEOI = "AEOI"  # hv_recommend_using_aeoi()
X86_CALLBACK_VECTOR = 0xF3
SYMBOLS = {
    VECTOR: "HYPERVISOR_CALLBACK_VECTOR (0xF3 on x86)",
    AEOI: "1 when hv_recommend_using_aeoi() (x86 without the deprecation hint), else 0",
}

CONDITIONS: dict[ConditionName, str] = {
    "mshv_manages_shared": "MSHV programs SIMP/SIEFP/SCONTROL in this version and partition (the version's manages_shared rule)",
    "hv_root_partition": "only on a root partition, bare-metal or nested (hv_root_partition())",
    "not_hv_root_partition": "only where hv_root_partition() is false (L1VH, guest)",
    "hv_l1vh_partition": "only on an L1 virtual host (hv_l1vh_partition())",
    "not_hv_l1vh_partition": "only where hv_l1vh_partition() is false (root, nested root, guest)",
}
PARTITION_CONDITIONS: dict[str, tuple[str, bool]] = {
    "hv_root_partition": ("hv_root", True),
    "hv_l1vh_partition": ("l1vh", True),
    "not_hv_root_partition": ("hv_root", False),
    "not_hv_l1vh_partition": ("l1vh", False),
}
"""The per-operation partition conditions: which property of the partition, and the value that lets the op run."""
FRAME_RULES: dict[FrameRuleName, str] = {
    "vmbus_enable": "root/nested root: map the hypervisor's frame; else write the PFN of the page hv_synic_alloc allocated",
    "vmbus_disable": "root/nested root: keep the frame for kdump; else clear base_*_gpa",
    "mshv_sirbp_enable": "series on L1VH: allocate a zeroed page and write its PFN; else map the frame SIRBP holds",
    "mshv_sirbp_disable": "series on L1VH: clear base_sirbp_gpa and free the page; else keep the frame",
}


@dataclass(frozen=True, slots=True)
class Op:
    register: str
    kind: OpKind
    fields: dict[str, int | str] = field(default_factory=dict)
    when: ConditionName | None = None
    frame: FrameRuleName | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Slot:
    """A sequence a version defines: which driver runs it, and the kernel function it models."""

    name: SequenceName
    component: Component
    title: str
    source: str


@dataclass(frozen=True, slots=True)
class Sequence:
    name: SequenceName
    component: Component
    title: str
    ops: tuple[Op, ...]
    source: str


# fmt: off
SLOTS: dict[SequenceName, Slot] = {
    s.name: s
    for s in (
        Slot("vmbus_init", "vmbus", "VMBus hv_synic_init", "drivers/hv/hv.c hv_synic_init"),
        Slot("vmbus_cleanup", "vmbus", "VMBus hv_synic_cleanup", "drivers/hv/hv.c hv_synic_cleanup"),
        Slot("vmbus_crash", "vmbus", "VMBus hv_crash_handler (this CPU only)",
             "drivers/hv/vmbus_drv.c hv_crash_handler: SCONTROL stays enabled"),
        Slot("mshv_init", "mshv", "MSHV mshv_synic_cpu_init", "drivers/hv/mshv_synic.c mshv_synic_cpu_init"),
        Slot("mshv_exit", "mshv", "MSHV mshv_synic_cpu_exit", "drivers/hv/mshv_synic.c mshv_synic_cpu_exit"),
    )
}
# fmt: on


def sequence(slot: SequenceName, ops: tuple[Op, ...]) -> Sequence:
    s = SLOTS[slot]
    return Sequence(s.name, s.component, s.title, ops, s.source)
