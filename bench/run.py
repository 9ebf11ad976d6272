"""`make bench`: measures side by side in one run, prints the figures, then `ratio NAME VALUE` lines,
and keeps the latest table in BENCHMARKS.md."""

from __future__ import annotations

import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.repaint import grid_4096_vs_64, grid_vs_datatable  # noqa: E402
from synic_core import Session, SessionConfig  # noqa: E402
from synic_core.atomic import write_atomic  # noqa: E402
from synic_core.explore import explore  # noqa: E402

BIN = Path(sys.executable).parent


def wall(cmd: list[str], runs: int = 9) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False, cwd=ROOT)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def explore_dedup_vs_naive(depth: int = 5) -> tuple[float, float, int, int]:
    config = SessionConfig(partition="l1vh", mshv="patch5-only", cpus=2)
    t0 = time.perf_counter()
    dedup = explore(config, depth)
    t1 = time.perf_counter()
    naive = explore(config, depth, dedup=False, symmetry=False)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, dedup.transitions, naive.transitions


def kexec_4096() -> float:
    s = Session(SessionConfig(partition="l1vh", mshv="v4", cpus=4096))
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

    t_run = wall([str(BIN / "synic"), "run", "l1vh-v4-kexec", "--json"])
    t_py = wall([sys.executable, "-c", "pass"])
    rows += [("synic run l1vh-v4-kexec --json (wall, median of 9)", f"{t_run * 1000:.0f} ms"), ("python -c pass", f"{t_py * 1000:.0f} ms")]
    ratios.append(("headless_vs_python", t_run / t_py, "goal <= 3"))

    rows.append(("kexec on 4096 CPUs in the engine", f"{kexec_4096() * 1000:.0f} ms"))
    t_all = wall([str(BIN / "synic"), "explore", "--all", "--depth", "6", "--cpus", "2"], runs=1)
    rows.append(("synic explore --all --depth 6 --cpus 2 (40 configurations, 2 processes)", f"{t_all:.1f} s"))

    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for name, value, _ in ratios:
        print(f"ratio {name} {value:.2f}")
    write_report(rows, ratios)


def write_report(rows: list[tuple[str, str]], ratios: list[tuple[str, float, str]]) -> None:
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
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text("utf-8").strip()]
    write_atomic(ROOT / "BENCHMARKS.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
