"""What one CPU can see of another, and the check that the model keeps to it.

The every-CPU-count proof (`every_n`) keeps CPU 0 and one other CPU exactly and remembers of every
other CPU only what `observable` returns: its *class*. That is sound only if nothing else of a CPU
crosses to another: the guards ("another CPU is online", "any CPU still live"), the broadcasts
(module load and unload, kexec) and the crash path must read other CPUs through their class alone,
and CPU 0 must be the only special CPU. `check_locality` tests exactly that on real machines: the
result of every action for CPU 0, for a tracked CPU and for the classes of the rest must be the same
in the full machine and in the *small machine* the abstraction keeps (CPU 0, the tracked CPU, and one
CPU per class, with a second one of the acted-on CPU's class when it has company). A difference names
the dependency, and `synic explore --cpus all` refuses rather than prove something false.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, fields

from synic_core.explore.reference import Move, candidate_moves, cpu_signature, step_from
from synic_core.model.actions import BOOT_CPU
from synic_core.model.config import SessionConfig
from synic_core.model.engine import StepResult
from synic_core.model.state import CpuState, DriverState, MachineState

Observable = tuple[bool, ...]
"""A CPU's class: the values of `OBSERVED`, in order."""

OBSERVED: tuple[str, ...] = tuple(f.name for f in fields(CpuState))
"""What other CPUs (and the module-wide code) read of a CPU: every per-CPU fact of `CpuState`, and
nothing of its registers, pages or missing-enable memory. A fact added to `CpuState` joins the class."""

SPECIAL_CPUS = (BOOT_CPU,)
"""CPUs the model treats by number (x86's boot CPU 0: never offline, VMBus's connect CPU): kept exactly, never summarised."""


CHANNEL_PLACEMENTS: tuple[tuple[int, ...], ...] = ((0,), (0, 1))
"""Where the locality check's walks bind VMBus channels at reset: CPU 0 only (the default), and CPU 1 too."""


class LocalityError(Exception):
    """The model lets a CPU depend on another CPU through more than its class: no proof for every N."""


def observable(cpu: CpuState) -> Observable:
    return tuple(bool(getattr(cpu, name)) for name in OBSERVED)


def cpu_of_class(obs: Observable) -> CpuState:
    return CpuState(**dict(zip(OBSERVED, obs, strict=True)))


# -- the small machine --------------------------------------------------------------------------
@dataclass(slots=True)
class Kept:
    """The small machine the abstraction keeps of a full one, and where the full machine's CPUs went."""

    state: MachineState
    slot: dict[int, int]  # full CPU -> small CPU, for CPU 0, the tracked CPU and an acted-on summarised CPU


def small_machine(config: SessionConfig, full: MachineState, tracked: int, target: int | None = None) -> Kept:
    """CPU 0 and `tracked` copied exactly, then one CPU per class of the others (at reset, with the class's
    flags), plus a second CPU of `target`'s class when `target` is summarised and not alone in it."""
    rest = [k for k in range(full.ncpus) if k not in (*SPECIAL_CPUS, tracked)]
    classes = sorted({observable(full.cpus[k]) for k in rest})
    extra = target in rest and sum(observable(full.cpus[k]) == observable(full.cpus[target]) for k in rest) > 1
    n = 2 + len(classes) + int(extra) if full.ncpus > 1 else 1
    small = MachineState.reset(config.partition_spec, n)
    small.drivers = DriverState(**{f.name: getattr(full.drivers, f.name) for f in fields(DriverState)})
    small.drivers.cpuhp_order = list(full.drivers.cpuhp_order)
    small.pages.update(full.copy().pages)
    small.next_frame, small.boot = full.next_frame, full.boot
    slot = {0: 0} if full.ncpus == 1 else {0: 0, tracked: 1}
    for src, dst in slot.items():
        _copy_cpu(full, src, small, dst)
    for i, obs in enumerate(classes):
        small.cpus[2 + i] = cpu_of_class(obs)
    if target in rest:
        where = 2 + classes.index(observable(full.cpus[target]))
        if extra:
            small.cpus[n - 1] = cpu_of_class(observable(full.cpus[target]))
        slot[target] = where
    return Kept(small, slot)


