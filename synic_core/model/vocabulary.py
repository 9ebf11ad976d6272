"""The model's typed vocabulary: every closed set of names the core and the dashboard pass around.

Tables elsewhere (registers, partitions, versions, finding kinds, actions) give each name its
meaning; this module only fixes which names exist, so mypy catches a misspelt one.
"""

from __future__ import annotations

from typing import Literal

Component = Literal["vmbus", "mshv"]
"""A Linux driver that programs SynIC registers."""

Writer = Literal["vmbus", "mshv", "hypervisor", "reset"]
"""Who last set a register value: a driver, the hypervisor (reset frames), or the reset value."""

Bank = Literal["l1", "l0"]
"""`l1`: the partition's own SynIC (0x400000xx); `l0`: the NESTED copies (0x400010xx)."""

Severity = Literal["info", "warning", "error", "fault"]

FindingKindName = Literal[
    "foreign_write",
    "redundant_write",
    "hypervisor_fault",
    "pulled_from_under",
    "stale_state",
    "dangling_page",
    "missing_enable",
    "refused",
]

ActionName = Literal[
    "vmbus_load",
    "vmbus_unload",
    "mshv_init",
    "mshv_cleanup",
    "cpu_offline",
    "cpu_online",
    "kexec",
    "crash_kexec",
    "move_channels",
]

ActionTarget = Literal["online", "offline", "one"]
"""Which CPUs an action takes: online CPUs, offline CPUs, or exactly one online CPU."""

ActionScope = Literal["module", "cpu", "machine", "crash"]
"""What an action reaches: a driver module's per-CPU callback on each chosen CPU and the module's own state;
work on each chosen CPU alone (hotplug); the whole machine, the chosen CPU only naming the reboot CPU (kexec);
the chosen CPU's panic path, then a new kdump kernel on the whole machine."""

ExploreChoice = Literal["together", "reboot", "each"]
"""How the explorer picks an action's CPUs: every online CPU in one move (a module's cpuhp callbacks), the first
online CPU (the reboot CPU), or each CPU the action's target allows, one move per group of interchangeable CPUs."""

OpKind = Literal["rmw", "zero"]
"""How a sequence op builds its value: read-modify-write, or from zero."""

ConditionName = Literal["mshv_manages_shared", "hv_root_partition", "not_hv_root_partition", "hv_l1vh_partition", "not_hv_l1vh_partition"]
"""Conditions a sequence op can be guarded by, evaluated by the engine at call time (the version's rule, or the partition type)."""

FrameRuleName = Literal["vmbus_enable", "vmbus_disable", "mshv_sirbp_enable", "mshv_sirbp_disable"]
"""What an op does with a page register's frame number."""

SequenceName = Literal["vmbus_init", "vmbus_cleanup", "vmbus_crash", "mshv_init", "mshv_exit"]

PartitionName = Literal["root", "nested_root", "l1vh", "guest"]

ProfileName = Literal["strict", "lenient"]

Access = Literal["rw", "ro", "wo"]

ManagesSharedRule = Literal["always", "hv_root", "bare_metal_root", "no_vmbus"]
"""When a version's MSHV programs SIMP/SIEFP/SCONTROL itself."""

NotifierRule = Literal["hv_root", "parent", "none"]
"""Where a version's MSHV registers its reboot notifier (the kexec teardown)."""

SirbpRule = Literal["map", "alloc"]
"""What a version's MSHV does with SIRBP's frame on L1VH."""

TraceFormat = Literal["ftrace", "kvm"]
"""Text of a real trace: `msr:write_msr` inside the partition, or `kvm:kvm_hv_synic_set_msr` on a KVM host."""

TraceLayout = Literal["ftrace", "trace-cmd"]
"""How event lines are laid out: the tracefs `trace` file, or `trace-cmd report`."""

Attribution = Literal["stack", "inferred", "unknown", "host"]
"""How a real write was attributed: by its kernel stack, by matching a driver sequence, not at all,
or a KVM host-initiated write (the VMM's, shown as the hypervisor's)."""

ActionHint = Literal["kexec", "unload", "crash"]
"""What a real write's task or stack frames say about the action it belongs to."""
