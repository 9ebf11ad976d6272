"""Streaming import of a real trace: one line at a time, bounded memory, every skipped line counted.

The file is read in lines of at most `MAX_LINE_BYTES` (a longer line is skipped in pieces, never
held); only the SynIC writes are kept, in compact columns (about 40 bytes a write), with task
names and stacks interned. Everything else is counted: headers, other events, other MSRs, EOM
writes (end-of-message signals, not register changes), lines that are not UTF-8, truncated
events, values wider than 64 bits.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, islice, repeat
from operator import itemgetter, le, lt
from pathlib import Path
from typing import Literal, TypeVar, cast

from synic_core.inputs.safe_read import InputRefused, open_stream
from synic_core.model.config import MAX_CPUS
from synic_core.model.registers import MSR_TABLE
from synic_core.model.vocabulary import TraceFormat
from synic_core.reports.formatting import plural
from synic_core.traces.dmesg import LogFault, LogReader
from synic_core.traces.formats import (
    CPU_COUNT_HEADERS,
    FORMAT_OF_EVENT,
    FORMATS,
    FRAME_LINE,
    MAX_INTERNED,
    MAX_LINE_BYTES,
    MAX_STACK_FRAMES,
    SCANNERS,
    SLOT_OF,
    SLOT_OF_TEXT,
    STACK_EVENTS,
    SYNIC_MSR_HIGH,
    SYNIC_MSR_LOW,
    WRITE_GROUPS,
    WRITE_HEAD,
    FormatSpec,
    event_line,
)
from synic_core.traces.reading import (
    LOG_TEXT,
    STDIN,
    STDIN_NAME,
    Stop,
    TraceError,
    open_trace,
    read_lines,
    refuse_binary,
    stop_on_ctrl_c,
)

GP_FLAG = 1
HOST_FLAG = 2
LOG_FLAG = 4
"""A write's flags: ` #GP` in the trace (an observed fault), a KVM host-initiated write, a fault the kernel log names."""
FAULT_FLAGS = GP_FLAG | LOG_FLAG


@cache
def _keeping(mask: int) -> bytes:
    return bytes(b & mask for b in range(256))


def masked(flags: array[int] | bytes, mask: int) -> bytes:
    """Each write's flags byte with only the `mask` bits left (one pass in C, no Python call a write)."""
    return bytes(flags).translate(_keeping(mask))


def flagged(flags: array[int] | bytes, mask: int) -> int:
    """How many writes carry any of the `mask` flags."""
    return len(flags) - masked(flags, mask).count(0)


OTHER_EVENTS = "other events"
"""The count of event lines whose event name is not read (a trace event of another subsystem)."""
MAX_EVENT_NAMES = 32
"""Other events are counted by name up to this many names; the rest together."""
MAX_GUESTS = 4096
"""Distinct VMM processes (or threads) told apart in a KVM host trace; more are counted together."""
MAX_WRITES_KEPT = 500_000
"""SynIC writes kept for judging (with their attribution, segments and replay, about 200 bytes each); the writes after
them are counted per CPU, not judged, so that memory stays bounded (under 150 MB) whatever the trace's length."""
STREAM_WRITES_KEPT = 20_000
"""The same for standard input, where Ctrl-C asks for the report at once: judging this many takes well under a second."""
MAX_PID = 0xFFFFFFFF
"""A PID wider than the pid column's 32 bits makes the event malformed (Linux's PIDs stay under 2**22)."""
K = TypeVar("K")
V = TypeVar("V")
_CPU_FIELD = re.compile(rb"\[(\d{1,6})\]\s")
_LOST_EVENTS = re.compile(rb"^CPU:\s*\d+\s*\[(?:LOST \d+ EVENTS|\d+ EVENTS DROPPED|EVENTS DROPPED)\]\s*$")
"""Lost events: tracefs `CPU:2 [LOST 3 EVENTS]`, trace-cmd `CPU:2 [3 EVENTS DROPPED]` or `CPU:2 [EVENTS DROPPED]`."""
_HEADER_STARTS = (b"#", b"cpus=", b"version =", b"version=")
"""Header lines: tracefs comments, trace-cmd's `cpus=4` and `version = 6`."""
_CONSOLE = re.compile(rb"^\s*(?:<\d>)?\[\s*\d+\.\d+\](?:\[\s*[CT]\d+\])?\s?")
"""A serial console's `[ 1234.567890] ` (and CONFIG_PRINTK_CALLER's `[    C3]`) before a trace event or a log line."""

