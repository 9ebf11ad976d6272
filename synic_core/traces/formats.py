"""The text formats of real SynIC MSR traces, as data: events, payloads, line layouts and stack frames.

Sources (docs/traces.md has the details): the `msr_trace_class` tracepoints in
`arch/x86/include/asm/msr-trace.h` (`write_msr`: "%x, value %llx%s", " #GP" when the write faulted),
`kvm_hv_synic_set_msr` in `arch/x86/kvm/trace.h` ("vcpu_id %d msr 0x%x data 0x%llx host %d") and the
`trace` file layout of `Documentation/trace/ftrace.rst`. MSR numbers come from `registers.MSR_TABLE`.
Whitespace differs between kernel and trace-cmd versions: the parser goes by fields, not columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from synic_core.model.actions import ExportTask
from synic_core.model.registers import MSR_TABLE, REGISTERS
from synic_core.model.vocabulary import ActionHint, Bank, Component, ProfileName, TraceFormat, TraceLayout

# -- SynIC MSRs ---------------------------------------------------------------------------------
SYNIC_MSR_LOW = min(MSR_TABLE)
SYNIC_MSR_HIGH = max(MSR_TABLE)
SLOTS: tuple[tuple[Bank, str], ...] = tuple((cast(Bank, bank), name) for bank, name in MSR_TABLE.values() if REGISTERS[name].access == "rw")
"""The (bank, register) pairs a write can change; EOM (a trigger) and SVERSION (read-only) are counted, not kept."""
SLOT_OF: dict[int, int] = {msr: SLOTS.index(MSR_TABLE[msr]) for msr in MSR_TABLE if MSR_TABLE[msr] in SLOTS}
MSR_OF_SLOT: tuple[int, ...] = tuple(REGISTERS[name].address(bank) for bank, name in SLOTS)
SLOT_OF_TEXT: dict[bytes, int] = {b"%x" % msr: slot for msr, slot in SLOT_OF.items()}
"""SLOT_OF by the MSR number as the kernel prints it (`%x`): the fast path's payloads hold nothing else."""


def hex_choice(numbers: list[int]) -> bytes:
    """A pattern for exactly these numbers as `%x` prints them (lowercase, no leading zero), grouped by all but the last
    digit: `4000008[0235]|4000009[0123456789abcdef]|...` (the regex compiler takes the common prefix out of the branches)."""
    last: dict[str, list[str]] = {}
    for number in sorted(numbers):
        text = f"{number:x}"
        last.setdefault(text[:-1], []).append(text[-1])
    return "|".join(head + (digits[0] if len(digits) == 1 else f"[{''.join(digits)}]") for head, digits in last.items()).encode()


# -- formats ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FormatSpec:
    """Everything that differs between trace formats, as one row: how a write is recognised and parsed, where its
    CPU comes from, how many CPUs the traced machine has, what the trace can show of a write's outcome and stack,
    the hypervisor profile it is checked under by default, and how the model's writes are exported in it."""

    name: TraceFormat
    event: str
    """The event name that carries SynIC writes."""
    pattern: re.Pattern[bytes]
    """The payload after the event name: groups msr, value (hex), and gp / cpu / host where the format has them."""
    common: bytes | None
    """The payload of the common write line, which the reader takes as columns (its fast path), to the end of the line:
    a register a write changes as the kernel prints it, a value of 1 to 16 hex digits (either case, leading zeros
    allowed), groups msr, value and gp (the `#` of ` #GP`). Every other payload (another MSR, EOM, SVERSION, an MSR
    number in capitals or with a leading zero, a longer value, tabs) is read by the general path, one line at a time.
    None: every write takes the general path (a KVM host's writes are counted per guest)."""
    payload: str
    """The payload as `synic run --ftrace/--kvm-trace` writes it."""
    cpu_from: Literal["column", "vcpu_id"]
    """The write's CPU: the `[CPU]` column (inside the partition), or the payload's vcpu_id (a KVM host: the column is a host CPU)."""
    cpus_from: Literal["header", "vcpu_ids"]
    """The CPU count: the trace's header (`#P:N`, `cpus=N`) if larger, or the distinct vCPUs (the header counts the host's)."""
    shows_faults: bool
    """Whether the event can mark a faulted write (` #GP`, only from the `*_safe` WRMSR path)."""
    has_stacks: bool
    """Whether writes can carry the writer's kernel stack (a KVM host never has the guest's)."""
    has_guests: bool
    """Whether one trace can hold several machines (a KVM host: one VMM process each)."""
    profile: ProfileName
    """The default hypervisor profile: strict inside an L1VH/root partition; KVM emulates the SynIC leniently."""
    export_task: ExportTask | None
    """Who writes in an exported trace: None for the action's own task (`ActionSpec.export_task`), else this one for every write."""


