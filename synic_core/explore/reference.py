"""Exhaustive, bounded search over action orders: which finding kinds can a configuration reach,
and what is the shortest sequence of actions that reaches each one?

Breadth-first, so the first sequence that produces a kind is a shortest one. States are
deduplicated by a canonical key that abstracts page frame numbers (only "none / hypervisor /
live / freed" matters to the engine) and treats CPUs 1..n-1 as interchangeable when their
registers, liveness and VMBus channels agree (CPU 0, x86's boot CPU, never goes offline and is
VMBus's connect CPU, so it is kept apart).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from synic_core.model.actions import ACTIONS, ActionSpec, run_action
from synic_core.model.config import SessionConfig
from synic_core.model.engine import Engine, StepResult
from synic_core.model.findings import KINDS, SEVERITY_RANK, explored
from synic_core.model.registers import PAGE_REGISTERS, STATE_INDEX, registers_in_bank
from synic_core.model.state import MachineState
from synic_core.model.vocabulary import ActionName, ExploreChoice, FindingKindName
from synic_core.versions.registry import embedding

Move = tuple[ActionName, tuple[int, ...]]
Frontier = list[tuple[MachineState, tuple[Move, ...], bool]]  # state, the path to it, all kernel orders?
EXPLORE_GROUPS: tuple[ExploreChoice, ...] = ("together", "reboot", "each")
"""The order the explorer tries moves in: module actions on every online CPU, the reboot, then per-CPU moves."""
EXPLORED: tuple[ActionSpec, ...] = tuple(
    sorted((a for a in ACTIONS.values() if a.explore is not None), key=lambda a: EXPLORE_GROUPS.index(a.explore or "each"))
)
"""The actions the explorer may choose, in the order it tries them (the table's order within a group)."""
ACTION_ORDER = tuple(a.name for a in EXPLORED)
MODULE_ACTIONS = tuple(a.name for a in EXPLORED if a.explore == "together")


@dataclass(frozen=True, slots=True)
class Counterexample:
    kind: FindingKindName
    steps: tuple[Move, ...]
    kernel_order: bool  # False: some step is an order the kernel cannot produce (--any-order)
    message: str  # the first finding of this kind, as an example

    def scenario(self, config: SessionConfig) -> dict[str, Any]:
        return {
            "name": f"{config.partition}-{config.mshv}-{self.kind}",
            "title": f"shortest way to {self.kind} ({len(self.steps)} steps, found by synic explore)",
            "description": self.message,
            "partition": config.partition,
            "cpus": config.cpus,
            **embedding(config.version),  # a patch file's version travels with the counterexample
            "hypervisor": config.hypervisor,
            "channel_cpus": list(config.channel_cpus),  # the moves depend on where the channels are
            "steps": [{"action": a, "cpus": list(c)} for a, c in self.steps],
        }


@dataclass(slots=True)
class ExploreResult:
    config: SessionConfig
    depth: int | None  # None: no bound, search to the fixpoint
    any_order: bool
    states: int = 1
    transitions: int = 0
    levels: list[int] = field(default_factory=list)  # new states found at each depth
    found: dict[str, Counterexample] = field(default_factory=dict)
    complete: bool = True  # False when interrupted (Ctrl-C) before the depth bound
    fixpoint: bool = False  # a level found no new state: every sequence of any length was explored
    stopped: str | None = None  # why the search ended early: "interrupted", "stopped", "memory limit", ...
    elapsed: float = 0.0  # seconds
    peak_mb: float = 0.0  # peak resident memory of the process when the search ended

    @property
    def diameter(self) -> int:
        """Levels expanded until the fixpoint (the last one found no new state); the longest shortest sequence is one less."""
        return len(self.levels)

    def ordered(self) -> list[Counterexample]:
        return sorted(self.found.values(), key=lambda c: (-SEVERITY_RANK[KINDS[c.kind].severity], c.kind))


# -- the moves worth trying from a state ------------------------------------------------------
def candidate_moves(state: MachineState, any_order: bool, symmetry: bool = True) -> list[Move]:
    """The moves of every action the explorer may choose, in `EXPLORED` order (see `ActionSpec.explore`).

    With symmetry, a per-CPU action is tried on CPU 0 and on one CPU of each group of
    interchangeable CPUs. With any_order, module actions are also tried on single CPUs.
    """
    online = state.online_cpus()
    offline = [i for i, c in enumerate(state.cpus) if not c.online]
    reps_on = representatives(state, online) if symmetry else online
    reps_off = representatives(state, offline) if symmetry else offline
    moves: list[Move] = [(a, tuple(online)) for a in MODULE_ACTIONS]
    if any_order and len(online) > 1:
        moves += [(a, (c,)) for a in MODULE_ACTIONS for c in reps_on]
    for spec in EXPLORED:
        if spec.explore == "reboot":
            moves.append((spec.name, (online[0],)))
        elif spec.explore == "each":
            reps = reps_off if spec.target == "offline" else reps_on
            moves += [(spec.name, (c,)) for c in reps if c or not spec.explore_skips_cpu0]
    return moves


def representatives(state: MachineState, cpus: list[int]) -> list[int]:
    seen: set[Hashable] = set()
    out = []
    for cpu in cpus:
        sig = ("cpu0",) if cpu == 0 else cpu_signature(state, cpu)
        if sig not in seen:
            seen.add(sig)
            out.append(cpu)
    return out


# -- canonical state key ----------------------------------------------------------------------
def frame_token(state: MachineState, cpu: int, bank: str, register: str, frame: int) -> Hashable:
    if frame == 0:
        return 0
    page = state.pages.get(frame)
    if page is None:
        return "?"
    mine = state.vmbus_pages.get((cpu, bank, register)) == frame
    return (page.owner, page.freed, mine)


def cpu_signature(state: MachineState, cpu: int) -> Hashable:
    c = state.cpus[cpu]
    regs: list[Hashable] = []
    for bank in state.banks:
        row = state.regs[bank][cpu]
        for name in registers_in_bank(bank):
            value = row[STATE_INDEX[name]]
            if name in PAGE_REGISTERS:
                regs.append((value & 0xFFF, frame_token(state, cpu, bank, name, value >> 12)))
            else:
                regs.append(value)
        regs.append(state.scontrol_dropped[bank][cpu])
    pages = tuple(sorted((b, r) for (k, b, r) in state.vmbus_pages if k == cpu))
    missing = tuple(sorted((comp, b, r) for (k, comp, b, r) in state.missing if k == cpu))
    channels = (c.channels, c.channels_home) if cpu else ()  # CPU 0's change nothing: x86 never offlines it
    return (c.online, c.vmbus, c.mshv, tuple(regs), pages, missing, channels)


def state_key(state: MachineState, symmetry: bool = True) -> Hashable:
    d = state.drivers
    drivers = (d.vmbus_loaded, d.vmbus_connected, d.mshv_loaded, d.mshv_notifier, tuple(d.cpuhp_order), d.kdump)
    sigs = [cpu_signature(state, cpu) for cpu in range(state.ncpus)]
    rest = tuple(sorted(sigs[1:], key=repr)) if symmetry else tuple(sigs[1:])
    return (drivers, sigs[0], rest)


# -- the search -------------------------------------------------------------------------------
def step_from(config: SessionConfig, state: MachineState, move: Move) -> tuple[MachineState, StepResult]:
    action, cpus = move
    new = state.copy()
    step = StepResult(index=0, action=action, cpus=list(cpus))
    run_action(Engine(config, new, step), action, list(cpus))
    return new, step


def explore(
    config: SessionConfig,
    depth: int,
    *,
    any_order: bool = False,
    dedup: bool = True,
    symmetry: bool = True,
    progress: Callable[[int, int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ExploreResult:
    """Breadth-first search to `depth` actions. Ctrl-C (or `stop()` turning true) returns what was found so far."""
    result = ExploreResult(config, depth, any_order)
    root = MachineState.reset(config.partition_spec, config.cpus, config.channel_cpus)
    seen = {state_key(root, symmetry)}
    frontier: Frontier = [(root, (), True)]
    try:
        for level in range(depth):
            frontier = _expand(config, frontier, seen, result, any_order, dedup, symmetry, stop)
            result.levels.append(len(frontier))
            if progress:
                progress(level + 1, result.states, result.transitions)
            if not frontier:
                result.fixpoint = True
                break
    except (KeyboardInterrupt, Stopped):
        result.complete = False
        result.stopped = "interrupted"
    return result


class Stopped(Exception):
    """The caller asked the search to stop (the dashboard closed the explorer)."""


def _expand(
    config: SessionConfig,
    frontier: Frontier,
    seen: set[Hashable],
    result: ExploreResult,
    any_order: bool,
    dedup: bool,
    symmetry: bool,
    stop: Callable[[], bool] | None,
) -> Frontier:
    nxt: Frontier = []
    for state, path, kernel in frontier:
        if stop is not None and stop():
            raise Stopped
        for move in candidate_moves(state, any_order, symmetry):
            new, step = step_from(config, state, move)
            if not any_order and not step.kernel_order:
                continue
            result.transitions += 1
            steps, ok = (*path, move), kernel and step.kernel_order
            for f in filter(explored, step.findings):
                if f.kind not in result.found:
                    result.found[f.kind] = Counterexample(f.kind, steps, ok, f.message)
            if dedup:
                key = state_key(new, symmetry)
                if key in seen:
                    continue
                seen.add(key)
            result.states += 1
            nxt.append((new, steps, ok))
    return nxt


def verdict(result: ExploreResult, kind: str = "hypervisor_fault") -> str:
    """One phrase on `kind` for this result, with its proof status: what the dashboard shows per configuration."""
    n = result.config.cpus
    cpus = f"{n} CPU" + "s" * (n != 1)
    what = kind.replace("hypervisor_", "").replace("_", " ")
    if kind in result.found:
        steps = len(result.found[kind].steps)
        how = f"proved shortest: fixpoint at depth {result.diameter}" if result.fixpoint else "shortest"
        return f"{what} in {steps} step{'s' * (steps != 1)} ({how})"
    if result.fixpoint:
        return f"proved: no {what} for any sequence on {cpus}"
    if result.stopped:
        return f"no proof: stopped at depth {len(result.levels)}; no {what} found so far"
    return f"no {what} within {result.depth} steps on {cpus} (bounded: not a proof)"


def settings_dict(cfg: SessionConfig, cpus: int | str, channel_cpus: tuple[int, ...] | None = None) -> dict[str, Any]:
    """The `settings` of an explorer's JSON: what was searched (`cpus` is "all" for every CPU count; `channel_cpus`
    as the user gave them, when the search numbered them otherwise)."""
    return {
        "partition": cfg.partition,
        "mshv": cfg.mshv,
        "hypervisor": cfg.hypervisor,
        "cpus": cpus,
        "channel_cpus": list(cfg.channel_cpus if channel_cpus is None else channel_cpus),
    }


def explore_to_dict(result: ExploreResult) -> dict[str, Any]:
    return {
        "settings": settings_dict(result.config, result.config.cpus),
        "depth": result.depth,
        "any_order": result.any_order,
        "complete": result.complete,
        "states": result.states,
        "transitions": result.transitions,
        "levels": result.levels,
        "fixpoint": result.fixpoint,
        "diameter": result.diameter if result.fixpoint else None,
        "stopped": result.stopped,
        "seconds": round(result.elapsed, 3),
        "peak_mb": round(result.peak_mb, 1),
        "unreachable": [k for k in KINDS if k not in result.found] if result.fixpoint else None,
        "counterexamples": {
            c.kind: {
                "severity": KINDS[c.kind].severity,
                "length": len(c.steps),
                "kernel_order": c.kernel_order,
                "example": c.message,
                "scenario": c.scenario(result.config),
            }
            for c in result.ordered()
        },
    }
