"""Which actions explain a real trace: the matched driver sequences, grouped into the model's actions.

Consecutive matches of one sequence on different CPUs form a group (a module load runs its cpuhp
callback on each online CPU in turn). Groups then become actions by the rules in `RULES`, tried
in order; a task name or stack frame (`formats.HINT_*`) decides between a kexec and a module
unload, which write the same MSRs. Without a hint a machine-wide teardown is taken for a kexec:
an inference, said so in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from synic_core.model.actions import ACTIONS
from synic_core.model.vocabulary import ActionHint, ActionName, SequenceName
from synic_core.traces.attribute import Segment


@dataclass(slots=True)
class Group:
    sequence: SequenceName
    segments: list[Segment] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)

    def add(self, seg: Segment) -> None:
        self.segments.append(seg)
        self.seen.add(seg.cpu)

    @property
    def cpus(self) -> list[int]:
        return [s.cpu for s in self.segments]

    @property
    def hint(self) -> ActionHint | None:
        return next((s.hint for s in self.segments if s.hint), None)


@dataclass(slots=True)
class TraceAction:
    """One inferred action: its name, the CPUs the trace shows it on, its segments and why it was chosen."""

    action: ActionName
    cpus: list[int]
    segments: list[Segment]
    why: str
    last: int = field(init=False)
    """The rank of its last write (worked out once: the windows' cuts and the replay ask often)."""

    def __post_init__(self) -> None:
        self.last = max((s.last for s in self.segments), default=-1)

    @property
    def first(self) -> int:
        return self.segments[0].first


@dataclass(slots=True)
class Live:
    """Which CPUs each driver is live on, and which CPUs are offline, as the inference goes."""

    vmbus: set[int] = field(default_factory=set)
    mshv: set[int] = field(default_factory=set)
    offline: set[int] = field(default_factory=set)

    def of(self, sequence: str) -> set[int]:
        return self.vmbus if sequence.startswith("vmbus") else self.mshv

    def copy(self) -> Live:
        return Live(set(self.vmbus), set(self.mshv), set(self.offline))


def groups(segments: list[Segment]) -> list[Group]:
    out: list[Group] = []
    for seg in segments:
        g = out[-1] if out else None
        if g is None or g.sequence != seg.sequence or seg.cpu in g.seen or seg.sequence == "vmbus_crash":
            out.append(Group(seg.sequence))
        out[-1].add(seg)
    return out


INFERRED_KEXEC = "inferred: a teardown on every live CPU (module unloads would write the same)"
Rule = Callable[[list[Group], int, Live], tuple[ActionName, int, str] | None]
"""A rule looks at groups[i:], and returns (action, how many groups it takes, why) or None."""


def _one_cpu(g: Group) -> int | None:
    return g.cpus[0] if len(g.cpus) == 1 else None


def _pair(gs: list[Group], i: int, first: str, second: str) -> tuple[Group, Group] | None:
    if i + 1 < len(gs) and gs[i].sequence == first and gs[i + 1].sequence == second:
        return gs[i], gs[i + 1]
    return None


def rule_offline_rollback(gs: list[Group], i: int, live: Live) -> tuple[ActionName, int, str] | None:
    pair = _pair(gs, i, "mshv_exit", "mshv_init")
    if pair and _one_cpu(pair[0]) is not None and pair[0].cpus == pair[1].cpus:
        return "cpu_offline", 2, "MSHV torn down and started again on one CPU: a refused offline rolled back"
    return None


def rule_offline(gs: list[Group], i: int, live: Live) -> tuple[ActionName, int, str] | None:
    pair = _pair(gs, i, "mshv_exit", "vmbus_cleanup")
    if pair and _one_cpu(pair[0]) is not None and pair[0].cpus == pair[1].cpus and len(live.vmbus) > 1:
        return "cpu_offline", 2, "MSHV then VMBus torn down on one CPU while others stay live (cpuhp offline order)"
    return None


def rule_online(gs: list[Group], i: int, live: Live) -> tuple[ActionName, int, str] | None:
    pair = _pair(gs, i, "vmbus_init", "mshv_init")
    cpu = _one_cpu(pair[0]) if pair else None
    if pair and cpu is not None and pair[0].cpus == pair[1].cpus and cpu in live.offline:
        return "cpu_online", 2, "VMBus then MSHV started on one CPU that went offline (cpuhp online order)"
    return None


def rule_kexec(gs: list[Group], i: int, live: Live) -> tuple[ActionName, int, str] | None:
    g = gs[i]
    if g.sequence not in ("mshv_exit", "vmbus_cleanup") or g.hint == "unload" or set(g.cpus) < live.of(g.sequence):
        return None
    take = 2 if _pair(gs, i, "mshv_exit", "vmbus_cleanup") and gs[i + 1].hint != "unload" else 1
    hint = next((x.hint for x in gs[i : i + take] if x.hint), None)
    why = (
        "a task or stack frame says kexec"
        if hint == "kexec"
        else "inferred: a teardown on every live CPU (module unloads would write the same)"
    )
    return "kexec", take, why


def rule_single(gs: list[Group], i: int, live: Live) -> tuple[ActionName, int, str] | None:
    g = gs[i]
    how = "a task or stack frame says so" if g.hint else "the matched sequence"
    return BY_SEQUENCE[g.sequence], 1, how


BY_SEQUENCE: dict[str, ActionName] = {a.trace_sequence: a.name for a in ACTIONS.values() if a.trace_sequence}
"""The action a driver sequence matched alone in a trace is taken for (`ActionSpec.trace_sequence`)."""


RULES: tuple[Rule, ...] = (rule_offline_rollback, rule_offline, rule_online, rule_kexec, rule_single)


def infer_actions(segments: list[Segment], live: Live | None = None) -> list[TraceAction]:
    """The actions that explain the segments; `live` is where the windows before left the drivers (it is not changed)."""
    gs, live, out, i = groups(segments), Live() if live is None else live.copy(), [], 0
    while i < len(gs):
        action, take, why = next(r for rule in RULES if (r := rule(gs, i, live)))
        taken = gs[i : i + take]
        segs = [s for g in taken for s in g.segments]
        cpus = sorted({s.cpu for s in segs})
        out.append(TraceAction(action, cpus, segs, why))
        _advance(live, action, segs)
        i += take
    return out


def channel_cpus(actions: list[TraceAction]) -> tuple[int, ...]:
    """CPU 0, and each CPU whose offline the trace shows rolled back: hv_synic_cleanup() refused it, so a channel was bound to it."""
    rolled_back = {a.cpus[0] for a in actions if a.action == "cpu_offline" and any(s.startup for s in a.segments)}
    return (0, *sorted(rolled_back - {0}))


def advance(live: Live, actions: list[TraceAction]) -> None:
    """`live` after the actions (the windows' inference carries it from one window to the next)."""
    for a in actions:
        _advance(live, a.action, a.segments)


def _advance(live: Live, action: ActionName, segs: list[Segment]) -> None:
    for s in segs:
        if s.startup:
            live.of(s.sequence).add(s.cpu)
        else:
            live.of(s.sequence).discard(s.cpu)
    if action == "cpu_offline" and not any(s.startup for s in segs):
        live.offline.update(s.cpu for s in segs)
    elif action == "cpu_online":
        live.offline.difference_update(s.cpu for s in segs)
    elif ACTIONS[action].boots_new_kernel:
        live.vmbus.clear()
        live.mshv.clear()
