"""User actions: the table, and how each one drives the per-CPU sequences.

Module loads register a dynamic cpuhp state; CPU hotplug runs the states in registration order
on online and in reverse on offline, with rollback when a teardown is refused. x86 never offlines
CPU 0, and VMBus refuses to let a CPU go while a channel is bound to it (docs/kernel-facts.md#cpu-hotplug-on-x86).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias, cast

from synic_core.model.engine import Engine
from synic_core.model.partitions import title
from synic_core.model.state import DriverState
from synic_core.model.vocabulary import ActionName, ActionScope, ActionTarget, Component, ExploreChoice, SequenceName

BOOT_CPU = 0
"""x86's boot CPU: never hotpluggable, and VMBus's connect CPU (VMBUS_CONNECT_CPU), where moved channels go."""
CPU0_CITES = (
    "arch/x86/kernel/topology.c arch_cpu_is_hotpluggable; drivers/base/cpu.c register_cpu; drivers/base/core.c device_offline "
    "(docs/kernel-facts.md#cpu-hotplug-on-x86)"
)
CHANNEL_CITES = "drivers/hv/hv.c hv_synic_cleanup; kernel/cpu.c cpuhp rollback (docs/kernel-facts.md#cpu-hotplug-on-x86)"
VMBUS_ROOT_CITES = "drivers/hv/vmbus_drv.c hv_acpi_init (docs/kernel-facts.md#when-vmbus-runs)"
MSHV_INIT_CITES = "drivers/hv/mshv_root_main.c mshv_parent_partition_init (docs/kernel-facts.md#partition-types)"
CHANNEL_ASSUMPTION = (
    "the kernel cannot move the channel itself (a kernel before hv_pick_new_cpu(), or a host older than "
    "VMBus protocol WIN10 v5.3); newer kernels rebind it and the offline goes on (docs/kernel-facts.md#cpu-hotplug-on-x86)"
)
Runner: TypeAlias = Callable[[Engine, list[int]], None]


# -- per-CPU lifecycle ------------------------------------------------------------------------
def startup(eng: Engine, comp: str, cpu: int) -> None:
    eng.run_sequence("vmbus_init" if comp == "vmbus" else "mshv_init", cpu)
    eng.set_live(cpu, comp, True)


def teardown(eng: Engine, comp: str, cpu: int) -> bool:
    """Run the component's cpuhp teardown; False when the kernel refuses it (-EBUSY: a channel is bound to the CPU)."""
    if comp == "vmbus" and eng.state.drivers.vmbus_connected and eng.state.cpus[cpu].channels:
        return False
    eng.set_live(cpu, comp, False)
    eng.run_sequence("vmbus_cleanup" if comp == "vmbus" else "mshv_exit", cpu)
    return True


def _all_online_or_note(eng: Engine, cpus: list[int], what: str) -> None:
    if sorted(cpus) != eng.state.online_cpus():
        eng.not_kernel_order(f"{what} runs on every online CPU, not on a chosen few")


def _register(eng: Engine, comp: str) -> None:
    if comp not in eng.state.drivers.cpuhp_order:
        eng.state.drivers.cpuhp_order.append(comp)


def _unregister_if_idle(eng: Engine, comp: str) -> bool:
    st = eng.state
    if any(c.live(comp) for c in st.cpus):
        return False
    if comp in st.drivers.cpuhp_order:
        st.drivers.cpuhp_order.remove(comp)
    return True


# -- module actions ---------------------------------------------------------------------------
def vmbus_load(eng: Engine, cpus: list[int]) -> None:
    d = eng.state.drivers
    if not eng.partition.vmbus_runs:
        eng.refuse(
            "VMBus does not run on a bare-metal root: hv_acpi_init() returns early when hv_root_partition() && !hv_nested.",
            applies=False,  # the driver does not run on this partition
            component="vmbus",
            cites=VMBUS_ROOT_CITES,
        )
        return
    if not d.vmbus_loaded:
        if d.mshv_loaded:
            eng.not_kernel_order("every boot initialises VMBus (subsys_initcall) before mshv_root (module_init)")
        d.vmbus_loaded = d.vmbus_connected = True
        _register(eng, "vmbus")
    _all_online_or_note(eng, cpus, "hv_synic_init")
    _start_each(eng, "vmbus", cpus)


