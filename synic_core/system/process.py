"""This process as Linux's /proc describes it, with a fallback where /proc is missing (one reader for all)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys
from typing import Final

PR_SET_PDEATHSIG: Final = 1


def proc_field(name: str, path: str = "/proc/self/status") -> str | None:
    """The value after `name:` in a /proc file of `key: value` lines, or None (no /proc, no such field)."""
    prefix = f"{name}:"
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(prefix):
                    return line[len(prefix) :].strip()
    except (OSError, UnicodeDecodeError):
        pass
    return None


def _kib_field(name: str, path: str = "/proc/self/status") -> float | None:
    value = proc_field(name, path)
    try:
        return int(value.split()[0]) / 1024 if value else None
    except (ValueError, IndexError):
        return None


def umask() -> int:
    """The process umask, read without changing it where /proc has it."""
    value = proc_field("Umask")
    with contextlib.suppress(ValueError, TypeError):
        return int(value or "", 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def rss_mb() -> float:
    """Resident memory of this process now, in MB (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def peak_rss_mb() -> float:
    """Peak resident memory so far: VmHWM (ru_maxrss also counts what a parent had before exec)."""
    peak = _kib_field("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def available_mb() -> float:
    """MemAvailable from /proc/meminfo (or a modest guess where there is none)."""
    available = _kib_field("MemAvailable", "/proc/meminfo")
    return available if available is not None else 4096.0


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (a no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
