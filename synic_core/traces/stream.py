"""`synic trace FILE` and `--check` in bounded memory: the trace is judged in windows of writes as it is read.

Every `WINDOW_WRITES` writes, the window is attributed and its actions inferred as a whole trace would be; the
actions but the last `KEEP_ACTIONS` are committed: the writes before the first action left (and before any
driver sequence the window cuts short) are replayed with the finding rules, compared with the model, summed up
and let go. The rest is judged again with the next window, so each committed write was judged with what came
after it, as in one pass over the whole trace. What carries from one window to the next is small: the model
machines, each CPU's write count and comparison, which drivers are live, the findings and the summary's sums.

The partition, when not given, is guessed from the first window (the report says so); a kernel log is read
first and its faults matched as their writes come.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path

from synic_core.model.config import MAX_CPUS, SessionConfig
from synic_core.model.session import collector_paused
from synic_core.model.vocabulary import TraceFormat
from synic_core.reports.formatting import cpus_text, plural
from synic_core.traces.attribute import Attributed, attribute
from synic_core.traces.check import CheckResult, Conformance
from synic_core.traces.infer import Live, TraceAction, advance, channel_cpus, infer_actions
from synic_core.traces.load import choose_partition, guest_format_error, kernel_log, several_guests
from synic_core.traces.log_match import LogMatcher
from synic_core.traces.parse import ParsedTrace, TraceReader, read_trace
from synic_core.traces.reading import TraceError
from synic_core.traces.replay import Replayer
from synic_core.traces.summary import TraceSummary
from synic_core.versions.registry import get, session_config, use

WINDOW_WRITES = 50_000
"""Writes read before a window is judged (about 15 MB of columns, attribution, replay and findings at the peak)."""
MAX_WINDOW_WRITES = 4 * WINDOW_WRITES
"""A window that still cannot be cut (one action spanning it all) is judged whole at this size, said so in the report."""
KEEP_ACTIONS = 3
"""Actions left for the next window: the inference's rules look one group ahead, and an action may be cut short."""


@dataclass(slots=True)
class TraceOptions:
    """What `synic trace` was asked: the partition, version and profile (None: guessed or the default), and the rest."""

    partition: str | None = None
    mshv: str | None = None
    hypervisor: str | None = None
    fmt: TraceFormat | None = None
    dmesg: str | Path | None = None
    guest: int | None = None
    cpus: int | None = None
    check: bool = False


@dataclass(slots=True)
class _Judged:
    """What carries from one window to the next once the first window has fixed the partition and version."""

    config: SessionConfig
    summary: TraceSummary
    replayer: Replayer
    conformance: Conformance | None
    live: Live = field(default_factory=Live)
    numbers: dict[int, int] = field(default_factory=dict)
    channels: tuple[int, ...] = (0,)


