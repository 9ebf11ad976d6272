"""SynIC Lab's model of the Hyper-V SynIC registers that VMBus and MSHV share.

Pure Python; never imports textual (tests/core/test_layering.py checks it). The names below are
imported when first used, so that a command importing one corner of the model (`synic run`'s
parser, `synic explain`) does not load the engine with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synic_core.model.config import SessionConfig
    from synic_core.model.engine import StepResult, Write
    from synic_core.model.findings import Finding
    from synic_core.model.session import ActionError, Session

__all__ = ["ActionError", "Finding", "Session", "SessionConfig", "StepResult", "Write"]
_HOMES = {
    "ActionError": "model.session",
    "Finding": "model.findings",
    "Session": "model.session",
    "SessionConfig": "model.config",
    "StepResult": "model.engine",
    "Write": "model.engine",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{home}", __name__), name)
