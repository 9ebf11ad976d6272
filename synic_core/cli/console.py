"""The CLI's rich consoles: a terminal's own width; piped to a file or a program, long lines stay whole."""

from __future__ import annotations

import sys

from rich.console import Console

PIPED_WIDTH = 400  # wide enough that no table or kernel function name is wrapped when the output is not a terminal


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else PIPED_WIDTH)
