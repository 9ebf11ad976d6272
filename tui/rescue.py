"""When the dashboard meets an internal error, the session on screen is saved before the app exits."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from synic_core import Session
from synic_core.scenarios.scenario import session_scenario
from synic_core.storage.atomic import write_atomic
from synic_core.storage.crash_report import report_dir


def rescue_session(session: Session) -> Path | None:
    """Write the session as a scenario file beside the crash reports; where it went, or None."""
    name = f"session-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.json"
    text = json.dumps(session_scenario(session, title="rescued after an internal error").dump(), indent=2) + "\n"
    try:
        folder = report_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(folder / name, text)
    except OSError:
        return None
    return folder / name
