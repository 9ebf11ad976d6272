"""The cost of a big session: `synic run` on 4096 CPUs x 100 load/unload steps, in its own process."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYNIC = Path(sys.executable).parent / "synic"


def big_scenario(cpus: int = 4096, steps: int = 100) -> dict[str, object]:
    """VMBus loaded and unloaded on every CPU, `steps` times in all: 4 writes per CPU per step."""
    return {"cpus": cpus, "steps": [{"action": "vmbus_load" if i % 2 == 0 else "vmbus_unload"} for i in range(steps)]}


def run_once(path: Path, *args: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident MB) of one `synic run FILE` process, its output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(SYNIC), "run", str(path), *args], stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = 0  # reaped by wait4
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def session_cost(runs: int = 3, *args: str) -> tuple[float, float, float]:
    """Median wall and CPU seconds, and the largest peak memory, over `runs` runs (CPU time is what a busy machine
    does not inflate: wall time there includes waiting for a core)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big-4096x100.json"
        path.write_text(json.dumps(big_scenario()), "utf-8")
        samples = [run_once(path, *args) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples), max(s[2] for s in samples)
