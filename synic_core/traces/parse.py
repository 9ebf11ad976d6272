"""Streaming import of a real trace: one line at a time, bounded memory, every skipped line counted.

The file is read in lines of at most `MAX_LINE_BYTES` (a longer line is skipped in pieces, never
held); only the SynIC writes are kept, in compact columns (about 40 bytes a write), with task
names and stacks interned. Everything else is counted: headers, other events, other MSRs, EOM
writes (end-of-message signals, not register changes), lines that are not UTF-8, truncated
events, values wider than 64 bits.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal, TypeVar

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.safe_read import InputRefused, open_stream
from synic_core.model.config import MAX_CPUS
from synic_core.model.registers import MSR_TABLE
from synic_core.model.vocabulary import TraceFormat
from synic_core.traces.formats import (
    CPU_COUNT_HEADERS,
    EVENT_LINE,
    EVENTS,
    FRAME_LINE,
    MAX_INTERNED,
    MAX_LINE_BYTES,
    MAX_STACK_FRAMES,
    PAYLOAD_PATTERNS,
    SLOT_OF,
    STACK_EVENTS,
    SYNIC_MSR_HIGH,
    SYNIC_MSR_LOW,
    TRACE_DAT_MAGIC,
)

GP_FLAG = 1
HOST_FLAG = 2
PROGRESS_EVERY = 4 << 20
"""Bytes between two calls of the progress callback."""
MAX_EVENT_NAMES = 32
"""Other events are counted by name up to this many names; the rest together."""
K = TypeVar("K")
_CPU_FIELD = re.compile(rb"\[(\d{1,6})\]\s")
_LOST_EVENTS = re.compile(rb"^CPU:\s*\d+\s*\[(?:LOST \d+ EVENTS|\d+ EVENTS DROPPED|EVENTS DROPPED)\]\s*$")
"""Lost events: tracefs `CPU:2 [LOST 3 EVENTS]`, trace-cmd `CPU:2 [3 EVENTS DROPPED]` or `CPU:2 [EVENTS DROPPED]`."""
_HEADER_STARTS = (b"#", b"cpus=", b"version =", b"version=")
"""Header lines: tracefs comments, trace-cmd's `cpus=4` and `version = 6`."""

Problem = Literal[
    "lost_events", "not_utf8", "truncated", "too_wide", "overlong", "unrecognised", "cpu_range", "other_format", "stack_overflow"
]
PROBLEMS: dict[Problem, str] = {
    "lost_events": "saying the ring buffer lost events (the trace is incomplete there)",
    "not_utf8": "not UTF-8",
    "truncated": "a SynIC event cut short or malformed",
    "too_wide": "a value or MSR number wider than 64 bits",
    "overlong": f"longer than {MAX_LINE_BYTES} bytes",
    "unrecognised": "neither an event, a stack frame nor a header",
    "cpu_range": f"a CPU outside 0..{MAX_CPUS - 1}",
    "other_format": "a SynIC event of the other format",
    "stack_overflow": "a task name or stack beyond the distinct ones kept",
}


class TraceError(InputError):
    """A trace that cannot be used: one line naming the file (and the line), exit 2."""


@dataclass(slots=True)
class TraceWrites:
    """The SynIC writes of a trace in file order, as columns; `tasks[0]` and `stacks[0]` mean "none"."""

    line: array[int] = field(default_factory=lambda: array("Q"))
    ts: array[float] = field(default_factory=lambda: array("d"))
    cpu: array[int] = field(default_factory=lambda: array("I"))
    slot: array[int] = field(default_factory=lambda: array("B"))
    value: array[int] = field(default_factory=lambda: array("Q"))
    flags: array[int] = field(default_factory=lambda: array("B"))
    task: array[int] = field(default_factory=lambda: array("I"))
    stack: array[int] = field(default_factory=lambda: array("I"))
    tasks: list[str] = field(default_factory=lambda: [""])
    stacks: list[tuple[str, ...]] = field(default_factory=lambda: [()])

    def __len__(self) -> int:
        return len(self.cpu)

    def gp(self, i: int) -> bool:
        return bool(self.flags[i] & GP_FLAG)

    def host(self, i: int) -> bool:
        return bool(self.flags[i] & HOST_FLAG)

    def order(self) -> array[int]:
        """Write indexes by timestamp (stable: equal timestamps keep the file's order)."""
        ts = self.ts
        return array("I", sorted(range(len(ts)), key=ts.__getitem__))


