"""Conditions as the set of partition situations in which they hold.

A condition in the C source (`!vmbus_active`, `hv_root_partition()`) becomes the set of *worlds*
in which it is true: a world is one partition type the driver runs on, with VMBus present or not.
Two conditions mean the same to the model exactly when their sets are equal, so a derived guard is
matched to the patch-file vocabulary by comparing sets, never by spelling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from synic_core.model.partitions import PARTITIONS
from synic_core.model.sequences import PARTITION_CONDITIONS
from synic_core.model.version import MANAGES_SHARED
from synic_core.model.vocabulary import Component, ManagesSharedRule


@dataclass(frozen=True, slots=True)
class World:
    partition: str
    vmbus_exists: bool

    def atom(self, name: str) -> bool:
        p = PARTITIONS[self.partition]
        values = {
            "hv_root": p.hv_root,
            "nested": self.partition == "nested_root",
            "l1vh": self.partition == "l1vh",
            "parent": p.parent,
            "vmbus_exists": self.vmbus_exists,
            "true": True,
            "false": False,
        }
        return values[name]


def worlds(component: Component) -> tuple[World, ...]:
    """MSHV runs on parent partitions with VMBus loaded or not; VMBus runs where the partition has it."""
    if component == "vmbus":
        return tuple(World(p.name, True) for p in PARTITIONS.values() if p.vmbus_runs)
    return tuple(World(p.name, vmbus) for p in PARTITIONS.values() if p.parent for vmbus in (False, True) if vmbus <= p.vmbus_runs)


Truth = frozenset[int]
"""The indices of the worlds in which a condition holds."""


@dataclass(frozen=True, slots=True)
class Unknown:
    """A condition the idioms table cannot read: an error only if it guards a SynIC write."""

    text: str
    line: int
    file: str


Cond = Truth | Unknown


def atom(ws: tuple[World, ...], name: str) -> Truth:
    return frozenset(i for i, w in enumerate(ws) if w.atom(name))


def everywhere(ws: tuple[World, ...]) -> Truth:
    return frozenset(range(len(ws)))


def negate(ws: tuple[World, ...], c: Cond) -> Cond:
    return c if isinstance(c, Unknown) else everywhere(ws) - c


def both(a: Cond, b: Cond) -> Cond:
    """a && b; false && anything is false, so code under a branch that never runs needs no idiom."""
    if not isinstance(a, Unknown) and not a:
        return a
    if not isinstance(b, Unknown) and not b:
        return b
    if isinstance(a, Unknown):
        return a
    return b if isinstance(b, Unknown) else a & b


def either(a: Cond, b: Cond) -> Cond:
    if isinstance(a, Unknown):
        return a
    return b if isinstance(b, Unknown) else a | b


def manages_shared_truth(ws: tuple[World, ...]) -> dict[ManagesSharedRule, Truth]:
    """Where each `manages_shared` rule lets MSHV program SIMP/SIEFP/SCONTROL (as MshvVersion.manages_shared_regs)."""
    holds: dict[ManagesSharedRule, Callable[[World], bool]] = {
        "always": lambda w: True,
        "hv_root": lambda w: w.atom("hv_root"),
        "bare_metal_root": lambda w: w.atom("hv_root") and not w.atom("nested"),
        "no_vmbus": lambda w: not w.vmbus_exists,
    }
    rules = {rule: frozenset(i for i, w in enumerate(ws) if holds[rule](w)) for rule in MANAGES_SHARED}
    return rules


def partition_truth(ws: tuple[World, ...]) -> dict[str, Truth]:
    """Where each per-operation partition condition lets an op run."""
    return {name: frozenset(i for i, w in enumerate(ws) if w.atom(prop) == wanted) for name, (prop, wanted) in PARTITION_CONDITIONS.items()}


def describe(ws: tuple[World, ...], t: Truth) -> str:
    """A truth set in words, for a message: the worlds in which it holds."""
    if not t:
        return "never"
    return ", ".join(f"{w.partition}{'' if w.vmbus_exists else ' without VMBus'}" for i, w in enumerate(ws) if i in t)
