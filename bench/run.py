"""`make bench`: measures side by side in one run, prints the figures, then `ratio NAME VALUE` lines,
and keeps the latest table in BENCHMARKS.md."""

from __future__ import annotations

import compileall
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synic_core.versions.registry import session_config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.explore_bench import (  # noqa: E402
    every_cpu_count,
    every_cpu_count_proofs,
    explicit_five,
    fast_vs_reference,
    matrix,
    matrix_every_cpu_count,
    matrix_proofs,
    per_cpus,
    per_cpus_table,
)
from bench.patch_rules import rules_cost  # noqa: E402
from bench.repaint import grid_4096_vs_64, grid_vs_datatable  # noqa: E402
from bench.session_cost import session_cost  # noqa: E402
from bench.trace_bench import trace_check_vs_split_loop, trace_memory  # noqa: E402
from synic_core import Session  # noqa: E402
from synic_core.explore.reference import explore  # noqa: E402
from synic_core.scenarios.scenario import builtin_data  # noqa: E402
from synic_core.storage.atomic import write_atomic  # noqa: E402

BIN = Path(sys.executable).parent


def wall(cmd: list[str], runs: int = 9) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False, cwd=ROOT)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def paired(a: list[str], b: list[str], runs: int = 15) -> tuple[float, float, float]:
    """Run a and b alternately `runs` times: (median wall of a, median wall of b, median of the paired ratios a/b)."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(runs):
        for cmd, out in ((a, ta), (b, tb)):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False, cwd=ROOT)
            out.append(time.perf_counter() - start)
    return statistics.median(ta), statistics.median(tb), statistics.median(x / y for x, y in zip(ta, tb, strict=True))


def compiled_like_an_install() -> None:
    """Byte-compile the project, as installing it does: pydantic's modules are compiled, and the start-up ratio
    must not count compiling ours from source on every run (PYTHONDONTWRITEBYTECODE=1 never writes them)."""
    for package in ("synic_core", "tui"):
        compileall.compile_dir(ROOT / package, quiet=1)


def startup() -> tuple[list[tuple[str, str]], list[tuple[str, float, str]]]:
    """`synic run --json` on a built-in scenario (read without pydantic) and on the same scenario as a user's
    file (checked by the pydantic schema), each paired with importing pydantic."""
    compiled_like_an_install()
    baseline = [sys.executable, "-c", "from pydantic import BaseModel"]
    with tempfile.TemporaryDirectory() as tmp:
        user_file = Path(tmp) / "kexec.json"
        user_file.write_text(json.dumps(builtin_data("l1vh-v4-kexec")), "utf-8")
        t_run, t_pyd, r_run = paired([str(BIN / "synic"), "run", "l1vh-v4-kexec", "--json"], baseline)
        t_file, t_pyd2, r_file = paired([str(BIN / "synic"), "run", str(user_file), "--json"], baseline)
    rows = [
        ("synic run l1vh-v4-kexec --json (wall, median of 15 paired runs)", f"{t_run * 1000:.0f} ms"),
        ('python -c "from pydantic import BaseModel" (paired with it)', f"{t_pyd * 1000:.0f} ms"),
        ("synic run kexec.json --json, the same scenario as a user's file (checked by pydantic)", f"{t_file * 1000:.0f} ms"),
        ('python -c "from pydantic import BaseModel" (paired with that)', f"{t_pyd2 * 1000:.0f} ms"),
    ]
    ratios = [
        ("headless_vs_pydantic", r_run, "goal <= 1.5"),
        ("headless_file_vs_pydantic", r_file, "reported: a user's file builds the pydantic schema"),
    ]
    return rows, ratios


def explore_dedup_vs_naive(depth: int = 5) -> tuple[float, float, int, int]:
    config = session_config(partition="l1vh", mshv="patch5-only", cpus=2)
    t0 = time.perf_counter()
    dedup = explore(config, depth)
    t1 = time.perf_counter()
    naive = explore(config, depth, dedup=False, symmetry=False)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, dedup.transitions, naive.transitions


def kexec_4096() -> float:
    s = Session(session_config(partition="l1vh", mshv="v4", cpus=4096))
    s.apply("vmbus_load")
    s.apply("mshv_init")
    start = time.perf_counter()
    s.apply("kexec")
    return time.perf_counter() - start


def main() -> None:
    rows: list[tuple[str, str]] = []
    ratios: list[tuple[str, float, str]] = []

    grid, table = grid_vs_datatable()
    rows += [
        ("repaint after one change, 256 CPUs x 16 columns: our grid", f"{grid * 1000:.2f} ms CPU"),
        ("the same with Textual's DataTable.update_cell", f"{table * 1000:.2f} ms CPU"),
    ]
    ratios.append(("grid_vs_datatable", table / grid, "goal >= 50"))

    big, small = grid_4096_vs_64()
    rows += [
        ("repaint after one write, 4096 CPUs (scrolled to CPU 3000)", f"{big * 1000:.2f} ms CPU"),
        ("repaint after one write, 64 CPUs", f"{small * 1000:.2f} ms CPU"),
    ]
    ratios.append(("grid_4096_vs_64", big / small, "goal <= 1.5"))

    t_dedup, t_naive, n_dedup, n_naive = explore_dedup_vs_naive()
    rows += [
        (f"explore depth 5, l1vh patch5-only, 2 CPUs, deduplicated ({n_dedup} transitions)", f"{t_dedup:.3f} s"),
        (f"the same, naive enumeration ({n_naive} transitions)", f"{t_naive:.3f} s"),
    ]
    ratios.append(("explore_dedup_vs_naive", t_naive / t_dedup, "speed-up of dedup + symmetry (reported)"))

    vs = fast_vs_reference(3)
    rows += [
        (f"explore l1vh/v4 3 CPUs to the fixpoint, fast search ({vs.states:,} states, {vs.transitions:,} transitions)", f"{vs.fast:.2f} s"),
        (f"the same, reference search (same answers: {'yes' if vs.same else 'NO'})", f"{vs.reference:.1f} s"),
    ]
    ratios.append(("explore_fast_vs_reference", vs.reference / vs.fast, "goal >= 10"))

    startup_rows, startup_ratios = startup()
    rows += startup_rows
    ratios += startup_ratios

    trace_rows, trace_ratio = trace_check_vs_split_loop()
    rows += trace_rows
    ratios.append(("trace_check_vs_split_loop", trace_ratio, "goal <= 5"))
    memory_rows, memory_peak = trace_memory()
    rows += memory_rows
    ratios.append(("trace_memory_5m_writes_mb", memory_peak, "goal < 150 (peak MB of synic trace --check on 5,000,000 writes)"))

    rows.append(("kexec on 4096 CPUs in the engine", f"{kexec_4096() * 1000:.0f} ms"))
    big_wall, big_cpu, big_mb = session_cost()
    rows += [
        ("synic run, 4096 CPUs x 100 VMBus load/unload steps (1.6M writes), wall, median of 3", f"{big_wall:.1f} s"),
        ("the same, CPU time (user + system)", f"{big_cpu:.1f} s"),
        ("the same, peak memory (max RSS of the process)", f"{big_mb:.0f} MB"),
    ]
    json_wall, json_cpu, json_mb = session_cost(3, "--json")
    rows += [
        ("the same with --json (streamed): wall, CPU, peak memory", f"{json_wall:.1f} s, {json_cpu:.1f} s, {json_mb:.0f} MB"),
    ]
    for name, (small, large) in rules_cost().items():
        rows.append((f"synic {name} on a patch file of 10,000 / 100,000 rules: CPU time", f"{small:.1f} s / {large:.1f} s"))
        ratios.append((f"rules_100k_vs_10k_{name.split()[-1].strip('-')}", large / small, "linear: <= 12 (10x the rules)"))
    per_n = per_cpus(4)
    four = per_n[-1]
    rows += [
        ("synic explore --cpus 4 --exhaustive (l1vh/v4/strict), its own process", f"{four['seconds']:.1f} s"),
        ("the same, peak memory (VmHWM of that process)", f"{four['peak_mb']:.0f} MB"),
    ]
    m2, t_m2 = matrix(2)
    rows.append(("synic explore --all --exhaustive --cpus 2 (40 configurations to the fixpoint, 2 processes)", f"{t_m2:.1f} s"))
    m3, t_m3 = matrix(3)
    rows.append(("synic explore --all --exhaustive --cpus 3 (the same on 3 CPUs)", f"{t_m3:.1f} s"))
    every, t_every = every_cpu_count()
    rows += [
        (f"synic explore --cpus all (l1vh/v4/strict, {every['abstract']['states']:,} abstract states), wall", f"{t_every:.1f} s"),
        ("the same, peak memory (VmHWM of that process)", f"{every['peak_mb']:.0f} MB"),
    ]
    five, t_five = explicit_five()  # minutes: once
    rows += [
        (f"synic explore --cpus 5 --exhaustive (l1vh/v4/strict, {five['states']:,} states), wall", f"{t_five:.1f} s"),
        ("the same, peak memory", f"{five['peak_mb']:.0f} MB"),
    ]
    ratios.append(("explore_all_n_vs_explicit_5", t_five / t_every, "goal >= 20 (every N against 5 CPUs only)"))
    m_all, t_m_all = matrix_every_cpu_count()
    rows.append(("synic explore --all --cpus all (40 configurations, every CPU count, 2 processes)", f"{t_m_all:.1f} s"))

    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for ratio, number, _ in ratios:
        print(f"ratio {ratio} {number:.2f}")
    sections = [
        "## The explorer to the fixpoint, per CPU count (`l1vh` / `v4` / `strict`, kernel orders)",
        "",
        "Each row is `synic explore --cpus N --exhaustive` in its own process; time and peak memory are that process's.",
        "",
        *per_cpus_table(per_n),
        "",
        "## What the exhaustive matrix proves, per MSHV version",
        "",
        "From `synic explore --all --exhaustive`: the shortest hypervisor fault of each version on each partition "
        "(strict profile), or its absence for every sequence of any length on that many CPUs (a fixpoint), and the "
        "error kinds that remain reachable.",
        "",
        *matrix_proofs(m2, 2),
        "",
        *matrix_proofs(m3, 3),
        "",
        "## Every CPU count",
        "",
        "From `synic explore --all --cpus all`: N = 1 searched explicitly, every N >= 2 by the abstraction of "
        "docs/explorer.md; each fault is a replayed counterexample with the smallest CPU count that realises it. "
        f"{len(m_all)} configurations, {sum(r['spurious'] for r in m_all)} spurious abstract counterexamples.",
        "",
        *every_cpu_count_proofs(m_all),
    ]
    write_report(rows, ratios, sections)


def write_report(rows: list[tuple[str, str]], ratios: list[tuple[str, float, str]], sections: list[str]) -> None:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Latest `make bench` run: {when}, {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}. Measured side by side in one run; absolute times on a shared machine "
        "are noisy, the ratios are what to compare.",
        "",
        "| measurement | value |",
        "|---|---|",
    ]
    lines += [f"| {n} | {v} |" for n, v in rows]
    lines += ["", "| ratio | value | target |", "|---|---|---|"]
    lines += [f"| `{n}` | {v:.2f} | {g} |" for n, v, g in ratios]
    lines += ["", *sections]
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text("utf-8").strip()]
    write_atomic(ROOT / "BENCHMARKS.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
