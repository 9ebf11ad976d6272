"""`synic explore --cpus all`: which finding kinds a configuration reaches on *any* number of CPUs.

N = 1 is searched explicitly (`fast.search`). Every N >= 2 is covered at once by an abstraction:
an abstract state keeps the driver state, CPU 0 (the VMBus connect CPU, special by number) and one
arbitrary other CPU (the *tracked* CPU) exactly, and of every remaining CPU only which classes are
present (`locality.observable`: its per-CPU flags). Module actions and kexec apply the same function
to every CPU of a class, so a class maps to a class; hotplug, a crash or a single-CPU order acting
on a summarised CPU moves one CPU out of its class, which may or may not have had company: both
successors are kept. A finding on a summarised CPU is the tracked CPU's finding in the abstract run
that tracks that CPU instead, so only CPU 0's, the tracked CPU's and CPU-less findings count.

The abstract search runs to its fixpoint, so a kind it never meets is unreachable for every N >= 2.
A kind it meets is made concrete: the abstract path is followed by the explicit search at the smallest
N that realises it, and the concrete path is replayed on the real engine; only what the replay shows is
reported. A path no N realises is *spurious* (counted, never reported). With no summarised CPU the
abstraction is the N = 2 machine itself, so "reachable on 2 CPUs" is exact too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from synic_core.explore.fast import (
    EACH,
    FILLER_MSHV,
    FILLER_ONLINE,
    FILLER_VMBUS,
    KIND_BIT,
    MODULE,
    REBOOT,
    SCOPES,
    TAKES_OFFLINE,
    CpuResult,
    MemoryLimit,
    Model,
    Search,
    State,
    check_stop_and_memory,
    real_cpus,
    search,
)
from synic_core.explore.locality import LocalityError, check_locality, cpu_of_class, observable
from synic_core.explore.reference import ACTION_ORDER, Counterexample, ExploreResult, Move, Stopped, step_from
from synic_core.model.config import SessionConfig
from synic_core.model.findings import KIND_NAMES, KINDS, explored
from synic_core.model.state import MachineState
from synic_core.model.vocabulary import FindingKindName
from synic_core.system.process import peak_rss_mb

ALL = -1  # the slot of a module action on every online CPU (the kernel's order)
AState = tuple[int, ...]
"""(driver id, CPU 0's signature id, the tracked CPU's signature id, one signature id per class present, sorted)."""
AMove = tuple[int, int, bool]
"""(action index, slot or ALL, whether the acted-on summarised CPU's class keeps other CPUs)."""
Origin = tuple[AState | None, AMove | None]
CHECK_EVERY = 512


@dataclass(frozen=True, slots=True)
class Witness:
    """A counterexample made concrete: the smallest CPU count that realises it, and its replayed steps."""

    cpus: int
    example: Counterexample

    @property
    def length(self) -> int:
        return len(self.example.steps)


@dataclass(slots=True)
class EveryNResult:
    config: SessionConfig  # its CPU count is the counterexample's, per witness
    any_order: bool
    one_cpu: ExploreResult  # the explicit search at N = 1
    states: int = 0  # abstract states (N >= 2)
    transitions: int = 0
    levels: list[int] = field(default_factory=list)
    fixpoint: bool = False
    found: dict[str, Witness] = field(default_factory=dict)
    smallest: dict[str, int] = field(default_factory=dict)  # kind -> smallest N found to reach it (see `smallest_exact`)
    spurious: int = 0  # abstract counterexamples no CPU count realises
    undecided: list[str] = field(default_factory=list)  # kinds met only by spurious abstract paths: neither proved nor found
    stopped: str | None = None
    locality: str | None = None  # the cross-CPU dependency `check_locality` found: then nothing else was searched
    asked_channels: tuple[int, ...] = (0,)  # the channel CPUs as given; `config` numbers the holders besides CPU 0 1, 2, ...
    elapsed: float = 0.0
    peak_mb: float = 0.0

    @property
    def proved(self) -> bool:
        return self.fixpoint and self.one_cpu.fixpoint and self.stopped is None and self.locality is None

    @property
    def unreachable(self) -> list[str]:
        return [k for k in KIND_NAMES if k not in self.found and k not in self.undecided] if self.proved else []

    @property
    def first_n(self) -> int:
        """The smallest machine the claim is about: 1, or one CPU more than the CPUs other than 0 holding channels."""
        return 1 + holders(self.config)

    def smallest_exact(self, kind: str) -> bool:
        """Whether `smallest[kind]` is the smallest N that reaches the kind, rather than an upper bound.

        No machine is smaller than `first_n`. A finished proof with no spurious path has also searched every
        machine of 1 and 2 CPUs exactly (N = 1 explicitly, N = 2 as the abstract states with no summarised CPU),
        so a kind first met on 3 CPUs needs 3. Above that, the N reported is the fewest CPUs that realise the
        *shortest* abstract path to the kind; a longer path might need fewer CPUs, so it is an upper bound.
        """
        n = self.smallest[kind]
        return n <= self.first_n or (self.proved and not self.spurious and n <= max(3, self.first_n))

    def smallest_text(self, kind: str) -> str:
        """`3`, or `≤ 4` where the smallest N is an upper bound."""
        n = self.smallest[kind]
        return str(n) if self.smallest_exact(kind) else f"≤ {n}"

    def config_for(self, kind: str) -> SessionConfig:
        return config_at(self.config, self.found[kind].cpus)


def holders(config: SessionConfig) -> int:
    """How many CPUs other than CPU 0 hold VMBus channels at reset (which ones does not matter: they are alike)."""
    return sum(1 for c in config.channel_cpus if c)


def config_at(config: SessionConfig, n: int) -> SessionConfig:
    """The configuration on n CPUs, with the channel-holding CPUs other than 0 numbered 1, 2, ..."""
    return replace(config, cpus=n, channel_cpus=(*(0 for c in config.channel_cpus if c == 0), *range(1, holders(config) + 1)))


def renumbering(r: EveryNResult) -> str | None:
    """How the channel CPUs given became the counterexamples' (None when they are the same CPUs)."""
    if r.asked_channels == r.config.channel_cpus:
        return None
    asked = [c for c in r.asked_channels if c]
    kept = [c for c in r.config.channel_cpus if c]
    cpus, several = ("CPUs", True) if len(asked) > 1 else ("CPU", False)
    return (
        f"VMBus channels on {cpus} {', '.join(map(str, asked))} as given: only how many CPUs besides CPU 0 hold them "
        f"matters (those CPUs are interchangeable), so the proof keeps {len(asked)} such {cpus} and the counterexamples, "
        f"on the fewest CPUs that run them, number {'them' if several else 'it'} {cpus} {', '.join(map(str, kept))}"
    )


def cpu_counts(r: EveryNResult) -> str:
    """The CPU counts a proof covers (after "every" or "any"): all, or from the smallest machine with the channel holders."""
    if r.first_n == 1:
        return "number of CPUs"
    k = r.first_n - 1
    return f"number of CPUs from {r.first_n} ({k} CPU{'s' * (k != 1)} besides CPU 0 holding VMBus channels)"


def proof_line(r: EveryNResult) -> str:
    """What the run proves, in one sentence."""
    counts = f"N = 1 explicitly ({r.one_cpu.states:,} states), N ≥ 2 by abstraction ({r.states:,} abstract states)"
    every = f"every {cpu_counts(r)}"
    if r.first_n > 1:
        counts = f"N ≥ {r.first_n} by abstraction ({r.states:,} abstract states)"
    if r.locality is not None:
        return "no proof: the model breaks the locality the abstraction needs"
    if r.proved:
        return f"proved for {every}: {counts}"
    return f"no proof: stopped ({r.stopped}): {counts} so far"


def verdict(r: EveryNResult, kind: str = "hypervisor_fault") -> str:
    """One phrase on `kind` over every CPU count, with its proof status (the dashboard's per-version line)."""
    what = kind.replace("hypervisor_", "").replace("_", " ")
    w = r.found.get(kind)
    if w is not None:
        return f"{what} in {w.length} step{'s' * (w.length != 1)} on {w.cpus} CPU{'s' * (w.cpus != 1)} (shortest over every N)"
    if kind in r.unreachable:
        return f"proved: no {what} on any number of CPUs"
    why = r.stopped or ("the model breaks locality" if r.locality else "undecided")
    return f"no proof ({why}); no {what} found so far"


class Abstraction:
    """The abstract states' moves and successors, on the fast explorer's memoised per-CPU transitions."""

    def __init__(self, config: SessionConfig, any_order: bool, model: Model) -> None:
        self.config = config
        self.any_order = any_order
        self.model = model
        self.partition = config.partition_spec
        self._class_rep: dict[int, int] = {}  # signature id (role 1) -> the id of its class's representative

    # -- classes --------------------------------------------------------------------------------
    def summarise(self, sig: int) -> int:
        """The representative of a (non-0) CPU's class: a CPU at reset with the class's flags."""
        found = self._class_rep.get(sig)
        if found is None:
            mini = MachineState.reset(self.partition, 2)
            mini.cpus[1] = cpu_of_class(observable(self.model.reps[1][sig].cpus[1]))
            found = self._class_rep[sig] = self.model.intern(1, mini)
        return found

    def roots(self) -> list[AState]:
        """Every machine at reset, whatever N: the tracked CPU holds VMBus channels or not (when some CPU other
        than 0 does), the others hold the rest of them, and CPUs without channels may or may not remain."""
        m = self.model
        free, hold = m.reset_sigs[1], m.reset_holding
        k = holders(self.config)
        out: list[AState] = []
        for tracked in (free, hold) if k else (free,):
            held = {self.summarise(hold)} if k - (tracked == hold) else set()
            for others_free in (False, True):
                rest = held | ({self.summarise(free)} if others_free else set())
                out.append((m.empty_driver, m.reset_sigs[0], tracked, *sorted(rest)))
        return list(dict.fromkeys(out))

    # -- moves ----------------------------------------------------------------------------------
    def moves(self, s: AState) -> list[AMove]:
        """The explorer's moves (`fast.Search.moves`, from the action table) on the slots; a per-CPU move on a
        summarised slot twice: its class keeps other CPUs, or it does not."""
        slots = range(len(s) - 1)
        f0, f1 = self.model.flags
        on = [i for i in slots if (f1 if i else f0)[s[i + 1]][0]]
        off = [i for i in slots if i not in on]
        out: list[AMove] = [(a, ALL, False) for a in MODULE]
        out += [(a, on[0], False) for a in REBOOT]
        singles = [(a, i) for a in MODULE for i in on] if self.any_order else []
        for a, offline, skips_cpu0 in EACH:
            singles += [(a, i) for i in (off if offline else on) if i or not skips_cpu0]
        for action, i in singles:
            out += [(action, i, dup) for dup in ((False, True) if i >= 2 else (False,))]
        return out

    def apply(self, s: AState, move: AMove) -> tuple[AState, int, bool]:
        """The abstract successor, the finding kinds that count, and whether the kernel produces the step."""
        action, slot, dup = move
        sigs = [*s[1:], s[slot + 1]] if dup else list(s[1:])
        f0, f1 = self.model.flags
        online = tuple(i for i, sig in enumerate(sigs) if (f1 if i else f0)[sig][0])
        targets = online if slot == ALL else (slot,)
        driver, after, kinds, kernel = self.step(s[0], sigs, action, targets, len(online))
        summarise = self.summarise
        rest = sorted({summarise(x) for x in after[2:]})
        return (driver, after[0], after[1], *rest), kinds, kernel

    def step(self, d: int, sigs: list[int], action: int, targets: tuple[int, ...], n_online: int) -> tuple[int, list[int], int, bool]:
        """One action on the slots: (driver, signatures after, finding kinds that count, kernel order).

        The same per-CPU decomposition as `fast.Search.apply`, on the fast explorer's memo; slots 0
        and 1 count every finding on them, summarised slots (2 on) only the findings on no CPU.
        """
        m = self.model
        out = sigs[:]
        kinds = 0
        kernel = True
        driver = d
        base = action * 16

        def run(i: int, under: int, filler: int) -> CpuResult:
            role = 1 if i else 0
            tab = (m.contexts.get(under) or m.context(under))[base + 8 * role + filler]
            return tab.get(sigs[i]) or m.fill(tab, action, role, under, filler, sigs[i])

        scope = SCOPES[action]
        if scope == "cpu":  # on online CPUs, the filler is online when another CPU is
            t = targets[0]
            r = run(t, d, FILLER_ONLINE if not TAKES_OFFLINE[action] and n_online > 1 else 0)
            out[t] = r.sig
            return r.driver, out, r.kinds if t < 2 else r.global_kinds, r.kernel
        if scope in ("machine", "crash"):  # a crash: every CPU but the target boots the kdump kernel with no driver state
            crash = targets[0] if scope == "crash" else -1
            for i in range(len(sigs)):
                r = run(i, m.empty_driver if scope == "crash" and i != crash else d, 0)
                out[i] = r.sig
                kinds |= r.kinds if i < 2 else r.global_kinds
                kernel = kernel and r.kernel
                if scope == "machine" or i == crash:
                    driver = r.driver
            return driver, out, kinds, kernel
        for i in targets:  # a module action: each CPU alone, then the module's state with the others as witness
            r = run(i, d, 0)
            out[i] = r.sig
            kinds |= r.kinds if i < 2 else r.global_kinds
            kernel = kernel and r.kernel
        first = targets[0]
        f0, f1 = m.flags
        fc = 0
        for j in range(len(sigs)):
            if j != first:
                _on, vmbus, mshv = (f1 if j else f0)[out[j]]
                fc |= (FILLER_VMBUS if vmbus else 0) | (FILLER_MSHV if mshv else 0)
        return run(first, d, fc).driver, out, kinds, kernel and len(targets) == n_online


# -- the search ---------------------------------------------------------------------------------
@dataclass(slots=True)
class _First:
    level: int
    state: AState
    move: AMove


def every_n(
    config: SessionConfig,
    *,
    any_order: bool = False,
    stop: Callable[[], bool] | None = None,
    memory_limit_mb: float | None = None,
    check: bool = True,
) -> EveryNResult:
    """N = 1 explicitly, N >= 2 by the abstraction, both to their fixpoint; every abstract counterexample made concrete.

    With `check`, the locality the abstraction relies on is tested first (`locality.check_locality`);
    if the model breaks it, the result carries the dependency in `locality` and claims nothing.
    """
    started = time.perf_counter()
    if check:
        try:
            check_locality(config)
        except LocalityError as exc:
            base = config_at(config, max(2, 1 + holders(config)))
            empty = ExploreResult(base, None, any_order, complete=False)
            return _finish(EveryNResult(base, any_order, empty, locality=str(exc), asked_channels=config.channel_cpus), started)
    base = config_at(config, max(2, 1 + holders(config)))
    if holders(config):  # a machine of 1 CPU has no CPU besides 0 to hold channels: nothing to search there
        one = ExploreResult(base, None, any_order, states=0, fixpoint=True)
    else:
        one = search(config_at(config, 1), None, any_order=any_order, stop=stop, memory_limit_mb=memory_limit_mb)
    absn = Abstraction(base, any_order, Model(base))
    result = EveryNResult(base, any_order, one, stopped=one.stopped, asked_channels=config.channel_cpus)
    if one.stopped:
        return _finish(result, started)
    roots = absn.roots()
    origin: dict[AState, Origin] = {r: (None, None) for r in roots}
    firsts: tuple[dict[str, _First], dict[str, _First]] = ({}, {})  # per root: N = 2, N >= 3
    frontier = list(roots)
    try:
        level = 0
        while frontier:
            nxt: list[AState] = []
            for count, s in enumerate(frontier):
                if count % CHECK_EVERY == 0:
                    check_stop_and_memory(stop, memory_limit_mb)
                first = firsts[0 if len(s) == 3 else 1]
                for move in absn.moves(s):
                    new, kinds, kernel = absn.apply(s, move)
                    if not kernel and not any_order:
                        continue
                    result.transitions += 1
                    if kinds:
                        for kind in KIND_NAMES:
                            if kinds & KIND_BIT[kind] and kind not in first:
                                first[kind] = _First(level, s, move)
                    if new not in origin:
                        origin[new] = (s, move)
                        nxt.append(new)
            result.levels.append(len(nxt))
            frontier = nxt
            level += 1
        result.fixpoint = True
    except Stopped:
        result.stopped = "stopped"
    except MemoryLimit:
        result.stopped = "memory limit"
    except KeyboardInterrupt:
        result.stopped = "interrupted"
    result.states = len(origin)
    _conclude(result, absn, origin, firsts)
    return _finish(result, started)


def _finish(result: EveryNResult, started: float) -> EveryNResult:
    result.elapsed = time.perf_counter() - started
    result.peak_mb = peak_rss_mb()
    return result


def _conclude(result: EveryNResult, absn: Abstraction, origin: dict[AState, Origin], firsts: tuple[dict[str, _First], ...]) -> None:
    """Per kind: the shortest concrete counterexample over N = 1, 2 and the abstract paths, and the smallest N."""
    one = result.one_cpu
    for kind in (spec.name for spec in KINDS.values()):
        candidates: list[Witness] = []
        if kind in one.found:
            candidates.append(Witness(1, one.found[kind]))
        abstract = sorted((f for f in (firsts[0].get(kind), firsts[1].get(kind)) if f is not None), key=lambda f: f.level)
        for f in abstract:
            made = concretise(absn, _path(origin, f), kind)
            if made is None:
                result.spurious += 1
            else:
                candidates.append(made)
        if candidates:
            best = min(candidates, key=lambda w: (w.length, w.cpus))
            result.found[kind] = best
            result.smallest[kind] = min(w.cpus for w in candidates)
        elif abstract:
            result.undecided.append(kind)


def _path(origin: dict[AState, Origin], f: _First) -> tuple[list[AState], list[AMove]]:
    states, moves = [f.state], [f.move]
    s = f.state
    while True:
        parent, move = origin[s]
        if parent is None or move is None:
            break
        states.append(parent)
        moves.append(move)
        s = parent
    states.reverse()
    moves.reverse()
    return states, moves


# -- from an abstract path to a replayed one ----------------------------------------------------
def concretise(absn: Abstraction, path: tuple[list[AState], list[AMove]], kind: FindingKindName) -> Witness | None:
    """The smallest N whose explicit search follows the abstract states and ends in `kind`, replayed on the engine."""
    states, moves = path
    if len(states[0]) == 3:
        counts: range = range(2, 3)
    else:
        k = holders(absn.config)  # the channel holders, the tracked CPU, one CPU per class kept, one more per `dup` step
        counts = range(max(3, 1 + k), k + 4 + sum(1 for _a, slot, dup in moves if dup))
    for n in counts:
        found = _follow(absn, states, KIND_BIT[kind], n)
        if found is not None:
            replayed = _replay(absn, found, kind, n)
            if replayed is not None:
                return replayed
    return None


def _matches(absn: Abstraction, cs: State, a: AState) -> bool:
    """Whether a concrete canonical state has the abstract state `a` (for some choice of the tracked CPU)."""
    if cs[0] != a[0] or cs[1] != a[1]:
        return False
    want = set(a[3:])
    others = cs[2:]
    return any(sig == a[2] and {absn.summarise(x) for k, x in enumerate(others) if k != j} == want for j, sig in enumerate(others))


Step = tuple[State, tuple[int, tuple[int, ...]]]


def _follow(absn: Abstraction, states: list[AState], bit: int, n: int) -> list[Step] | None:
    """Breadth-first along the abstract states on n CPUs; the canonical path whose last step finds `bit`."""
    srch = Search(config_at(absn.config, n), absn.any_order, absn.model)
    frontier: list[tuple[State, list[Step]]] = [(srch.root(), [])]
    if not _matches(absn, frontier[0][0], states[0]):
        return None
    for i in range(len(states)):
        last = i == len(states) - 1
        nxt: list[tuple[State, list[Step]]] = []
        seen: set[State] = set()
        for cs, steps in frontier:
            ctx = absn.model.context(cs[0])
            cands = srch.moves(cs)
            n_online = len(cands[0][1])
            for move in cands:
                new, kinds, kernel = srch.apply(cs, move, n_online, ctx)
                if not kernel and not absn.any_order:
                    continue
                if last and kinds & bit:
                    return [*steps, (cs, move)]
                if not last and new not in seen and _matches(absn, new, states[i + 1]):
                    seen.add(new)
                    nxt.append((new, [*steps, (cs, move)]))
        frontier = nxt
    return None


def _replay(absn: Abstraction, steps: list[Step], kind: FindingKindName, n: int) -> Witness | None:
    """Run the path on the real engine with real CPU numbers; a Witness only if the last step finds `kind`."""
    config = config_at(absn.config, n)
    srch = Search(config, absn.any_order, absn.model)
    state = MachineState.reset(config.partition_spec, n, config.channel_cpus)
    moves: list[Move] = []
    kernel = True
    message = ""
    for canon, (action, slots) in steps:
        move: Move = (ACTION_ORDER[action], real_cpus(srch, state, canon, slots))
        state, step = step_from(config, state, move)
        moves.append(move)
        kernel = kernel and step.kernel_order
        message = next((f.message for f in filter(explored, step.findings) if f.kind == kind), "")
    if not message:
        return None
    return Witness(n, Counterexample(kind, tuple(moves), kernel, message))
