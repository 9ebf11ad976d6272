"""Every modelling choice that is not read in a source, in one table the product shows users."""

from __future__ import annotations

from synic_core.model.findings import KINDS
from synic_core.model.partitions import PARTITIONS
from synic_core.model.profiles import PROFILES

GENERAL: tuple[tuple[str, str], ...] = (
    (
        "frames",
        "Frame numbers are invented but fixed: Linux pages from 0x8000 up, hypervisor-provided "
        "frames from 0x100000 (L1) and 0x200000 (L0). Only whether a frame is 0, live or freed matters.",
    ),
    (
        "vectors",
        "x86 only: VMBus SINT2 and MSHV SINT0/SINT5 use vector 0xF3 with AutoEOI recommended "
        "(hv_recommend_using_aeoi() without the deprecation hint).",
    ),
    (
        "cpuhp",
        "CPU hotplug runs the dynamic cpuhp states in the order the drivers registered them "
        "(VMBus first in every kernel boot, as when both are built in) and the reverse on offline; "
        "inferred from cpuhp semantics (docs/kernel-facts.md#kexec-order).",
    ),
    (
        "channels",
        "VMBus channels are bound to the session's channel_cpus (default CPU 0; real machines spread them). "
        "hv_synic_cleanup refuses a CPU holding one: the kernel is assumed unable to move it itself (a kernel "
        "before hv_pick_new_cpu(), or a host older than VMBus protocol WIN10 v5.3); no event flags stay pending. "
        "A new kernel binds its channels to channel_cpus again (docs/kernel-facts.md#cpu-hotplug-on-x86).",
    ),
    (
        "x86-only",
        "x86 only: CPU 0 is never hotpluggable; arm64, where it is (and VMBus's connect-CPU refusal and rollback "
        "happen on CPU 0), is not modelled (docs/kernel-facts.md#cpu-hotplug-on-x86).",
    ),
    (
        "kexec-pages",
        "kexec frees every page the old kernel allocated (the new kernel may reuse the memory); "
        "a kdump kernel does not reuse the old kernel's memory.",
    ),
    ("stimer", "Synthetic timers (hv_stimer_legacy_init on SINT2) are not modelled: they write STIMER MSRs, not SynIC ones."),
    ("vmbus-exists", "hv_vmbus_exists() is true from the first VMBus load until VMBus unloads, and false in a new kernel."),
    (
        "module-dep",
        "With v4, mshv_root needs hv_vmbus_exists() from VMBus, so VMBus cannot unload while "
        "mshv_root is loaded (inferred from module dependencies).",
    ),
    (
        "sirbp-l1vh",
        "Before the series, the L1VH SIRBP register is assumed to hold frame 0 "
        "(docs/kernel-facts.md#open-questions-and-model-assumptions).",
    ),
    ("error-labels", "Driver error paths (failed memremap/alloc) are not triggered: every map and allocation succeeds."),
)


def all_assumptions() -> list[tuple[str, str]]:
    """General assumptions, then those attached to partitions, profiles and finding kinds (each wording once)."""
    out = list(GENERAL)
    out += [(f"partition:{p.name}", p.inference) for p in PARTITIONS.values() if p.inference]
    out += [(f"profile:{p.name}", p.assumption) for p in PROFILES.values() if p.assumption]
    listed = {text for _, text in out}
    out += [(f"finding:{k.name}", k.assumption) for k in KINDS.values() if k.assumption and k.assumption not in listed]
    return out