@dataclass(slots=True)
class ParseStats:
    """What the reader saw and skipped; `first` holds the first line of each problem."""

    lines: int = 0
    bytes: int = 0
    headers: int = 0
    writes: int = 0
    eom: int = 0
    read_only: int = 0
    other_msrs: int = 0
    other_events: dict[str, int] = field(default_factory=dict)
    stack_frames: int = 0
    out_of_order: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)
    ncpus_header: int | None = None
    interrupted: bool = False
    """Reading standard input stopped at Ctrl-C: the report covers what was read until then."""

    def problem(self, kind: Problem, line: int) -> None:
        self.problems[kind] = self.problems.get(kind, 0) + 1
        self.first.setdefault(kind, line)

    def other_event(self, name: str) -> None:
        key = name if name in self.other_events or len(self.other_events) < MAX_EVENT_NAMES else "(others)"
        self.other_events[key] = self.other_events.get(key, 0) + 1


@dataclass(slots=True)
class ParsedTrace:
    path: str
    format: TraceFormat
    writes: TraceWrites
    stats: ParseStats


class _Reader:
    """Feeds on lines; keeps the writes, attaches stacks to the write just before them on their CPU."""

    def __init__(self, path: str, forced: TraceFormat | None) -> None:
        self.path = path
        self.format = forced
        self.w = TraceWrites()
        self.stats = ParseStats()
        self.last: dict[int, int] = {}  # CPU -> index of its last event if that was a kept write, else -1
        self.last_ts = float("-inf")
        self.pending: tuple[int, list[str]] | None = None  # the stack being read: (write index or -1, frames)
        self._tasks: dict[str, int] = {"": 0}
        self._stacks: dict[tuple[str, ...], int] = {(): 0}

    # -- lines -------------------------------------------------------------------------------
    def feed(self, lineno: int, raw: bytes) -> None:
        st = self.stats
        st.lines = lineno
        stripped = raw.strip()
        if stripped.startswith(b"=>"):
            self._frame(stripped)
            return
        self._close_stack()
        if not stripped or stripped.startswith(_HEADER_STARTS):
            self._header(stripped)
            return
        if not raw.isascii():
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                st.problem("not_utf8", lineno)
                return
        if b"msr" not in raw and b"stack" not in raw:
            self._other_line(lineno, raw)
            return
        self._event(lineno, raw.decode("utf-8").rstrip("\r\n"))

    def _header(self, stripped: bytes) -> None:
        self.stats.headers += 1
        text = stripped.decode("utf-8", "replace")
        for pattern in CPU_COUNT_HEADERS:
            m = pattern.search(text)
            if m and self.stats.ncpus_header is None:
                self.stats.ncpus_header = int(m[1])

    def _other_line(self, lineno: int, raw: bytes) -> None:
        if _LOST_EVENTS.match(raw.strip()):
            self.stats.problem("lost_events", lineno)
            return
        m = _CPU_FIELD.search(raw)
        if m is None:
            self.stats.problem("unrecognised", lineno)
            return
        self.stats.other_event("other events")
        self.last[int(m[1])] = -1

    def _event(self, lineno: int, text: str) -> None:
        m = EVENT_LINE.match(text)
        if m is None:
            self.stats.problem("truncated" if any(e in text for e in EVENTS) else "unrecognised", lineno)
            return
        event, cpu = m["event"].rsplit(":", 1)[-1], int(m["cpu"])
        if event in STACK_EVENTS:
            self.pending = (self.last.get(cpu, -1), [])
            return
        self.last[cpu] = -1
        fmt = EVENTS.get(event)
        if fmt is None:
            self.stats.other_event(event)
            return
        if self.format is None:
            self.format = fmt
        if fmt != self.format:
            self.stats.problem("other_format", lineno)
            return
        self._write(lineno, m, fmt)

    def _write(self, lineno: int, m: re.Match[str], fmt: TraceFormat) -> None:
        st = self.stats
        p = PAYLOAD_PATTERNS[fmt].match(m["payload"] or "")
        if p is None:
            st.problem("truncated", lineno)
            return
        if len(p["msr"].lstrip("0")) > 16 or len(p["value"].lstrip("0")) > 16:
            st.problem("too_wide", lineno)
            return
        msr, value = int(p["msr"], 16), int(p["value"], 16)
        cpu = int(p["cpu"]) if fmt == "kvm" else int(m["cpu"])
        if not 0 <= cpu < MAX_CPUS:
            st.problem("cpu_range", lineno)
            return
        if msr not in MSR_TABLE:
            st.other_msrs += 1
            return
        slot = SLOT_OF.get(msr)
        if slot is None:  # EOM: an end-of-message signal, counted, not a register change; SVERSION: read-only
            if MSR_TABLE[msr][1] == "EOM":
                st.eom += 1
            else:
                st.read_only += 1
            return
        flags = (GP_FLAG if fmt == "ftrace" and p["gp"] else 0) | (HOST_FLAG if fmt == "kvm" and p["host"] != "0" else 0)
        self._keep(lineno, float(m["ts"]), cpu, slot, value, flags, self._intern_task(m["task"].strip(), lineno))

    def _keep(self, lineno: int, ts: float, cpu: int, slot: int, value: int, flags: int, task: int) -> None:
        w = self.w
        if ts < self.last_ts:
            self.stats.out_of_order += 1
        self.last_ts = max(self.last_ts, ts)
        self.last[cpu] = len(w)
        w.line.append(lineno)
        w.ts.append(ts)
        w.cpu.append(cpu)
        w.slot.append(slot)
        w.value.append(value)
        w.flags.append(flags)
        w.task.append(task)
        w.stack.append(0)
        self.stats.writes += 1

    # -- stacks ------------------------------------------------------------------------------
    def _frame(self, stripped: bytes) -> None:
        self.stats.stack_frames += 1
        if self.pending is None or self.pending[0] < 0 or len(self.pending[1]) >= MAX_STACK_FRAMES:
            return
        m = FRAME_LINE.match(stripped)
        if m:
            self.pending[1].append(m[1].decode("utf-8", "replace"))

    def _close_stack(self) -> None:
        if self.pending is None:
            return
        target, frames = self.pending
        self.pending = None
        if target >= 0 and frames:
            self.w.stack[target] = self._intern(self._stacks, self.w.stacks, tuple(frames), 0)

    def _intern_task(self, name: str, lineno: int) -> int:
        return self._intern(self._tasks, self.w.tasks, name, lineno)

    def _intern(self, table: dict[K, int], values: list[K], key: K, lineno: int) -> int:
        index = table.get(key)
        if index is None:
            if len(values) >= MAX_INTERNED:
                self.stats.problem("stack_overflow", lineno or self.stats.lines)
                return 0
            index = table[key] = len(values)
            values.append(key)
        return index

    def finish(self) -> ParsedTrace:
        self._close_stack()
        if not len(self.w):
            raise TraceError(f"{self.path}: {no_write_message(self.stats)}")
        return ParsedTrace(self.path, self.format or "ftrace", self.w, self.stats)


