"""Opening a trace or a kernel log as text, and reading it in blocks of whole lines.

A regular file, or standard input for `-` (never a terminal: it would wait for typing); a trace-cmd trace.dat or a file
of control bytes refused with what to do instead; blocks of whole lines handed on as they are read, a line longer than
`MAX_LINE_BYTES` skipped and counted (never held); Ctrl-C on a live pipe ends the reading, and what was read is judged.
The reader that makes sense of the lines is `traces.parse`.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.safe_read import InputRefused, open_stream
from synic_core.traces.formats import MAX_LINE_BYTES, TRACE_DAT_MAGIC


class TraceError(InputError):
    """A trace that cannot be used: one line naming the file (and the line), exit 2."""


class LineCounts(Protocol):
    """What reading counts as it goes (`parse.ParseStats`): the bytes read, the last line, the writes, the problems."""

    lines: int
    bytes: int
    writes: int

    def problem(self, kind: Literal["overlong"], line: int) -> None: ...


PROGRESS_EVERY = 4 << 20
"""Bytes between two calls of the progress callback."""
NUL_SNIFF = 4096
"""The bytes looked at to tell a binary file from text."""
TEXT_BYTES = bytes([9, 10, 13, *range(32, 127), *range(128, 256)])
"""What text is made of (UTF-8 sequences included); the rest are control bytes (NUL among them)."""
BINARY_SHARE = 10
"""A file whose first bytes are more than a tenth control bytes is binary; a few (the NULs a serial console prints) are
skipped with their lines and counted."""


CHUNK_BYTES = 256 << 10
"""Bytes read at once (`read1`: what a pipe has, without waiting for more)."""


@dataclass(slots=True)
class Stop:
    """Ctrl-C on a live pipe: stop reading (a blocked read is broken off), but judge every line already read."""

    reading: bool = False
    requested: bool = False

    def handler(self, signum: int, frame: object) -> None:
        self.requested = True
        if self.reading:
            raise KeyboardInterrupt

    def read(self, stream: BinaryIO) -> bytes:
        if self.requested:
            raise KeyboardInterrupt
        self.reading = True
        try:
            return stream.read1(CHUNK_BYTES)  # type: ignore[attr-defined,no-any-return]
        finally:
            self.reading = False


@contextmanager
def stop_on_ctrl_c(stop: Stop) -> Iterator[None]:
    """While reading standard input, SIGINT ends the reading only (Python allows handlers in the main thread alone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, stop.handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def read_lines(
    stream: BinaryIO,
    feed: Callable[[int, bytes], int],
    progress: Callable[[int, int], None] | None,
    st: LineCounts,
    stop: Stop | None = None,
) -> None:
    """Every line to `feed` in blocks of whole lines, each ending in a newline (`feed(number of the line before the block,
    block)` returns the number of its last line), none longer than MAX_LINE_BYTES held: a longer one is counted and skipped."""
    lineno, done, reported, carry, skipping = 0, 0, 0, b"", False
    read = (stop or Stop()).read
    try:
        while chunk := read(stream):
            done += len(chunk)
            end = chunk.rfind(b"\n")
            if end < 0:
                carry += chunk
                if len(carry) > MAX_LINE_BYTES:
                    carry, skipping = b"", True
                continue
            block, carry = carry + chunk[: end + 1], chunk[end + 1 :]
            if skipping:  # the end of an overlong line
                block, skipping = OVERLONG_MARK + block[block.index(b"\n") :], False
            if len(carry) > MAX_LINE_BYTES:
                carry, skipping = b"", True
            lineno = _feed_block(feed, lineno, block, st)
            if progress is not None and done - reported >= PROGRESS_EVERY:
                progress(done, st.writes)
                reported = done
        if carry or skipping:
            lineno = _feed_block(feed, lineno, (OVERLONG_MARK if skipping else carry) + b"\n", st)
    finally:  # also when Ctrl-C ends a live pipe: the report says how much was read
        st.bytes = done
    if progress is not None:
        progress(done, st.writes)


OVERLONG_MARK = b"x" * (MAX_LINE_BYTES + 1)
"""Stands for a line too long to hold (its bytes are never kept)."""


def _feed_block(feed: Callable[[int, bytes], int], lineno: int, block: bytes, st: LineCounts) -> int:
    if not _may_hold_overlong(block):
        return feed(lineno, block)
    for raw in block.split(b"\n")[:-1]:
        lineno += 1
        if len(raw) > MAX_LINE_BYTES:
            st.problem("overlong", lineno)
            st.lines = lineno
        else:
            feed(lineno - 1, raw + b"\n")
    return lineno


_WINDOW = (MAX_LINE_BYTES + 2) // 2
"""A line longer than MAX_LINE_BYTES covers one of a block's windows of this many bytes (at a multiple of it) whole."""


def _may_hold_overlong(block: bytes) -> bool:
    """Whether a line of the block may be longer than MAX_LINE_BYTES: one of its windows holds no newline (a `find` a
    window, nothing allocated; only lines longer than half the limit can be false alarms, and the caller then measures)."""
    size = len(block)
    return -1 in map(block.find, repeat(b"\n"), range(0, size, _WINDOW), range(_WINDOW, size + _WINDOW, _WINDOW))


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


TRACE_TEXT = "the text of a trace (trace-cmd report, or tracefs's trace)"
LOG_TEXT = "the text of a kernel log (dmesg, journalctl -k, a serial console)"


def refuse_binary(stream: BinaryIO, name: str, expected: str = TRACE_TEXT) -> None:
    """A trace-cmd trace.dat or any file with NUL bytes near its start is not text: say what to do."""
    head = stream.peek(NUL_SNIFF)[:NUL_SNIFF]  # type: ignore[attr-defined]
    if head[: len(TRACE_DAT_MAGIC)] == TRACE_DAT_MAGIC:
        fix = "trace-cmd report -i trace.dat | synic trace -" if name == STDIN_NAME else f"trace-cmd report -i {name} > trace.txt"
        raise TraceError(f"{name}: a binary trace-cmd trace.dat; turn it into text first: {fix}")
    if len(head.translate(None, TEXT_BYTES)) * BINARY_SHARE > len(head):
        held = "NUL bytes" if b"\x00" in head else "control bytes"
        raise TraceError(f"{name}: not a text file (it holds {held}); expected {expected}")


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
