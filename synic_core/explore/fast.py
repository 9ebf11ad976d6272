"""The fast explorer: the same breadth-first search as `explore.explore`, to the fixpoint if asked,
with compact states and memoised per-CPU transitions.

How it stays faithful to the engine: it never re-implements a driver sequence or a finding rule.
Every action decomposes into per-CPU work that depends only on the driver state and on that
CPU's own signature (the same abstraction `explore.state_key` uses): module actions and kexec
run the same code on each CPU, hotplug and crashes touch one CPU. So the search runs the real
`run_action` on a two-CPU *mini machine* (the CPU in its slot: 0 for the VMBus connect CPU, 1 for
any other; a filler CPU at reset in the other slot), once per (action, driver state, signature,
filler), and memoises what comes out: the new signature, the finding kinds, the new driver state
and whether the kernel produces that order. A machine state is then a tuple of small ints
(driver-state id, CPU 0's signature id, the other CPUs' signature ids sorted: CPUs 1..n-1 are
interchangeable), packed into one int for the seen-set. Paths are kept as parent indices per
level; a counterexample is replayed on the real engine at the end, which also checks it.

`tests/core/test_explore_fast.py` compares this search with the reference (`explore.explore`)
on every partition x version x profile at small bounds: same states, transitions, levels,
reachable kinds and shortest lengths.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import time
from array import array
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields
from typing import Any

from synic_core.explore.reference import (
    ACTION_ORDER,
    EXPLORED,
    MODULE_ACTIONS,
    Counterexample,
    ExploreResult,
    Move,
    Stopped,
    cpu_signature,
    step_from,
)
from synic_core.model.actions import run_action
from synic_core.model.config import SessionConfig
from synic_core.model.engine import Engine, StepResult
from synic_core.model.findings import KIND_NAMES, explored
from synic_core.model.state import CpuState, DriverState, MachineState
from synic_core.model.vocabulary import FindingKindName
from synic_core.system.process import available_mb, die_with_parent, peak_rss_mb, rss_mb

KIND_BIT: dict[str, int] = {k: 1 << i for i, k in enumerate(KIND_NAMES)}
DriverKey = tuple[Hashable, ...]  # the driver state's fields, in order
DRIVER_FIELDS = fields(DriverState)
Filler = tuple[bool, bool, bool]  # the filler CPU's (online, vmbus live, mshv live)
FILLER_ONLINE, FILLER_VMBUS, FILLER_MSHV = 4, 2, 1  # the same as a 3-bit code
FILLERS: tuple[Filler, ...] = tuple((bool(c & FILLER_ONLINE), bool(c & FILLER_VMBUS), bool(c & FILLER_MSHV)) for c in range(8))
FIELD_BITS = 24  # bits per packed field: up to 16M distinct signatures per role
FIELD_MASK = (1 << FIELD_BITS) - 1
ALL_ONLINE = 0xFF
CHECK_EVERY = 2048  # expansions between two looks at stop(), memory and progress
PARALLEL_MIN = 4096  # with jobs > 1, a level at least this big is split with a forked helper


@dataclass(frozen=True, slots=True)
class Status:
    """What the search is doing, for a progress display."""

    depth: int  # the level being expanded (1-based)
    states: int
    transitions: int
    frontier: int  # states of the level being expanded
    expanded: int  # of those, expanded so far
    elapsed: float
    rss_mb: float
    level_done: bool


class MemoryLimit(Exception):
    """The search would need more memory than it may have."""


@dataclass(slots=True)
class CpuResult:
    sig: int
    kinds: int  # findings on this CPU and findings on no CPU
    driver: int
    kernel: bool
    global_kinds: int  # of those, the findings on no CPU (a module's refusal): `every_n` keeps only these of a summarised CPU


def default_memory_limit_mb() -> float:
    """Half of the memory available now: a search that needs more stops cleanly instead of swapping."""
    return max(256.0, available_mb() / 2)


class Model:
    """The memoised per-CPU transitions of one configuration; shared by every state of a search."""

    def __init__(self, config: SessionConfig) -> None:
        self.config = config
        reset = MachineState.reset(config.partition_spec, 2)
        holding = MachineState.reset(config.partition_spec, 2, (1,))  # CPU 1 holds VMBus channels
        self.sig_ids: tuple[dict[Hashable, int], dict[Hashable, int]] = ({}, {})
        self.reps: tuple[list[MachineState], list[MachineState]] = ([], [])
        self.flags: tuple[list[tuple[bool, bool, bool]], list[tuple[bool, bool, bool]]] = ([], [])
        self.driver_ids: dict[DriverKey, int] = {}
        self.drivers: list[DriverKey] = []
        self.contexts: dict[int, list[dict[int, CpuResult]]] = {}  # driver id -> memo tables (see `context`)
        self.empty_driver = self.driver_id(DriverState())
        self.reset_sigs = (self.intern(0, reset), self.intern(1, reset))
        self.reset_holding = self.intern(1, holding)  # a CPU of the session's channel_cpus, at reset

    # -- interning ------------------------------------------------------------------------------
    def driver_id(self, d: DriverState) -> int:
        """Every field of the driver state (lists as tuples), so a field added to DriverState is never merged away."""
        key: DriverKey = tuple(tuple(v) if isinstance(v, list) else v for v in (getattr(d, f.name) for f in DRIVER_FIELDS))
        found = self.driver_ids.get(key)
        if found is None:
            found = self.driver_ids[key] = len(self.drivers)
            self.drivers.append(key)
        return found

    def intern(self, role: int, mini: MachineState) -> int:
        """The id of the signature of the CPU in slot `role` of a mini machine (kept as its representative)."""
        sig = cpu_signature(mini, role)
        ids = self.sig_ids[role]
        found = ids.get(sig)
        if found is None:
            found = ids[sig] = len(self.reps[role])
            if found > FIELD_MASK:  # a packed state has FIELD_BITS per signature
                raise MemoryError("explore: more CPU signatures than a packed state can hold")
            self.reps[role].append(mini)
            c = mini.cpus[role]
            self.flags[role].append((c.online, c.vmbus, c.mshv))
        return found

    def lookup(self, role: int, sig: Hashable) -> int | None:
        return self.sig_ids[role].get(sig)

    # -- one action on one CPU ----------------------------------------------------------------
    def context(self, driver: int) -> list[dict[int, CpuResult]]:
        """The memo tables under one driver state: index action * 16 + role * 8 + filler code; signature id -> result."""
        found = self.contexts.get(driver)
        if found is None:
            found = self.contexts[driver] = [{} for _ in range(len(ACTION_ORDER) * 16)]
        return found

    def fill(self, table: dict[int, CpuResult], action: int, role: int, driver: int, filler: int, sig: int) -> CpuResult:
        """Run one action on one CPU for real and remember it in `table`."""
        found = table[sig] = self._run(action, role, driver, sig, FILLERS[filler])
        return found

    def _run(self, action: int, role: int, driver: int, sig: int, filler: Filler) -> CpuResult:
        mini = self.reps[role][sig].copy()
        values = self.drivers[driver]
        state: dict[str, Any] = {f.name: list(v) if isinstance(v, tuple) else v for f, v in zip(DRIVER_FIELDS, values, strict=True)}
        mini.drivers = DriverState(**state)
        mini.cpus[1 - role] = CpuState(*filler)
        name = ACTION_ORDER[action]
        step = StepResult(index=0, action=name, cpus=[role])
        run_action(Engine(self.config, mini, step), name, [role])
        kinds = global_kinds = 0
        for f in filter(explored, step.findings):
            if f.cpu != 1 - role:
                kinds |= KIND_BIT[f.kind]
            if f.cpu is None:
                global_kinds |= KIND_BIT[f.kind]
        return CpuResult(self.intern(role, mini), kinds, self.driver_id(mini.drivers), step.kernel_order, global_kinds)


SCOPES = tuple(a.scope for a in EXPLORED)  # by action index
MODULE = tuple(ACTION_ORDER.index(a) for a in MODULE_ACTIONS)
REBOOT = tuple(i for i, a in enumerate(EXPLORED) if a.explore == "reboot")
EACH = tuple((i, a.target == "offline", a.explore_skips_cpu0) for i, a in enumerate(EXPLORED) if a.explore == "each")
"""Per-CPU moves: (action index, on offline CPUs?, never on CPU 0?)."""
TAKES_OFFLINE = tuple(a.target == "offline" for a in EXPLORED)
State = tuple[int, ...]  # (driver id, CPU 0's signature id, the others' ids sorted)
SlotMove = tuple[int, tuple[int, ...]]  # (action index, slots of the canonical state)


class Search:
    """Breadth-first search over canonical states; `run` goes level by level."""

    def __init__(self, config: SessionConfig, any_order: bool = False, model: Model | None = None) -> None:
        self.config = config
        self.n = config.cpus
        self.any_order = any_order
        self.model = model or Model(config)

    def root(self) -> State:
        m = self.model
        channels = self.config.channel_cpus
        rest = sorted(m.reset_holding if cpu in channels else m.reset_sigs[1] for cpu in range(1, self.n))
        return (m.empty_driver, m.reset_sigs[0], *rest)

    def pack(self, s: State) -> int:
        key = 0
        for v in s:
            key = (key << FIELD_BITS) | v
        return key

    def unpack(self, key: int) -> State:
        out = [0] * (self.n + 1)
        for i in range(self.n, -1, -1):
            out[i] = key & FIELD_MASK
            key >>= FIELD_BITS
        return tuple(out)

    def decode(self, packed: int, code: int) -> tuple[State, SlotMove]:
        """The state and the move an encoded move starts from it."""
        s = self.unpack(packed)
        action, slot = code >> 8, code & 0xFF
        if slot == ALL_ONLINE:
            flags = self.model.flags
            return s, (action, tuple(i for i in range(self.n) if flags[0 if i == 0 else 1][s[i + 1]][0]))
        return s, (action, (slot,))

    # -- moves ----------------------------------------------------------------------------------
    def moves(self, s: State) -> list[SlotMove]:
        """The reference's candidate moves (explore.candidate_moves, with symmetry), on slots."""
        flags = self.model.flags
        online: list[int] = []
        reps_on: list[int] = []
        reps_off: list[int] = []
        prev = -1
        for i in range(self.n):
            sid = s[i + 1]
            on = flags[0 if i == 0 else 1][sid][0]
            if on:
                online.append(i)
            if i == 0 or sid != prev:
                (reps_on if on else reps_off).append(i)
            if i:
                prev = sid
        all_on = tuple(online)
        out: list[SlotMove] = [(a, all_on) for a in MODULE]
        if self.any_order and len(online) > 1:
            out += [(a, (c,)) for a in MODULE for c in reps_on]
        out += [(a, (online[0],)) for a in REBOOT]
        for a, offline, skips_cpu0 in EACH:
            out += [(a, (c,)) for c in (reps_off if offline else reps_on) if c or not skips_cpu0]
        return out

    def apply(self, s: State, move: SlotMove, n_online: int, ctx: list[dict[int, CpuResult]]) -> tuple[State, int, bool]:
        """The canonical successor, the finding kinds of the step (bit mask), and whether the kernel produces it.

        `ctx` is `model.context(s[0])`: the memo tables of every action under this state's driver state.
        """
        m = self.model
        fill = m.fill
        action, slots = move
        d = s[0]
        sigs = list(s[1:])
        kinds = 0
        kernel = True
        base = action * 16
        scope = SCOPES[action]
        if scope == "machine":
            t0, t1 = ctx[base], ctx[base + 8]
            for i in range(self.n):
                tab = t1 if i else t0
                r = tab.get(sigs[i]) or fill(tab, action, 1 if i else 0, d, 0, sigs[i])
                sigs[i] = r.sig
                kinds |= r.kinds
            driver = r.driver
        elif scope == "crash":  # the target crashes; every other CPU boots the kdump kernel with no driver state
            t = slots[0]
            others = m.context(m.empty_driver)
            for i in range(self.n):
                tab = (ctx if i == t else others)[base + (8 if i else 0)]
                r = tab.get(sigs[i]) or fill(tab, action, 1 if i else 0, d if i == t else m.empty_driver, 0, sigs[i])
                sigs[i] = r.sig
                kinds |= r.kinds
                kernel = kernel and r.kernel
                if i == t:
                    driver = r.driver
        elif scope == "cpu":  # on online CPUs, the filler is online when another CPU is
            t = slots[0]
            fc = FILLER_ONLINE if not TAKES_OFFLINE[action] and n_online > 1 else 0
            tab = ctx[base + (8 if t else 0) + fc]
            r = tab.get(sigs[t]) or fill(tab, action, 1 if t else 0, d, fc, sigs[t])
            sigs[t], kinds, kernel, driver = r.sig, r.kinds, r.kernel, r.driver
        else:  # a module action on some CPUs: each CPU alone, then the module's state with the others as witness
            old = sigs[:]
            t0, t1 = ctx[base], ctx[base + 8]
            for i in slots:
                tab = t1 if i else t0
                r = tab.get(old[i]) or fill(tab, action, 1 if i else 0, d, 0, old[i])
                sigs[i] = r.sig
                kinds |= r.kinds
                kernel = kernel and r.kernel
            kernel = kernel and len(slots) == n_online
            first = slots[0]
            flags = m.flags
            fc = 0
            for j in range(self.n):
                if j != first:
                    _on, v, ms = flags[1 if j else 0][sigs[j]]
                    fc |= (FILLER_VMBUS if v else 0) | (FILLER_MSHV if ms else 0)
            tab = ctx[base + (8 if first else 0) + fc]
            driver = (tab.get(old[first]) or fill(tab, action, 1 if first else 0, d, fc, old[first])).driver
        rest = sigs[1:]
        rest.sort()
        return (driver, sigs[0], *rest), kinds, kernel


