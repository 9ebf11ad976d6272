"""`synic explore`: shortest counterexamples per finding kind, or the whole matrix with --all."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from ..atomic import write_atomic
from ..config import SessionConfig
from ..explore import ExploreResult, explore, explore_to_dict
from ..findings import KIND_NAMES, KINDS
from ..formatting import cpu_ranges
from ..partitions import PARTITION_NAMES
from ..profiles import PROFILE_NAMES
from ..scenario import ScenarioError
from ..versions import VERSION_NAMES
from .run_cmd import SEVERITY_STYLE

FAILING = ("error", "fault")


def run_explore(ns: object) -> int:
    """One configuration: table (or JSON) of shortest counterexamples; exit 1 if an error or fault is reachable."""
    config = SessionConfig(partition=ns.partition, cpus=ns.cpus, mshv=ns.mshv, hypervisor=ns.hypervisor)  # type: ignore[attr-defined]
    result = _with_progress(config, ns.depth, ns.any_order)  # type: ignore[attr-defined]
    if ns.out:  # type: ignore[attr-defined]
        write_counterexamples(result, Path(ns.out))  # type: ignore[attr-defined]
    if ns.json:  # type: ignore[attr-defined]
        print(json.dumps(explore_to_dict(result), indent=1))
    else:
        print_result(Console(), result)
    return int(any(KINDS[k].severity in FAILING for k in result.found))


def _with_progress(config: SessionConfig, depth: int, any_order: bool) -> ExploreResult:
    err = Console(stderr=True)
    with Progress(
        TextColumn("exploring depth {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("{task.fields[states]} states"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("explore", total=depth, states=1)
        result = explore(
            config, depth, any_order=any_order, progress=lambda level, states, _t: bar.update(task, completed=level, states=states)
        )
    if not result.complete:
        err.print("interrupted: showing what was found so far", style="yellow")
    return result


def sequence_text(steps: tuple) -> str:
    return " → ".join(f"{a} [{cpu_ranges(c)}]" for a, c in steps)


def print_result(console: Console, r: ExploreResult) -> None:
    cfg = r.config
    mode = "any order (orders the kernel cannot produce included)" if r.any_order else "kernel orders only"
    console.print(f"[bold]synic explore[/]: {cfg.partition} / {cfg.mshv} / {cfg.hypervisor}, {cfg.cpus} CPUs, depth {r.depth}, {mode}")
    console.print(f"{r.states} distinct states, {r.transitions} transitions" + ("" if r.complete else " [yellow](interrupted)[/]"))
    table = Table(title="Shortest counterexample per finding kind", title_justify="left")
    for col in ("kind", "severity", "steps", "sequence"):
        table.add_column(col, overflow="fold")
    for c in r.ordered():
        seq = sequence_text(c.steps) + ("" if c.kernel_order else "  [yellow](not a kernel order)[/]")
        sev = KINDS[c.kind].severity
        table.add_row(c.kind, f"[{SEVERITY_STYLE[sev]}]{sev}[/]", str(len(c.steps)), seq)
    console.print(table)
    missing = [k for k in KIND_NAMES if k not in r.found]
    if missing:
        console.print(f"not reachable within depth {r.depth}: {', '.join(missing)}")


def write_counterexamples(r: ExploreResult, out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        for c in r.ordered():
            write_atomic(out / f"{c.kind}.json", json.dumps(c.scenario(r.config), indent=2) + "\n")
    except OSError as exc:
        raise ScenarioError(f"{out}: cannot write counterexamples: {exc.strerror or exc}") from None


# -- the matrix -------------------------------------------------------------------------------
def _explore_row(args: tuple[str, str, str, int, int, bool]) -> tuple[tuple[str, str, str], dict[str, int], bool]:
    partition, mshv, hv, cpus, depth, any_order = args
    r = explore(SessionConfig(partition=partition, cpus=cpus, mshv=mshv, hypervisor=hv), depth, any_order=any_order)
    return (partition, mshv, hv), {k: len(c.steps) for k, c in r.found.items()}, r.complete


def run_matrix(cpus: int, depth: int, any_order: bool, as_json: bool, jobs: int = 2) -> int:
    rows = [(p, v, h, cpus, depth, any_order) for p in PARTITION_NAMES for v in VERSION_NAMES for h in PROFILE_NAMES]
    try:
        if jobs > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                results = list(pool.map(_explore_row, rows))
        else:
            results = [_explore_row(r) for r in rows]
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if as_json:
        print(json.dumps([{"partition": p, "mshv": v, "hypervisor": h, "reachable": found} for (p, v, h), found, _ in results], indent=1))
    else:
        print_matrix(Console(), results, depth, cpus)
    return 0


CODES = {
    "foreign_write": "FW",
    "redundant_write": "RW",
    "hypervisor_fault": "HF",
    "pulled_from_under": "PU",
    "stale_state": "SS",
    "dangling_page": "DP",
    "missing_enable": "ME",
    "refused": "RF",
}


def print_matrix(console: Console, results: list, depth: int, cpus: int) -> None:
    table = Table(
        title=f"Finding kinds each configuration can reach ({cpus} CPUs, depth {depth}, kernel orders)",
        title_justify="left",
        caption="number = length of the shortest sequence; · = not reachable; " + ", ".join(f"{c} {k}" for k, c in CODES.items()),
        caption_justify="left",
    )
    for col in ("partition", "mshv", "hypervisor"):
        table.add_column(col, no_wrap=True)
    for k in KIND_NAMES:
        table.add_column(CODES[k], justify="right", min_width=2, no_wrap=True)
    for (p, v, h), found, _complete in results:
        cells = []
        for k in KIND_NAMES:
            style = SEVERITY_STYLE[KINDS[k].severity]
            cells.append(f"[{style}]{found[k]}[/]" if k in found else "[dim]·[/]")
        table.add_row(p, v, h, *cells)
    console.print(table)