Problem = Literal[
    "lost_events", "not_utf8", "truncated", "too_wide", "overlong", "unrecognised", "cpu_range", "other_format", "stack_overflow"
]
PROBLEMS: dict[Problem, str] = {
    "lost_events": "saying the ring buffer lost events (the trace is incomplete there)",
    "not_utf8": "not UTF-8",
    "truncated": "a SynIC event cut short or malformed",
    "too_wide": "a value or MSR number wider than 64 bits",
    "overlong": f"longer than {MAX_LINE_BYTES} bytes",
    "unrecognised": "neither an event, a stack frame, a kernel log line nor a header",
    "cpu_range": f"a CPU outside 0..{MAX_CPUS - 1}",
    "other_format": "a SynIC event of the other format",
    "stack_overflow": "a task name or stack beyond the distinct ones kept",
}


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
    pid: array[int] = field(default_factory=lambda: array("I"))
    stack: array[int] = field(default_factory=lambda: array("I"))
    tasks: list[str] = field(default_factory=lambda: [""])
    stacks: list[tuple[str, ...]] = field(default_factory=lambda: [()])
    log_line: dict[int, int] = field(default_factory=dict)
    """Write index -> the kernel log's line (in the --dmesg log, or the trace file itself) that names its fault."""

    def __len__(self) -> int:
        return len(self.cpu)

    def gp(self, i: int) -> bool:
        """The trace marks the write ` #GP` (only the *_safe WRMSR path does)."""
        return bool(self.flags[i] & GP_FLAG)

    def faulted(self, i: int) -> bool:
        """An observed fault: ` #GP` in the trace, or the kernel log's unchecked MSR access error matched to it."""
        return bool(self.flags[i] & FAULT_FLAGS)

    def host(self, i: int) -> bool:
        return bool(self.flags[i] & HOST_FLAG)

    def order(self) -> tuple[array[int], bool]:
        """(write indexes by timestamp, whether that is the file's order): stable, equal timestamps keep the file's order;
        a trace in order is not sorted."""
        ts = self.ts
        if all(map(le, ts, islice(ts, 1, None))):
            return array("I", range(len(ts))), True
        return array("I", sorted(range(len(ts)), key=ts.__getitem__)), False


@dataclass(slots=True)
class Guest:
    """A VMM process (or, without the tgid column, a thread) in a KVM host trace: its vCPUs and writes."""

    pid: int
    cpus: set[int] = field(default_factory=set)
    writes: int = 0
    tgid: bool = False
    """Whether `pid` is the process's (the trace's tgid column), not one thread's."""


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
    log_lines: int = 0
    out_of_order: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)
    ncpus_header: int | None = None
    other_guests: int = 0
    """Writes of KVM guests other than the one chosen with --guest."""
    not_kept: dict[int, int] = field(default_factory=dict)
    """Writes after the first MAX_WRITES_KEPT, counted per CPU."""
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
    ncpus: int
    """The traced machine's CPUs (a KVM guest's: its vCPUs; `--cpus` when given)."""
    host_cpus: int | None = None
    """A KVM host trace's header count: the host's CPUs, never the guest's."""
    guests: list[Guest] = field(default_factory=list)
    guest: int | None = None
    """The guest chosen with --guest (a KVM host trace)."""
    log: LogReader | None = None
    """The kernel log read with the trace (--dmesg, or log lines inside the trace file)."""
    unmatched: list[LogFault] = field(default_factory=list)
    """Faults the log names that no write of the trace matches."""

    @property
    def spec(self) -> FormatSpec:
        return FORMATS[self.format]


