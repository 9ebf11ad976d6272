"""SynIC Lab's model of the Hyper-V SynIC registers that VMBus and MSHV share.

Pure Python; never imports textual (tests/core/test_layering.py checks it).
"""

from .config import SessionConfig
from .engine import StepResult, Write
from .findings import Finding
from .session import ActionError, Session

__all__ = ["ActionError", "Finding", "Session", "SessionConfig", "StepResult", "Write"]
