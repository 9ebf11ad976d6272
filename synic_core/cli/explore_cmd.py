"""`synic explore`: shortest counterexamples per finding kind, proved at the fixpoint with --exhaustive;
a per-CPU-count table with --cpus A-B; the whole matrix with --all."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from synic_core.cli.console import console as make_console
from synic_core.cli.finding_text import SEVERITY_STYLE
from synic_core.explore.fast import Status, default_memory_limit_mb, search
from synic_core.explore.pool import Job, JobStatus, Result, WorkerPool, sigterm_raises
from synic_core.explore.reference import Counterexample, ExploreResult, Move, explore_to_dict
from synic_core.inputs.bad_input import InputError
from synic_core.model.config import SessionConfig
from synic_core.model.findings import KIND_NAMES, KINDS, SEVERITY_RANK
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.reports.formatting import cpu_ranges
from synic_core.reports.safe_text import visible
from synic_core.storage.atomic import write_atomic
from synic_core.system.process import available_mb
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import session_config, use

FAILING = ("error", "fault")
MAX_EXPLORE_CPUS = 8
MAX_DEPTH = 1000
DEFAULT_DEPTH = 6
EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for Ctrl-C
EXIT_NO_MEMORY = 2
MEMORY_STOPS = ("memory limit", "out of memory")  # ExploreResult.stopped values that mean: not enough memory
MIN_MEMORY_MB = 64
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
REFUSED_MEANS = (
    "refused counts an action the kernel blocks though it applies (a CPU holding a VMBus channel, VMBus under mshv_root), "
    "never one with nothing to act on (a module not loaded, a driver that does not run here)"
)


# -- options ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Options:
    partition: str
    mshv: str
    hypervisor: str
    cpus: tuple[int, int]  # a range; (n, n) for one count
    depth: int | None  # None: exhaustive (to the fixpoint)
    any_order: bool
    as_json: bool
    out: str | None
    all: bool
    jobs: int
    memory_mb: float
    extra_versions: tuple[str, ...] = ()  # patch files given with --all: more rows
    channel_cpus: tuple[int, ...] = (0,)  # --channel-cpus: where VMBus channels are bound (those below the count)
    every_cpu_count: bool = False  # --cpus all: N = 1 explicitly, N >= 2 by abstraction (explore_every_n)

    @property
    def holding_cpus(self) -> int:
        """The smallest CPU count that has every CPU of --channel-cpus (at least 2): `--cpus all` explores from there."""
        return max(2, *(c + 1 for c in self.channel_cpus))

    def config(self, cpus: int, partition: str | None = None, mshv: str | None = None, hv: str | None = None) -> SessionConfig:
        channels = tuple(c for c in self.channel_cpus if c < cpus)
        return session_config(
            partition=partition or self.partition,
            mshv=mshv or self.mshv,
            hypervisor=hv or self.hypervisor,
            cpus=cpus,
            channel_cpus=channels,
        )


def parse_cpus(text: str) -> tuple[int, int]:
    """`N` or `A-B` within 1..8, as (low, high)."""
    low_text, sep, high_text = text.partition("-")
    try:
        low, high = int(low_text), int(high_text if sep else low_text)
    except ValueError:
        raise InputError(f"explore: --cpus {text}: expected a CPU count N or a range A-B, e.g. 3 or 1-4") from None
    if low < 1:
        raise InputError(f"explore: --cpus {text}: CPU counts start at 1 (a machine has at least one CPU)")
    if high < low:
        raise InputError(f"explore: --cpus {text}: the range runs backwards; write it low-high, e.g. {high}-{low}")
    if high > MAX_EXPLORE_CPUS:
        raise InputError(f"explore: --cpus {text}: at most {MAX_EXPLORE_CPUS} CPUs (the states grow about 14x per CPU)")
    return low, high


def parse_depth(text: str) -> int:
    try:
        depth = int(text)
    except ValueError:
        raise InputError(f"explore: --depth {text}: expected a whole number of steps, 1..{MAX_DEPTH}") from None
    if not 1 <= depth <= MAX_DEPTH:
        raise InputError(f"explore: --depth {text}: expected 1..{MAX_DEPTH} steps (or --exhaustive for no bound)")
    return depth


def parse_memory(text: str | None) -> float:
    """--max-memory MB for the whole run; default half of the memory available now."""
    avail = available_mb()
    if text is None:
        return default_memory_limit_mb()
    try:
        mb = float(text)
    except ValueError:
        raise InputError(f"explore: --max-memory {text}: expected megabytes, e.g. 500") from None
    if mb < MIN_MEMORY_MB:
        raise InputError(f"explore: --max-memory {text}: at least {MIN_MEMORY_MB} MB")
    if mb > avail:
        raise InputError(f"explore: --max-memory {text}: only {avail:.0f} MB are available now; the machine would swap")
    return mb


def options(ns: argparse.Namespace) -> Options:
    if ns.exhaustive and ns.depth is not None:
        raise InputError("explore: --exhaustive searches to the fixpoint, with no depth bound: drop --depth (or --exhaustive)")
    every = every_cpu_count(ns.cpus, ns.depth)
    cpus = (1, 1) if every else parse_cpus(ns.cpus)
    if ns.out and (ns.all or cpus[0] != cpus[1]):
        raise InputError("explore: --out writes the counterexamples of one configuration: use it without --all and with one CPU count")
    try:
        jobs = int(ns.jobs) if ns.jobs is not None else min(2, os.cpu_count() or 1)
    except ValueError:
        raise InputError(f"explore: --jobs {ns.jobs}: expected a number of worker processes, 1..64") from None
    if not 1 <= jobs <= 64:
        raise InputError(f"explore: --jobs {ns.jobs}: expected 1..64 worker processes")
    depth = None if ns.exhaustive else parse_depth(ns.depth) if ns.depth is not None else DEFAULT_DEPTH
    refs = ns.mshv or ["v4"]
    if ns.tree:
        refs = [derived_version(ns)]
    versions = tuple(dict.fromkeys(use(ref) for ref in refs))  # files are read and checked here
    if len(versions) > 1 and not ns.all:
        raise InputError("explore: one --mshv per search (several only with --all, where each patch file adds rows)")
    return Options(
        partition=ns.partition,
        mshv=versions[0],
        extra_versions=tuple(v for v in versions if v not in BUILTIN_NAMES),
        hypervisor=ns.hypervisor,
        cpus=cpus,
        depth=depth,
        any_order=ns.any_order,
        as_json=ns.json,
        out=ns.out,
        all=ns.all,
        jobs=jobs,
        memory_mb=parse_memory(ns.max_memory),
        channel_cpus=tuple(getattr(ns, "channel_cpus", None) or (0,)),
        every_cpu_count=every,
    )


def every_cpu_count(text: str, depth: str | None) -> bool:
    """Whether `--cpus` says `all`; `all` with a count or with --depth is refused."""
    words = text.replace(",", "-").split("-")
    if "all" not in (w.strip().lower() for w in words):
        return False
    if text != "all":
        raise InputError(f"explore: --cpus {text}: `all` already covers every CPU count: give --cpus all alone, or N, or A-B")
    if depth is not None:
        raise InputError("explore: --cpus all is a proof for every CPU count and a --depth bound is not a proof: drop --depth")
    return True


def derived_version(ns: argparse.Namespace) -> str:
    """`--tree DIR [--patch MAIL]`: derive the version in memory, print it with its source lines, explore it.

    The derived ops and the C lines they come from are printed first (to stderr under --json).
    """
    from synic_core.cli.versions_cmd import derive_from
    from synic_core.versions.derive import DeriveError
    from synic_core.versions.derive.render import source_lines, version_of
    from synic_core.versions.registry import register

    if ns.mshv:
        raise InputError("explore: --tree derives the version from the source: drop --mshv (or --tree)")
    try:
        derived = derive_from(ns, "v4", "derived")
    except DeriveError as exc:  # one line per unknown: all but the last here, the last as the error
        for line in exc.problems[:-1]:
            print(f"synic: {visible(line)}", file=sys.stderr)
        raise InputError(exc.problems[-1]) from None
    out = sys.stderr if ns.json else sys.stdout
    print(f"derived from {visible(ns.tree)}{''.join(f' + {visible(p)}' for p in ns.patch)}:", file=out)
    for line in [*(f"# {n}" for n in derived.notes), *source_lines(derived)]:
        print(visible(line), file=out)
    print(file=out, flush=True)
    return register(version_of(derived, f"derived from {ns.tree}"))


def run_options(opts: Options) -> int:
    """Everything but `--cpus all` (`explore_every_n`, which `synic_core.cli` calls for it)."""
    with sigterm_raises():
        if opts.all:
            return run_matrix(opts)
        if opts.cpus[0] != opts.cpus[1]:
            return run_per_cpus(opts)
        return run_explore(opts)


# -- words ------------------------------------------------------------------------------------
def proof_line(r: ExploreResult) -> str:
    """What the run proves, in one sentence."""
    n = r.config.cpus
    counts = f"{r.states:,} states, {r.transitions:,} transitions"
    if r.fixpoint:
        return f"fixpoint at depth {r.diameter}: every sequence of any length on {_cpus(n)} explored ({counts})"
    if r.stopped in MEMORY_STOPS:
        return f"no proof: stopped at depth {len(r.levels)}: the memory limit was reached ({counts})"
    if r.stopped:
        return f"no proof: stopped at depth {len(r.levels)} ({r.stopped}; {counts})"
    return f"bounded: not a proof: depth {r.depth} reached with new states still appearing ({counts})"


def proof_cell(r: ExploreResult, short: bool = False) -> str:
    if r.fixpoint:
        return f"[green]✓[/] {r.diameter}" if short else f"[green]proved[/] ({r.diameter})"
    if r.stopped:
        return f"[yellow]stopped at {len(r.levels)}[/]"
    return "[yellow]bounded[/]"


def _exit(r: ExploreResult) -> int:
    if r.stopped in MEMORY_STOPS:
        return EXIT_NO_MEMORY
    if r.stopped:
        return EXIT_INTERRUPTED
    return int(any(KINDS[k].severity in FAILING for k in r.found))


# -- one configuration ------------------------------------------------------------------------
def run_explore(opts: Options) -> int:
    """One configuration: table (or JSON) of shortest counterexamples; exit 1 if an error or fault is reachable."""
    config = opts.config(opts.cpus[0])
    err = make_console(stderr=True)
    with _progress(err, "depth {task.fields[depth]}") as bar:
        task = bar.add_task("explore", total=opts.depth, depth=0, states=1, frontier=1, rate=0.0, mem=0.0)

        def show(s: Status) -> None:
            done = s.depth - 1 + s.expanded / max(s.frontier, 1)
            rate = s.states / s.elapsed if s.elapsed else 0.0
            bar.update(
                task, completed=done if opts.depth else None, depth=s.depth, states=s.states, frontier=s.frontier, rate=rate, mem=s.rss_mb
            )

        result = search(config, opts.depth, any_order=opts.any_order, progress=show, memory_limit_mb=opts.memory_mb, jobs=opts.jobs)
    if opts.out:
        write_counterexamples(result, Path(opts.out))
    if opts.as_json:
        data = explore_to_dict(result)
        data["proof"] = proof_line(result)
        print(json.dumps(data, indent=1))
    else:
        print_result(make_console(), result, opts.channel_cpus)
    if result.stopped:
        err.print(proof_line(result), style="yellow", highlight=False)
    return _exit(result)


SEARCH_COLUMNS = (
    "{task.fields[states]:,} states · frontier {task.fields[frontier]:,}",
    "{task.fields[rate]:,.0f} states/s · {task.fields[mem]:,.0f} MB",
)
TABLE_COLUMNS = ("running: {task.fields[states]:,} states, depth {task.fields[depth]}",)


@contextmanager
def _progress(err: Console, first: str, columns: tuple[str, ...] = SEARCH_COLUMNS) -> Iterator[Progress]:
    with Progress(
        TextColumn(first),
        BarColumn(),
        *(TextColumn(c) for c in columns),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        yield bar


def sequence_text(steps: tuple[Move, ...]) -> str:
    return " → ".join(f"{a} [{cpu_ranges(c)}]" for a, c in steps)


def ordered(found: dict[str, Counterexample]) -> list[Counterexample]:
    """Worst severity first, then by name."""
    return sorted(found.values(), key=lambda c: (-SEVERITY_RANK[KINDS[c.kind].severity], c.kind))


def channels_text(channel_cpus: tuple[int, ...], given: tuple[int, ...] = ()) -> str:
    """` (VMBus channels on CPU 1)` unless they are on CPU 0 alone (the default) and none of `given` was left out."""
    left_out = any(c not in channel_cpus for c in given)
    return "" if channel_cpus == (0,) and not left_out else f" ({channels_assumption(channel_cpus, given)})"


def channels_assumption(channel_cpus: tuple[int, ...], given: tuple[int, ...] = ()) -> str:
    """Where the VMBus channels are, always said (the default too): every row of a matrix rests on it. CPUs of
    `given` (--channel-cpus) that are not in `channel_cpus` were beyond the CPU count: say they were left out."""
    default = " (the default)" if channel_cpus == (0,) and given in ((), (0,)) else ""
    beyond = [c for c in given if c not in channel_cpus]
    left_out = f" ({','.join(map(str, beyond))} beyond the CPU count: left out)" if beyond else ""
    return f"VMBus channels on {_cpu_list(channel_cpus)}{default}{left_out}"


def _cpu_list(cpus: tuple[int, ...]) -> str:
    return f"CPU {','.join(map(str, cpus))}" if cpus else "no CPU"


def print_result(console: Console, r: ExploreResult, given: tuple[int, ...] = ()) -> None:
    """One configuration's counterexamples; `given`: the --channel-cpus, to name those beyond the CPU count."""
    cfg = r.config
    mode = "any order (orders the kernel cannot produce included)" if r.any_order else "kernel orders only"
    bound = "exhaustive" if r.depth is None else f"depth {r.depth}"
    channels = channels_text(cfg.channel_cpus, given)
    console.print(f"[bold]synic explore[/]: {cfg.partition} / {cfg.mshv} / {cfg.hypervisor}, {cfg.cpus} CPUs{channels}, {bound}, {mode}")
    style = "green" if r.fixpoint else "yellow"
    console.print(f"[{style}]{proof_line(r)}[/] in {r.elapsed:.1f} s, peak {r.peak_mb:.0f} MB", highlight=False, soft_wrap=True)
    table = Table(title="Shortest counterexample per finding kind", title_justify="left", caption=REFUSED_MEANS, caption_justify="left")
    for col in ("kind", "severity", "steps", "sequence"):
        table.add_column(col, overflow="fold")
    for c in ordered(r.found):
        seq = sequence_text(c.steps) + ("" if c.kernel_order else "  [yellow](not a kernel order)[/]")
        sev = KINDS[c.kind].severity
        table.add_row(c.kind, f"[{SEVERITY_STYLE[sev]}]{sev}[/]", str(len(c.steps)), seq)
    console.print(table)
    missing = [k for k in KIND_NAMES if k not in r.found]
    if not missing:
        return
    if r.fixpoint:
        text = f"[green]not reachable by any sequence on {_cpus(cfg.cpus)} (proved, in this model)[/]: {', '.join(missing)}"
    elif r.stopped:
        text = f"not found before the search stopped at depth {len(r.levels)}: {', '.join(missing)}"
    else:
        text = f"not reachable within depth {r.depth}: {', '.join(missing)}"
    console.print(text, soft_wrap=True)


