"""Patch files with many rules: `synic versions show`, `versions diff` and `run --mshv` must stay linear in the rules."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

SYNIC = Path(sys.executable).parent / "synic"
COMMANDS = {
    "versions show": ("versions", "show", "{file}"),
    "versions diff": ("versions", "diff", "v4", "{file}"),
    "run --mshv": ("run", "l1vh-v4-kexec", "--mshv", "{file}"),
}


def patch_file(path: Path, rules: int) -> Path:
    """A patch file based on v4 whose mshv_exit is `rules` ops (100,000 is about 10 MB, under the 16 MiB limit)."""
    op = '[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = {{ masked = 1 }}\nsource = "fn_{i}"\n'
    path.write_text('name = "many"\nbased_on = "v4"\n' + "".join(op.format(i=i) for i in range(rules)), "utf-8")
    return path


def cpu_seconds(args: tuple[str, ...]) -> float:
    proc = subprocess.Popen([str(SYNIC), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped by wait4
    return usage.ru_utime + usage.ru_stime


def rules_cost(small: int = 10_000, large: int = 100_000) -> dict[str, tuple[float, float]]:
    """CPU seconds of each command on `small` and on `large` rules (linear: large/small near large/small rules)."""
    out: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = {n: patch_file(Path(tmp) / f"rules-{n}.toml", n) for n in (small, large)}
        for name, args in COMMANDS.items():
            out[name] = tuple(cpu_seconds(tuple(a.format(file=files[n]) for a in args)) for n in (small, large))  # type: ignore[assignment]
    return out