class TraceJudge:
    """Called after each block the reader takes in; judges a window once it holds `window` writes."""

    def __init__(self, options: TraceOptions, window: int = WINDOW_WRITES) -> None:
        self.options = options
        self.window = window
        self.version = use(options.mshv) if options.mshv else "v4"
        self.log = kernel_log(options.dmesg) if options.dmesg is not None else None
        self.matchers: list[LogMatcher] = []
        self.judged: _Judged | None = None
        self.windows = 0
        self.first_window = 0

    def after_block(self, reader: TraceReader) -> None:
        if len(reader.w) >= self.window:
            self.judge(reader, final=False)

    def judge(self, reader: TraceReader, final: bool) -> None:
        trace = reader.view(self.options.cpus)
        if not len(trace.writes):
            return
        if not self.matchers:
            self.matchers = [LogMatcher(reader.log)] + ([LogMatcher(self.log)] if self.log is not None else [])
        for matcher in self.matchers:
            matcher.window(trace, reader.base, final)
        made: dict[str, Attributed] = {}
        judged = self.judged or self._start(trace, made, final)
        if self.windows:
            choose_partition(trace, judged.config.partition, get(self.version))  # a nested write where there is no nested bank
        att = made.get(judged.config.partition) or attribute(trace, judged.config.partition_spec, judged.config.version, final=final)
        actions = infer_actions(att.segments, judged.live)
        cut = _cut(att, actions, final, len(trace.writes) >= MAX_WINDOW_WRITES)
        if cut is None:
            return  # nothing can be committed yet: the window grows
        count, upto = cut
        if upto == len(trace.writes) and not final:
            judged.summary.notes.append(
                f"the window of {plural(upto, 'write')} ending at line {trace.writes.line[-1]:,} could not be cut between two actions: "
                "judged as if the trace ended there"
            )
        self.judged = judged  # the partition and the CPU count stand once a window commits (until then, each window decides)
        self._commit(reader, judged, att, actions[:count], upto)

    def _start(self, trace: ParsedTrace, made: dict[str, Attributed], final: bool) -> _Judged:
        o = self.options
        guest_format_error(trace, o.guest)
        chosen, why = choose_partition(trace, o.partition, get(self.version), made, final=final)
        profile = o.hypervisor or trace.spec.profile
        config = session_config(partition=chosen, cpus=min(trace.ncpus, MAX_CPUS), mshv=self.version, hypervisor=profile)
        summary = TraceSummary(trace, config, why, o.partition is None)
        conformance = Conformance(config) if o.check else None
        self.first_window = len(trace.writes)
        return _Judged(config, summary, Replayer(config, trace.ncpus, log=self.log is not None), conformance)

    def _commit(self, reader: TraceReader, judged: _Judged, att: Attributed, actions: list[TraceAction], upto: int) -> None:
        channels = tuple(sorted({*judged.channels, *channel_cpus(actions)}))
        if judged.conformance is not None:
            judged.conformance.grow(att.ncpus if self.options.cpus is None else judged.config.cpus)
            if channels != judged.channels:
                judged.conformance.channel_cpus(channels)
            judged.conformance.judge(att, actions, upto, judged.numbers)
        judged.channels = channels
        judged.replayer.log = self.log is not None or reader.log.faults != [] or reader.stats.log_lines > 0
        judged.replayer.window(att, actions, upto)
        judged.summary.add(att, actions, upto)
        judged.summary.keep(judged.replayer.findings)
        judged.replayer.findings = []
        advance(judged.live, actions)
        reader.hand_on(upto)
        self.windows += 1

    def finish(self, reader: TraceReader) -> tuple[TraceSummary, CheckResult | None]:
        """The last window (everything left), then the summary and the verdict."""
        trace = reader.finish(self.options.cpus)  # closes the last stack; TraceError when the trace has no write at all
        self.judge(reader, final=True)
        mixed = several_guests(trace)
        if mixed:
            raise TraceError(mixed)
        judged = self.judged
        assert judged is not None  # finish() raised if the trace had no write
        summary = judged.summary
        trace.log = self.log or trace.log
        trace.unmatched = [f for m in self.matchers for f in m.unmatched]
        summary.trace = trace
        summary.windows = self.windows
        ncpus = max(summary.ncpus, min(trace.ncpus, MAX_CPUS))
        summary.config = replace(judged.config, cpus=ncpus, channel_cpus=judged.channels)
        if self.windows > 1 and summary.partition_why.startswith("guessed from the trace"):
            summary.partition_why = summary.partition_why.replace(
                "guessed from the trace", f"guessed from the trace's first {self.first_window:,} writes", 1
            )
        summary.note_header()
        late = [cpu for cpu in summary.cpus if cpu >= judged.config.cpus]
        if late:
            summary.notes.append(
                f"{cpus_text(late)} first wrote after the trace's first {self.first_window:,} writes: "
                "the model took them from there, online with no driver live (assumed)"
            )
        check = None
        if judged.conformance is not None:
            log = trace.log
            check = judged.conformance.finish(summary.ncpus, summary.faulted, None if log is None else log.kind)
        return summary, check


def _cut(att: Attributed, actions: list[TraceAction], final: bool, full: bool) -> tuple[int, int] | None:
    """(actions committed, writes committed) of a window, or None to wait for more: all the actions but the last
    KEEP_ACTIONS, and the writes before the first action left, before any sequence left undecided and before any
    write out of time order with a later one."""
    n = len(att.order)
    if final or full:
        return len(actions), n
    limit = n if att.undecided is None else att.undecided
    lasts = list(accumulate((a.last for a in actions), max))
    for count in range(max(len(actions) - KEEP_ACTIONS, 0), -1, -1):
        upto = _in_order_before(att, min(limit, actions[count].first if count < len(actions) else limit))
        if upto and (count == 0 or lasts[count - 1] < upto):
            return count, upto
    return None


def _in_order_before(att: Attributed, rank: int) -> int:
    """The largest u <= rank such that the first u writes in time order are the file's first u (a window lets go of
    writes from the start of its columns)."""
    if att.in_order:
        return rank
    order = att.order
    highest, upto = -1, 0
    for k in range(rank):
        highest = max(highest, order[k])
        if highest == k:
            upto = k + 1
    return upto


def judge_trace(
    path: str | Path,
    options: TraceOptions,
    progress: Callable[[int, int], None] | None = None,
    window: int = WINDOW_WRITES,
) -> tuple[TraceSummary, CheckResult | None]:
    """Read and judge a trace in windows: its summary and, with `options.check`, its conformance."""
    judge = TraceJudge(options, window)
    with collector_paused():  # nothing here makes reference cycles: the cycle collector would only walk the windows' records
        reader = read_trace(path, options.fmt, progress, guest=options.guest, keep=sys.maxsize, after_block=judge.after_block)
        return judge.finish(reader)
