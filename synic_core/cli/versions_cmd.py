"""`synic versions`: list MSHV versions, show one as tables, diff two like a patch, print the file vocabulary.

Versions are built-in names or patch files (docs/patch-files.md). Every text that comes from a
file (titles, sources) is printed as plain text, never as rich markup.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from synic_core.cli.console import console as make_console
from synic_core.inputs.bad_input import InputError
from synic_core.model.sequences import CONDITIONS, FRAME_RULES, SLOTS, SYMBOLS, Op
from synic_core.model.version import ROW_RULES, MshvVersion
from synic_core.reports.safe_text import visible
from synic_core.storage.atomic import write_atomic
from synic_core.versions.files import FRAME_REGISTERS, WRITABLE, digest, flatten, settable_fields
from synic_core.versions.names import BUILTIN_NAMES, looks_like_file
from synic_core.versions.registry import builtins, get, resolve, use
from synic_core.versions.schema import NAME_PATTERN

if TYPE_CHECKING:
    from synic_core.versions.derive import Derived, DeriveError

ROW_FIELDS = tuple(ROW_RULES)
NAME_RE = re.compile(NAME_PATTERN)


def run(what: list[str], as_json: bool, vocabulary: bool) -> int:
    if vocabulary:
        return print_vocabulary(as_json)
    if what[:1] == ["show"]:
        if len(what) != 2:
            raise InputError("versions show: expected one version or patch file, e.g. synic versions show v4")
        return show(resolve(what[1]), as_json)
    if what[:1] == ["diff"]:
        if len(what) != 3:
            raise InputError("versions diff: expected two versions or patch files, e.g. synic versions diff v3 v4")
        return diff(resolve(what[1]), resolve(what[2]), as_json)
    return listing([*builtins().values(), *(get(use(f)) for f in what)], as_json)  # registered: equal names told apart


# -- list ----------------------------------------------------------------------------------------
def summary(v: MshvVersion) -> dict[str, Any]:
    rules = {k: getattr(v, k) for k in ROW_FIELDS}  # the key `versions show --json` and a patch file use: [version]
    return {"name": v.name, "title": v.title, "origin": v.origin, "source": v.source, "version": rules, "digest": digest(v)}


def listing(versions: list[MshvVersion], as_json: bool) -> int:
    if as_json:
        print(json.dumps([summary(v) for v in versions], indent=1))
        return 0
    table = Table(title="MSHV versions (synic versions show V; a patch file works wherever a version does)", title_justify="left")
    for col in ("version", "what", *ROW_FIELDS, "from"):
        table.add_column(col, overflow="fold")
    for v in versions:
        rules = [str(getattr(v, k)).lower() for k in ROW_FIELDS]
        table.add_row(Text(v.name, style="bold"), Text(v.title), *rules, Text(v.origin))
    console = make_console()
    console.print(table)
    console.print("synic versions --vocabulary explains every rule, register, field, condition and frame rule.")
    return 0


# -- show ----------------------------------------------------------------------------------------
def op_line(op: Op) -> str:
    """One op as one line, the unit `versions diff` compares: register, kind, fields, condition, frame rule."""
    fields = ", ".join(f"{k}={v}" for k, v in op.fields.items())
    extra = "".join(f" {label} {val}" for label, val in (("when", op.when), ("frame", op.frame)) if val)
    return f"{op.register} {op.kind} {{{fields}}}{extra}"


def show(v: MshvVersion, as_json: bool) -> int:
    if as_json:
        print(json.dumps(flatten(v) | {"origin": v.origin, "digest": digest(v)}, indent=1))
        return 0
    console = make_console()
    console.print(Text.assemble((v.name, "bold"), " — ", v.title, f"  ({v.origin})"))
    if v.source:
        console.print(Text(f"source: {v.source}"))
    row = Table(title="Rules", title_justify="left")
    for col in ("field", "value", "meaning"):
        row.add_column(col, overflow="fold")
    for k in ROW_FIELDS:
        value = getattr(v, k)
        row.add_row(k, str(value).lower(), ROW_RULES[k][value])
    console.print(row)
    for slot, seq in v.sequences.items():
        console.print(sequence_table(slot, seq.ops, seq.source))
    return 0


def sequence_table(slot: str, ops: tuple[Op, ...], source: str) -> Table:
    table = Table(title=f"sequences.{slot} — {SLOTS[slot].title} ({source})", title_justify="left")  # type: ignore[index]
    for col in ("#", "register", "kind", "fields", "when", "frame rule", "kernel source"):
        table.add_column(col, overflow="fold")
    for i, op in enumerate(ops):
        fields = ", ".join(f"{k}={v}" for k, v in op.fields.items())
        table.add_row(str(i), op.register, op.kind, fields, op.when or "", op.frame or "", Text(op.source))
    if not ops:
        table.add_row("", "(no writes)", "", "", "", "", "")
    return table


# -- diff ----------------------------------------------------------------------------------------
def diff_data(a: MshvVersion, b: MshvVersion) -> dict[str, Any]:
    rows = {k: [getattr(a, k), getattr(b, k)] for k in ROW_FIELDS if getattr(a, k) != getattr(b, k)}
    seqs: dict[str, list[str]] = {}
    sources = 0
    for slot in SLOTS:
        left, right = a.sequences[slot].ops, b.sequences[slot].ops
        lines = list(
            difflib.unified_diff([op_line(o) for o in left], [op_line(o) for o in right], f"{a.name}", f"{b.name}", n=1, lineterm="")
        )
        if lines:
            seqs[slot] = lines[2:]
        elif len(left) == len(right):
            sources += sum(x.source != y.source for x, y in zip(left, right, strict=True))
    return {"a": a.name, "b": b.name, "rules": rows, "sequences": seqs, "same_behaviour": not rows and not seqs, "sources_differ": sources}


def diff(a: MshvVersion, b: MshvVersion, as_json: bool) -> int:
    """Exit 0 when the model cannot tell the two apart, 1 when rules or writes differ (as diff(1) does)."""
    data = diff_data(a, b)
    code = 0 if data["same_behaviour"] else 1
    if as_json:
        print(json.dumps(data, indent=1))
        return code
    console = make_console()
    console.print(Text.assemble("--- ", (a.name, "bold"), f"  ({a.origin})\n+++ ", (b.name, "bold"), f"  ({b.origin})"))
    for k, (x, y) in data["rules"].items():
        console.print(Text(f"version.{k}:"))
        console.print(Text(f"-  {str(x).lower()}: {ROW_RULES[k][x]}", style="red"))
        console.print(Text(f"+  {str(y).lower()}: {ROW_RULES[k][y]}", style="green"))
    for slot, lines in data["sequences"].items():
        console.print(Text(f"sequences.{slot}:"))
        for line in lines:
            style = "red" if line.startswith("-") else "green" if line.startswith("+") else "cyan" if line.startswith("@") else ""
            console.print(Text(line, style=style))
    if data["same_behaviour"]:
        note = f" ({data['sources_differ']} op sources differ)" if data["sources_differ"] else ""
        console.print(Text(f"same rules and the same writes in every sequence{note}: the model cannot tell them apart", style="bold green"))
    return code


# -- vocabulary ----------------------------------------------------------------------------------
def vocabulary() -> dict[str, Any]:
    return {
        "version": {k: {str(val).lower(): text for val, text in rules.items()} for k, rules in ROW_RULES.items()},
        "sequences": {s.name: f"{s.title} ({s.source})" for s in SLOTS.values()},
        "kinds": {"rmw": "read the register, change the listed fields", "zero": "build the value from zero"},
        "registers": {r: settable_fields(r) for r in WRITABLE},
        "symbols": SYMBOLS,
        "conditions": CONDITIONS,
        "frame_rules": {k: f"{text} (on {'/'.join(FRAME_REGISTERS[k])})" for k, text in FRAME_RULES.items()},
        "builtin_versions": list(BUILTIN_NAMES),
    }


def print_vocabulary(as_json: bool) -> int:
    data = vocabulary()
    if as_json:
        print(json.dumps(data, indent=1))
        return 0
    console = make_console()
    for section, entries in data.items():
        if section == "builtin_versions":
            continue
        console.print(Text(section, style="bold"))
        for name, text in entries.items():
            if isinstance(text, dict):
                console.print(Text(f"  {name}:"))
                for val, meaning in text.items():
                    console.print(Text(f"    {val}: {meaning}"))
            else:
                console.print(Text(f"  {name}: {', '.join(text) if isinstance(text, list) else text}"))
    return 0


# -- derive and check (docs/patch-files.md#derive) ---------------------------------------------
def derive_from(ns: argparse.Namespace, based_on: str, name: str = "derived") -> Derived:
    """The version a tree (plus patch mails) holds; tree-sitter is imported only here."""
    from synic_core.versions.derive import derive

    if not ns.tree:
        raise InputError("versions derive: expected --tree DIR, a kernel tree holding drivers/hv/mshv_synic.c")
    if not NAME_RE.match(name):
        raise InputError(f"versions derive: --name {name!r}: expected lower-case letters, digits and dashes")
    base = resolve(based_on)
    if looks_like_file(based_on):  # the written file may live elsewhere: name its base absolutely
        based_on = str(Path(based_on).expanduser().resolve())
    return derive(Path(ns.tree), [Path(p) for p in ns.patch], base, based_on, name, Path(ns.idioms) if ns.idioms else None)


def refused(exc: DeriveError) -> int:
    """One line per thing derive may not guess, then exit 2."""
    for line in exc.problems:
        print(f"synic: {visible(line)}", file=sys.stderr)
    return 2


def derive_options_given(ns: argparse.Namespace) -> bool:
    return bool(ns.tree or ns.patch or ns.idioms or ns.output or ns.based_on)


def run_derive(ns: argparse.Namespace) -> int:
    from synic_core.versions.derive import DeriveError

    if ns.what[:1] not in (["derive"], ["check"]):
        raise InputError("versions: --tree, --patch, --idioms, -o and --based-on go with derive or check (versions derive --tree DIR)")
    try:
        if ns.what[0] == "check":
            if len(ns.what) != 2:
                raise InputError("versions check: expected one version, e.g. synic versions check --tree ~/linux v4")
            return check(ns, ns.what[1])
        if len(ns.what) != 1:
            raise InputError("versions derive: expected no other words, e.g. synic versions derive --tree ~/linux -o mine.toml")
        return write_derived(ns)
    except DeriveError as exc:
        return refused(exc)


def write_derived(ns: argparse.Namespace) -> int:
    from synic_core.versions.derive.render import toml, version_of

    derived = derive_from(ns, ns.based_on or "mainline", ns.name)
    text = toml(derived)
    version_of(derived, "the derived file")  # what is written must load as a patch file
    if ns.output:
        try:
            write_atomic(Path(ns.output), text)
        except OSError as exc:
            raise InputError(f"{ns.output}: -o: cannot write the patch file ({exc.strerror or exc})") from None
        print(f"synic: wrote {visible(ns.output)} ({sum(len(o) for o in derived.spec['sequences'].values())} ops)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def check(ns: argparse.Namespace, version: str) -> int:
    """Derive with VERSION as the base (so only what the source tells is compared) and diff op by op."""
    from synic_core.versions.derive.render import version_of

    target = resolve(version)
    derived = derive_from(ns, version)
    return diff(target, version_of(derived, f"derived from {ns.tree}"), ns.json)
