"""`synic trace BIG --check` against a minimal Python parse of the same file, on a stack trace from a 256-CPU machine.

The trace is the model's own: 256 CPUs, VMBus load, MSHV init and kexec again and again, exported as `trace-cmd report`
prints `msr:write_msr` with `-T` stacks (docs/traces.md). The baseline is the least any Python reader does:
`for l in open(F, "rb"): if b"write_msr:" in l: l.split()`.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import measured
from synic_core.model.session import Session
from synic_core.traces.export import export_lines
from synic_core.versions.registry import session_config

SPLIT_LOOP = 'import sys\nfor l in open(sys.argv[1], "rb"):\n    if b"write_msr:" in l: l.split()\n'


def write_big_trace(path: Path, cpus: int = 256, rounds: int = 40) -> int:
    """The trace file; returns its number of SynIC writes."""
    session = Session(session_config(mshv="v4", partition="l1vh", cpus=cpus))
    for _ in range(rounds):
        for action in ("vmbus_load", "mshv_init", "kexec"):
            session.apply(action)
    with path.open("w") as f:
        f.writelines(line + "\n" for line in export_lines(session, "ftrace", "trace-cmd"))
    return sum(len(step.writes) for step in session.history)


def cpu_seconds(cmd: list[str]) -> tuple[float, float]:
    """(wall, user + system CPU) of one run of `cmd` in its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def trace_check_vs_split_loop(runs: int = 5) -> tuple[list[tuple[str, str]], float]:
    """Rows for the table and the median of the paired CPU-time ratios (CPU time: the machine is shared)."""
    synic = str(Path(sys.executable).parent / "synic")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.txt"
        writes = write_big_trace(big)
        check, loop = [synic, "trace", str(big), "--check", "--quiet"], [sys.executable, "-c", SPLIT_LOOP, str(big)]
        pairs = [(cpu_seconds(check)[1], cpu_seconds(loop)[1]) for _ in range(runs)]
        size = big.stat().st_size
    pairs.sort(key=lambda p: p[0] / p[1])
    t_check, t_loop = pairs[len(pairs) // 2]
    rows = [
        (
            f"synic trace BIG --check, {writes:,} writes with stacks, 256 CPUs, {size >> 20} MB (CPU time, median pair of {runs})",
            f"{t_check:.2f} s",
        ),
        ("the same file through a bare Python split loop (paired with it)", f"{t_loop:.2f} s"),
        ("synic trace --check: SynIC writes a second (CPU time)", f"{writes / t_check:,.0f}"),
    ]
    return rows, t_check / t_loop


STAMP = re.compile(r" (\d+)\.(\d{6}): ")


def write_cycles(path: Path, writes: int, cpus: int = 64, mshv: str = "v4") -> int:
    """VMBus load, MSHV init and kexec on `cpus` CPUs, again and again (10 s apart), as a tracefs trace without stacks,
    at least `writes` long; returns its number of SynIC writes."""
    session = Session(session_config(mshv=mshv, partition="l1vh", cpus=cpus))
    for action in ("vmbus_load", "mshv_init", "kexec"):
        session.apply(action)
    lines = list(export_lines(session, stacks=False))
    header, events = lines[:6], lines[6:]
    cycles = writes // len(events) + 1
    with path.open("w") as f:
        f.writelines(line + "\n" for line in header)
        for cycle in range(cycles):
            f.writelines(later(line, 10 * cycle) + "\n" for line in events)
    return cycles * len(events)


def later(line: str, seconds: int) -> str:
    """The event line `seconds` later."""
    return STAMP.sub(lambda m: f" {int(m[1]) + seconds}.{m[2]}: ", line, count=1)


def trace_memory() -> tuple[list[tuple[str, str]], float]:
    """Peak memory of `synic trace --check` on 1,000,000 and 5,000,000 writes (every write judged); the ratio is the
    larger peak in MB (goal: under 150 whatever the length)."""
    synic = str(Path(sys.executable).parent / "synic")
    rows = []
    peaks = []
    with tempfile.TemporaryDirectory() as tmp:
        for writes in (1_000_000, 5_000_000):
            path = Path(tmp) / f"cycles-{writes}.txt"
            total = write_cycles(path, writes)
            code, mb, cpu = measured([synic, "trace", str(path), "--check", "--quiet"], Path(tmp) / "out", Path(tmp) / "err")
            size = path.stat().st_size >> 20
            path.unlink()
            verdict = "conforms" if code == 0 else f"exit {code}"
            what = f"synic trace --check, {total:,} writes without stacks, 64 CPUs, {size} MB"
            rows.append((f"{what}: peak memory (every write judged; {verdict})", f"{mb:.0f} MB"))
            rows.append(("the same, CPU time (user + system), SynIC writes a second", f"{cpu:.1f} s, {total / cpu:,.0f}"))
            peaks.append(mb)
    return rows, max(peaks)