def vmbus_unload(eng: Engine, cpus: list[int]) -> None:
    st, d = eng.state, eng.state.drivers
    if not d.vmbus_loaded:
        eng.refuse("VMBus is not loaded.", applies=False, component="vmbus")
        return
    if d.mshv_loaded and eng.version.vmbus_dependency:
        eng.refuse(
            "VMBus cannot unload while mshv_root is loaded: mshv_root uses hv_vmbus_exists() from the VMBus module.",
            applies=True,  # blocked by the other driver: it depends on the order of actions
            component="vmbus",
            assumption="model inference from module dependencies (mshv_root uses hv_vmbus_exists() from the VMBus module)",
        )
        return
    _all_online_or_note(eng, cpus, "vmbus_exit")
    d.vmbus_connected = False
    for cpu in cpus:
        if st.cpus[cpu].vmbus:
            teardown(eng, "vmbus", cpu)
            _free_vmbus_pages(eng, cpu)
    if _unregister_if_idle(eng, "vmbus"):
        d.vmbus_loaded = False


def _free_vmbus_pages(eng: Engine, cpu: int) -> None:
    """hv_synic_free: the pages hv_synic_alloc gave this CPU go back to the kernel."""
    eng.state.free_vmbus_pages(cpu)


def mshv_init(eng: Engine, cpus: list[int]) -> None:
    p, d = eng.partition, eng.state.drivers
    if not p.mshv_allowed:
        eng.refuse(p.mshv_refusal, applies=False, component="mshv", cites=MSHV_INIT_CITES)
        return
    if d.kdump:
        eng.refuse(
            "mshv_root does not load in a kdump kernel: is_kdump_kernel() is true.", applies=False, component="mshv", cites=MSHV_INIT_CITES
        )
        return
    if not d.mshv_loaded:
        if p.vmbus_runs and not d.vmbus_loaded:
            eng.not_kernel_order(f"on {p.name} every boot initialises VMBus before mshv_root")
        d.mshv_loaded = True
        d.mshv_notifier = eng.version.has_reboot_notifier(p)
        _register(eng, "mshv")
    _all_online_or_note(eng, cpus, "cpuhp_setup_state(mshv_synic)")
    _start_each(eng, "mshv", cpus)


def mshv_cleanup(eng: Engine, cpus: list[int]) -> None:
    d = eng.state.drivers
    if not d.mshv_loaded:
        eng.refuse("MSHV is not loaded.", applies=False, component="mshv")
        return
    _all_online_or_note(eng, cpus, "mshv_synic_exit")
    for cpu in cpus:
        if eng.state.cpus[cpu].mshv:
            teardown(eng, "mshv", cpu)
    if _unregister_if_idle(eng, "mshv"):
        d.mshv_loaded = d.mshv_notifier = False


def _start_each(eng: Engine, comp: str, cpus: list[int]) -> None:
    for cpu in cpus:
        if eng.state.cpus[cpu].live(comp):
            eng.step.notes.append(f"{title(comp)} is already live on CPU {cpu}; cpuhp does not run it twice")
        else:
            startup(eng, comp, cpu)


# -- CPU hotplug ------------------------------------------------------------------------------
def cpu_offline(eng: Engine, cpus: list[int]) -> None:
    for cpu in cpus:
        if cpu == BOOT_CPU:
            eng.refuse(
                "CPU 0 cannot go offline on x86: arch_cpu_is_hotpluggable() is false for it, so register_cpu() sets "
                "offline_disabled and device_offline() returns -EPERM before any cpuhp callback runs; nothing is written.",
                applies=False,  # x86 never offlines CPU 0, in any state
                cpu=cpu,
                cites=CPU0_CITES,
            )
            continue
        _offline_one(eng, cpu)


def _offline_one(eng: Engine, cpu: int) -> None:
    cs = eng.state.cpus[cpu]
    done: list[str] = []
    for comp in reversed([c for c in eng.state.drivers.cpuhp_order if cs.live(c)]):
        if not teardown(eng, comp, cpu):
            again = f"; cpuhp rolls back and starts {', '.join(map(title, done))} again" if done else ""
            eng.refuse(
                f"CPU {cpu} stays online: a VMBus channel is bound to it, so hv_synic_cleanup() returns -EBUSY "
                f"while VMBus is connected{again}.",
                applies=True,  # blocked by a bound channel: it depends on the order of actions
                cpu=cpu,
                component=cast(Component, comp),
                assumption=CHANNEL_ASSUMPTION,
                cites=CHANNEL_CITES,
            )
            for c in reversed(done):
                startup(eng, c, cpu)
            return
        done.append(comp)
    cs.online = False


def cpu_online(eng: Engine, cpus: list[int]) -> None:
    for cpu in cpus:
        eng.state.cpus[cpu].online = True
        for comp in eng.state.drivers.cpuhp_order:
            startup(eng, comp, cpu)


