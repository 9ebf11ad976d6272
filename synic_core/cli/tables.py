"""`synic ownership` and `synic explain`: the model's tables and assumptions, printed."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from synic_core.model.assumptions import all_assumptions
from synic_core.model.findings import KINDS
from synic_core.model.partitions import PARTITIONS, title
from synic_core.model.registers import REGISTERS, registers_in_bank
from synic_core.model.version import MANAGES_SHARED, NOTIFIER_ON, SIRBP_ON_L1VH
from synic_core.versions.registry import known

SHOWN = ("SCONTROL", "SIMP", "SIEFP", "SIRBP", "SINT0", "SINT2", "SINT5")


def ownership(console: Console, partition: str | None) -> int:
    names = [partition] if partition else list(PARTITIONS)
    table = Table(title="Who owns which SynIC register (after the series)", title_justify="left")
    table.add_column("register")
    table.add_column("MSR")
    for name in names:
        for bank in PARTITIONS[name].banks:
            table.add_column(f"{name} {bank}" if len(PARTITIONS[name].banks) > 1 else name)
    for reg in SHOWN:
        cells = []
        for name in names:
            p = PARTITIONS[name]
            cells += [title(p.owner(b, reg)) if reg in registers_in_bank(b) else "n/a" for b in p.banks]
        table.add_row(reg, f"{REGISTERS[reg].address('l1'):#x}", *cells)
    console.print(table)
    console.print(versions_table())
    print_assumptions(console)
    return 0


def versions_table() -> Table:
    table = Table(title="MSHV versions", title_justify="left")
    for col in ("version", "what", "MSHV manages SIMP/SIEFP/SCONTROL", "reboot notifier on", "L1VH SIRBP"):
        table.add_column(col, overflow="fold")
    for v in known().values():
        table.add_row(v.name, Text(v.title), MANAGES_SHARED[v.manages_shared], NOTIFIER_ON[v.notifier_on], SIRBP_ON_L1VH[v.sirbp_on_l1vh])
    return table


def print_assumptions(console: Console) -> None:
    console.print("[bold]Model assumptions[/] (not read in a source; facts win where they disagree):")
    for key, text in all_assumptions():
        console.print(f"  [yellow]{key}[/]: {text}")


def explain(console: Console, kind: str | None) -> int:
    kinds = [KINDS[kind]] if kind else list(KINDS.values())
    for k in kinds:
        console.print(f"[bold]{k.name}[/] ({k.severity}): {k.title}.")
        console.print(f"  models: {k.cites}")
        if k.assumption:
            console.print(f"  [yellow]assumption[/]: {k.assumption}")
    if not kind:
        print_assumptions(console)
    return 0


def lessons(console: Console) -> int:
    from synic_core.scenarios.lesson import lesson_names, load_lesson, short_name

    table = Table(title="Guided lessons (synic --lesson NAME)", title_justify="left")
    for col in ("name", "title", "partition / mshv", "steps"):
        table.add_column(col, overflow="fold")
    for name in lesson_names():
        lesson = load_lesson(name)
        table.add_row(short_name(name), lesson.title, f"{lesson.partition} / {lesson.mshv}", str(len(lesson.steps)))
    console.print(table)
    return 0