def _copy_cpu(src: MachineState, cpu: int, dst: MachineState, to: int) -> None:
    for bank in src.banks:
        dst.regs[bank][to] = src.regs[bank][cpu][:]
        dst.writer[bank][to] = src.writer[bank][cpu][:]
        dst.scontrol_dropped[bank][to] = src.scontrol_dropped[bank][cpu]
    dst.cpus[to] = cpu_of_class(observable(src.cpus[cpu]))
    for (k, bank, reg), frame in src.vmbus_pages.items():
        if k == cpu:
            dst.vmbus_pages[(to, bank, reg)] = frame
    dst.missing |= {(to, comp, bank, reg) for (k, comp, bank, reg) in src.missing if k == cpu}


# -- comparing a step in both machines ----------------------------------------------------------
def _outcome(state: MachineState, step: StepResult, kept: tuple[int, int], rest: list[int]) -> dict[str, Hashable]:
    """What the abstraction keeps of a step's result, by name (the names are the dependency in a message)."""
    cpu0, tracked = kept
    out: dict[str, Hashable] = {f"driver state field {f.name}": _frozen(getattr(state.drivers, f.name)) for f in fields(DriverState)}
    for who, cpu in (("CPU 0", cpu0), ("the tracked CPU", tracked)):
        out[f"{who}'s registers and flags"] = cpu_signature(state, cpu)
        out[f"the finding kinds on {who}"] = frozenset(f.kind for f in step.findings if f.cpu == cpu)
    out["the finding kinds on no CPU"] = frozenset(f.kind for f in step.findings if f.cpu is None)
    out["the classes of the other CPUs"] = frozenset(observable(state.cpus[k]) for k in rest)
    out["whether the kernel produces this order"] = step.kernel_order
    return out


def _frozen(v: Hashable | list[str]) -> Hashable:
    return tuple(v) if isinstance(v, list) else v


def _small_move(kept: Kept, full: MachineState, move: Move) -> Move:
    action, cpus = move
    if len(cpus) == len(full.online_cpus()) and len(cpus) > 1:
        return action, tuple(kept.state.online_cpus())
    return action, tuple(kept.slot[c] for c in cpus)


def difference(config: SessionConfig, full: MachineState, tracked: int, move: Move) -> str | None:
    """None when the small machine gives the full machine's result for this move; else what differs."""
    target = move[1][0] if len(move[1]) == 1 else None
    kept = small_machine(config, full, tracked, target)
    after, step = step_from(config, full, move)
    rest = [k for k in range(full.ncpus) if k not in (0, tracked)]
    want = _outcome(after, step, (0, tracked), rest)
    small_after, small_step = step_from(config, kept.state, _small_move(kept, full, move))
    got = _outcome(small_after, small_step, (0, 1), list(range(2, kept.state.ncpus)))
    for name, value in want.items():
        if got[name] != value:
            return name
    return None


def check_state(config: SessionConfig, state: MachineState, moves: list[Move] | None = None) -> None:
    """Every move from `state` (every order, every CPU), with every CPU but 0 as the tracked one; LocalityError at the first difference."""
    for move in moves if moves is not None else candidate_moves(state, any_order=True, symmetry=False):
        for tracked in range(1, state.ncpus):
            what = difference(config, state, tracked, move)
            if what is not None:
                action, cpus = move
                raise LocalityError(
                    f"explore --cpus all: the model has a cross-CPU dependency the every-CPU-count proof does not cover: "
                    f"{what} after {action} on CPU {','.join(map(str, cpus))} of {state.ncpus} (tracking CPU {tracked}) "
                    f"depends on more than the other CPUs' classes ({', '.join(OBSERVED)}); see docs/explorer.md, 'What would break it'"
                )


def walk(config: SessionConfig, rng: random.Random, ncpus: int, steps: int, channel_cpus: tuple[int, ...] = (0,)) -> Iterator[MachineState]:
    """States along a random sequence of actions (any order) from reset on `ncpus` CPUs, channels bound to `channel_cpus`."""
    state = MachineState.reset(config.partition_spec, ncpus, channel_cpus)
    yield state
    for _ in range(steps):
        state, _step = step_from(config, state, rng.choice(candidate_moves(state, any_order=True, symmetry=False)))
        yield state


def check_locality(config: SessionConfig, seed: int = 0, walks: int = 2, steps: int = 4, ncpus: tuple[int, ...] = (4,)) -> None:
    """The locality the abstraction assumes, on states of a few random walks of this configuration (LocalityError if not);
    every other walk starts with VMBus channels bound to CPU 1 as well as CPU 0."""
    rng = random.Random(seed)
    for n in ncpus:
        for i in range(walks):
            for state in walk(config, rng, n, steps, CHANNEL_PLACEMENTS[i % len(CHANNEL_PLACEMENTS)]):
                check_state(config, state)