def write_counterexamples(r: ExploreResult, out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        for c in ordered(r.found):
            write_atomic(out / f"{c.kind}.json", json.dumps(c.scenario(r.config), indent=2) + "\n")
    except OSError as exc:
        raise InputError(f"{out}: cannot write counterexamples: {exc.strerror or exc}") from None


# -- several configurations on the worker processes -------------------------------------------
def _run_jobs(opts: Options, configs: list[SessionConfig], what: str) -> tuple[dict[int, ExploreResult], bool]:
    """Run every configuration (largest first) on `opts.jobs` processes; (results by index, interrupted?)."""
    per_job = opts.memory_mb / min(opts.jobs, len(configs))
    jobs = [Job(i, c, opts.depth, opts.any_order, per_job) for i, c in enumerate(configs)]
    jobs.sort(key=lambda j: -j.config.cpus)
    results: dict[int, ExploreResult] = {}
    err = make_console(stderr=True)
    latest: dict[int, JobStatus] = {}
    try:
        with WorkerPool(min(opts.jobs, len(jobs))) as pool, _progress(err, what + " {task.completed}/{task.total}", TABLE_COLUMNS) as bar:
            task = bar.add_task("explore", total=len(jobs), states=0, depth=0)

            def done(index: int, r: Result) -> None:
                assert isinstance(r, ExploreResult)
                results[index] = r
                latest.pop(index, None)
                bar.update(task, completed=len(results))

            def status(s: JobStatus) -> None:
                latest[s.index] = s
                bar.update(task, states=sum(x.states for x in latest.values()), depth=max(x.depth for x in latest.values()))

            pool.run(jobs, done, status)
    except KeyboardInterrupt:
        return results, True
    return results, False


def run_per_cpus(opts: Options) -> int:
    """`--cpus A-B`: one row per CPU count; which kinds are reachable, and when the set stops changing."""
    low, high = opts.cpus
    configs = [opts.config(n) for n in range(low, high + 1)]
    results, interrupted = _run_jobs(opts, configs, "CPU counts")
    rows = [results[i] for i in sorted(results)]
    if opts.as_json:
        print(json.dumps(per_cpus_dict(rows, interrupted, opts.channel_cpus), indent=1))
    else:
        print_per_cpus(make_console(), opts, rows, interrupted)
    return _many_exit(rows, interrupted, failing=True)


def _many_exit(rows: list[ExploreResult], interrupted: bool, failing: bool) -> int:
    if interrupted or any(r.stopped and r.stopped not in MEMORY_STOPS for r in rows):
        return EXIT_INTERRUPTED
    if any(r.stopped in MEMORY_STOPS for r in rows):
        return EXIT_NO_MEMORY
    return int(failing and any(KINDS[k].severity in FAILING for r in rows for k in r.found))


def stable_from(rows: list[ExploreResult]) -> int | None:
    """The smallest N from which the set of reachable kinds no longer changes (over the rows given)."""
    if not rows:
        return None
    last = set(rows[-1].found)
    n = rows[-1].config.cpus
    for r in reversed(rows):
        if set(r.found) != last:
            break
        n = r.config.cpus
    return n


def _row_dict(r: ExploreResult) -> dict[str, Any]:
    return {
        "cpus": r.config.cpus,
        "channel_cpus": list(r.config.channel_cpus),  # those of --channel-cpus below this count
        "fixpoint": r.fixpoint,
        "diameter": r.diameter if r.fixpoint else None,
        "stopped": r.stopped,
        "states": r.states,
        "transitions": r.transitions,
        "seconds": round(r.elapsed, 3),
        "reachable": {c.kind: len(c.steps) for c in ordered(r.found)},
    }


def per_cpus_dict(rows: list[ExploreResult], interrupted: bool, channel_cpus: tuple[int, ...]) -> dict[str, Any]:
    """`--cpus A-B --json`; `channel_cpus` as given (each row has those below its count)."""
    cfg = rows[0].config if rows else None
    settings = {"partition": cfg.partition, "mshv": cfg.mshv, "hypervisor": cfg.hypervisor} if cfg else {}
    return {
        "settings": settings | {"channel_cpus": list(channel_cpus)} if cfg else {},
        "complete": not interrupted,
        "per_cpus": [_row_dict(r) for r in rows],
        "kinds_stable_from": stable_from(rows),
    }


def print_per_cpus(console: Console, opts: Options, rows: list[ExploreResult], interrupted: bool) -> None:
    bound = "exhaustive" if opts.depth is None else f"depth {opts.depth}"
    table = Table(
        title=f"Finding kinds reachable per CPU count: {opts.partition} / {opts.mshv} / {opts.hypervisor}, {bound}, "
        f"{channels_assumption(opts.channel_cpus)}"
        + (" (each N keeps those below it)" if any(c >= opts.cpus[0] for c in opts.channel_cpus) else ""),
        title_justify="left",
        caption="reachable: kind and length of its shortest sequence; proved (D): fixpoint at depth D, so a kind "
        "not listed is unreachable on that many CPUs; " + ", ".join(f"{c} {k}" for k, c in CODES.items()) + f"; {REFUSED_MEANS}",
        caption_justify="left",
    )
    table.add_column("CPUs", justify="right", no_wrap=True)
    table.add_column("proof", no_wrap=True)
    table.add_column("states", justify="right", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("reachable (shortest)")
    table.add_column("vs N-1", no_wrap=True)
    prev: set[str] | None = None
    for r in rows:
        kinds = set(r.found)
        change = "" if prev is None else "same" if kinds == prev else _diff(prev, kinds)
        prev = kinds
        table.add_row(str(r.config.cpus), proof_cell(r), f"{r.states:,}", f"{r.elapsed:.1f} s", _reachable(r), change)
    console.print(table)
    for line in per_cpus_conclusion(opts, rows, interrupted):
        console.print(line, highlight=False, soft_wrap=True)


def _reachable(r: ExploreResult) -> str:
    return (
        " ".join(f"[{SEVERITY_STYLE[KINDS[c.kind].severity]}]{CODES[c.kind]}[/] {len(c.steps)}" for c in ordered(r.found)) or "[dim]none[/]"
    )


def per_cpus_conclusion(opts: Options, rows: list[ExploreResult], interrupted: bool) -> list[str]:
    out: list[str] = []
    if interrupted:
        missing = sorted(set(range(opts.cpus[0], opts.cpus[1] + 1)) - {r.config.cpus for r in rows})
        out.append(f"[yellow]interrupted: no result for {', '.join(map(str, missing))} CPUs[/]")
    if len(rows) < 2:
        return out
    n0 = stable_from(rows)
    top = rows[-1].config.cpus
    proved = all(r.fixpoint for r in rows)
    what = "proved at each fixpoint" if proved else "within the bound, not a proof"
    if n0 is not None and n0 < top:
        out.append(f"The set of reachable kinds stopped changing at {_cpus(n0)}: the same from {n0} to {top} CPUs ({what}).")
    else:
        out.append(f"The set of reachable kinds still changed at {_cpus(top)} ({what}).")
    out.append(f"Nothing is claimed beyond {_cpus(top)}.")
    return out


def _cpus(n: int) -> str:
    return f"{n} CPU" + "s" * (n != 1)


def _diff(before: set[str], after: set[str]) -> str:
    parts = [f"+{CODES[k]}" for k in KIND_NAMES if k in after - before]
    parts += [f"-{CODES[k]}" for k in KIND_NAMES if k in before - after]
    return " ".join(parts)


def _cells(r: ExploreResult) -> list[str]:
    cells = []
    for k in KIND_NAMES:
        style = SEVERITY_STYLE[KINDS[k].severity]
        cells.append(f"[{style}]{len(r.found[k].steps)}[/]" if k in r.found else "[dim]·[/]")
    return cells


# -- the matrix -------------------------------------------------------------------------------
def run_matrix(opts: Options) -> int:
    configs = [
        opts.config(n, p, v, h)
        for n in range(opts.cpus[0], opts.cpus[1] + 1)
        for p in PARTITION_NAMES
        for v in (*BUILTIN_NAMES, *opts.extra_versions)
        for h in PROFILE_NAMES
    ]
    results, interrupted = _run_jobs(opts, configs, "configurations")
    rows = [results[i] for i in sorted(results)]
    if opts.as_json:
        print(json.dumps([_matrix_row(r) for r in rows], indent=1))
    else:
        console = make_console()
        for n in range(opts.cpus[0], opts.cpus[1] + 1):
            print_matrix(console, [r for r in rows if r.config.cpus == n], opts.depth, opts.config(n), opts.channel_cpus)
        if interrupted:
            console.print(
                f"[yellow]interrupted: {len(rows)} of {len(configs)} configurations finished; no result for the others[/]",
                highlight=False,
                soft_wrap=True,
            )
    return _many_exit(rows, interrupted, failing=True)


def _matrix_row(r: ExploreResult) -> dict[str, Any]:
    c = r.config
    return {"partition": c.partition, "mshv": c.mshv, "hypervisor": c.hypervisor} | _row_dict(r)


def matrix_table(title: str, legend: str, cell_width: int) -> Table:
    """The explorer's matrix: one row per configuration, one column per finding kind, then the proof."""
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        title_justify="left",
        caption=f"{legend}; " + ", ".join(f"{c} {k}" for k, c in CODES.items()) + f"; {REFUSED_MEANS}",
        caption_justify="left",
    )
    for col in ("partition", "mshv", "hypervisor"):
        table.add_column(col, no_wrap=True)
    for k in KIND_NAMES:
        table.add_column(CODES[k], justify="right", min_width=cell_width, no_wrap=True)
    table.add_column("proof", justify="right", no_wrap=True)
    return table


def print_matrix(console: Console, rows: list[ExploreResult], depth: int | None, config: SessionConfig, given: tuple[int, ...]) -> None:
    """The matrix on `config.cpus` CPUs; `config` holds what every row shares (the CPUs, the channel CPUs of
    `given` below that count)."""
    bound = "exhaustive" if depth is None else f"depth {depth}"
    table = matrix_table(
        f"Finding kinds each configuration can reach ({_cpus(config.cpus)}, {bound}, kernel orders, "
        f"{channels_assumption(config.channel_cpus, given)})",
        "number = length of the shortest sequence; · = not reachable; proof: ✓ D = fixpoint at depth D, so a · is "
        "unreachable by any sequence on that many CPUs",
        cell_width=2,
    )
    for r in rows:
        c = r.config
        table.add_row(c.partition, c.mshv, c.hypervisor, *_cells(r), proof_cell(r, short=True))
    console.print(table)