def no_write_message(st: ParseStats) -> str:
    if st.problems.get("not_utf8", 0) * 2 > st.lines:
        bad = st.problems["not_utf8"]
        return f"not a text trace: {bad:,} of its {plural(st.lines, 'line')} are not UTF-8 (expected the text of a trace)"
    return (
        f"no SynIC MSR write in {plural(st.lines, 'line')} (expected msr:write_msr or kvm:kvm_hv_synic_set_msr events "
        f"for MSRs {SYNIC_MSR_LOW:#x}..{SYNIC_MSR_HIGH:#x}){''.join('; ' + seen for seen in found_instead(st))}"
    )


def found_instead(st: ParseStats) -> list[str]:
    """What the trace held instead of SynIC writes, for the message that says there were none."""
    seen = []
    if st.eom:
        seen.append(f"it has {plural(st.eom, 'EOM write')}, which change no register")
    if st.read_only:
        seen.append(f"{plural(st.read_only, 'write')} to the read-only SVERSION")
    if st.other_msrs:
        seen.append(f"{plural(st.other_msrs, 'write')} to other MSRs")
    events = ", ".join(f"{n:,} {name}" for name, n in sorted(st.other_events.items(), key=lambda kv: -kv[1]))
    if events:
        seen.append(f"events: {events}")
    if st.problems.get("other_format"):
        seen.append(f"{plural(st.problems['other_format'], 'SynIC event')} of the other format were skipped (check --format)")
    return seen


