"""Explorer benchmarks for `make bench`: the fast search against the reference, the per-CPU-count
table to the fixpoint, and what the exhaustive matrix proves per MSHV version."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synic_core.explore.fast import search
from synic_core.explore.reference import explore
from synic_core.versions.registry import session_config

ROOT = Path(__file__).resolve().parent.parent
SYNIC = [sys.executable, "-m", "synic_core"]
REFERENCE_DEPTH = 1000  # more than any diameter: the reference then also runs to the fixpoint


@dataclass(frozen=True, slots=True)
class Versus:
    fast: float
    reference: float
    states: int
    transitions: int
    same: bool  # same states, transitions, levels, kinds and shortest lengths


def fast_vs_reference(cpus: int = 3) -> Versus:
    """Exhaustive l1vh/v4/strict on `cpus` CPUs, both searches in this process, one after the other."""
    config = session_config(partition="l1vh", mshv="v4", hypervisor="strict", cpus=cpus)
    t0 = time.perf_counter()
    fast = search(config)
    t1 = time.perf_counter()
    ref = explore(config, REFERENCE_DEPTH)
    t2 = time.perf_counter()
    same = (fast.states, fast.transitions, fast.levels, {k: len(c.steps) for k, c in fast.found.items()}) == (
        ref.states,
        ref.transitions,
        ref.levels,
        {k: len(c.steps) for k, c in ref.found.items()},
    )
    return Versus(t1 - t0, t2 - t1, fast.states, fast.transitions, same and fast.fixpoint and ref.fixpoint)


def explore_json(*args: str) -> tuple[Any, float]:
    """Run `synic explore ... --json` in its own process (so its peak memory is its own); (data, wall seconds)."""
    start = time.perf_counter()
    proc = subprocess.run([*SYNIC, "explore", *args, "--json"], capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"synic explore {' '.join(args)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return json.loads(proc.stdout), wall


def per_cpus(top: int = 4, mshv: str = "v4") -> list[dict[str, Any]]:
    """l1vh/`mshv`/strict to the fixpoint for 1..top CPUs, one process each (time and peak memory per N)."""
    rows = []
    for n in range(1, top + 1):
        data, wall = explore_json("--partition", "l1vh", "--mshv", mshv, "--cpus", str(n), "--exhaustive")
        data["wall"] = wall
        rows.append(data)
    return rows


def per_cpus_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| CPUs | distinct states | transitions | levels to fixpoint | time | peak memory | reachable kinds (shortest) |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in rows:
        kinds = ", ".join(f"{k} {v['length']}" for k, v in d["counterexamples"].items())
        lines.append(
            f"| {d['settings']['cpus']} | {d['states']:,} | {d['transitions']:,} | {d['diameter']} | {d['seconds']:.1f} s "
            f"| {d['peak_mb']:.0f} MB | {kinds} |"
        )
    return lines


def matrix(cpus: int) -> tuple[list[dict[str, Any]], float]:
    data, wall = explore_json("--all", "--exhaustive", "--cpus", str(cpus))
    return data, wall


ERROR_KINDS = ("foreign_write", "pulled_from_under", "stale_state", "dangling_page")


def proof_table(rows: list[dict[str, Any]], heading: str, fault: Callable[[dict[str, Any]], str], none: str) -> list[str]:
    """Per MSHV version and partition (strict profile): `fault(row)` where a hypervisor fault is reachable, `none` and the
    error kinds that remain reachable where its absence is proved, "no proof" where the search did not finish."""
    versions = list(dict.fromkeys(r["mshv"] for r in rows))
    partitions = list(dict.fromkeys(r["partition"] for r in rows))
    lines = [f"| mshv ({heading}, strict) | " + " | ".join(partitions) + " |", "|---" * (len(partitions) + 1) + "|"]
    for v in versions:
        cells = []
        for p in partitions:
            r = next(x for x in rows if (x["partition"], x["mshv"], x["hypervisor"]) == (p, v, "strict"))
            if not r["fixpoint"]:
                cells.append("no proof")
            elif "hypervisor_fault" in r["reachable"]:
                cells.append(fault(r))
            else:
                errors = [k for k in ERROR_KINDS if k in r["reachable"]]
                cells.append(none + (f"; {', '.join(errors)}" if errors else ""))
        lines.append(f"| `{v}` | " + " | ".join(cells) + " |")
    return lines


def matrix_proofs(rows: list[dict[str, Any]], cpus: int) -> list[str]:
    """Per MSHV version and partition (strict profile): the shortest hypervisor fault, or its proved absence."""
    return proof_table(rows, f"{cpus} CPUs", lambda r: f"fault in {r['reachable']['hypervisor_fault']}", "no fault (proved)")


def every_cpu_count(mshv: str = "v4") -> tuple[dict[str, Any], float]:
    """`synic explore --cpus all` for l1vh/`mshv`/strict in its own process: (its JSON, wall seconds)."""
    return explore_json("--partition", "l1vh", "--mshv", mshv, "--cpus", "all")


def explicit_five() -> tuple[dict[str, Any], float]:
    """The explicit 5-CPU search of l1vh/v4/strict to the fixpoint (minutes: run it once per `make bench`)."""
    return explore_json("--partition", "l1vh", "--mshv", "v4", "--cpus", "5", "--exhaustive")


def matrix_every_cpu_count() -> tuple[list[dict[str, Any]], float]:
    data, wall = explore_json("--all", "--cpus", "all")
    return data, wall


def every_cpu_count_proofs(rows: list[dict[str, Any]]) -> list[str]:
    """Per MSHV version and partition (strict profile), over every number of CPUs: the shortest hypervisor
    fault and the CPUs it needs, or its proved absence, and the error kinds that remain reachable."""

    def fault(r: dict[str, Any]) -> str:
        n = r["counterexample_cpus"]["hypervisor_fault"]
        return f"fault in {r['reachable']['hypervisor_fault']} ({n} CPU{'s' * (n != 1)})"

    return proof_table(rows, "every CPU count", fault, "no fault on any N (proved)")