_FTRACE_COMMON = rb" *(?P<msr>" + hex_choice(list(SLOT_OF)) + rb"), *value +(?P<value>[0-9a-fA-F]{1,16})(?: (?P<gp>#)GP|)[ \r]*\n"
_FTRACE_PAYLOAD = re.compile(rb"[ \t]*(?P<msr>[0-9a-fA-F]+),[ \t]*value[ \t]+(?P<value>[0-9a-fA-F]+)(?P<gp>[ \t]+#GP)?[ \t\r]*$", re.M)
_KVM_PAYLOAD = re.compile(
    rb"[ \t]*vcpu_id[ \t]+(?P<cpu>-?\d+)[ \t]+msr[ \t]+0x(?P<msr>[0-9a-fA-F]+)[ \t]+data[ \t]+0x(?P<value>[0-9a-fA-F]+)"
    rb"[ \t]+host[ \t]+(?P<host>\d+)[ \t\r]*$",
    re.M,
)
"""Payloads by fields, spaces and tabs only: the patterns also run over whole blocks of lines (multiline)."""
GP_MARK = " #GP"
STACK_EVENTS = ("<stack trace>", "kernel_stack")
"""ftrace prints `<stack trace>` where an event name would be; trace-cmd names it `kernel_stack`."""


KVM_HOST_TASK = ExportTask("qemu-system-x86", 4321, 0, ())
"""On a KVM host every write of the guest is recorded in the VMM's vCPU thread."""

FORMATS: dict[TraceFormat, FormatSpec] = {
    "ftrace": FormatSpec(
        name="ftrace",
        event="write_msr",
        pattern=_FTRACE_PAYLOAD,
        common=_FTRACE_COMMON,
        payload="{msr:x}, value {value:x}{gp}",
        cpu_from="column",
        cpus_from="header",
        shows_faults=True,
        has_stacks=True,
        has_guests=False,
        profile="strict",
        export_task=None,
    ),
    "kvm": FormatSpec(
        name="kvm",
        event="kvm_hv_synic_set_msr",
        pattern=_KVM_PAYLOAD,
        common=None,
        payload="vcpu_id {cpu} msr {msr:#x} data {value:#x} host {host}",
        cpu_from="vcpu_id",
        cpus_from="vcpu_ids",
        shows_faults=False,
        has_stacks=False,
        has_guests=True,
        profile="lenient",
        export_task=KVM_HOST_TASK,
    ),
}
"""msr:write_msr inside the partition (arch/x86/include/asm/msr-trace.h: "%x, value %llx%s"), and
kvm:kvm_hv_synic_set_msr on a KVM host (arch/x86/kvm/trace.h: "vcpu_id %d msr 0x%x data 0x%llx host %d").
A new format is a new row (and its name in `vocabulary.TraceFormat`)."""
FORMAT_OF_EVENT: dict[str, FormatSpec] = {spec.event: spec for spec in FORMATS.values()}

EVENT_LINE = re.compile(
    rb"^\s*(?P<task>.*?)-(?P<pid>\d+)\s+(?:\(\s*(?P<tgid>[\d-]+)\)\s+)?\[(?P<cpu>\d+)\]\s+(?:(?P<flags>\S{1,6})\s+)?"
    rb"(?P<ts>\d+(?:\.\d+)?):\s+(?P<event><stack trace>|[\w:]+?):?(?:\s+(?P<payload>.*?))?\s*$"
)
"""`TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: PAYLOAD`; the task may hold spaces and dashes (the PID
follows the last dash before the CPU), the tgid column (`( 1234)`, tracefs's record-tgid option) and the
flags column are optional."""
LATENCY_EVENT_LINE = re.compile(
    rb"^\s*(?P<task>.*?)-(?P<pid>\d+)\s+(?:\(\s*(?P<tgid>[\d-]+)\)\s+)?(?P<cpu>\d+)(?P<flags>[^\s\d][^\s]{2,5})\s+"
    rb"(?P<us>\d+)us.?:\s+(?P<event><stack trace>|[\w:]+?):?(?:\s+(?P<payload>.*?))?\s*$"
)
"""The latency layout, `TASK-PID CPU FLAGS USECSus : EVENT: PAYLOAD` (a bare CPU number, the flags glued to it, the time
in microseconds and a delay mark before the colon): what `ftrace_dump_on_oops` and sysrq-z print on the console
(kernel/trace/trace_output.c, lat_print_generic and lat_print_timestamp)."""


