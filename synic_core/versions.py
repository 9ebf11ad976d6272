"""MSHV patch versions: one row each (docs/kernel-facts.md#the-patch-series).

The engine interprets the predicates by name; adding a version is adding a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from .partitions import Partition

MANAGES_SHARED = {
    "always": "always (MSHV enables and tears down SIMP/SIEFP/SCONTROL itself)",
    "hv_root": "when hv_root_partition() (bare-metal and nested root)",
    "bare_metal_root": "on a bare-metal root only (!hv_root_partition() || hv_nested means VMBus is active)",
    "no_vmbus": "when hv_vmbus_exists() is false, evaluated at each call",
}
NOTIFIER_ON = {
    "hv_root": "root partitions only (the `if (!hv_root_partition()) return` guard)",
    "parent": "every parent partition (root and L1VH)",
}
SIRBP_ON_L1VH = {
    "map": "maps whatever frame SIRBP holds (0 on L1VH: the hypervisor provides none)",
    "alloc": "allocates a zeroed page on init, frees it on exit",
}


@dataclass(frozen=True, slots=True)
class MshvVersion:
    name: str
    title: str
    manages_shared: str  # key of MANAGES_SHARED
    notifier_on: str  # key of NOTIFIER_ON
    sirbp_on_l1vh: str  # key of SIRBP_ON_L1VH
    vmbus_dependency: bool  # mshv_root needs a VMBus symbol: VMBus cannot unload under it
    source: str

    def manages_shared_regs(self, partition: Partition, vmbus_exists: bool) -> bool:
        """Does MSHV program SIMP/SIEFP/SCONTROL on this partition right now?"""
        rule = self.manages_shared
        if rule == "always":
            return True
        if rule == "hv_root":
            return partition.hv_root
        if rule == "bare_metal_root":
            return partition.hv_root and not partition.vmbus_runs
        if rule == "no_vmbus":
            return not vmbus_exists
        raise ValueError(f"unknown manages_shared rule {rule!r}")

    def has_reboot_notifier(self, partition: Partition) -> bool:
        if self.notifier_on == "hv_root":
            return partition.hv_root
        return partition.parent

    def allocates_sirbp(self, partition: Partition) -> bool:
        return self.sirbp_on_l1vh == "alloc" and not partition.hv_root


# fmt: off
VERSIONS: dict[str, MshvVersion] = {
    v.name: v
    for v in (
        MshvVersion("mainline", "before the series", "always", "hv_root", "map", False,
                    "drivers/hv/mshv_synic.c before 2026-03"),
        MshvVersion("patch5-only", "hypothetical: patch 5 without patch 4", "always", "parent", "map", False,
                    "[PATCH 5/6] mshv: clean up SynIC state on kexec for L1VH, applied alone"),
        MshvVersion("v1", "series v1 (patches 4+5)", "hv_root", "parent", "alloc", False,
                    "[PATCH 4/6] v1, 2026-03-27"),
        MshvVersion("v3", "series v2/v3", "bare_metal_root", "parent", "alloc", False,
                    "[PATCH v3 4/6], 2026-04-07"),
        MshvVersion("v4", "merged version (hyperv-fixes f1a9e67c1138)", "no_vmbus", "parent", "alloc", True,
                    "[PATCH v4 1/3], 2026-04-27, applied 2026-04-29 (commits f1a9e67c1138, efe0fb8c3fe2)"),
    )
}
# fmt: on
VERSION_NAMES = tuple(VERSIONS)