def move_channels(eng: Engine, cpus: list[int]) -> None:
    """Write another CPU to each channel's sysfs `cpu` file: the channels leave the chosen CPUs (no MSR is written)."""
    st = eng.state
    if not st.drivers.vmbus_connected:
        eng.step.notes.append("VMBus is not connected: it has no channels to move")
        return
    dest = BOOT_CPU if BOOT_CPU not in cpus else next((c for c in st.online_cpus() if c not in cpus), None)
    if dest is None:
        eng.refuse(
            "The channels cannot move: every online CPU is among the chosen ones, so no CPU is left to take them.",
            applies=False,
            component="vmbus",
        )
        return
    for cpu in cpus:
        if not st.cpus[cpu].channels:
            eng.step.notes.append(f"CPU {cpu} holds no VMBus channel: nothing to move")
            continue
        st.cpus[cpu].channels = False
        st.cpus[dest].channels = True
        eng.step.notes.append(f"the VMBus channels bound to CPU {cpu} now target CPU {dest}")


# -- kexec ------------------------------------------------------------------------------------
def kexec(eng: Engine, cpus: list[int]) -> None:
    st, d = eng.state, eng.state.drivers
    eng.step.notes.append(f"reboot CPU {cpus[0]}")
    if d.mshv_loaded and d.mshv_notifier:
        for cpu in st.online_cpus():
            if st.cpus[cpu].mshv:
                teardown(eng, "mshv", cpu)
    elif d.mshv_loaded:
        eng.step.notes.append(
            f"{eng.version.name} registers no MSHV reboot notifier on {eng.partition.name}: MSHV's SynIC state is left as it is"
        )
    if d.vmbus_loaded:
        d.vmbus_connected = False  # vmbus_initiate_unload: hv_synic_cleanup no longer refuses
        for cpu in st.online_cpus():
            if st.cpus[cpu].vmbus:
                teardown(eng, "vmbus", cpu)
    _boot_new_kernel(eng, kdump=False)
    eng.step.findings += eng.checker.stale("new kernel")


def crash_kexec(eng: Engine, cpus: list[int]) -> None:
    st, d = eng.state, eng.state.drivers
    cpu = cpus[0]
    eng.step.notes.append(f"panic on CPU {cpu}: no reboot notifier runs; other CPUs keep their SynIC state")
    if d.vmbus_loaded and st.cpus[cpu].vmbus:
        d.vmbus_connected = False
        eng.set_live(cpu, "vmbus", False)
        eng.run_sequence("vmbus_crash", cpu)
    _boot_new_kernel(eng, kdump=True)
    eng.step.findings += eng.checker.stale("kdump kernel")


def _boot_new_kernel(eng: Engine, kdump: bool) -> None:
    """Drivers gone, registers kept by the hypervisor; kexec reuses the old kernel's pages, kdump does not."""
    st = eng.state
    if not kdump:
        for page in st.pages.values():
            if page.owner != "hypervisor":
                page.freed = True
    st.drivers = DriverState(kdump=kdump)
    for cs in st.cpus:
        cs.vmbus = cs.mshv = False
        cs.online = cs.online or not kdump
        cs.channels = cs.channels_home  # assumed: the new kernel binds its channels as the session's channel_cpus say
    st.vmbus_pages.clear()
    st.missing.clear()
    st.boot += 1


@dataclass(frozen=True, slots=True)
class ExportTask:
    """Who runs an action's writes in an exported trace: the task, its PID and the stack around the driver's functions."""

    name: str  # may hold {cpu}: the per-CPU hotplug thread
    pid: int
    pid_per_cpu: int
    outer_frames: tuple[str, ...]
    frames: tuple[str, ...] = ()  # the whole stack, innermost first, where the path is not the sequence's own


CPUHP_TASK = ExportTask("cpuhp/{cpu}", 20, 7, ("cpuhp_invoke_callback", "cpuhp_thread_fun"))
"""cpuhp_setup_state() and cpuhp_remove_state() run each CPU's callback in that CPU's `cpuhp/N` thread, for module
loads and unloads, hotplug and the kexec teardown alike (kernel/cpu.c), so their stacks end in the cpuhp thread and do
not say which action it was. The PIDs are made up."""
CRASH_TASK = ExportTask("bash", 1999, 0, (), ("hv_hyp_synic_disable_regs", "hv_crash_handler", "__crash_kexec", "panic"))
"""The crash handler runs on the panicking CPU (drivers/hv/vmbus_drv.c hv_crash_handler calls hv_hyp_synic_disable_regs);
the task and PID are made up."""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action's whole shape: the session, the explorer, trace export and trace inference read this row."""

    name: ActionName
    title: str
    target: ActionTarget
    scope: ActionScope
    summary: str
    source: str  # the kernel code it models
    run: Runner
    export_task: ExportTask
    explore: ExploreChoice | None  # None: the explorer never chooses it
    explore_skips_cpu0: bool = False
    trace_sequence: SequenceName | None = None  # a driver sequence that, matched alone in a trace, is taken for this action

    @property
    def boots_new_kernel(self) -> bool:
        """kexec and crash kexec end with a new kernel: drivers gone, registers kept."""
        return self.scope in ("machine", "crash")


