"""`synic versions derive`: an MSHV version read from the kernel's C source (docs/patch-files.md#derive).

`derive()` reads `drivers/hv/mshv_synic.c` (and `hv.c`, `mshv_root_main.c`, `vmbus_drv.c` when the
tree holds them), applies patch mails in memory, walks the per-CPU functions with tree-sitter and
returns the patch-file tables with, for each op, the source lines it came from. What the source
cannot tell is taken from `based_on` and listed as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synic_core.inputs.bad_input import InputError
from synic_core.model.version import MshvVersion
from synic_core.model.vocabulary import Component, SequenceName
from synic_core.versions.derive import assemble
from synic_core.versions.derive.extract import Function, RawWrite, Site, Walker, functions, line_of, text_of
from synic_core.versions.derive.idioms import Functions, Idioms, load
from synic_core.versions.derive.tree import apply_patches, read_tree
from synic_core.versions.derive.worlds import everywhere, worlds


class DeriveError(InputError):
    """The source holds what derive may not guess: one line per problem (file:line and the text)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0])
        self.problems = problems


@dataclass(slots=True)
class Derived:
    spec: dict[str, Any]
    """The patch-file tables: name, title, based_on, source, [version], [sequences.*]."""
    sites: dict[str, list[tuple[Site, ...]]]
    """For each derived sequence, each op's source lines."""
    notes: list[str] = field(default_factory=list)
    """What was taken from based_on, what was assumed, which functions and shapes were found."""
    files: dict[str, str] = field(default_factory=dict)
    """The source text read (patched): for printing the lines an op came from."""


SLOTS: dict[Component, tuple[SequenceName, SequenceName]] = {"mshv": ("mshv_init", "mshv_exit"), "vmbus": ("vmbus_init", "vmbus_cleanup")}
NOT_DERIVED = ("notifier_on", "vmbus_dependency")
"""Rules the per-CPU code cannot tell: which notifier tears MSHV down at kexec, the module dependency."""


def derive(
    tree: Path, patches: list[Path], based_on: MshvVersion, based_on_name: str, name: str = "derived", idioms_file: Path | None = None
) -> Derived:
    """The patch-file tables the tree's C source (with `patches` applied in memory) holds; `DeriveError` lists what it may not guess."""
    idioms = load(idioms_file)
    files = apply_patches(read_tree(tree), patches)
    problems: list[str] = []
    result = Derived(
        {
            "name": name,
            "title": title(tree, patches),
            "based_on": based_on_name,
            "source": title(tree, patches),
            "version": {},
            "sequences": {},
        },
        {},
        files=files,
    )
    assumed: set[str] = set()
    mshv_ops = component(result, "mshv", idioms, idioms.mshv, files, problems, assumed)
    ev = assemble.Evidence(problems)
    for slot, ops in mshv_ops.items():
        result.spec["sequences"][slot] = assemble.to_ops("mshv", worlds("mshv"), ops, ev)
    rule = assemble.manages_shared([d for slot in SLOTS["mshv"] for d in result.spec["sequences"][slot]], ev)
    result.spec["version"]["manages_shared"] = rule
    sirbp = assemble.sirbp_on_l1vh(ev)
    if sirbp is not None:
        result.spec["version"]["sirbp_on_l1vh"] = sirbp
    if idioms.vmbus.file in files:
        vmbus_ops = component(result, "vmbus", idioms, idioms.vmbus, files, problems, assumed)
        for slot, ops in vmbus_ops.items():
            result.spec["sequences"][slot] = assemble.to_ops("vmbus", worlds("vmbus"), ops, ev)
    if problems:
        raise DeriveError(problems)
    finish(result, based_on, idioms, assumed)
    return result


def title(tree: Path, patches: list[Path]) -> str:
    return f"derived from {tree}" + "".join(f" + {p.name}" for p in patches)


def component(
    result: Derived, comp: Component, idioms: Idioms, spec: Functions, files: dict[str, str], problems: list[str], assumed: set[str]
) -> dict[SequenceName, list[RawWrite]]:
    mine = {rel: text for rel, text in files.items() if rel == spec.file or rel in spec.also}
    index = functions(mine)
    entries = entry_points(comp, spec, index, result.notes)
    if entries is None:
        names = " / ".join(f"{a}+{b}" for a, b in spec.pairs)
        raise DeriveError(
            [f"{spec.file}: no per-CPU functions found: no {spec.cpuhp[0]}() call in the tree and none of {names} is defined"]
        )
    out: dict[SequenceName, list[RawWrite]] = {}
    ws = worlds(comp)
    for slot, fn in entries.items():
        walker = Walker(idioms, ws, index)
        walker.run(fn, everywhere(ws))
        problems.extend(p for p in walker.problems if p not in problems)
        assumed |= walker.assumed
        out[slot] = walker.writes
        result.sites[slot] = []
    return out


