"""The dashboard's output edge: no text on screen can drive the terminal, whichever widget shows it.

Textual writes a widget's text to the terminal as it is, so an escape sequence in a lesson title,
a scenario's note, a file name or a notification would reach the terminal (or the browser's
terminal in a served tab). `VisibleText` is a line filter the App applies to every rendered line:
control characters, escapes and bidi overrides become visible (`\\x1b`, `\\u202e`), and the line
keeps its width. Texts the dashboard knows come from outside are also made visible where they are
shown, so their layout is right; this filter is the guarantee for everything else.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from synic_core.reports.safe_text import visible


class VisibleText(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not s.control and visible(s.text) != s.text for s in segments):
            return segments
        width = Segment.get_line_length(segments)
        safe = [s if s.control else Segment(visible(s.text), s.style) for s in segments]
        return Segment.adjust_line_length(safe, width)