ACTIONS: dict[ActionName, ActionSpec] = {
    a.name: a
    for a in (
        ActionSpec(
            "vmbus_load",
            "VMBus load",
            "online",
            "module",
            "hv_synic_init on the chosen CPUs; the first load connects VMBus",
            "drivers/hv/vmbus_drv.c vmbus_bus_init",
            run=vmbus_load,
            export_task=CPUHP_TASK,
            explore="together",
            trace_sequence="vmbus_init",
        ),
        ActionSpec(
            "vmbus_unload",
            "VMBus unload",
            "online",
            "module",
            "module exit: disconnect, then hv_synic_cleanup on the chosen CPUs",
            "drivers/hv/vmbus_drv.c vmbus_exit",
            run=vmbus_unload,
            export_task=CPUHP_TASK,
            explore="together",
            trace_sequence="vmbus_cleanup",
        ),
        ActionSpec(
            "mshv_init",
            "MSHV init",
            "online",
            "module",
            "mshv_synic_cpu_init on the chosen CPUs; the first init loads mshv_root",
            "drivers/hv/mshv_synic.c mshv_synic_init",
            run=mshv_init,
            export_task=CPUHP_TASK,
            explore="together",
            trace_sequence="mshv_init",
        ),
        ActionSpec(
            "mshv_cleanup",
            "MSHV cleanup",
            "online",
            "module",
            "mshv_synic_cpu_exit on the chosen CPUs",
            "drivers/hv/mshv_synic.c mshv_synic_exit",
            run=mshv_cleanup,
            export_task=CPUHP_TASK,
            explore="together",
            trace_sequence="mshv_exit",
        ),
        ActionSpec(
            "cpu_offline",
            "CPU offline",
            "online",
            "cpu",
            "cpuhp teardown: MSHV exit, then VMBus cleanup; a refusal rolls back",
            "kernel/cpu.c cpuhp teardown; drivers/hv/hv.c hv_synic_cleanup",
            run=cpu_offline,
            export_task=CPUHP_TASK,
            explore="each",
            explore_skips_cpu0=True,  # refused outright on x86: nothing to learn
        ),
        ActionSpec(
            "cpu_online",
            "CPU online",
            "offline",
            "cpu",
            "cpuhp startup: VMBus init, then MSHV init",
            "kernel/cpu.c cpuhp startup",
            run=cpu_online,
            export_task=CPUHP_TASK,
            explore="each",
        ),
        ActionSpec(
            "kexec",
            "kexec",
            "one",
            "machine",
            "reboot notifiers, hv_machine_shutdown, then the new kernel starts (chosen CPU reboots)",
            "kernel/kexec_core.c kernel_kexec; arch/x86/kernel/cpu/mshyperv.c hv_machine_shutdown",
            run=kexec,
            export_task=CPUHP_TASK,
            explore="reboot",  # the reboot CPU plays no part in the model
        ),
        ActionSpec(
            "crash_kexec",
            "crash kexec",
            "one",
            "crash",
            "panic path: VMBus disables its SynIC on this CPU only, then the kdump kernel starts",
            "drivers/hv/vmbus_drv.c hv_crash_handler",
            run=crash_kexec,
            export_task=CRASH_TASK,
            explore="each",
            trace_sequence="vmbus_crash",
        ),
        ActionSpec(
            "move_channels",
            "move channels",
            "online",
            "cpu",
            "the VMBus channels bound to the chosen CPUs move to CPU 0 (or to another online CPU); no MSR is written",
            "drivers/hv/vmbus_drv.c target_cpu_store (/sys/bus/vmbus/devices/*/channels/*/cpu)",
            run=move_channels,
            export_task=CPUHP_TASK,  # writes nothing, so never exported
            explore="each",
            explore_skips_cpu0=True,  # CPU 0's channels never block an offline: x86 does not offline it
        ),
    )
}
ACTION_NAMES = tuple(ACTIONS)


def run_action(eng: Engine, action: ActionName, cpus: list[int]) -> None:
    """Run the action, then look for missing enables on the CPUs it changed.

    After every step each CPU's missing-enable memory matches its registers, so a CPU the step did not
    change cannot gain or lose a finding: checking only the changed ones gives the findings a check of
    every CPU the action targets would give, in the same order, at the cost of the writes.
    """
    spec = ACTIONS[action]
    spec.run(eng, cpus)
    targets = eng.state.online_cpus() if spec.boots_new_kernel else cpus
    eng.step.findings += eng.checker.missing_enable([cpu for cpu in targets if cpu in eng.changed_cpus])
