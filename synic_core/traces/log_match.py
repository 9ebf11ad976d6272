"""Which write each fault of the kernel log is: same MSR and value, same CPU (or thread) where the log says it,
then the nearest in order or time.

In a file that is trace and log at once (a serial console), a fault line follows its write: it is the
nearest matching write before it. In a separate log, faults are taken in order, each after the write the
one before it matched, the nearest in time when both carry timestamps (inside the partition the trace and
the log share the kernel's clock; a KVM host's clock is not the guest's, so there only the order counts).
A matched write is an observed fault; the log's call trace becomes its stack when the trace had none.
"""

from __future__ import annotations

from collections.abc import Iterator

from synic_core.traces.dmesg import LogFault, LogReader
from synic_core.traces.formats import MSR_OF_SLOT, frame_name
from synic_core.traces.parse import LOG_FLAG, ParsedTrace


def _candidates(trace: ParsedTrace, fault: LogFault, indexes: Iterator[int]) -> Iterator[int]:
    w = trace.writes
    for i in indexes:
        if MSR_OF_SLOT[w.slot[i]] != fault.msr or w.value[i] != fault.value or w.faulted(i):
            continue
        if fault.cpu is not None and w.cpu[i] != fault.cpu:
            continue
        if fault.pid is not None and trace.spec.cpu_from == "column" and w.pid[i] != fault.pid:
            continue
        yield i


def _nearest(trace: ParsedTrace, fault: LogFault, start: int, base: int = 0) -> int | None:
    """The write (index in `trace`, whose first write is the whole trace's `base`-th) the fault names, after `start`."""
    w = trace.writes
    if fault.after >= 0:  # the log line is in the trace file: its write came before it
        return next(_candidates(trace, fault, iter(range(fault.after - base, -1, -1))), None)
    found = _candidates(trace, fault, iter(range(start, len(w))))
    if fault.ts is None or trace.spec.cpu_from != "column":
        return next(found, None)
    ts = fault.ts
    return min(found, key=lambda i: abs(w.ts[i] - ts), default=None)


class LogMatcher:
    """Matches a log's faults to a trace's writes in order, window by window when the trace is read in windows: a
    fault waits for the next window while its write may still come (its time is past the window's last write, or
    without times, it matches nothing yet); it is unmatched once the trace has ended without it."""

    def __init__(self, log: LogReader) -> None:
        self.log = log
        self.next = 0  # the first fault not matched yet
        self.start = 0  # the whole trace's index after the write the last fault (of a separate log) matched
        self.unmatched: list[LogFault] = []

    def window(self, trace: ParsedTrace, base: int = 0, final: bool = True) -> None:
        faults, w = self.log.faults, trace.writes
        stacks = {stack: k for k, stack in enumerate(w.stacks)}
        while self.next < len(faults):
            fault = faults[self.next]
            if not final and self.log.reading(fault):
                return  # its call trace, which names the writer where the trace has no stack, is still being read
            i = _nearest(trace, fault, max(self.start - base, 0), base)
            if i is None and not final and self._may_come(fault, trace):
                return
            self.next += 1
            if i is None:
                self.unmatched.append(fault)
                continue
            w.flags[i] |= LOG_FLAG
            w.log_line[i] = fault.line
            self.start = base + i + 1 if fault.after < 0 else self.start
            if not w.stack[i] and fault.frames:
                frames = tuple(frame_name(f) for f in fault.frames)
                w.stack[i] = stacks.setdefault(frames, len(w.stacks))
                if w.stack[i] == len(w.stacks):
                    w.stacks.append(frames)

    @staticmethod
    def _may_come(fault: LogFault, trace: ParsedTrace) -> bool:
        if fault.after >= 0:
            return False  # its write came before it in the file: it has been read
        if fault.ts is None or trace.spec.cpu_from != "column" or not len(trace.writes):
            return True
        return fault.ts > max(trace.writes.ts)


def match_log(trace: ParsedTrace, log: LogReader) -> None:
    """Mark each write the log names as faulted (LOG_FLAG); keep the log and the faults nothing matched on `trace`."""
    trace.log = log
    matcher = LogMatcher(log)
    matcher.window(trace)
    trace.unmatched += matcher.unmatched