def event_line(raw: bytes) -> re.Match[bytes] | None:
    """A trace event line in either layout (its `ts` or its `us` group says which)."""
    return EVENT_LINE.match(raw) or LATENCY_EVENT_LINE.match(raw)


_NOT_WRITE = rb"(?P<line>(?:^[ \t]*=>[^\n]*\n)+|^[^\n<]*<stack trace[^\n]*\n|^[^\n]*\n)"
"""A run of stack frames, a stack event (its first `<` starts `<stack trace`) or any other line, in that order (the
reader tells them apart the same way)."""
_WRITE_HEAD = rb"(?P<head>[^\]\n]*\])"
"""A write's head, `TASK-PID [CPU]` with the spaces before it, taken to the first `]` (cheaply: the reader reads each
distinct head once with WRITE_HEAD, and a head that is not one sends its writes to the general path)."""
WRITE_HEAD = re.compile(rb" *(?P<task>[^\[\n]*?)-(?P<pid>\d+) +\[(?P<cpu>\d+)\]")
"""The fields of a write's head: the task has no `[` (the PID follows the last dash before the CPU)."""
_WRITE_STACK = rb"(?:(?P=head)[^\n]*<stack trace[^\n]*(?P<wstack>\n(?:=>[^\n]*\n)*+(?: =>[^\n]*\n)*+)|)"
"""The stack event right after a write with the same head (its task on its CPU), and its frames: group wstack is the
stack event's newline and the frame lines (empty without a stack event), so that it counts the lines after the write's
line, and the frames alone tell stacks apart. trace-cmd prints `=> ` frames, tracefs ` => `."""


def _scanner(spec: FormatSpec | None) -> re.Pattern[bytes]:
    """One pass over a block of whole lines: the format's common write line (with the stack event of its task and CPU and
    its frames right after it: one match a write), or else a run of stack frames, a stack event or any other line (the
    reader's general path). The write comes first: the others would scan the whole line before failing. The write's
    groups are only what the columns are made of (`WRITE_GROUPS`); spaces, not tabs, and flags that never start with a
    digit (so that a trace-cmd timestamp is not tried as flags) keep the engine's work small: any other line is read
    by the general path."""
    if spec is None or spec.common is None:
        return re.compile(_NOT_WRITE, re.M)
    write = (
        rb"^"
        + _WRITE_HEAD
        + rb" +(?:[^\s\d][^ \t\n]{0,5} +|)(?P<ts>\d+\.\d+): +"
        + re.escape(spec.event.encode())
        + rb":"
        + spec.common
        + _WRITE_STACK
    )
    return re.compile(write + b"|" + _NOT_WRITE, re.M)


SCANNERS: dict[TraceFormat | None, re.Pattern[bytes]] = {None: _scanner(None)} | {name: _scanner(spec) for name, spec in FORMATS.items()}
"""The scanner before the format is known (one group: the line), and each format's."""
WRITE_GROUPS = ("head", "ts", "msr", "value", "gp", "wstack")
"""The groups of a format scanner's write match that the columns are made of (`line` is empty in a write match)."""
FRAME_LINE = re.compile(rb"^\s*=>\s*([^\s(]+)")
"""One stack frame, innermost first: ` => hv_synic_enable_regs+0x12/0x40` or `=> fn (ffffffff8a1b2c3d)`; the offset
is kept (shown as the trace had it), the address is not."""
CPU_COUNT_HEADERS = (re.compile(r"#P:(\d+)"), re.compile(r"^cpus=(\d+)\s*$"))
"""The number of CPUs, from the tracefs header (`#P:4`) or the first line of `trace-cmd report` (`cpus=4`)."""
TRACE_DAT_MAGIC = b"\x17\x08\x44tracing"
"""The start of a binary trace.dat, which `trace-cmd report` turns into text."""

MAX_LINE_BYTES = 4096
"""No event line of these formats comes close; a longer line is skipped (and counted), never held."""
MAX_STACK_FRAMES = 64
MAX_INTERNED = 1 << 16
"""Distinct task names and distinct stacks kept; more are counted and dropped (memory stays bounded)."""


