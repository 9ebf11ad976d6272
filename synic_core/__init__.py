"""SynIC Lab's model of the Hyper-V SynIC registers that VMBus and MSHV share.

Pure Python; never imports textual (tests/core/test_layering.py checks it). The names below are
imported when first used, so that a command importing one corner of the model (`synic run`'s
parser, `synic explain`) does not load the engine with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import SessionConfig
    from .engine import StepResult, Write
    from .findings import Finding
    from .session import ActionError, Session

__all__ = ["ActionError", "Finding", "Session", "SessionConfig", "StepResult", "Write"]
_HOMES = {
    "ActionError": "session",
    "Finding": "findings",
    "Session": "session",
    "SessionConfig": "config",
    "StepResult": "engine",
    "Write": "engine",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{home}", __name__), name)
