"""An unexpected internal error: its own exit code, and a report file instead of a traceback on the terminal.

Exit codes of `synic`: 0 clean, 1 findings at error or above, 2 bad input, 70 internal error
(EX_SOFTWARE from sysexits.h), 141 the reader of the output went away.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from synic_core.system.package import package_version

EXIT_INTERNAL: Final = 70
STATE_VARIABLE: Final = "XDG_STATE_HOME"


def report_dir() -> Path:
    """`$XDG_STATE_HOME/synic-lab/crashes` (default ~/.local/state/...); a relative XDG_STATE_HOME is ignored."""
    base = os.environ.get(STATE_VARIABLE, "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "synic-lab" / "crashes"


def report_text(exc: BaseException, argv: Sequence[str]) -> str:
    lines = [
        "SynIC Lab internal error report",
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"synic-lab: {package_version()}",
        f"python: {platform.python_version()} ({sys.executable})",
        f"platform: {platform.platform()}",
        f"command: synic {' '.join(argv)}",
        "",
        *traceback.format_exception(exc),
    ]
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"


def write_report(exc: BaseException, argv: Sequence[str] | None = None) -> Path | None:
    """Write the report (readable by the user only); where it went, or None when nowhere was writable."""
    from synic_core.storage.atomic import write_atomic

    text = report_text(exc, list(sys.argv[1:] if argv is None else argv))
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for folder in (report_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = folder / (name if folder == report_dir() else f"synic-lab-{name}")
            write_atomic(path, text)
            os.chmod(path, 0o600)
            return path
        except OSError:
            continue
    return None