class TraceReader:
    """Feeds on lines; keeps the writes, attaches stacks to the write just before them on their CPU."""

    def __init__(self, path: str, forced: TraceFormat | None, guest: int | None = None, *, keep: int | None = None) -> None:
        self.path = path
        self.spec: FormatSpec | None = None
        self.scanner = SCANNERS[None]
        if forced:
            self._found(FORMATS[forced])
        self.guest = guest
        self.keep = keep if keep is not None else STREAM_WRITES_KEPT if path == STDIN_NAME else MAX_WRITES_KEPT
        self.base = 0
        """The number of writes handed on before `w`'s first (`hand_on`): a write's index in the whole trace is base + its index."""
        self.w = TraceWrites()
        self.stats = ParseStats()
        self.log = LogReader(path)
        self.guests: dict[int, Guest] = {}
        self.last: dict[int, int] = {}  # CPU -> index of its last event if that was a kept write, else -1
        self.last_ts = float("-inf")
        self.pending: tuple[int, list[bytes]] | None = None  # the stack being read: (write index or -1, frame lines)
        self._tasks: dict[bytes, int] = {b"": 0}
        self._stacks: dict[tuple[bytes, ...], int] = {(): 0}
        self._blocks: dict[bytes, int] = {b"": 0, b"\n": 0}  # a write's wstack group (its stack event's newline and frames) -> its stack
        self._after: dict[bytes, int] = {b"": 0, b"\n": 1}  # the same -> the lines it has
        self._writers: dict[bytes, tuple[int, int, int]] = {}  # a write's head (`TASK-PID [CPU]`) -> (task, PID, CPU)
        self._unusual: set[bytes] = set()  # heads of common write lines that `_head_fields` refuses

    # -- lines -------------------------------------------------------------------------------
    def feed_lines(self, lineno: int, block: bytes) -> int:
        """Whole lines after line `lineno`, scanned as one block: runs of common write lines (each with its stack) are
        taken as columns, a run of stack frames or a stack event at once; any other line goes to `feed`. Returns the
        number of the block's last line."""
        scanner = self.scanner
        found = scanner.findall(block)
        if scanner.groups == 1:  # the format is not known yet, or its writes are read line by line: each match is its text
            at = 0
            for text in found:
                lineno = self._not_write(lineno, text)
                at += len(text)
                if self.scanner is not scanner:  # the first write told the format: the rest of the block with its scanner
                    return self.feed_lines(lineno, block[at:])
        else:
            lineno = self._common(lineno, block, found)
        self.stats.lines = lineno
        return lineno

    def _common(self, lineno: int, block: bytes, found: list[tuple[bytes, ...]]) -> int:
        """The matches of a format's scanner: runs of common writes to `_writes` (in pieces of at most `limit` writes:
        after a write with an unusual head, short ones, so that a run with several is never read again from its start),
        any other match to `_not_write`; the number of the last line read."""
        if not found:
            return lineno
        columns = list(zip(*found, strict=True))  # the matches' groups as columns (one transpose, no Python call a match)
        index = self.scanner.groupindex
        stamps, heads, texts = (columns[index[name] - 1] for name in ("ts", "head", "line"))  # a write has a timestamp
        again: Iterator[re.Match[bytes]] | None = None  # the block's matches found again, with their text
        at = k = 0
        limit = len(found)
        while k < len(found):
            if not stamps[k]:
                lineno = self._not_write(lineno, texts[k])
                k += 1
                continue
            if heads[k] not in self._unusual:
                end = _run_end(stamps, k, min(len(found), k + limit))
                lineno, done = self._writes(lineno, columns if end - k == len(found) else [column[k:end] for column in columns])
                k += done
                if k == end:
                    limit *= 2
                    continue
            again = again or self.scanner.finditer(block)  # a write with an unusual head: its lines as if none were common
            for text in SCANNERS[None].findall(next(islice(again, k - at, None))[0]):
                lineno = self._not_write(lineno, text)
            k = at = k + 1
            limit = _SHORT_RUN
        return lineno

    def _not_write(self, lineno: int, text: bytes) -> int:
        """A scanner match that is not a common write line: a run of frames, a stack event or another line."""
        lineno += 1
        if text.lstrip(b" \t")[:2] == b"=>":  # a run of frames
            n = text.count(b"\n")
            self.stats.stack_frames += n
            pending = self.pending
            if pending is not None and pending[0] >= 0 and len(pending[1]) < MAX_STACK_FRAMES:
                pending[1].append(text)
            return lineno + n - 1
        if text.startswith(b"<stack trace", text.find(b"<")) and (column := _CPU_FIELD.search(text)):  # only its CPU matters
            self._close_stack()
            self.pending = (self.last.get(int(column[1]), -1), [])
            return lineno
        self.feed(lineno, text[:-1])
        return lineno

    def _writes(self, lineno: int, run: list[tuple[bytes, ...]]) -> tuple[int, int]:
        """A run of common write lines of a known format (the scanner's groups as columns), each with the stack event
        and frames that follow it on its CPU, kept as columns (no Python call per write: a big trace is mostly this):
        (the number of the last line read, the writes read), fewer than the run's when a write's head is not
        `TASK-PID [CPU]` or its CPU is out of range (that write is for the general path). A run across the cut is read
        in two parts. Lookups that can miss are made for the whole run, and redone with the misses filled when one missed."""
        w, st = self.w, self.stats
        index = self.scanner.groupindex
        heads, stamps, msrs, values, gps, stacks = (run[index[name] - 1] for name in WRITE_GROUPS)
        n, n0 = len(stamps), len(w.cpu)
        new: dict[bytes, tuple[bytes, int, int]] = {}  # the fields of heads not seen before
        try:
            writers: list[tuple[int, int, int] | None] = list(map(self._writers.__getitem__, heads))  # (task, PID, CPU)
        except KeyError:
            writers = list(map(self._writers.get, heads))
            n = self._new_heads(heads, new)  # the writes before the first unusual head
            if not n:
                return lineno, 0
            if n < len(heads):
                run = [column[:n] for column in run]
                heads, stamps, msrs, values, gps, stacks = (run[index[name] - 1] for name in WRITE_GROUPS)
                writers = writers[:n]
        if n0 < self.keep < n0 + n:
            cut = self.keep - n0
            lineno, kept = self._writes(lineno, [column[:cut] for column in run])
            lineno, rest = self._writes(lineno, [column[cut:] for column in run])
            return lineno, kept + rest
        if self.pending is not None:
            self._close_stack()
        try:
            after = list(map(self._after.__getitem__, stacks))  # the lines after each write's line: its stack event and frames
        except KeyError:
            after = list(map(bytes.count, stacks, repeat(b"\n")))
        last = lineno + n + sum(after)
        st.writes += n
        st.stack_frames += last - lineno - n - (n - stacks.count(b""))
        if n0 >= self.keep:  # past the cut: counted per CPU, not kept
            known = [f if f is not None else new[h] for f, h in zip(writers, heads, strict=True)] if new else writers
            self._past_cut(list(map(itemgetter(2), cast(list[tuple[object, int, int]], known))))
            self.pending = (-1, []) if stacks[-1] else None
            return last, n
        lines = _line_numbers(lineno, after, last)
        if new:
            writers = [f if f is not None else self._writer(h, new[h], line) for f, h, line in zip(writers, heads, lines, strict=True)]
        tasks, pids, cpus = map(list, zip(*cast(list[tuple[int, int, int]], writers), strict=True))
        w.line.fromlist(list(lines))  # fromlist takes the items of a list without an iterator: the fastest way in
        w.ts.fromlist(self._timestamps(stamps))
        w.cpu.fromlist(cpus)
        w.slot.fromlist(list(map(SLOT_OF_TEXT.__getitem__, msrs)))
        w.value.fromlist(list(map(int, values, repeat(16))))
        w.flags.frombytes(bytes(map(len, gps)).translate(_GP_OF_MARK))
        w.task.fromlist(tasks)
        w.pid.fromlist(pids)
        w.stack.fromlist(self._stack_ids(stacks))
        self.last.update(zip(cpus, range(n0, n0 + n), strict=True))
        if stacks[-1]:  # the last stack may go on in the next block: it stays open until the next event
            self.pending = (n0 + n - 1, [stacks[-1][1:]] if stacks[-1][1:] else [])
        return last, n

    def _timestamps(self, stamps: tuple[bytes, ...]) -> list[float]:
        """A run's timestamps, the writes out of time order counted (a run in order, the common case, in one test)."""
        stamp = list(map(float, stamps))
        if stamp[0] >= self.last_ts and stamp == sorted(stamp):
            self.last_ts = stamp[-1]
        else:
            highest = list(accumulate(stamp, max, initial=self.last_ts))
            self.stats.out_of_order += sum(map(lt, stamp, highest))
            self.last_ts = highest[-1]
        return stamp

    def _stack_ids(self, stacks: tuple[bytes, ...]) -> list[int]:
        """A run's stacks by their wstack groups (the distinct ones read once)."""
        try:
            return list(map(self._blocks.__getitem__, stacks))
        except KeyError:
            return [k if (k := self._blocks.get(block)) is not None else self._stack_id(block) for block in stacks]

    def _new_heads(self, heads: tuple[bytes, ...], new: dict[bytes, tuple[bytes, int, int]]) -> int:
        """Read the heads not seen before into `new`; the number of writes before the first unusual head (one that is
        not `TASK-PID [CPU]`, or that `_head_fields` refuses: kept in `_unusual`, at most MAX_INTERNED of them)."""
        first = len(heads)
        for head in set(heads) - self._writers.keys():
            if head in self._unusual or (fields := _head_fields(head)) is None:
                first = min(first, heads.index(head))
                if len(self._unusual) < MAX_INTERNED:
                    self._unusual.add(head)
            else:
                new[head] = fields
        return first

    def _writer(self, head: bytes, fields: tuple[bytes, int, int], lineno: int) -> tuple[int, int, int]:
        """A write's (task, PID, CPU) from its head's fields, the task interned; kept for the next writes with the same
        head, unless the task could not be interned (each such write counts the problem, as the general path does)."""
        name, pid, cpu = fields
        task = self._intern_task(name, lineno)
        writer = (task, pid, cpu)
        if (task or not name) and len(self._writers) < MAX_INTERNED:
            self._writers[head] = writer
        return writer

    def _past_cut(self, cpus: list[int]) -> None:
        """Writes after the first `keep`: counted per CPU, not kept (a stack event after them is nobody's)."""
        not_kept = self.stats.not_kept
        for cpu, count in Counter(cpus).items():
            not_kept[cpu] = not_kept.get(cpu, 0) + count
        self.last.update(zip(cpus, repeat(-1)))

    def _stack_id(self, block: bytes) -> int:
        """The stack of a write's stack event (its newline, then its frames: the scanner's wstack group), interned by its
        frames as the general path's runs of frames are."""
        frames = block[1:]
        index = self._stacks.get((frames,))
        if index is None:
            index = self._intern(self._stacks, self.w.stacks, (frames,), frame_names([frames]), 0)
        if index:
            self._blocks[block] = index
            self._after[block] = block.count(b"\n")
        return index

    def feed(self, lineno: int, raw: bytes) -> None:
        st = self.stats
        st.lines = lineno
        stripped = raw.strip()
        if stripped[:2] == b"=>":
            self._frame(stripped)
            return
        self._close_stack()
        if not stripped or stripped.startswith(_HEADER_STARTS):
            self._header(stripped)
            return
        if stripped[:1] in b"[<" and (console := _CONSOLE.match(raw)):
            self._console(lineno, raw, raw[console.end() :])
            return
        if self.log.in_call_trace and self.log.feed(lineno, raw, self.base + len(self.w) - 1):
            st.log_lines += 1
            return
        if not _utf8(raw):
            st.problem("not_utf8", lineno)
            return
        if b"msr" not in raw and b"stack" not in raw:
            self._other_line(lineno, raw)
            return
        self._event(lineno, raw)

    def _console(self, lineno: int, raw: bytes, rest: bytes) -> None:
        """A serial console line: a trace event dumped by ftrace_dump_on_oops, or a kernel log line."""
        if event_line(rest) and (b"msr" in rest or b"stack" in rest):
            self._event(lineno, rest)
        elif rest.lstrip()[:2] == b"=>":
            self._frame(rest.strip())
        else:
            self.log.feed(lineno, raw, self.base + len(self.w) - 1)
            self.stats.log_lines += 1

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
        if self.log.feed(lineno, raw, self.base + len(self.w) - 1):
            self.stats.log_lines += 1
            return
        m = _CPU_FIELD.search(raw)
        if m is None:
            self.stats.problem("unrecognised", lineno)
            return
        self.stats.other_event(OTHER_EVENTS)
        self.last[int(m[1])] = -1

    def _event(self, lineno: int, raw: bytes) -> None:
        if b"<stack trace" in raw and (column := _CPU_FIELD.search(raw)):  # the stack event: only its CPU matters
            self.pending = (self.last.get(int(column[1]), -1), [])
            return
        m = event_line(raw)
        if m is None:
            if self.log.feed(lineno, raw, self.base + len(self.w) - 1):
                self.stats.log_lines += 1
            else:
                self.stats.problem("truncated" if any(e in raw for e in FORMAT_OF_EVENT_BYTES) else "unrecognised", lineno)
            return
        event, cpu = m["event"].rsplit(b":", 1)[-1].decode("utf-8", "replace"), int(m["cpu"])
        if event in STACK_EVENTS:
            self.pending = (self.last.get(cpu, -1), [])
            return
        self.last[cpu] = -1
        spec = FORMAT_OF_EVENT.get(event)
        if spec is None:
            self.stats.other_event(event)
            return
        if self.spec is None:
            self._found(spec)
        if spec is not self.spec:
            self.stats.problem("other_format", lineno)
            return
        self._write(lineno, m, spec)

    def _found(self, spec: FormatSpec) -> None:
        """The trace's format is known: its common write line takes the fast path (a format without one is read line by
        line: a KVM host's writes are counted per guest)."""
        self.spec = spec
        self.scanner = SCANNERS[spec.name]

    def _write(self, lineno: int, m: re.Match[bytes], spec: FormatSpec) -> None:
        st = self.stats
        p = spec.pattern.match(m["payload"] or b"")
        if p is None:
            st.problem("truncated", lineno)
            return
        if len(p["msr"].lstrip(b"0")) > 16 or len(p["value"].lstrip(b"0")) > 16:
            st.problem("too_wide", lineno)
            return
        msr, value = int(p["msr"], 16), int(p["value"], 16)
        cpu = int(m["cpu"]) if spec.cpu_from == "column" else int(p["cpu"])
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
        pid = int(m["pid"])
        if pid > MAX_PID:
            st.problem("truncated", lineno)
            return
        if spec.has_guests and not self._of_guest(int(m["tgid"]) if m["tgid"] and m["tgid"].isdigit() else None, pid, cpu):
            return
        groups = p.groupdict()
        flags = (GP_FLAG if groups.get("gp") else 0) | (HOST_FLAG if groups.get("host", b"0") != b"0" else 0)
        self._keep(lineno, _seconds(m), cpu, slot, value, flags, m["task"].strip(), pid)

    def _of_guest(self, tgid: int | None, pid: int, cpu: int) -> bool:
        """Count the write for its guest (its VMM's tgid, else its thread's PID); False when --guest chose another."""
        key = tgid if tgid is not None else pid
        guest = self.guests.get(key)
        if guest is None and len(self.guests) < MAX_GUESTS:
            guest = self.guests[key] = Guest(key, tgid=tgid is not None)
        if guest is not None:
            guest.cpus.add(cpu)
            guest.writes += 1
        if self.guest is None or key == self.guest:
            return True
        self.stats.other_guests += 1
        return False

    def _keep(self, lineno: int, ts: float, cpu: int, slot: int, value: int, flags: int, task: bytes, pid: int) -> None:
        """Keep a write (its task interned only then, as the fast path does), or count it past the cut."""
        w, st = self.w, self.stats
        st.writes += 1
        n = len(w.cpu)
        if n >= self.keep:
            self._not_kept(cpu)
            return
        task_id = self._intern_task(task, lineno)
        if ts < self.last_ts:
            st.out_of_order += 1
        else:
            self.last_ts = ts
        self.last[cpu] = n
        w.line.append(lineno)
        w.ts.append(ts)
        w.cpu.append(cpu)
        w.slot.append(slot)
        w.value.append(value)
        w.flags.append(flags)
        w.task.append(task_id)
        w.pid.append(pid)
        w.stack.append(0)

    def _not_kept(self, cpu: int) -> None:
        self.stats.not_kept[cpu] = self.stats.not_kept.get(cpu, 0) + 1
        self.last[cpu] = -1

    # -- stacks ------------------------------------------------------------------------------
    def _frame(self, stripped: bytes) -> None:
        self.stats.stack_frames += 1
        pending = self.pending
        if pending is None or pending[0] < 0 or len(pending[1]) >= MAX_STACK_FRAMES:
            return
        pending[1].append(stripped)

    def _close_stack(self) -> None:
        if self.pending is None:
            return
        target, frames = self.pending
        self.pending = None
        if target >= 0 and frames:
            key = tuple(frames)
            index = self._stacks.get(key)
            if index is None:
                index = self._intern(self._stacks, self.w.stacks, key, frame_names(frames), 0)
            self.w.stack[target] = index

    def _intern_task(self, name: bytes, lineno: int) -> int:
        index = self._tasks.get(name)
        return index if index is not None else self._intern(self._tasks, self.w.tasks, name, name.decode("utf-8", "replace"), lineno)

    def _intern(self, table: dict[K, int], values: list[V], key: K, value: V, lineno: int) -> int:
        if len(values) >= MAX_INTERNED:
            self.stats.problem("stack_overflow", lineno or self.stats.lines)
            return 0
        index = table[key] = len(values)
        values.append(value)
        return index

    def hand_on(self, count: int) -> None:
        """The first `count` writes were judged: let them go (the writes after them, their stacks still to come, stay)."""
        w = self.w
        for name in _COLUMNS:
            column = getattr(w, name)
            del column[:count]
        w.log_line = {i - count: line for i, line in w.log_line.items() if i >= count}
        self.base += count
        self.last = {cpu: i - count if i >= count else -1 for cpu, i in self.last.items()}
        if self.pending is not None:
            target, frames = self.pending
            self.pending = (target - count if target >= count else -1, frames)

    def view(self, cpus: int | None = None) -> ParsedTrace:
        """The writes read and not handed on, as a trace (stacks still open stay open)."""
        spec = self.spec or FORMATS["ftrace"]
        seen = max(self.w.cpu) + 1 if len(self.w) else 0
        header = self.stats.ncpus_header
        ncpus = cpus or (max(header or 0, seen) if spec.cpus_from == "header" else seen)
        host = header if spec.cpus_from == "vcpu_ids" else None
        trace = ParsedTrace(self.path, spec.name, self.w, self.stats, ncpus, host, sorted(self.guests.values(), key=lambda g: g.pid))
        trace.guest = self.guest
        if self.log.faults or self.stats.log_lines:  # the file holds kernel log lines (a console), not only events
            trace.log = self.log
        return trace

    def finish(self, cpus: int | None = None) -> ParsedTrace:
        self._close_stack()
        if not len(self.w) and not self.base:
            raise TraceError(f"{self.path}: {no_write_message(self.stats, self.guest, self.guests)}")
        return self.view(cpus)