def entry_points(comp: Component, spec: Functions, index: dict[str, Function], notes: list[str]) -> dict[SequenceName, str] | None:
    init, exit_ = SLOTS[comp]
    found = registered(spec, index)
    if found is not None:
        (start, stop), where = found
        notes.append(f"{init}/{exit_}: {start}/{stop}, the callbacks passed to {where}")
    else:
        pair = next(((a, b) for a, b in spec.pairs if a in index and b in index), None)
        if pair is None:
            return None
        start, stop = pair
        notes.append(f"{init}/{exit_}: {start}/{stop}, named in the idioms table (no {spec.cpuhp[0]}() call registering them in the tree)")
    entries: dict[SequenceName, str] = {init: start, exit_: stop}
    if spec.crash:
        crash = next((c for c in spec.crash if c in index), None)
        if crash is None:
            raise InputError(f"{spec.file}: none of {', '.join(spec.crash)} is defined: no crash path to derive vmbus_crash from")
        entries["vmbus_crash"] = crash
        if crash != spec.crash[0]:
            notes.append(f"vmbus_crash: {crash}, named in the idioms table ({spec.crash[0]} is not in the tree)")
    return entries


def registered(spec: Functions, index: dict[str, Function]) -> tuple[tuple[str, str], str] | None:
    """The (startup, teardown) pair passed to a cpuhp_setup_state*() call in the driver's files, and where."""
    for fn in index.values():
        stack = [fn.node]
        while stack:
            n = stack.pop()
            stack.extend(n.children)
            if n.type != "call_expression" or text_of(n.child_by_field_name("function")) not in spec.cpuhp:
                continue
            args = n.child_by_field_name("arguments")
            names = [text_of(a) for a in (args.named_children if args is not None else [])]
            if len(names) >= 4 and names[2] in index and names[3] in index:
                return (names[2], names[3]), f"{text_of(n.child_by_field_name('function'))}() at {fn.file}:{line_of(n)}"
    return None


def finish(result: Derived, based_on: MshvVersion, idioms: Idioms, assumed: set[str]) -> None:
    """Ops as patch-file tables with their sources; notes on what was taken, assumed and found."""
    for slot, ops in list(result.spec["sequences"].items()):
        tables = []
        for d in ops:
            first = d.sites[0]
            d.op["source"] = f"{' → '.join(first.chain)} ({first.where()})"
            tables.append(d.op)
            result.sites[slot].append(d.sites)
        result.spec["sequences"][slot] = tables
    taken = [f"{k} = {str(getattr(based_on, k)).lower()}" for k in NOT_DERIVED]
    if "sirbp_on_l1vh" not in result.spec["version"]:
        taken.append(f"sirbp_on_l1vh = {based_on.sirbp_on_l1vh}")
    missing = [s for s in based_on.sequences if s not in result.spec["sequences"]]
    taken += [f"sequences.{s}" for s in missing]
    result.notes.append(f"taken from {based_on.name}, not derived: {', '.join(taken)}")
    for k in sorted(assumed):
        result.notes.append(f"assumed: {k} is {idioms.predicates[k]}: {idioms.assumed[k]}")
    for slot in ("vmbus_init", "vmbus_cleanup", "vmbus_crash"):
        if slot in result.sites:
            result.notes.append(f"shape of {slot}: {shape(result.sites[slot], result.spec['sequences'][slot])}")


def shape(sites: list[tuple[Site, ...]], ops: list[dict[str, Any]]) -> str:
    """Which function writes which register (the kernel moved SCONTROL between functions over time)."""
    by_chain: dict[str, list[str]] = {}
    for s, op in zip(sites, ops, strict=True):
        by_chain.setdefault(" → ".join(s[0].chain), []).append(op["register"])
    return "; ".join(f"{chain} writes {', '.join(regs)}" for chain, regs in by_chain.items()) or "no writes"
