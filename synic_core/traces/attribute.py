"""Who wrote each real write: by its kernel stack, else by matching the model's driver sequences.

A stack names its writer when one of its frames is in `formats.STACK_FRAMES` (the innermost match
wins). Otherwise the run of writes on each CPU is cut into the model's driver sequences
(the session version's sequences, each with and without its conditional ops): a run that matches one,
register by register and bit by bit for the fields the sequence sets, is that driver's, marked
"inferred". A write that no sequence explains stays "unknown". A KVM host-initiated write (`host 1`)
is the VMM's: shown as the hypervisor's.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from synic_core.model.partitions import Partition
from synic_core.model.registers import REGISTERS
from synic_core.model.sequences import Op, Sequence
from synic_core.model.version import MshvVersion
from synic_core.model.vocabulary import ActionHint, Attribution, Bank, Component, SequenceName
from synic_core.traces.formats import HINT_FRAMES, HINT_TASKS, SLOTS, frame_component, frame_name
from synic_core.traces.parse import HOST_FLAG, ParsedTrace, TraceWrites, flagged, masked
from synic_core.traces.sequence_scan import SequenceScan, scan

TraceWriter = Literal["vmbus", "mshv", "hypervisor"]
WRITERS: tuple[TraceWriter | None, ...] = (None, "vmbus", "mshv", "hypervisor")
ATTRIBUTIONS: tuple[Attribution, ...] = ("unknown", "stack", "inferred", "host")
UNKNOWN, STACK, INFERRED = (ATTRIBUTIONS.index(how) for how in ("unknown", "stack", "inferred"))
STARTUP: frozenset[str] = frozenset({"vmbus_init", "mshv_init"})
"""Sequences after which their driver is live on the CPU; the others are teardowns (the driver stops first)."""


@dataclass(frozen=True, slots=True)
class TemplateOp:
    slot: int
    checks: tuple[tuple[str, int], ...]  # (field, value) the op always writes; symbols (vector, AEOI) are not checked
    mask: int = 0
    want: int = 0
    """The checks as bits: a write matches when `value & mask == want`."""


@dataclass(frozen=True, slots=True)
class Template:
    sequence: SequenceName
    component: Component
    ops: tuple[TemplateOp, ...]
    sources: tuple[str, ...]


@dataclass(slots=True)
class Segment:
    """A run of writes on one CPU that matches a driver sequence: `cpu_ranks[start:start + size]`, positions in time
    order (held as a slice of the CPU's ranks, not a tuple of its own: a segment every few writes adds up).

    Nobody changes a segment once made; not a frozen dataclass: one is made every few writes, and a frozen one's
    constructor costs four times as much."""

    cpu: int
    sequence: SequenceName
    component: Component
    cpu_ranks: array[int]
    start: int
    size: int
    hint: ActionHint | None
    startup: bool
    """A startup sequence (`STARTUP`): its driver is live on the CPU after it; else a teardown (it stops first)."""

    @property
    def ranks(self) -> array[int]:
        return self.cpu_ranks[self.start : self.start + self.size]

    @property
    def first(self) -> int:
        return self.cpu_ranks[self.start]

    @property
    def last(self) -> int:
        return self.cpu_ranks[self.start + self.size - 1]


@dataclass(slots=True)
class Attributed:
    """A parsed trace in time order, with each write's writer and how it was found."""

    trace: ParsedTrace
    order: array[int]  # rank -> write index
    per_cpu: dict[int, array[int]]  # CPU -> ranks of its writes
    writer: array[int]  # by rank: index into WRITERS
    how: array[int]  # by rank: index into ATTRIBUTIONS
    source: list[str]  # by rank: innermost identifying frame or the matched sequence's function, "" if none
    segments: list[Segment]
    ncpus: int
    unknown: bool = True
    """Whether any write is left for the sequences to attribute (neither a stack nor the host names its writer)."""
    in_order: bool = False
    """Whether time order is the file's order (the trace needed no sort)."""
    undecided: int | None = None
    """In a window of a longer trace (`attribute(..., final=False)`): the first rank where a driver sequence might match
    writes the window does not have yet; the writes from there are attributed again with the next window."""

    @property
    def writes(self) -> TraceWrites:
        return self.trace.writes

    def position(self, rank: int) -> int:
        """The write's number on its CPU, from 1 (as messages say "CPU 3, write 17")."""
        cpu = self.writes.cpu[self.order[rank]]
        return _bisect(self.per_cpu[cpu], rank) + 1


def _bisect(ranks: array[int], rank: int) -> int:
    from bisect import bisect_left

    return bisect_left(ranks, rank)


def templates(partition: Partition, sequences: Mapping[SequenceName, Sequence]) -> tuple[Template, ...]:
    """Each driver sequence with and without its conditional ops, longest first."""
    out: list[Template] = []
    for seq in sequences.values():
        bank: Bank | None = partition.vmbus_bank if seq.component == "vmbus" else ("l1" if partition.mshv_allowed else None)
        if bank is None:
            continue
        variants = [seq.ops, tuple(op for op in seq.ops if op.when is None)]
        for ops in variants[: 1 + (len(variants[1]) < len(seq.ops))]:
            checks = tuple(template_op(SLOTS.index((bank, op.register)), op) for op in ops)
            out.append(Template(seq.name, seq.component, checks, tuple(op.source for op in ops)))
    return tuple(sorted(out, key=lambda t: -len(t.ops)))


def template_op(slot: int, op: Op) -> TemplateOp:
    fixed = fixed_fields(op)
    register = REGISTERS[op.register]
    mask = want = 0
    for name, value in fixed:
        f = register.field(name)
        mask |= f.mask
        want |= value << f.lsb
    return TemplateOp(slot, fixed, mask, want)


def fixed_fields(op: Op) -> tuple[tuple[str, int], ...]:
    """The field values an op always writes: its numbers, and for a value built from zero every field it leaves out
    (0); symbols (the vector, AEOI) and what a read-modify-write keeps are the machine's."""
    fixed = [(f, v) for f, v in op.fields.items() if isinstance(v, int)]
    if op.kind == "zero":
        fixed += [(f.name, 0) for f in REGISTERS[op.register].fields if f.name not in op.fields]
    return tuple(fixed)


def stack_writer(frames: tuple[str, ...]) -> tuple[Component, str] | None:
    for frame in frames:
        component = frame_component(frame)
        if component is not None:
            return component, frame_name(frame)
    return None


class Hints:
    """What a write's stack frames, else its task name, say of the action (`formats.HINT_*`): worked out once per
    distinct stack and task; a window where none says anything looks at no write."""

    def __init__(self, w: TraceWrites, order: array[int]) -> None:
        self.w, self.order = w, order
        by_stack = [next((HINT_FRAMES[name] for f in frames if (name := frame_name(f)) in HINT_FRAMES), None) for frames in w.stacks]
        by_task = [HINT_TASKS.get(task) for task in w.tasks]
        self.by_stack, self.by_task = by_stack, by_task
        self.any = any(by_stack) or any(by_task)

    def first(self, run: array[int]) -> ActionHint | None:
        """The first hint among the writes of these ranks (`any`: the caller asks only when some stack or task hints)."""
        w, order, by_stack, by_task = self.w, self.order, self.by_stack, self.by_task
        return next((h for r in run if (h := by_stack[w.stack[order[r]]] or by_task[w.task[order[r]]])), None)


def attribute(trace: ParsedTrace, partition: Partition, version: MshvVersion, *, final: bool = True) -> Attributed:
    """Each write's writer: by stack, as the host's, or inferred by matching `version`'s driver sequences (`final`:
    the trace has no more writes; else a sequence that runs past its last write is left undecided)."""
    w = trace.writes
    order, in_order = w.order()
    per_cpu = _per_cpu(w.cpu if in_order else array("I", map(w.cpu.__getitem__, order)))
    n = len(order)
    out = Attributed(trace, order, per_cpu, array("B", bytes(n)), array("B", bytes(n)), [""] * n, [], max(trace.ncpus, max(per_cpu) + 1))
    out.in_order = in_order
    _by_stack_or_host(out)
    out.unknown = UNKNOWN in out.how
    shapes = templates(partition, version.sequences)
    by_first: dict[int, list[Template]] = {}
    for t in shapes:
        by_first.setdefault(t.ops[0].slot, []).append(t)  # longest first, as templates() sorts them
    scanner = _scanner(out, shapes)
    hints = Hints(w, order)
    for cpu in sorted(per_cpu):
        ranks, start = per_cpu[cpu], 0
        if scanner is not None:
            found, start = scanner.matches(ranks, final)
            for k, p, _ in found:
                _add_segment(out, ranks, p, shapes[k], cpu, hints)
        stop = _segment_cpu(out, ranks, by_first, cpu, hints, final, start)
        if stop is not None and (out.undecided is None or stop < out.undecided):
            out.undecided = stop
    out.segments.sort(key=lambda s: s.first)
    return out


def _per_cpu(cpu_by_rank: array[int]) -> dict[int, array[int]]:
    """CPU -> the ranks of its writes (a stable sort by CPU, cut where the CPU changes)."""
    by_cpu = array("I", sorted(range(len(cpu_by_rank)), key=cpu_by_rank.__getitem__))
    out, start = {}, 0
    for cpu, count in sorted(Counter(cpu_by_rank).items()):
        out[cpu] = by_cpu[start : start + count]
        start += count
    return out


def _scanner(out: Attributed, shapes: tuple[Template, ...]) -> SequenceScan | None:
    """The window's writes as tokens for `sequence_scan` (in time order)."""
    w, order = out.writes, out.order
    if out.in_order:
        slots, values, flags = w.slot, w.value, w.flags
    else:
        slots, values, flags = (array(c.typecode, map(c.__getitem__, order)) for c in (w.slot, w.value, w.flags))
    hosts = masked(flags, HOST_FLAG)
    rows = [(tuple((op.slot, op.mask, op.want) for op in t.ops), WRITERS.index(t.component)) for t in shapes]
    return scan(slots, values, hosts, out.writer, rows)


def _by_stack_or_host(out: Attributed) -> None:
    """Writers a stack names (looked up once per distinct stack) and the KVM host's own writes, rank by rank."""
    w = out.writes
    named = [stack_writer(frames) if frames else None for frames in w.stacks]
    writer_of = bytes(WRITERS.index(found[0]) if found else 0 for found in named)
    how_of = bytes(STACK if found else UNKNOWN for found in named)
    source_of = [found[1] if found else "" for found in named]
    stacks = w.stack if out.in_order else array("I", map(w.stack.__getitem__, out.order))
    out.writer = array("B", bytes(map(writer_of.__getitem__, stacks)))
    out.how = array("B", bytes(map(how_of.__getitem__, stacks)))
    out.source = list(map(source_of.__getitem__, stacks))
    flags = w.flags
    if flagged(flags, HOST_FLAG):
        host_writer, host_how = WRITERS.index("hypervisor"), ATTRIBUTIONS.index("host")
        for rank, i in enumerate(out.order):
            if flags[i] & HOST_FLAG:
                out.writer[rank], out.how[rank], out.source[rank] = host_writer, host_how, ""


def _matches(w: TraceWrites, out: Attributed, ranks: array[int], p: int, t: Template, final: bool = True) -> bool | None:
    """Whether the template matches from position p; None when the writes there match its start but run out first (and
    more may come: not `final`)."""
    if final and p + len(t.ops) > len(ranks):
        return False
    order, writer, slot, value, flags = out.order, out.writer, w.slot, w.value, w.flags
    for k, op in enumerate(t.ops):
        if p + k >= len(ranks):
            return None
        rank = ranks[p + k]
        i = order[rank]
        if slot[i] != op.slot or value[i] & op.mask != op.want or flags[i] & HOST_FLAG:
            return False
        who = writer[rank]
        if who and WRITERS[who] != t.component:
            return False
    return True


def _segment_cpu(
    out: Attributed, ranks: array[int], shapes: dict[int, list[Template]], cpu: int, hints: Hints, final: bool = True, p: int = 0
) -> int | None:
    """Cut one CPU's writes from position p into sequences: at each write the longest template that matches from it
    (templates are looked up by the register their first op writes). Returns the rank where that stays undecided (not
    `final`)."""
    w, order = out.writes, out.order
    while p < len(ranks):
        t = None
        for shape in shapes.get(w.slot[order[ranks[p]]], ()):
            matched = _matches(w, out, ranks, p, shape, final)
            if matched is None:
                return ranks[p]
            if matched:
                t = shape
                break
        if t is None:
            p += 1
            continue
        _add_segment(out, ranks, p, t, cpu, hints)
        p += len(t.ops)
    return None


def _add_segment(out: Attributed, ranks: array[int], p: int, t: Template, cpu: int, hints: Hints) -> None:
    """The writes from position p match template t: a segment; the writes no stack named are the template's driver's."""
    size = len(t.ops)
    hint = hints.first(ranks[p : p + size]) if hints.any else None
    out.segments.append(Segment(cpu, t.sequence, t.component, ranks, p, size, hint, t.sequence in STARTUP))
    if not out.unknown:
        return
    how, component = out.how, WRITERS.index(t.component)
    for r, source in zip(ranks[p : p + size], t.sources, strict=True):
        if how[r] == UNKNOWN:
            out.writer[r], how[r] = component, INFERRED
            out.source[r] = source
