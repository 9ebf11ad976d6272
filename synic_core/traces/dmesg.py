"""Faults from the kernel log: `unchecked MSR access error` lines and their call traces, matched to a trace's writes.

A refused plain WRMSR (`native_write_msr()`, the path `hv_set_msr()` takes) is traced as an ordinary
`write_msr:` line: the tracepoint's `failed` is always 0 there (arch/x86/include/asm/msr.h). The fault
shows in the kernel log instead: the exception fixup `ex_handler_msr()` (arch/x86/mm/extable.c) prints
`unchecked MSR access error: WRMSR to 0x%x (tried to write 0x%08x%08x) at rIP: 0x%lx (%pS)` and a call
trace, then carries on as if the write had worked. Current kernels print it once per boot
(`__ONCE_LITE_IF(!safe && wrmsr)`), older ones with `pr_warn_once`, very old ones every time: a log proves
the first refused write of each boot it covers, and says nothing of the writes after it.

Accepted as `dmesg`, `dmesg -T`-less raw logs, `journalctl -k` and serial consoles: with or without the
`[ 1234.567890] ` timestamp, with or without the `CONFIG_PRINTK_CALLER` field (`[    C3]`: CPU 3,
`[  T123]`: thread 123). The same lines inside a trace file (a serial console with
`ftrace_dump_on_oops` at a panic) are read by the trace reader through `LogReader` too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from synic_core.model.registers import MSR_TABLE

FAULT_LINE = re.compile(
    rb"unchecked MSR access error: WRMSR to 0x(?P<msr>[0-9a-fA-F]{1,16}) \(tried to write 0x(?P<value>[0-9a-fA-F]{1,16})\)"
    rb"(?: at rIP: 0x[0-9a-fA-F]+ \((?P<at>[^)\s]*)\))?"
)
PREFIX = re.compile(rb"^\s*(?:<\d>)?\[\s*(?P<ts>\d+\.\d+)\]\s*(?:\[\s*(?P<caller>[CT])(?P<who>\d+)\]\s*)?")
"""`[ 1234.567890] ` and, with CONFIG_PRINTK_CALLER, `[    C3]` (a CPU) or `[  T123]` (a thread)."""
LOG_FRAME = re.compile(rb"^\s*(?P<unsure>\? )?(?P<fn>[A-Za-z_][\w.]*)\+0x[0-9a-fA-F]+/0x[0-9a-fA-F]+")
"""` hv_synic_disable_regs+0x58/0x90 [hv_vmbus]`; frames marked `? ` are unreliable and left out."""
NEW_BOOT = b"Linux version "
"""The first line of every boot's log (init/main.c prints the banner)."""
CALL_TRACE_LINES = 80
"""A call trace ends at `</TASK>`, at a line that is no part of it, or after this many lines."""
CALL_TRACE_PARTS = (b"Call Trace:", b"<TASK>", b"<IRQ>", b"</IRQ>", b"<NMI>", b"</NMI>")
MAX_FAULTS = 100_000
"""Fault lines kept; more are counted (a log of an old kernel that printed every refused write)."""
MAX_FRAMES = 64
LOG_MARK = b"unchecked MSR access error"
SYSLOG_KERNEL = re.compile(rb"^\S+(?: +\S+){0,3} +\S+ kernel: ")
"""`journalctl -k` and syslog: `Dec 06 12:00:01 host kernel: …` or `2026-12-06T12:00:01+0000 host kernel: …`."""

LogKind = Literal["none", "once", "each"]
LOG_KINDS: dict[LogKind, str] = {
    "none": "no unchecked MSR access error on SynIC MSRs in the log: it names no fault (it shows no checked write's #GP, "
    "nor a boot it does not cover)",
    "once": "at most one unchecked WRMSR error a boot, as kernels print it (once per boot, arch/x86/mm/extable.c "
    "ex_handler_msr): it proves the first refused write of each boot; later writes stay unknown",
    "each": "several unchecked WRMSR errors in one boot (an older kernel that printed each): every one it names is a fault; "
    "writes it does not name stay unknown",
}


