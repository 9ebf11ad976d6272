"""MSHV patch versions: a row of rules plus the driver sequences (docs/kernel-facts.md#the-patch-series).

The rows are patch files (`synic_core/patches/*.toml`, read by `patch_files`); the engine interprets
the rules by name. This module holds what a rule means; `version_registry` knows which versions exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from synic_core.model.partitions import Partition
from synic_core.model.sequences import Sequence
from synic_core.model.vocabulary import ManagesSharedRule, NotifierRule, SequenceName, SirbpRule

MANAGES_SHARED: dict[ManagesSharedRule, str] = {
    "always": "always (MSHV enables and tears down SIMP/SIEFP/SCONTROL itself)",
    "hv_root": "when hv_root_partition() (bare-metal and nested root)",
    "bare_metal_root": "on a bare-metal root only (!hv_root_partition() || hv_nested means VMBus is active)",
    "no_vmbus": "when hv_vmbus_exists() is false, evaluated at each call",
}
NOTIFIER_ON: dict[NotifierRule, str] = {
    "hv_root": "root partitions only (the `if (!hv_root_partition()) return` guard)",
    "parent": "every parent partition (root and L1VH)",
    "none": "never: MSHV registers no reboot notifier, kexec leaves its SynIC state as it is",
}
SIRBP_ON_L1VH: dict[SirbpRule, str] = {
    "map": "maps whatever frame SIRBP holds (0 on L1VH: the hypervisor provides none)",
    "alloc": "allocates a zeroed page on init, frees it on exit",
}
VMBUS_DEPENDENCY = {
    True: "mshv_root needs a VMBus symbol: VMBus cannot unload while MSHV is loaded",
    False: "no module dependency between mshv_root and vmbus",
}
ROW_RULES: dict[str, Mapping[Any, str]] = {
    "manages_shared": MANAGES_SHARED,
    "notifier_on": NOTIFIER_ON,
    "sirbp_on_l1vh": SIRBP_ON_L1VH,
    "vmbus_dependency": VMBUS_DEPENDENCY,
}
"""Each field of a version's row and what its values mean (`synic versions --vocabulary`)."""


@dataclass(frozen=True, slots=True)
class MshvVersion:
    name: str
    title: str
    manages_shared: ManagesSharedRule
    notifier_on: NotifierRule
    sirbp_on_l1vh: SirbpRule
    vmbus_dependency: bool  # mshv_root needs a VMBus symbol: VMBus cannot unload under it
    source: str
    sequences: Mapping[SequenceName, Sequence]
    origin: str = field(default="built-in", compare=False)
    """Where it was read: "built-in", a file path, or the saved session that embeds it."""
    file: str = field(default="", compare=False)
    """The patch file it came from (absolute), also when a session embeds it; "" for a built-in."""

    @property
    def builtin(self) -> bool:
        return self.origin == "built-in"

    def manages_shared_regs(self, partition: Partition, vmbus_exists: bool) -> bool:
        """Does MSHV program SIMP/SIEFP/SCONTROL on this partition right now?"""
        rule = self.manages_shared
        if rule == "always":
            return True
        if rule == "hv_root":
            return partition.hv_root
        if rule == "bare_metal_root":
            return partition.hv_root and not partition.vmbus_runs
        return not vmbus_exists  # no_vmbus

    def has_reboot_notifier(self, partition: Partition) -> bool:
        if self.notifier_on == "hv_root":
            return partition.hv_root
        return self.notifier_on == "parent" and partition.parent

    def allocates_sirbp(self, partition: Partition) -> bool:
        return self.sirbp_on_l1vh == "alloc" and not partition.hv_root
