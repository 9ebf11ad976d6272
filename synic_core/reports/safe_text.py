"""Text from outside (files, traces, the environment, the network) made safe to print on a terminal.

C0 and C1 control characters (newline and tab kept where a report asks for them), DEL, and the
bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) are shown as visible escapes
(`\\x1b`, `\\u202e`), so an escape sequence in a scenario title or a trace's task name cannot clear
the screen, set the window title or the clipboard, or reorder what the reader sees. JSON output
keeps the exact string (the JSON encoder escapes it).
"""

from __future__ import annotations

import re
from typing import Final

_BIDI: Final = "\u202a-\u202e\u2066-\u2069"
_UNSAFE: Final = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_NO_LAYOUT: Final = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, keep_layout: bool = False) -> str:
    """`text` with every control, escape and bidi character written out; newline and tab kept only with `keep_layout`."""
    pattern = _UNSAFE if keep_layout else _UNSAFE_NO_LAYOUT
    return pattern.sub(_escape, text) if pattern.search(text) else text
