"""The CLI's rich consoles: a terminal's own width; piped to a file or a program, long lines stay whole.

Every text they write passes `visible()` at the output edge: a title, name, source or path taken
from a file, a trace or the environment cannot drive the terminal (escape sequences, bells, bidi
overrides are written out as `\\x1b`, `\\u202e`), whichever table or line it is printed in. Rich's
own styling is added after, so colours still work.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich.console import Console
from rich.segment import Segment

from synic_core.reports.safe_text import visible

PIPED_WIDTH = 400  # wide enough that no table or kernel function name is wrapped when the output is not a terminal


class SafeConsole(Console):
    """A rich Console whose text segments are made visible before rich adds its own escape codes."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        safe = (segment if segment.control else Segment(visible(segment.text, keep_layout=True), segment.style) for segment in buffer)
        return super()._render_buffer(safe)

    def on_broken_pipe(self) -> None:
        """The reader went away (`synic trace ... | head`): rich would exit 1, which says "findings"; the CLI's handler
        exits 141 (128 + SIGPIPE), as Unix tools do."""
        self.quiet = True
        raise BrokenPipeError


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return SafeConsole(stderr=stderr, width=None if stream.isatty() else PIPED_WIDTH)