_COLUMNS = ("line", "ts", "cpu", "slot", "value", "flags", "task", "pid", "stack")
"""TraceWrites' columns, one entry a write."""
FORMAT_OF_EVENT_BYTES = tuple(spec.event.encode() for spec in FORMATS.values())


_GP_OF_MARK = bytes([0, GP_FLAG]).ljust(256, b"\0")
"""A common write's gp group is the `#` of ` #GP`: its length (0 or 1) to the write's flags."""


def _head_fields(head: bytes) -> tuple[bytes, int, int] | None:
    """(task name, PID, CPU) of a write's head, `TASK-PID [CPU]`; None for another head, a CPU out of range, a PID
    wider than 32 bits or a task name that is not UTF-8 (the general path reads its writes: it counts that line)."""
    m = WRITE_HEAD.fullmatch(head)
    if m is None or int(m["cpu"]) >= MAX_CPUS or int(m["pid"]) > MAX_PID or not _utf8(head):
        return None
    return m["task"].strip(), int(m["pid"]), int(m["cpu"])


def _utf8(text: bytes) -> bool:
    """Whether a line (or a head) is UTF-8: the reader skips and counts a line that is not."""
    if text.isascii():
        return True
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _line_numbers(lineno: int, after: list[int], last: int) -> Sequence[int]:
    """The line of each write of a run that starts after line `lineno`, from the lines after each (its stack event and
    frames) and the run's last line."""
    if after.count(after[0]) == len(after):  # every write with as many stack lines
        return range(lineno + 1, last + 1, after[0] + 1)
    return list(accumulate(map((1).__add__, after[:-1]), initial=lineno + 1))


