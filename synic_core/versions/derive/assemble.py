"""From the writes found in the source to patch-file ops and rules, by meaning (sets of worlds), never by spelling.

- A write's condition becomes `when = "mshv_manages_shared"` when it guards MSHV's SIMP/SIEFP/SCONTROL
  and equals one of the `manages_shared` rules (that rule is then the version's), or a per-operation
  partition condition (`hv_l1vh_partition`, ...) when it equals one; anything else is refused.
- What happens to a page frame on each partition becomes a frame rule (`vmbus_enable`, ...), and for
  MSHV's SIRBP the version's `sirbp_on_l1vh` rule.
- Two adjacent writes of the same value to the same register on complementary conditions (the two
  branches of an if, as mshv_synic_cpu_exit's SIRBP) are one op whose frame rule says what differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synic_core.model.registers import REGISTERS
from synic_core.model.vocabulary import Component, ManagesSharedRule
from synic_core.versions.derive.extract import Page, RawWrite, Site
from synic_core.versions.derive.worlds import World, describe, everywhere, manages_shared_truth, partition_truth

SHARED = ("SIMP", "SIEFP", "SCONTROL")
"""The registers a version's `manages_shared` rule is about."""


@dataclass(slots=True)
class DerivedOp:
    op: dict[str, Any]
    sites: tuple[Site, ...]
    shared_rules: frozenset[ManagesSharedRule] | None = None  # rules this op's guard equals (MSHV shared registers)


@dataclass(slots=True)
class Evidence:
    """What the ops of one driver say about the version's rules, and the problems found on the way."""

    problems: list[str] = field(default_factory=list)
    sirbp: dict[str, Site] = field(default_factory=dict)  # "map" | "alloc" -> where it was seen


def merge(writes: list[RawWrite]) -> list[tuple[RawWrite, tuple[Site, ...]]]:
    out: list[tuple[RawWrite, tuple[Site, ...]]] = []
    for w in writes:
        if out:
            last, sites = out[-1]
            same = (last.register, last.kind, last.fields) == (w.register, w.kind, w.fields)
            if same and not last.guard & w.guard:
                joined = RawWrite(w.register, w.kind, last.fields, last.pages | w.pages, last.guard | w.guard, last.site)
                out[-1] = (joined, (*sites, w.site))
                continue
        out.append((w, (w.site,)))
    return out


def ordered_fields(register: str, fields: dict[str, int | str], kind: str) -> dict[str, int | str]:
    """The register's bit order (as the built-in tables write them); a zero-built op leaves out the fields it sets to 0."""
    names = [f.name for f in REGISTERS[register].fields]
    return {n: fields[n] for n in names if n in fields and not (kind == "zero" and fields[n] == 0)}


def to_ops(component: Component, worlds: tuple[World, ...], writes: list[RawWrite], ev: Evidence) -> list[DerivedOp]:
    ops = []
    for w, sites in merge(writes):
        op: dict[str, Any] = {"register": w.register, "kind": w.kind, "fields": ordered_fields(w.register, w.fields, w.kind)}
        derived = DerivedOp(op, sites)
        condition(component, worlds, w, derived, ev)
        frame = frame_rule(component, worlds, w, ev)
        if frame:
            op["frame"] = frame
        ops.append(derived)
    return ops


def condition(component: Component, worlds: tuple[World, ...], w: RawWrite, d: DerivedOp, ev: Evidence) -> None:
    if w.guard == everywhere(worlds):
        return
    if component == "mshv" and w.register in SHARED:
        rules = frozenset(r for r, t in manages_shared_truth(worlds).items() if t == w.guard and r != "always")
        if rules:
            d.op["when"] = "mshv_manages_shared"
            d.shared_rules = rules
            return
    for name, t in partition_truth(worlds).items():
        if t == w.guard:
            d.op["when"] = name
            return
    ev.problems.append(
        f"{w.site.where()}: {w.register} is written only on {describe(worlds, w.guard)}: "
        "no patch-file condition says that; write this row by hand"
    )


def frame_rule(component: Component, worlds: tuple[World, ...], w: RawWrite, ev: Evidence) -> str | None:
    pages = w.pages
    roots_keep = all(p == "keep" for i, p in pages.items() if worlds[i].atom("hv_root"))
    others = {p for i, p in pages.items() if not worlds[i].atom("hv_root")}
    if component == "mshv" and w.register == "SIRBP":
        return sirbp_rule(w, roots_keep, others, ev)
    if set(pages.values()) == {"keep"}:
        return None
    if component == "vmbus" and w.register in ("SIMP", "SIEFP") and roots_keep and len(others) == 1:
        return "vmbus_enable" if others == {"alloc"} else "vmbus_disable"
    ev.problems.append(f"{w.site.where()}: what this write does with {w.register}'s page frame has no frame rule; write this row by hand")
    return None


def sirbp_rule(w: RawWrite, roots_keep: bool, others: set[Page], ev: Evidence) -> str | None:
    if roots_keep and others <= {"keep"}:
        ev.sirbp.setdefault("map", w.site)
        enable = w.fields.get("enable")
        return None if enable is None else "mshv_sirbp_enable" if enable else "mshv_sirbp_disable"
    if roots_keep and len(others) == 1 and "keep" not in others:
        ev.sirbp.setdefault("alloc", w.site)
        return "mshv_sirbp_enable" if others == {"alloc"} else "mshv_sirbp_disable"
    ev.problems.append(
        f"{w.site.where()}: SIRBP's frame is handled differently from both sirbp_on_l1vh rules (map, alloc); write this row by hand"
    )
    return None


def manages_shared(ops: list[DerivedOp], ev: Evidence) -> ManagesSharedRule:
    """The one rule every guarded shared-register op agrees on; with none guarded, `always` (the guard then costs nothing)."""
    guarded = [d for d in ops if d.shared_rules is not None]
    if not guarded:
        for d in ops:
            if d.op["register"] in SHARED and "when" not in d.op:
                d.op["when"] = "mshv_manages_shared"
        return "always"
    common = frozenset.intersection(*(d.shared_rules for d in guarded if d.shared_rules is not None))
    if not common:
        a, b = guarded[0], next(d for d in guarded if d.shared_rules != guarded[0].shared_rules)
        ev.problems.append(
            f"{b.sites[0].where()}: {b.op['register']} is guarded differently from {a.op['register']} at {a.sites[0].where()}: "
            "a version has one manages_shared rule; write this row by hand"
        )
        return "always"
    return next(r for r in ("hv_root", "bare_metal_root", "no_vmbus") if r in common)


def sirbp_on_l1vh(ev: Evidence) -> str | None:
    if len(ev.sirbp) > 1:
        ev.problems.append(
            f"{ev.sirbp['alloc'].where()}: SIRBP's page is allocated here but mapped at {ev.sirbp['map'].where()}: "
            "a version has one sirbp_on_l1vh rule; write this row by hand"
        )
        return None
    return next(iter(ev.sirbp), None)
