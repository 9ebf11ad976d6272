"""`synic explore --cpus all`: one configuration or the matrix, proved for every number of CPUs (docs/explorer.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from synic_core.cli.console import console as make_console
from synic_core.cli.explore_cmd import (
    EXIT_INTERRUPTED,
    EXIT_NO_MEMORY,
    FAILING,
    MEMORY_STOPS,
    REFUSED_MEANS,
    Options,
    _progress,
    channels_assumption,
    channels_text,
    matrix_table,
    sequence_text,
)
from synic_core.cli.finding_text import SEVERITY_STYLE
from synic_core.explore.every_n import EveryNResult, Witness, cpu_counts, every_n, proof_line, renumbering
from synic_core.explore.pool import Job, Result, WorkerPool, sigterm_raises
from synic_core.explore.reference import settings_dict
from synic_core.inputs.bad_input import InputError
from synic_core.model.findings import KIND_NAMES, KINDS, SEVERITY_RANK
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.storage.atomic import write_atomic
from synic_core.versions.names import BUILTIN_NAMES


def run(opts: Options) -> int:
    with sigterm_raises():
        return _run(opts)


def _run(opts: Options) -> int:
    if opts.all:
        return run_matrix(opts)
    config = opts.config(opts.holding_cpus)
    with _progress(make_console(stderr=True), "every CPU count", ()) as bar:
        bar.add_task("explore", total=None)
        result = every_n(config, any_order=opts.any_order, memory_limit_mb=opts.memory_mb)
    refuse_if_not_local(result)
    if opts.out:
        write_counterexamples(result, Path(opts.out))
    if opts.as_json:
        print(json.dumps(to_dict(result), indent=1))
    else:
        print_result(make_console(), result)
    return exit_code([result])


def refuse_if_not_local(result: EveryNResult) -> None:
    if result.locality is not None:
        raise InputError(result.locality)


def exit_code(rows: list[EveryNResult]) -> int:
    if any(r.stopped and r.stopped not in MEMORY_STOPS for r in rows):
        return EXIT_INTERRUPTED
    if any(r.stopped in MEMORY_STOPS for r in rows):
        return EXIT_NO_MEMORY
    return int(any(KINDS[k].severity in FAILING for r in rows for k in r.found))


# -- words --------------------------------------------------------------------------------------
def spurious_line(r: EveryNResult) -> str | None:
    if not r.spurious:
        return None
    undecided = f"; not decided: {', '.join(r.undecided)}" if r.undecided else ""
    return f"{r.spurious} abstract counterexample(s) replayed on no CPU count: spurious, not reported{undecided}"


def ordered(r: EveryNResult) -> list[Witness]:
    return sorted(r.found.values(), key=lambda w: (-SEVERITY_RANK[KINDS[w.example.kind].severity], w.example.kind))


def print_result(console: Console, r: EveryNResult) -> None:
    cfg = r.config
    mode = "any order (orders the kernel cannot produce included)" if r.any_order else "kernel orders only"
    channels = channels_text(r.asked_channels)
    console.print(f"[bold]synic explore[/]: {cfg.partition} / {cfg.mshv} / {cfg.hypervisor}, every number of CPUs{channels}, {mode}")
    style = "green" if r.proved else "yellow"
    console.print(f"[{style}]{proof_line(r)}[/] in {r.elapsed:.1f} s, peak {r.peak_mb:.0f} MB", highlight=False, soft_wrap=True)
    renumbered = renumbering(r)
    if renumbered:
        console.print(renumbered, highlight=False, soft_wrap=True)
    table = Table(title="Shortest counterexample per finding kind, over every number of CPUs", title_justify="left")
    for col in ("kind", "severity", "steps", "CPUs", "from N", "sequence"):
        table.add_column(col, overflow="fold")
    for w in ordered(r):
        c = w.example
        seq = sequence_text(c.steps) + ("" if c.kernel_order else "  [yellow](not a kernel order)[/]")
        sev = KINDS[c.kind].severity
        table.add_row(c.kind, f"[{SEVERITY_STYLE[sev]}]{sev}[/]", str(w.length), str(w.cpus), r.smallest_text(c.kind), seq)
    console.print(table)
    console.print(
        "[dim]CPUs: how many CPUs the counterexample was replayed on (the fewest its abstract path needs); "
        f"from N: the smallest number of CPUs that reaches the kind at all (≤ N: an upper bound; exact up to "
        f"{max(3, r.first_n)} CPUs, see docs/explorer.md); {REFUSED_MEANS}[/]",
        soft_wrap=True,
    )
    if r.unreachable:
        console.print(
            f"[green]not reachable on any {cpu_counts(r)} (proved, in this model)[/]: {', '.join(r.unreachable)}",
            soft_wrap=True,
        )
    note = spurious_line(r)
    if note:
        console.print(f"[yellow]{note}[/]", soft_wrap=True, highlight=False)


def to_dict(r: EveryNResult) -> dict[str, Any]:
    return {
        "settings": settings_dict(r.config, "all", r.asked_channels),
        "counterexample_channel_cpus": list(r.config.channel_cpus),
        "channel_cpus_renumbered": renumbering(r),
        "cpus": "all",
        "any_order": r.any_order,
        "fixpoint": r.proved,
        "proof": proof_line(r),
        "reachable": {w.example.kind: w.length for w in ordered(r)},
        "smallest_cpus": {w.example.kind: r.smallest[w.example.kind] for w in ordered(r)},
        "smallest_cpus_exact": {w.example.kind: r.smallest_exact(w.example.kind) for w in ordered(r)},
        "unreachable": r.unreachable if r.proved else None,
        "undecided": r.undecided,
        "spurious": r.spurious,
        "stopped": r.stopped,
        "one_cpu": {"states": r.one_cpu.states, "diameter": r.one_cpu.diameter if r.one_cpu.fixpoint else None},
        "abstract": {"states": r.states, "transitions": r.transitions, "diameter": len(r.levels) if r.fixpoint else None},
        "seconds": round(r.elapsed, 3),
        "peak_mb": round(r.peak_mb, 1),
        "counterexamples": {w.example.kind: witness_dict(r, w) for w in ordered(r)},
    }


def witness_dict(r: EveryNResult, w: Witness) -> dict[str, Any]:
    c = w.example
    return {
        "cpus": w.cpus,
        "length": w.length,
        "severity": KINDS[c.kind].severity,
        "kernel_order": c.kernel_order,
        "example": c.message,
        "steps": [{"action": a, "cpus": list(cpus)} for a, cpus in c.steps],
        "scenario": c.scenario(r.config_for(c.kind)),
    }


def write_counterexamples(r: EveryNResult, out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        for w in ordered(r):
            c = w.example
            write_atomic(out / f"{c.kind}.json", json.dumps(c.scenario(r.config_for(c.kind)), indent=2) + "\n")
    except OSError as exc:
        raise InputError(f"{out}: cannot write counterexamples: {exc.strerror or exc}") from None


# -- the matrix ---------------------------------------------------------------------------------
def run_matrix(opts: Options) -> int:
    configs = [
        opts.config(opts.holding_cpus, p, v, h)
        for p in PARTITION_NAMES
        for v in (*BUILTIN_NAMES, *opts.extra_versions)
        for h in PROFILE_NAMES
    ]
    per_job = opts.memory_mb / min(opts.jobs, len(configs))
    jobs = [Job(i, c, None, opts.any_order, per_job, every_cpu_count=True) for i, c in enumerate(configs)]
    results: dict[int, EveryNResult] = {}
    interrupted = False
    try:
        with (
            WorkerPool(min(opts.jobs, len(jobs))) as pool,
            _progress(make_console(stderr=True), "configurations {task.completed}/{task.total}", ()) as bar,
        ):
            task = bar.add_task("explore", total=len(jobs))

            def done(index: int, r: Result) -> None:
                assert isinstance(r, EveryNResult)
                results[index] = r
                bar.update(task, completed=len(results))

            pool.run(jobs, done)
    except KeyboardInterrupt:
        interrupted = True
    rows = [results[i] for i in sorted(results)]
    for r in rows:
        refuse_if_not_local(r)
    if opts.as_json:
        print(json.dumps([matrix_row(r) for r in rows], indent=1))
    else:
        console = make_console()
        print_matrix(console, rows, opts.any_order, opts.config(opts.holding_cpus).channel_cpus)
        if interrupted:
            console.print(f"[yellow]interrupted: {len(rows)} of {len(configs)} configurations finished; no result for the others[/]")
    return EXIT_INTERRUPTED if interrupted else exit_code(rows)


def matrix_row(r: EveryNResult) -> dict[str, Any]:
    c = r.config
    return {
        "partition": c.partition,
        "mshv": c.mshv,
        "hypervisor": c.hypervisor,
        "cpus": "all",
        "channel_cpus": list(r.asked_channels),
        "counterexample_channel_cpus": list(c.channel_cpus),
        "fixpoint": r.proved,
        "reachable": {w.example.kind: w.length for w in ordered(r)},
        "counterexample_cpus": {w.example.kind: w.cpus for w in ordered(r)},
        "smallest_cpus": {w.example.kind: r.smallest[w.example.kind] for w in ordered(r)},
        "smallest_cpus_exact": {w.example.kind: r.smallest_exact(w.example.kind) for w in ordered(r)},
        "spurious": r.spurious,
        "abstract_states": r.states,
        "seconds": round(r.elapsed, 3),
    }


def print_matrix(console: Console, rows: list[EveryNResult], any_order: bool, channel_cpus: tuple[int, ...]) -> None:
    """The 40-row matrix; `channel_cpus` as given, which every row shares."""
    orders = "any order" if any_order else "kernel orders"
    table = matrix_table(
        f"Finding kinds each configuration can reach on any number of CPUs ({orders}, {channels_assumption(channel_cpus)})",
        "L@N = shortest sequence of L steps, which needs N CPUs; · = not reachable on any number of CPUs; "
        "? = met only by spurious abstract paths, not decided; proof: ✓ = proved for every N "
        + (f"≥ {rows[0].first_n} (by abstraction)" if rows and rows[0].first_n > 1 else "(N = 1 explicitly, N ≥ 2 by abstraction)"),
        cell_width=3,
    )
    for r in rows:
        c = r.config
        table.add_row(c.partition, c.mshv, c.hypervisor, *cells(r), proof_cell(r))
    console.print(table)
    renumbered = renumbering(rows[0]) if rows else None
    if renumbered:
        console.print(renumbered, highlight=False, soft_wrap=True)
    for r in rows:
        note = spurious_line(r)
        if note:
            console.print(f"[yellow]{r.config.partition} / {r.config.mshv} / {r.config.hypervisor}: {note}[/]", soft_wrap=True)


def cells(r: EveryNResult) -> list[str]:
    out = []
    for k in KIND_NAMES:
        w = r.found.get(k)
        style = SEVERITY_STYLE[KINDS[k].severity]
        out.append(f"[{style}]{w.length}@{w.cpus}[/]" if w else "[yellow]?[/]" if k in r.undecided else "[dim]·[/]")
    return out


def proof_cell(r: EveryNResult) -> str:
    if r.proved:
        return "[green]✓[/]" + (f" [yellow]{r.spurious} spurious[/]" if r.spurious else "")
    return f"[yellow]stopped ({r.stopped})[/]"