class _Miss(Exception):
    """A forked helper met a transition the memo does not know yet: the parent expands that state."""


def _no_fill(*args: object) -> CpuResult:
    raise _Miss


@dataclass(slots=True)
class _Acc:
    """What the search has found so far, shared by every part of a level."""

    first: dict[int, tuple[int, int, int]]  # kind bit -> (level, parent index, encoded move)
    seen_kinds: int = 0  # the kinds in `first`, as a bit mask
    transitions: int = 0


@dataclass(slots=True)
class _Part:
    """New states of one level (or of the part a helper process expanded)."""

    nxt: list[int]
    par: array[int]
    mv: array[int]
    deferred: list[int]


def _expand(
    srch: Search,
    frontier: list[int],
    indices: range | list[int],
    seen: set[int],
    level: int,
    acc: _Acc,
    part: _Part,
    tick: Callable[[int], None] | None,
) -> None:
    """Expand frontier[i] for i in `indices` into `part`; a state whose expansion meets `_Miss` is rolled back and deferred."""
    model = srch.model
    contexts = model.contexts
    any_order = srch.any_order
    first = acc.first
    nxt, par, mv = part.nxt, part.par, part.mv
    for count, idx in enumerate(indices):
        if tick is not None and count % CHECK_EVERY == 0 and count:
            tick(count)
        s = srch.unpack(frontier[idx])
        mark, before, first_before = len(nxt), acc.transitions, acc.seen_kinds
        try:
            ctx = contexts.get(s[0]) or model.context(s[0])
            cands = srch.moves(s)
            n_online = len(cands[0][1])
            for move in cands:
                new, kinds, kernel = srch.apply(s, move, n_online, ctx)
                if not kernel and not any_order:
                    continue
                acc.transitions += 1
                if kinds & ~acc.seen_kinds:
                    for bit in KIND_BIT.values():
                        if kinds & bit and bit not in first:
                            first[bit] = (level, idx, encode(move, n_online))
                            acc.seen_kinds |= bit
                key = srch.pack(new)
                if key in seen:
                    continue
                seen.add(key)
                nxt.append(key)
                par.append(idx)
                mv.append(encode(move, n_online))
        except _Miss:
            for key in nxt[mark:]:
                seen.discard(key)
            del nxt[mark:], par[mark:], mv[mark:]
            acc.transitions = before
            for bit in [b for b, (lv, i, _c) in first.items() if lv == level and i == idx]:
                del first[bit]
            acc.seen_kinds = first_before
            part.deferred.append(idx)


