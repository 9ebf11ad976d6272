"""Findings on real writes: the model's rules (`checks.Checker`) applied to what a trace shows.

The writes are applied in time order to a model machine of the trace's partition. Drivers become
live and stop at the boundaries of their matched sequences, as `actions.startup`/`teardown` do;
after an inferred kexec the new kernel starts with no driver, and `Checker.stale` looks at what it
inherits. A write that faulted on the machine (` #GP`) changes nothing and is an observed fault; a
write the hypervisor profile would refuse but the trace shows going through is reported as the
profile's prediction, and applied.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field, replace

from synic_core.model.actions import ACTIONS
from synic_core.model.checks import Checker
from synic_core.model.checks import switch_off_verb as switch_off_verb  # the model's rule, used as it is
from synic_core.model.config import SessionConfig
from synic_core.model.findings import Finding, Where, make_finding
from synic_core.model.partitions import COMPONENTS, title
from synic_core.model.profiles import SINT_PASSES, TEARDOWN_TARGETS, Profile
from synic_core.model.registers import LIVE_TEST, PAGE_REGISTERS, PAGE_SHIFT, REGISTERS, SINT_REGISTERS, STATE_INDEX
from synic_core.model.state import DriverState, MachineState
from synic_core.model.vocabulary import Bank, Component
from synic_core.model.writes import Write
from synic_core.traces.attribute import ATTRIBUTIONS, WRITERS, Attributed, Segment
from synic_core.traces.formats import SLOTS
from synic_core.traces.infer import INFERRED_KEXEC, TraceAction
from synic_core.traces.parse import FAULT_FLAGS

PRIMARY_FIELD = {"SCONTROL": "enable", "SIMP": "enable", "SIEFP": "enable", "SIRBP": "enable"}
"""The field a write is about when it changes none (a SINT's is `masked`)."""
ROLLBACK_ASSUMPTION = "inferred from the trace: VMBus writes nothing when it refuses, so only MSHV's writes show the rollback"
OBSERVED_CITE = "observed: the write_msr tracepoint marks a WRMSR that faulted with ' #GP' (arch/x86/include/asm/msr-trace.h)"
LOG_CITE = (
    "observed: the kernel log's 'unchecked MSR access error: WRMSR to …' names this write "
    "(arch/x86/mm/extable.c ex_handler_msr; printed once per boot)"
)
UNKNOWN_OUTCOME = "the trace cannot tell whether it faulted; add --dmesg"
UNKNOWN_WITH_LOG = "the trace cannot tell whether it faulted, and the kernel log names no fault for it (it prints the first of each boot)"
"""A plain WRMSR is traced with failed=0 whatever happens (arch/x86/include/asm/msr.h native_write_msr): no ` #GP`."""
UNATTRIBUTED = "An unattributed writer"
UNATTRIBUTED_ASSUMPTION = (
    "the trace names no writer for this write (no stack, and no driver sequence matches): it is judged by the rules "
    "that do not depend on the writer"
)
KEXEC_ASSUMPTION = (
    "inferred from the trace: the teardown on every live CPU was taken for a kexec (no task or stack frame said so; "
    "module unloads write the same MSRs, and then nothing is inherited)"
)
UNKNOWN_WRITER = "unknown"
"""The last writer of a register an unattributed write changed (the grid shows `?`)."""
NOT_NAMED = frozenset({"frame", "preserved", "reserved", "reserved1", "reserved2"})


def touched_fields(register: str, old: int, new: int) -> tuple[str, ...]:
    changed = tuple(f for f in REGISTERS[register].changed_fields(old, new) if f not in NOT_NAMED)
    return changed or (PRIMARY_FIELD.get(register, "masked"),)


@dataclass(slots=True)
class TraceRun:
    findings: list[Finding]
    state: MachineState
    old: array[int]  # by rank: the register's value before the write
    step: array[int]  # by rank: the index of the inferred action the write belongs to (-1: before any)
    at: list[tuple[int, bool]] = field(default_factory=list)  # by finding: the rank it came at, and whether a write caused it
    states: dict[int, MachineState] = field(default_factory=dict)  # copies of the machine before the ranks asked for
    unknown: set[int] = field(default_factory=set)  # ranks the profile refuses whose outcome the trace does not show


SlotFacts = tuple[Bank, str, int, Component | None, int, int, bool, bool, bool, dict[Component, tuple[Component, ...]]]
"""`Replayer.slot_facts`: a register slot's facts as `write` unpacks them."""
SEGMENT_BITS = 32
"""A boundary is one integer: its rank above these bits, the segment's index below (an array, not a dict of lists)."""


@dataclass(slots=True)
class _Marks:
    """What happens at a rank: teardowns start before the write; startups and actions end after it.

    The segments' boundaries are one sorted array of (rank, segment index) (16 bytes a segment, where a dict
    of lists by rank took about 200: a segment every few writes made it most of the replay's memory)."""

    segments: list[Segment]
    boundaries: array[int]
    ends: dict[int, list[int]] = field(default_factory=dict)

    def rank(self, k: int) -> int:
        """The rank of the k-th boundary (past the last: -1, a rank no write has)."""
        return self.boundaries[k] >> SEGMENT_BITS if k < len(self.boundaries) else -1


def _marks(actions: list[TraceAction]) -> _Marks:
    segments = [s for a in actions for s in a.segments]
    at = (s.cpu_ranks[s.start + s.size - 1 if s.startup else s.start] << SEGMENT_BITS | k for k, s in enumerate(segments))
    m = _Marks(segments, array("Q", sorted(at)))
    for index, a in enumerate(actions):
        m.ends.setdefault(a.last, []).append(index)
    return m


NO_STEP = -2


def _steps(att: Attributed, actions: list[TraceAction], first: int = 0) -> array[int]:
    """By rank, the index of the action the write belongs to (actions numbered from `first`; a write between two
    actions belongs to the one before, and before any to `first - 1`)."""
    step = array("i", [NO_STEP]) * len(att.order)
    for index, a in enumerate(actions, first):
        for s in a.segments:
            for r in s.ranks:
                step[r] = index
    if len(step) and step[0] == NO_STEP:
        step[0] = first - 1
    if NO_STEP in step:  # writes no action claims (one scan in C first: usually there are none)
        for r in range(1, len(step)):
            if step[r] == NO_STEP:
                step[r] = step[r - 1]
    return step


class Replayer:
    """The trace's writes applied to a model machine with the finding rules, window by window (`run`): the machine,
    the findings and each CPU's write count carry over from one window to the next."""

    def __init__(self, config: SessionConfig, ncpus: int, *, log: bool) -> None:
        self.config = config
        self.partition = config.partition_spec
        self.profile: Profile = config.profile_spec
        self.state = MachineState.reset(self.partition, ncpus)
        self.log = log
        self.findings: list[Finding] = []
        self.numbers = [0] * ncpus  # writes seen so far on each CPU: the next one's number is this + 1
        self.actions: list[TraceAction] = []
        self.first = 0
        self._checker: Checker | None = None
        self._victims: dict[tuple[Bank, str, str], tuple[Component, ...]] = {}
        self.slots = [self.slot_facts(bank, register) for bank, register in SLOTS]
        self.unknown: set[int] = set()

    def slot_facts(self, bank: Bank, register: str) -> SlotFacts:
        """What `write` needs of a register slot, looked up once: (bank, register, its index in a row, its owner here,
        the live test's mask and value, a page register, a SINT, a target of the strict profile's teardown rule, and by
        writer the other components that use it while live)."""
        mask, live = LIVE_TEST[register]
        owner = self.partition.owners.get((bank, register))
        victims = {c: self.victims(bank, register, c) for c in COMPONENTS}
        return (
            bank,
            register,
            STATE_INDEX[register],
            owner,
            mask,
            live,
            register in PAGE_REGISTERS,
            register in SINT_REGISTERS,
            register in TEARDOWN_TARGETS,
            victims,
        )

    def grow(self, ncpus: int) -> None:
        if ncpus > self.state.ncpus:
            self.numbers += [0] * (ncpus - self.state.ncpus)
            self.state.grow(self.partition, ncpus)

    def begin(self, att: Attributed, actions: list[TraceAction]) -> None:
        """The next window: its writes (in time order) and the actions inferred in it, numbered on from the windows before."""
        self.att, self.actions = att, actions
        self.grow(att.ncpus)
        self.old = array("Q", bytes(8 * len(att.order)))
        self.step = _steps(att, actions, self.first)
        self.unknown = set()  # by rank of this window
        self._checker = None
        self.w, self.order, self.writer_of = att.writes, att.order, att.writer  # what `write` reads for every write

    def window(self, att: Attributed, actions: list[TraceAction], upto: int) -> None:
        """The writes before rank `upto` of `att`, with `actions` (all of whose writes come before it)."""
        self.begin(att, actions)
        self.run(upto=upto)
        self.first += len(actions)

    def run(self, snapshots: frozenset[int] = frozenset(), upto: int | None = None) -> TraceRun:
        marks = _marks(self.actions)
        at: list[tuple[int, bool]] = []
        states: dict[int, MachineState] = {}
        ends, write, findings = marks.ends, self.write, self.findings
        stops = snapshots | ends.keys()  # a few: one an action
        k, boundary = 0, marks.rank(0)  # the next segment boundary and its rank
        bounds, segments, low = marks.boundaries, marks.segments, (1 << SEGMENT_BITS) - 1
        placed = upto is None  # read whole (the dashboard): where each finding came is kept
        for rank in range(len(self.att.order) if upto is None else upto):
            if rank != boundary and rank not in stops:  # the common case: a write inside a sequence
                write(rank)
                if placed and len(findings) > len(at):
                    at += [(rank, True)] * (len(findings) - len(at))
                continue
            if rank in snapshots:
                states[rank] = self.state.copy()
            here = []
            while boundary == rank:
                here.append(segments[bounds[k] & low])
                k += 1
                boundary = bounds[k] >> SEGMENT_BITS if k < len(bounds) else -1
            for s in here:
                if not s.startup:
                    setattr(self.state.cpus[s.cpu], s.component, False)
            write(rank)
            if placed and len(findings) > len(at):
                at += [(rank, True)] * (len(findings) - len(at))
            for s in here:
                if s.startup:
                    setattr(self.state.cpus[s.cpu], s.component, True)
            if rank in ends:
                for index in ends[rank]:
                    self.after_action(index, self.first + index)
                if placed:
                    at += [(rank, False)] * (len(findings) - len(at))
        return TraceRun(self.findings, self.state, self.old, self.step, at, states, self.unknown)

    def checker(self, rank: int) -> Checker:
        step = max(self.step[rank], 0)
        if self._checker is None or self._checker.step != step:
            self._checker = Checker(self.partition, self.state, step)
        return self._checker

    def write(self, rank: int) -> None:
        """One write (the hot path: every write of the trace, most of them their owner's, which find nothing)."""
        st, w = self.state, self.w
        i = self.order[rank]
        bank, register, ri, owner, mask, live, page, sint, teardown, victims = self.slots[w.slot[i]]
        cpu, value, faulted = w.cpu[i], w.value[i], w.flags[i] & FAULT_FLAGS
        self.numbers[cpu] += 1
        rows = st.regs.get(bank)
        if rows is None:
            return  # refused before the replay (the partition has no nested bank)
        row = rows[cpu]
        old = self.old[rank] = row[ri]
        writer = WRITERS[self.writer_of[rank]]
        refusable = (sint and not value & SINT_PASSES) or (teardown and st.scontrol_dropped[bank][cpu])
        reason = self.profile.rejects(register, value, st.scontrol_dropped[bank][cpu]) if refusable else None
        if not faulted:
            row[ri] = value
            st.writer[bank][cpu][ri] = writer or UNKNOWN_WRITER
            if register == "SCONTROL":
                _track_scontrol(st, cpu, bank, old, value)
        if writer == "hypervisor":
            return
        if not faulted and not reason and writer is not None and (owner is None or owner == writer):
            # A write none of the rules can find anything in, decided without building a record (the common case): its
            # owner's (or an unowned register's); what it switches off or re-points no other live component uses; a
            # page it enables is not dangling. Any other write (nobody's, another's, refused) goes to the rules.
            switched_off = (old & mask == live and value & mask != live) or (page and old & 1 and old >> PAGE_SHIFT != value >> PAGE_SHIFT)
            used = switched_off and any(map(st.cpus[cpu].live, victims[writer]))
            if not used and not (page and value & 1 and st.frame_is_dangling(value >> PAGE_SHIFT)):
                return
        self._judged(rank, i, register, bank, cpu, old, value, bool(faulted), writer, reason)

    def _judged(
        self,
        rank: int,
        i: int,
        register: str,
        bank: Bank,
        cpu: int,
        old: int,
        value: int,
        faulted: bool,
        writer: Component | None,
        reason: str | None,
    ) -> None:
        """A write some rule may find something in: built as a record and put through the rules."""
        att, w, component = self.att, self.w, writer
        touched = touched_fields(register, old, value)
        new = old if faulted else value
        record = Write(
            self.numbers[cpu],
            cpu,
            bank,
            component or "vmbus",
            register,
            old,
            new,
            value,
            faulted,
            att.source[rank],
        )
        checker = self.checker(rank)
        if reason and not faulted:  # predicted, not seen: no #GP, no matched kernel-log line
            self.unknown.add(rank)
        found = [self.fault(record, component, touched, reason, checker, w.log_line.get(i))] if faulted or reason else []
        found += checker.write(record, touched) if component is not None else self.unattributed(record, checker)
        if found and ATTRIBUTIONS[att.how[rank]] == "inferred":
            found = [_with_inferred_writer(f, component, att.source[rank]) for f in found]
        self.findings += found

    def victims(self, bank: Bank, register: str, writer: str) -> tuple[Component, ...]:
        """The other components that use the register while they are live (whose use a switch-off pulls from under)."""
        key = (bank, register, writer)
        found = self._victims.get(key)
        if found is None:
            found = self._victims[key] = tuple(c for c in COMPONENTS if c != writer and (bank, register) in self.partition.uses(c))
        return found

    def unattributed(self, w: Write, checker: Checker) -> list[Finding]:
        """A write nobody claims still changes the register: what it switches off under a live user is
        pulled from under that user, and a page it enables is checked like any other."""
        if w.rejected:
            return []
        out: list[Finding] = []
        verb = switch_off_verb(w)
        if verb is not None:
            label, cpu_state = self.partition.label(w.register, w.bank), self.state.cpus[w.cpu]
            for victim in COMPONENTS:
                if cpu_state.live(victim) and (w.bank, w.register) in self.partition.uses(victim):
                    message = f"{UNATTRIBUTED} {verb} {label} on CPU {w.cpu} while {title(victim)} is still live and uses it."
                    out.append(_unattributed(checker.finding("pulled_from_under", message, checker.located(w, w.changed))))
        if w.new & 1 and w.register in PAGE_REGISTERS:
            out += [_unattributed(f, "An unattributed writer") for f in checker.dangling(w)]
        return out

    def fault(
        self, w: Write, component: Component | None, touched: tuple[str, ...], reason: str | None, checker: Checker, log_line: int | None
    ) -> Finding:
        observed = w.rejected
        who = f"{title(component)}'s" if component else "an unattributed"
        label = self.partition.label(w.register, w.bank)
        if observed:
            seen = f"the kernel log's unchecked MSR access error at line {log_line}" if log_line else "#GP in the trace"
            predicted = f"; the {self.profile.name} profile predicts it ({reason})" if reason else ""
            message = f"{who} write of {w.attempted:#x} to {label} on CPU {w.cpu} faulted on the machine ({seen}){predicted}."
            assumption = None
        else:
            message = (
                f"The {self.profile.name} profile predicts the hypervisor refuses {who} write of {w.attempted:#x} to {label} "
                f"on CPU {w.cpu} ({reason}); {UNKNOWN_WITH_LOG if self.log else UNKNOWN_OUTCOME}."
            )
            assumption = self.profile.assumption if reason and "SCONTROL" in reason else None
        where: Where = checker.located(w, touched)
        where["component"] = component
        finding = make_finding("hypervisor_fault", message[0].upper() + message[1:], step=checker.step, assumption=assumption, **where)
        if not observed:
            return finding
        cite = LOG_CITE if log_line else OBSERVED_CITE
        return replace(finding, cites=f"{cite}; {finding.cites}" if reason and "SCONTROL" in reason else cite)

    def after_action(self, index: int, step: int) -> None:
        """After the window's action `index` (the trace's action `step`): a new kernel's inheritance, a rollback."""
        a = self.actions[index]
        checker = Checker(self.partition, self.state, step)
        spec = ACTIONS[a.action]
        if spec.boots_new_kernel:
            kdump = spec.scope == "crash"
            self.state.drivers = DriverState(kdump=kdump)
            for cs in self.state.cpus:
                cs.vmbus = cs.mshv = False
            self.state.boot += 1
            stale = checker.stale("kdump kernel" if kdump else "new kernel")
            if a.why == INFERRED_KEXEC:
                stale = [replace(f, assumption=KEXEC_ASSUMPTION) for f in stale]
            self.findings += stale
        if a.action == "cpu_offline" and any(s.startup for s in a.segments):
            cpu = a.cpus[0]
            message = (
                f"CPU {cpu} stayed online: MSHV was torn down and started again on it, the rollback cpuhp does "
                "when hv_synic_cleanup() refuses (-EBUSY: a VMBus channel is bound to the CPU)."
            )
            self.findings.append(
                make_finding(
                    "refused",
                    message,
                    step=step,
                    cpu=cpu,
                    component="vmbus",
                    assumption="inferred from the trace: VMBus writes nothing when it refuses",
                )
            )
        self.findings += checker.missing_enable([c for c in a.cpus if c < self.state.ncpus])


def _unattributed(f: Finding, lead: str = "") -> Finding:
    """A finding about an unattributed write: no component, and the assumption says why."""
    message = f.message.replace("VMBus enabled", lead + " enabled", 1).replace("MSHV enabled", lead + " enabled", 1) if lead else f.message
    return replace(f, message=message, component=None, assumption=UNATTRIBUTED_ASSUMPTION)


def _with_inferred_writer(f: Finding, component: Component | None, source: str) -> Finding:
    inferred = f"inferred writer: the trace has no stack for this write; it matches {title(component)}'s sequence ({source})"
    return replace(f, assumption=f"{f.assumption}; {inferred}" if f.assumption else inferred)


def _track_scontrol(st: MachineState, cpu: int, bank: Bank, old: int, new: int) -> None:
    if old & 1 and not new & 1:
        st.scontrol_dropped[bank][cpu] = True
    elif new & 1:
        st.scontrol_dropped[bank][cpu] = False


def replay_trace(att: Attributed, actions: list[TraceAction], config: SessionConfig, snapshots: frozenset[int] = frozenset()) -> TraceRun:
    """The findings of the model's rules on the trace's writes, the machine they leave, and copies of it before `snapshots`."""
    replayer = Replayer(config, att.ncpus, log=att.trace.log is not None)
    replayer.begin(att, actions)
    return replayer.run(snapshots)