@dataclass(slots=True)
class LogFault:
    """One `unchecked MSR access error` line: what it says, and where it was."""

    line: int
    msr: int
    value: int
    ts: float | None
    cpu: int | None
    pid: int | None
    boot: int
    after: int
    """In a file that is trace and log at once, the index of the last trace write before it; -1 in a separate log."""
    frames: list[str] = field(default_factory=list)

    @property
    def synic(self) -> bool:
        return self.msr in MSR_TABLE

    def describe(self) -> str:
        return f"WRMSR to {self.msr:#x} (tried to write {self.value:#x})"


@dataclass(slots=True)
class LogReader:
    """Feeds on log lines; keeps every fault line (up to MAX_FAULTS) with its call trace and boot."""

    path: str
    faults: list[LogFault] = field(default_factory=list)
    other_msrs: int = 0
    dropped: int = 0
    boot: int = 0
    banners: int = 0
    lines: int = 0
    kernel_lines: int = 0
    """Lines a kernel log has and other text has not: a printk timestamp, a journalctl `kernel:` tag, a boot banner, a fault."""
    _last_ts: float = 0.0
    _open: LogFault | None = None
    _open_lines: int = 0

    @property
    def in_call_trace(self) -> bool:
        return self._open is not None

    def reading(self, fault: LogFault) -> bool:
        """Whether the fault's call trace may still go on (its lines are the next ones to read)."""
        return fault is self._open

    def feed_lines(self, lineno: int, block: bytes) -> None:
        """A separate log's whole lines (each ending in a newline) after line `lineno`."""
        for raw in block.split(b"\n")[:-1]:
            lineno += 1
            self.feed(lineno, raw)

    def feed(self, lineno: int, raw: bytes, after: int = -1) -> bool:
        """Take one line; True when it was a log line this reader understood (a fault, its call trace, a boot banner)."""
        prefix = PREFIX.match(raw)
        text = raw[prefix.end() :] if prefix else raw
        if self._open is not None and self._call_trace(text):
            return True
        banner = NEW_BOOT in text
        ts = float(prefix["ts"]) if prefix else None
        stamped = bool(prefix or banner or (b" kernel: " in raw and SYSLOG_KERNEL.match(raw)))
        self.kernel_lines += stamped
        if self.lines and (banner or (ts is not None and ts < self._last_ts)):
            self.boot += 1  # a new boot: its banner, or the clock starting again (a log without banners)
        self.lines += 1
        self._last_ts = ts if ts is not None else self._last_ts
        if banner:
            self.banners += 1
            return True
        m = FAULT_LINE.search(text) if LOG_MARK in text else None
        if m is None:
            return False
        self.kernel_lines += not stamped
        self._fault(lineno, m, prefix, after)
        return True

    def _fault(self, lineno: int, m: re.Match[bytes], prefix: re.Match[bytes] | None, after: int) -> None:
        msr, value = int(m["msr"], 16), int(m["value"], 16)
        if msr not in MSR_TABLE:
            self.other_msrs += 1
            return
        if len(self.faults) >= MAX_FAULTS:
            self.dropped += 1
            return
        caller, who = (prefix["caller"], prefix["who"]) if prefix else (None, None)
        fault = LogFault(
            line=lineno,
            msr=msr,
            value=value,
            ts=self._last_ts if prefix else None,
            cpu=int(who) if caller == b"C" and who else None,
            pid=int(who) if caller == b"T" and who else None,
            boot=self.boot,
            after=after,
        )
        self.faults.append(fault)
        self._open, self._open_lines = fault, 0

    def _call_trace(self, text: bytes) -> bool:
        """A line of the open fault's call trace: True if it was one (then it is consumed)."""
        assert self._open is not None
        self._open_lines += 1
        stripped = text.strip()
        if stripped == b"</TASK>" or self._open_lines > CALL_TRACE_LINES:
            self._open = None
            return stripped == b"</TASK>"
        if stripped.startswith(CALL_TRACE_PARTS):
            return True
        m = LOG_FRAME.match(text)
        if m is None:
            self._open = None
            return False
        if not m["unsure"] and len(self._open.frames) < MAX_FRAMES:
            self._open.frames.append(m["fn"].decode("ascii"))
        return True

    @property
    def kind(self) -> LogKind:
        if not self.faults:
            return "none"
        per_boot: dict[int, int] = {}
        for f in self.faults:
            per_boot[f.boot] = per_boot.get(f.boot, 0) + 1
        return "each" if max(per_boot.values()) > 1 else "once"