# -- attribution by stack -----------------------------------------------------------------------
STACK_FRAMES: tuple[tuple[str, Component], ...] = (
    ("hv_synic_init", "vmbus"),
    ("hv_synic_cleanup", "vmbus"),
    ("hv_synic_enable_regs", "vmbus"),
    ("hv_synic_disable_regs", "vmbus"),
    ("hv_hyp_synic_enable_regs", "vmbus"),
    ("hv_hyp_synic_disable_regs", "vmbus"),
    ("hv_hyp_synic_enable_interrupts", "vmbus"),
    ("hv_hyp_synic_disable_interrupts", "vmbus"),
    ("hv_crash_handler", "vmbus"),
    ("hv_kexec_handler", "vmbus"),
    ("vmbus_*", "vmbus"),
    ("mshv_synic_init", "mshv"),
    ("mshv_synic_cleanup", "mshv"),
    ("mshv_synic_cpu_init", "mshv"),
    ("mshv_synic_cpu_exit", "mshv"),
    ("mshv_*", "mshv"),
)
"""Frames that identify the writer (drivers/hv/hv.c, vmbus_drv.c, mshv_synic.c); the innermost match wins.
Function names differ between kernel versions: a renamed function is a new row; `*` ends a prefix."""

HINT_FRAMES: dict[str, ActionHint] = {
    "kernel_kexec": "kexec",
    "hv_machine_shutdown": "kexec",
    "mshv_synic_reboot_notify": "kexec",
    "mshv_reboot_notify": "kexec",
    "hv_kexec_handler": "kexec",
    "hv_crash_handler": "crash",
    "__crash_kexec": "crash",
    "__do_sys_delete_module": "unload",
    "__x64_sys_delete_module": "unload",
}
"""Frames that say which action a write belongs to (kernel/kexec_core.c kernel_kexec, arch/x86/kernel/cpu/mshyperv.c
hv_machine_shutdown, the MSHV reboot notifier, module removal)."""
HINT_TASKS: dict[str, ActionHint] = {"kexec": "kexec", "systemd-shutdow": "kexec", "reboot": "kexec", "rmmod": "unload"}
"""Task names (the 15-character `comm`) that say the same when a trace has no stacks."""


def frame_name(frame: str) -> str:
    """The function of a frame as the trace printed it: `hv_synic_init+0x3e/0x1c0` → `hv_synic_init`."""
    return frame.split("+", 1)[0]


def frame_component(frame: str) -> Component | None:
    """The component a stack frame identifies, from STACK_FRAMES, or None."""
    frame = frame_name(frame)
    for pattern, component in STACK_FRAMES:
        if frame == pattern or (pattern.endswith("*") and frame.startswith(pattern[:-1])):
            return component
    return None


# -- export -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Layout:
    """How one layout writes headers, event lines, the stack event and its frames."""

    header: tuple[str, ...]
    event: str
    stack: str
    frame: str


_FTRACE_PREFIX = "{task:>16}-{pid:<7} [{cpu:03d}] ..... {ts}: "
_TRACE_CMD_PREFIX = "{task:>16}-{pid:<5} [{cpu:03d}] {ts}: "
LAYOUTS: dict[TraceLayout, Layout] = {
    "ftrace": Layout(
        header=(
            "# tracer: nop",
            "#",
            "# entries-in-buffer/entries-written: {entries}/{entries}   #P:{ncpus}",
            "#",
            "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
            "#              | |         |   |||||     |         |",
        ),
        event=_FTRACE_PREFIX + "{event} {payload}",
        stack=_FTRACE_PREFIX + "<stack trace>",
        frame=" => {fn}",
    ),
    "trace-cmd": Layout(
        header=("cpus={ncpus}",),
        event=_TRACE_CMD_PREFIX + "{event:<21} {payload}",
        stack=_TRACE_CMD_PREFIX + "kernel_stack:         <stack trace >",
        frame="=> {fn} ({addr:016x})",
    ),
}


EXPORT_START_US = 100_000_000
"""The first exported timestamp (100 s after boot); every write is 10 µs after the one before, steps 0.5 s apart."""
EXPORT_WRITE_US = 10
EXPORT_STEP_US = 500_000
FRAME_ADDRESS_BASE = 0xFFFFFFFF81000000
"""trace-cmd prints an address after each frame; exported frames get made-up but stable ones."""