def _fork_helper(srch: Search, frontier: list[int], indices: range, seen: set[int], level: int, acc: _Acc) -> tuple[int, int] | None:
    """Expand `indices` in a forked copy of this process (memo read-only); (pid, read end of its pipe), or None."""
    try:
        r, w = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid:
        os.close(w)
        return pid, r
    code = 1
    try:  # the helper: never returns into the caller's code
        os.close(r)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        die_with_parent()
        srch.model.fill = _no_fill  # type: ignore[method-assign, assignment]
        mine = _Acc(dict(acc.first), acc.seen_kinds, 0)
        part = _Part([], array("I"), array("H"), [])
        _expand(srch, frontier, indices, seen, level, mine, part, None)
        with os.fdopen(w, "wb") as out:
            pickle.dump((part.nxt, part.par, part.mv, part.deferred, mine.transitions, mine.first), out, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)


def _reap(pid: int, kill: bool) -> bool:
    """Wait for a helper (killing it first if asked); True when it exited cleanly."""
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    try:
        _pid, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return False
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def search(
    config: SessionConfig,
    depth: int | None = None,
    *,
    any_order: bool = False,
    progress: Callable[[Status], None] | None = None,
    stop: Callable[[], bool] | None = None,
    memory_limit_mb: float | None = None,
    model: Model | None = None,
    jobs: int = 1,
) -> ExploreResult:
    """Breadth-first search to `depth` actions, or to the fixpoint when `depth` is None.

    Ctrl-C (KeyboardInterrupt), `stop()` turning true or the memory limit end the search early:
    the result then says so (`complete` False, `stopped` the reason) and holds what was found.
    With `jobs` 2, a large level is split with a forked helper process (only from a process with
    no other threads that matter: the command line, not the dashboard).
    """
    started = time.perf_counter()
    srch = Search(config, any_order, model)
    result = ExploreResult(config, depth, any_order)
    root_key = srch.pack(srch.root())
    seen: set[int] = {root_key}
    levels: list[list[int]] = [[root_key]]  # packed states per level (the same int objects as in `seen`)
    parents: list[array[int]] = [array("I")]  # per level: index of each state's parent in the level before
    moves_at: list[array[int]] = [array("H")]  # per level: the move that first reached each state, encoded
    acc = _Acc({})
    level = 0
    try:
        while depth is None or level < depth:
            frontier = levels[level]

            def tick(done: int, frontier: list[int] = frontier, level: int = level) -> None:
                check_stop_and_memory(stop, memory_limit_mb)
                if progress:
                    progress(_status(level, len(seen), acc.transitions, frontier, done, started, False))

            part = _Part([], array("I"), array("H"), [])
            helper = None
            if jobs > 1 and len(frontier) >= PARALLEL_MIN and hasattr(os, "fork"):
                half = len(frontier) // 2
                helper = _fork_helper(srch, frontier, range(half, len(frontier)), seen, level, acc)
            if helper is None:
                _expand(srch, frontier, range(len(frontier)), seen, level, acc, part, tick)
            else:
                _expand_with_helper(srch, frontier, half, helper, seen, level, acc, part, tick)
            result.states = len(seen)
            result.transitions = acc.transitions
            result.levels.append(len(part.nxt))
            level += 1
            if progress:
                progress(_status(level - 1, result.states, acc.transitions, frontier, len(frontier), started, True))
            if not part.nxt:
                result.fixpoint = True
                break
            levels.append(part.nxt)
            parents.append(part.par)
            moves_at.append(part.mv)
            check_stop_and_memory(stop, memory_limit_mb)
    except KeyboardInterrupt:
        result.complete, result.stopped = False, "interrupted"
    except Stopped:
        result.complete, result.stopped = False, "stopped"
    except MemoryLimit:
        result.complete, result.stopped = False, "memory limit"
    except MemoryError:
        result.complete, result.stopped = False, "out of memory"
    result.states = len(seen)
    result.transitions = acc.transitions
    if result.stopped is None and not result.fixpoint and depth is not None:
        result.complete = True
    paths = {
        bit: [*_slot_path(srch, levels, parents, moves_at, lv, idx), srch.decode(levels[lv][idx], code)]
        for bit, (lv, idx, code) in acc.first.items()
    }
    seen.clear()  # free the big structures before the replay
    levels.clear()
    result.found = _counterexamples(srch, paths)
    result.elapsed = time.perf_counter() - started
    result.peak_mb = peak_rss_mb()
    return result


