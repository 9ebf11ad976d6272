"""Driver per-CPU sequences as data, in the kernel's order (docs/kernel-facts.md).

Each `Op` is one MSR write. `kind` says how the new value is built: `rmw` reads the register
and changes the listed fields; `zero` builds the value from zero. `when` names a condition the
engine evaluates at call time (so `v4`'s `hv_vmbus_exists()` is checked at each call), `frame`
names what happens to the page frame. Field values may be the symbols below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .vocabulary import Component, ConditionName, FrameRuleName, OpKind

VECTOR = "VECTOR"  # HYPERVISOR_CALLBACK_VECTOR (0xF3) on x86, for VMBus SINT2 and MSHV SINT0/SINT5
AEOI = "AEOI"  # hv_recommend_using_aeoi()
X86_CALLBACK_VECTOR = 0xF3

CONDITIONS = {
    "mshv_manages_shared": "MSHV programs SIMP/SIEFP/SCONTROL in this version and partition",
}
FRAME_RULES = {
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
class Sequence:
    name: str
    component: Component
    title: str
    ops: tuple[Op, ...]
    source: str


_VMBUS_ENABLE = "hv_synic_init → hv_hyp_synic_enable_regs"
_VMBUS_DISABLE = "hv_synic_cleanup → hv_hyp_synic_disable_regs"
_MSHV_INIT = "mshv_synic_cpu_init"
_MSHV_EXIT = "mshv_synic_cpu_exit"

VMBUS_DISABLE_REGS = (
    Op("SINT2", "rmw", {"masked": 1}, source=_VMBUS_DISABLE),
    Op("SIMP", "rmw", {"enable": 0}, frame="vmbus_disable", source=_VMBUS_DISABLE),
    Op("SIEFP", "rmw", {"enable": 0}, frame="vmbus_disable", source=_VMBUS_DISABLE),
)

# fmt: off
SEQUENCES: dict[str, Sequence] = {
    s.name: s
    for s in (
        Sequence(
            "vmbus_init", "vmbus", "VMBus hv_synic_init",
            (
                Op("SIMP", "rmw", {"enable": 1}, frame="vmbus_enable", source=_VMBUS_ENABLE),
                Op("SIEFP", "rmw", {"enable": 1}, frame="vmbus_enable", source=_VMBUS_ENABLE),
                Op("SINT2", "rmw", {"vector": VECTOR, "masked": 0, "auto_eoi": AEOI}, source=_VMBUS_ENABLE),
                Op("SCONTROL", "rmw", {"enable": 1}, source="hv_synic_init → hv_hyp_synic_enable_interrupts"),
            ),
            "drivers/hv/hv.c hv_synic_init",
        ),
        Sequence(
            "vmbus_cleanup", "vmbus", "VMBus hv_synic_cleanup",
            (
                *VMBUS_DISABLE_REGS,
                Op("SCONTROL", "rmw", {"enable": 0}, source="hv_synic_cleanup → hv_hyp_synic_disable_interrupts"),
            ),
            "drivers/hv/hv.c hv_synic_cleanup",
        ),
        Sequence(
            "vmbus_crash", "vmbus", "VMBus hv_crash_handler (this CPU only)",
            VMBUS_DISABLE_REGS,
            "drivers/hv/vmbus_drv.c hv_crash_handler: SCONTROL stays enabled",
        ),
        Sequence(
            "mshv_init", "mshv", "MSHV mshv_synic_cpu_init",
            (
                Op("SIMP", "rmw", {"enable": 1}, when="mshv_manages_shared", source=_MSHV_INIT),
                Op("SIEFP", "rmw", {"enable": 1}, when="mshv_manages_shared", source=_MSHV_INIT),
                Op("SIRBP", "rmw", {"enable": 1}, frame="mshv_sirbp_enable", source=_MSHV_INIT),
                Op("SINT0", "zero", {"vector": VECTOR, "auto_eoi": AEOI}, source=_MSHV_INIT),
                Op("SINT5", "zero", {"vector": VECTOR, "auto_eoi": AEOI, "as_intercept": 1}, source=_MSHV_INIT),
                Op("SCONTROL", "rmw", {"enable": 1}, when="mshv_manages_shared", source=_MSHV_INIT),
            ),
            "drivers/hv/mshv_synic.c mshv_synic_cpu_init",
        ),
        Sequence(
            "mshv_exit", "mshv", "MSHV mshv_synic_cpu_exit",
            (
                Op("SINT0", "rmw", {"masked": 1}, source=_MSHV_EXIT),
                Op("SINT5", "rmw", {"masked": 1}, source=_MSHV_EXIT),
                Op("SIRBP", "rmw", {"enable": 0}, frame="mshv_sirbp_disable", source=_MSHV_EXIT),
                Op("SIEFP", "rmw", {"enable": 0}, when="mshv_manages_shared", source=_MSHV_EXIT),
                Op("SIMP", "rmw", {"enable": 0}, when="mshv_manages_shared", source=_MSHV_EXIT),
                Op("SCONTROL", "rmw", {"enable": 0}, when="mshv_manages_shared", source=_MSHV_EXIT),
            ),
            "drivers/hv/mshv_synic.c mshv_synic_cpu_exit",
        ),
    )
}
# fmt: on