def plural(n: int, noun: str) -> str:
    """`1 line`, `2 lines`."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


NUL_SNIFF = 4096
"""A text trace has no NUL byte; the first bytes of a binary file usually do."""


def read_lines(stream: BinaryIO, feed: Callable[[int, bytes], None], progress: Callable[[int], None] | None, st: ParseStats) -> None:
    """Every line to `feed`, none longer than MAX_LINE_BYTES held (a longer one is counted and skipped)."""
    lineno, done, reported = 0, 0, 0
    try:
        while raw := stream.readline(MAX_LINE_BYTES + 1):
            lineno += 1
            done += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := stream.readline(MAX_LINE_BYTES + 1)) and not rest.endswith(b"\n"):
                    done += len(rest)
                done += len(rest)
                st.problem("overlong", lineno)
                st.lines = lineno
            else:
                feed(lineno, raw)
            if progress is not None and done - reported >= PROGRESS_EVERY:
                progress(done)
                reported = done
    finally:  # also when Ctrl-C ends a live pipe: the report says how much was read
        st.bytes = done
    if progress is not None:
        progress(done)


STDIN = "-"
"""`synic trace -` reads the trace from standard input: `trace-cmd report | synic trace -`."""
STDIN_NAME = "standard input"


def open_trace(path: str | Path) -> tuple[BinaryIO, str]:
    """(stream, name for messages): a regular file, or standard input for `-` (never a terminal: it would wait for typing)."""
    if str(path) != STDIN:
        try:
            return open_stream(path), str(path)
        except InputRefused as exc:
            raise TraceError(str(exc)) from None
    stdin = sys.stdin
    if stdin is None or stdin.isatty():
        raise TraceError(f"{STDIN}: standard input is a terminal; pipe a trace in (trace-cmd report | synic trace -) or name a file")
    return stdin.buffer, STDIN_NAME


def parse_trace(path: str | Path, forced: TraceFormat | None = None, progress: Callable[[int], None] | None = None) -> ParsedTrace:
    """Read a trace file (or standard input for `-`); TraceError (one line) when it cannot be read or holds no SynIC write."""
    stream, name = open_trace(path)
    reader = _Reader(name, forced)
    with stream if name != STDIN_NAME else nullcontext(stream):  # standard input stays open: the dashboard may take keys on it
        refuse_binary(stream, name)
        try:
            read_lines(stream, reader.feed, progress, reader.stats)
        except OSError as exc:
            raise TraceError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
        except KeyboardInterrupt:
            if name != STDIN_NAME:
                raise
            reader.stats.interrupted = True  # a live pipe (trace_pipe) stopped by Ctrl-C: what was read is the trace
    return reader.finish()


def refuse_binary(stream: BinaryIO, name: str) -> None:
    """A trace-cmd trace.dat or any file with NUL bytes near its start is not a text trace: say what to do."""
    head = stream.peek(NUL_SNIFF)[:NUL_SNIFF]  # type: ignore[attr-defined]
    if head[: len(TRACE_DAT_MAGIC)] == TRACE_DAT_MAGIC:
        fix = "trace-cmd report -i trace.dat | synic trace -" if name == STDIN_NAME else f"trace-cmd report -i {name} > trace.txt"
        raise TraceError(f"{name}: a binary trace-cmd trace.dat; turn it into text first: {fix}")
    if b"\x00" in head:
        expected = "expected the text of a trace (trace-cmd report, or tracefs's trace)"
        raise TraceError(f"{name}: not a text file (it holds NUL bytes); {expected}")


SNIFF_BYTES = 64 * 1024
TRACE_MARKS = (b"write_msr", b"kvm_hv_synic_set_msr", b"<stack trace", b"# tracer:", TRACE_DAT_MAGIC)


def looks_like_trace(path: str | Path) -> bool:
    """Whether a file's first 64 KiB look like a trace rather than a scenario (for opening either by one name)."""
    try:
        with open_stream(path) as stream:
            head = stream.read(SNIFF_BYTES)
    except (InputRefused, OSError):
        return False
    return not head.lstrip().startswith((b"{", b"[")) and any(mark in head for mark in TRACE_MARKS)
