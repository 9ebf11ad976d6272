"""The simulated machine's state: registers per CPU and bank, driver state, and page frames.

Plain lists and small dataclasses, so that a 4096-CPU machine copies quickly: the session keeps
a copy only now and then (a checkpoint) and rebuilds other states from the nearest one. Freed
pages that no register points at any more are dropped (`collect_pages`), so a long session holds
the pages in use, not every page it ever allocated.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from synic_core.model.partitions import Partition
from synic_core.model.registers import PAGE_REGISTERS, REGISTERS, STATE_INDEX, STATE_REGISTERS, frame_of, registers_in_bank

HV_FRAME_BASE = {"l1": 0x100000, "l0": 0x200000}
"""Where the model places the frames a root hypervisor pre-programs (arbitrary but fixed)."""
LINUX_FRAME_BASE = 0x8000
"""First frame the model hands out for pages Linux allocates (arbitrary but fixed)."""


@dataclass(slots=True)
class Page:
    frame: int
    owner: str  # "hypervisor", "vmbus" or "mshv"
    purpose: str  # e.g. "SIMP of CPU 3"
    boot: int  # kernel generation that allocated it
    freed: bool = False


@dataclass(slots=True)
class CpuState:
    online: bool = True
    vmbus: bool = False  # hv_synic_init has run on this CPU (VMBus live)
    mshv: bool = False  # mshv_synic_cpu_init has run on this CPU (MSHV live)
    channels: bool = False  # VMBus channels are bound to this CPU (their target_cpu)
    channels_home: bool = False  # a new kernel binds channels here again (the session's channel_cpus)

    def live(self, component: str) -> bool:
        return self.vmbus if component == "vmbus" else self.mshv


@dataclass(slots=True)
class DriverState:
    """Module-level state of the running kernel (reset by kexec)."""

    vmbus_loaded: bool = False
    vmbus_connected: bool = False
    mshv_loaded: bool = False
    mshv_notifier: bool = False
    cpuhp_order: list[str] = field(default_factory=list)  # dynamic cpuhp states, registration order
    kdump: bool = False


@dataclass(slots=True)
class MachineState:
    """Everything one step can change, so undo is a copy."""

    ncpus: int
    banks: tuple[str, ...]
    regs: dict[str, list[list[int]]]  # bank -> cpu -> register index -> 64-bit value
    writer: dict[str, list[list[str]]]  # bank -> cpu -> register index -> last writer
    scontrol_dropped: dict[str, list[bool]]  # strict profile: SCONTROL went 1 -> 0 on this VP
    cpus: list[CpuState]
    drivers: DriverState
    pages: dict[int, Page]
    vmbus_pages: dict[tuple[int, str, str], int]  # (cpu, bank, register) -> frame hv_synic_alloc gave
    next_frame: int = LINUX_FRAME_BASE
    boot: int = 0
    missing: set[tuple[int, str, str, str]] = field(default_factory=set)  # flagged missing_enable
    cleared: dict[tuple[int, str, str], tuple[str, int, str]] = field(default_factory=dict)
    """(cpu, bank, register) -> (writer, step, action) of the write that last cleared its enable bit: missing_enable says who."""
    collect_at: int = 0  # collect_pages looks for unreferenced freed pages once there are more pages than this

    @classmethod
    def reset(cls, partition: Partition, ncpus: int, channel_cpus: tuple[int, ...] = ()) -> MachineState:
        regs: dict[str, list[list[int]]] = {}
        pages: dict[int, Page] = {}
        for bank in partition.banks:
            row = [REGISTERS[name].reset for name in STATE_REGISTERS]
            regs[bank] = [list(row) for _ in range(ncpus)]
            if partition.provides_frames:
                _place_hypervisor_frames(bank, regs[bank], pages)
        return cls(
            ncpus=ncpus,
            banks=partition.banks,
            regs=regs,
            writer={b: [["reset"] * len(STATE_REGISTERS) for _ in range(ncpus)] for b in partition.banks},
            scontrol_dropped={b: [False] * ncpus for b in partition.banks},
            cpus=[CpuState(channels=i in channel_cpus, channels_home=i in channel_cpus) for i in range(ncpus)],
            drivers=DriverState(),
            pages=pages,
            vmbus_pages={},
        )

    def grow(self, partition: Partition, ncpus: int) -> None:
        """CPUs `self.ncpus`..`ncpus - 1` join the machine as a reset machine has them (online, no driver live): a trace
        read in windows can show a CPU first long after its start."""
        if ncpus <= self.ncpus:
            return
        fresh = MachineState.reset(partition, ncpus)
        for bank in self.banks:
            self.regs[bank] += fresh.regs[bank][self.ncpus :]
            self.writer[bank] += fresh.writer[bank][self.ncpus :]
            self.scontrol_dropped[bank] += fresh.scontrol_dropped[bank][self.ncpus :]
        self.cpus += fresh.cpus[self.ncpus :]
        self.pages.update((frame, page) for frame, page in fresh.pages.items() if frame not in self.pages)
        self.ncpus = ncpus

    def copy(self) -> MachineState:
        return MachineState(
            ncpus=self.ncpus,
            banks=self.banks,
            regs={b: [row[:] for row in rows] for b, rows in self.regs.items()},
            writer={b: [row[:] for row in rows] for b, rows in self.writer.items()},
            scontrol_dropped={b: v[:] for b, v in self.scontrol_dropped.items()},
            cpus=[CpuState(c.online, c.vmbus, c.mshv, c.channels, c.channels_home) for c in self.cpus],
            drivers=replace(self.drivers, cpuhp_order=self.drivers.cpuhp_order[:]),
            pages={f: Page(p.frame, p.owner, p.purpose, p.boot, p.freed) for f, p in self.pages.items()},
            vmbus_pages=dict(self.vmbus_pages),
            next_frame=self.next_frame,
            boot=self.boot,
            missing=set(self.missing),
            cleared=dict(self.cleared),
            collect_at=self.collect_at,
        )

    def collect_pages(self) -> int:
        """Drop freed pages that no register and no driver refers to; how many were dropped.

        Frames are never handed out twice, so a dropped page can never be asked about again: every
        frame the model looks up comes from a register or from a live allocation. The scan runs only
        when the page table has doubled since the last one, so its cost is spread over the allocations.
        """
        if len(self.pages) <= self.collect_at:
            return 0
        referenced = set(self.vmbus_pages.values())
        for bank, rows in self.regs.items():
            columns = [STATE_INDEX[name] for name in PAGE_REGISTERS if name in registers_in_bank(bank)]
            for row in rows:
                referenced.update(frame_of(row[i]) for i in columns)
        unused = [f for f, page in self.pages.items() if page.freed and f not in referenced]
        for frame in unused:
            del self.pages[frame]
        self.collect_at = 2 * len(self.pages) + 64
        return len(unused)

    def get(self, cpu: int, bank: str, register: str) -> int:
        return self.regs[bank][cpu][STATE_INDEX[register]]

    def last_writer(self, cpu: int, bank: str, register: str) -> str:
        return self.writer[bank][cpu][STATE_INDEX[register]]

    def online_cpus(self) -> list[int]:
        return [i for i, c in enumerate(self.cpus) if c.online]

    def allocate(self, owner: str, purpose: str) -> int:
        frame = self.next_frame
        self.next_frame += 1
        self.pages[frame] = Page(frame, owner, purpose, self.boot)
        return frame

    def free(self, frame: int) -> None:
        page = self.pages.get(frame)
        if page is not None and page.owner != "hypervisor":
            page.freed = True

    def free_vmbus_pages(self, cpu: int) -> None:
        """hv_synic_free on one CPU: its VMBus pages go back to the kernel. Constant time per CPU (the keys are
        known), unlike a scan of every CPU's pages, which made unloading VMBus on 4096 CPUs quadratic."""
        for key in [(cpu, bank, name) for bank in self.banks for name in PAGE_REGISTERS if (cpu, bank, name) in self.vmbus_pages]:
            self.free(self.vmbus_pages.pop(key))

    def frame_is_dangling(self, frame: int) -> bool:
        page = self.pages.get(frame)
        return frame == 0 or (page is not None and page.freed)

    def registers_dict(self, cpu: int, bank: str) -> dict[str, int]:
        row = self.regs[bank][cpu]
        return {name: row[STATE_INDEX[name]] for name in registers_in_bank(bank)}

    def describe_frame(self, frame: int) -> str:
        page = self.pages.get(frame)
        if frame == 0:
            return "frame 0 (no page)"
        if page is None:
            return f"frame {frame:#x}"
        state = "freed" if page.freed else "live"
        return f"frame {frame:#x} ({page.owner} page for {page.purpose}, {state})"


def _place_hypervisor_frames(bank: str, rows: list[list[int]], pages: dict[int, Page]) -> None:
    """Root hypervisors pre-program SIMP/SIEFP/SIRBP frames at reset; the enable bit stays 0."""
    names = [n for n in PAGE_REGISTERS if n in registers_in_bank(bank)]
    for cpu, row in enumerate(rows):
        for k, name in enumerate(names):
            frame = HV_FRAME_BASE[bank] + cpu * 4 + k
            row[STATE_INDEX[name]] = REGISTERS[name].field("frame").put(0, frame)
            pages[frame] = Page(frame, "hypervisor", f"{name} of CPU {cpu} ({bank})", boot=0)