def _expand_with_helper(
    srch: Search,
    frontier: list[int],
    half: int,
    helper: tuple[int, int],
    seen: set[int],
    level: int,
    acc: _Acc,
    part: _Part,
    tick: Callable[[int], None],
) -> None:
    """This process expands the first half while the helper does the second; then merge, then what the helper deferred."""
    pid, fd = helper
    done = False
    try:
        _expand(srch, frontier, range(half), seen, level, acc, part, tick)
        with os.fdopen(fd, "rb") as src:
            data = src.read()
        fd = -1
        done = _reap(pid, kill=False)
    finally:
        if fd >= 0:
            os.close(fd)
        if not done:
            _reap(pid, kill=True)
    if not done or not data:  # the helper failed: do its half here
        _expand(srch, frontier, range(half, len(frontier)), seen, level, acc, part, tick)
        return
    nxt, par, mv, deferred, transitions, first = pickle.loads(data)
    acc.transitions += transitions
    for bit, where in first.items():
        if bit not in acc.first:
            acc.first[bit] = where
            acc.seen_kinds |= bit
    for key, p, m in zip(nxt, par, mv, strict=True):
        if key not in seen:
            seen.add(key)
            part.nxt.append(key)
            part.par.append(p)
            part.mv.append(m)
    if deferred:
        _expand(srch, frontier, deferred, seen, level, acc, part, tick)


