"""A command's exit code, peak memory and CPU time, measured from a small process of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MEASURE = """import os, subprocess, sys
out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "w") as o, open(err, "w") as e:
    child = subprocess.Popen(cmd, stdout=o, stderr=e)
    _, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""
"""Runs a command and prints its exit code, peak RSS (KiB) and CPU seconds. It runs in a small process of its own: a
child's ru_maxrss also counts the memory of the process it was forked from before its exec (a big benchmark, a test
runner), so the command is started from this one."""


def measured(cmd: list[str], stdout: Path, stderr: Path) -> tuple[int, float, float]:
    """(exit code, peak RSS in MB, CPU seconds) of `cmd` in its own process, its output in the two files."""
    report = subprocess.run([sys.executable, "-c", MEASURE, str(stdout), str(stderr), *cmd], capture_output=True, text=True, check=True)
    code, kib, cpu = report.stdout.split()
    return int(code), int(kib) / 1024, float(cpu)