def _run_end(stamps: tuple[bytes, ...], start: int, stop: int) -> int:
    """Where a run of common write matches that starts at `start` ends: at the next match without a timestamp, or `stop`."""
    try:
        return stamps.index(b"", start, stop)
    except ValueError:
        return stop


_SHORT_RUN = 16
"""The writes read at once after a write with an unusual head (twice as many after each piece read whole)."""


def _seconds(m: re.Match[bytes]) -> float:
    """An event's time in seconds (the latency layout prints microseconds)."""
    return float(m["ts"]) if m.groupdict().get("ts") else int(m["us"]) / 1e6


def frame_names(frames: list[bytes]) -> tuple[str, ...]:
    """Stack lines (`=> hv_synic_init+0x3e/0x1c0`, `=> fn (ffffffff8a1b2c3d)`), one a line or in blocks of lines, as the
    frames they name (at most MAX_STACK_FRAMES)."""
    out = []
    for line in b"\n".join(frames).split(b"\n"):
        m = FRAME_LINE.match(line.strip())
        if m:
            out.append(m[1].decode("utf-8", "replace"))
    return tuple(out[:MAX_STACK_FRAMES])


def no_write_message(st: ParseStats, guest: int | None = None, guests: dict[int, Guest] | None = None) -> str:
    if guest is not None and guests:
        known = ", ".join(str(pid) for pid in sorted(guests))
        return f"no SynIC write of guest {guest} (expected --guest with one of the PIDs in the trace: {known})"
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