def check_stop_and_memory(stop: Callable[[], bool] | None, memory_limit_mb: float | None) -> None:
    """Stopped when `stop()` says so, MemoryLimit above the limit."""
    if stop is not None and stop():
        raise Stopped
    if memory_limit_mb is not None and rss_mb() > memory_limit_mb:
        raise MemoryLimit


def _status(level: int, states: int, transitions: int, frontier: list[int], idx: int, started: float, done: bool) -> Status:
    return Status(level + 1, states, transitions, len(frontier), idx, time.perf_counter() - started, rss_mb(), done)


def encode(move: SlotMove, n_online: int) -> int:
    """A move as a 16-bit code: action and slot; slot 255 = every online CPU (module actions in kernel order)."""
    action, slots = move
    if action in MODULE and len(slots) == n_online:
        return action << 8 | ALL_ONLINE
    return action << 8 | slots[0]


def _slot_path(
    srch: Search, levels: list[list[int]], parents: list[array[int]], moves_at: list[array[int]], level: int, idx: int
) -> list[tuple[State, SlotMove]]:
    """The moves from the root to state `idx` of `level`, each with the canonical state it starts from."""
    out: list[tuple[State, SlotMove]] = []
    while level > 0:
        parent = parents[level][idx]
        out.append(srch.decode(levels[level - 1][parent], moves_at[level][idx]))
        idx, level = parent, level - 1
    out.reverse()
    return out


