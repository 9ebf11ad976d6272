"""The cost of a big session: `synic run` on 4096 CPUs x 100 load/unload steps, in its own process."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import measured

SYNIC = Path(sys.executable).parent / "synic"


def big_scenario(cpus: int = 4096, steps: int = 100) -> dict[str, object]:
    """VMBus loaded and unloaded on every CPU, `steps` times in all: 4 writes per CPU per step."""
    return {"cpus": cpus, "steps": [{"action": "vmbus_load" if i % 2 == 0 else "vmbus_unload"} for i in range(steps)]}


def run_once(path: Path, *args: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident MB) of one `synic run FILE` process, its output discarded (measured from a
    small process of its own: `bench.measure`)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        _, peak, cpu = measured([str(SYNIC), "run", str(path), *args], Path(tmp) / "out", Path(tmp) / "err")
        wall = time.perf_counter() - start
    return wall, cpu, peak


def session_cost(runs: int = 3, *args: str) -> tuple[float, float, float]:
    """Median wall and CPU seconds, and the largest peak memory, over `runs` runs (CPU time is what a busy machine
    does not inflate: wall time there includes waiting for a core)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big-4096x100.json"
        path.write_text(json.dumps(big_scenario()), "utf-8")
        samples = [run_once(path, *args) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples), max(s[2] for s in samples)