def parse_trace(
    path: str | Path,
    forced: TraceFormat | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    guest: int | None = None,
    cpus: int | None = None,
    keep: int | None = None,
) -> ParsedTrace:
    """Read a trace file (or standard input for `-`); TraceError (one line) when it cannot be read or holds no SynIC write.
    `guest` keeps one VMM's writes of a KVM host trace; `cpus` overrides the CPU count; `keep` caps the writes kept."""
    return read_trace(path, forced, progress, guest=guest, keep=keep).finish(cpus)


def read_trace(
    path: str | Path,
    forced: TraceFormat | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    guest: int | None = None,
    keep: int | None = None,
    after_block: Callable[[TraceReader], object] | None = None,
) -> TraceReader:
    """Read a trace into a reader; `after_block` is called after each block of lines (a judge that takes the writes read
    so far in windows and hands them on); `keep` caps the writes kept (default: MAX_WRITES_KEPT, STREAM_WRITES_KEPT)."""
    stream, name = open_trace(path)
    reader = TraceReader(name, forced, guest, keep=keep)
    stop = Stop()

    def feed(lineno: int, block: bytes) -> int:
        last = reader.feed_lines(lineno, block)
        if after_block is not None:
            after_block(reader)
        return last

    with stream if name != STDIN_NAME else nullcontext(stream):  # standard input stays open: the dashboard may take keys on it
        refuse_binary(stream, name)
        try:
            with stop_on_ctrl_c(stop) if name == STDIN_NAME else nullcontext():
                read_lines(stream, feed, progress, reader.stats, stop)
        except OSError as exc:
            raise TraceError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
        except KeyboardInterrupt:
            if name != STDIN_NAME:
                raise
            reader.stats.interrupted = True  # a live pipe (trace_pipe) stopped by Ctrl-C: what was read is the trace
    return reader


def read_log(path: str | Path) -> LogReader:
    """A kernel log (`dmesg`, `journalctl -k`, a serial console capture): its unchecked MSR access errors."""
    if str(path) == STDIN:
        raise TraceError(f"--dmesg {STDIN}: the kernel log must be a file (standard input is for the trace)")
    try:
        stream = open_stream(path)
    except InputRefused as exc:
        raise TraceError(f"--dmesg: {exc}") from None
    log = LogReader(str(path))
    stats = ParseStats()

    def log_lines(lineno: int, block: bytes) -> int:
        log.feed_lines(lineno, block)
        return lineno + block.count(b"\n")

    with stream:
        refuse_binary(stream, f"--dmesg {path}", LOG_TEXT)
        try:
            read_lines(stream, log_lines, None, stats)
        except OSError as exc:
            raise TraceError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    return log