def _counterexamples(srch: Search, paths: dict[int, list[tuple[State, SlotMove]]]) -> dict[str, Counterexample]:
    """Replay each shortest path on the real engine: real CPU numbers, the first finding's message."""
    found: dict[str, Counterexample] = {}
    for kind in KIND_NAMES:
        path = paths.get(KIND_BIT[kind])
        if path is None:
            continue
        state = MachineState.reset(srch.config.partition_spec, srch.n, srch.config.channel_cpus)
        steps: list[Move] = []
        kernel = True
        message = ""
        for canon, (action, slots) in path:
            move: Move = (ACTION_ORDER[action], real_cpus(srch, state, canon, slots))
            state, step = step_from(srch.config, state, move)
            steps.append(move)
            kernel = kernel and step.kernel_order
            message = next((f.message for f in filter(explored, step.findings) if f.kind == kind), "")
        if not message:
            raise AssertionError(f"explore_fast: the replayed path to {kind} does not produce it: {steps}")
        found[kind] = Counterexample(_kind(kind), tuple(steps), kernel, message)
    return found


def _kind(name: str) -> FindingKindName:
    assert name in KIND_BIT
    return name  # type: ignore[return-value]


def real_cpus(srch: Search, state: MachineState, canon: State, slots: tuple[int, ...]) -> tuple[int, ...]:
    """Map slots of the canonical state to CPUs of the concrete one (equal signatures are interchangeable)."""
    free: dict[int, list[int]] = {}
    for cpu in range(1, srch.n):
        sid = srch.model.lookup(1, cpu_signature(state, cpu))
        if sid is None:
            raise AssertionError(f"explore_fast: CPU {cpu} has a signature the search never saw")
        free.setdefault(sid, []).append(cpu)
    out: list[int] = []
    for slot in slots:
        out.append(0 if slot == 0 else free[canon[slot + 1]].pop())
    return tuple(sorted(out))
