"""The App's edges: an internal error saves the session on screen (not in a served tab, which writes nothing on the
server and logs one line, no traceback), and every line on screen passes `VisibleText`."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.filter import LineFilter

from synic_core import Session
from synic_core.scenarios.scenario import session_scenario
from synic_core.storage.atomic import write_atomic
from synic_core.storage.crash_report import report_dir
from tui.widgets.visible_filter import VisibleText

VISIBLE_TEXT = VisibleText()


class EdgeApp(App[None]):
    """What SynicApp does at its edges, apart from what it shows."""

    served_tab = False  # a dashboard in a visitor's browser (synic serve)
    _error_name = ""  # the kind of the internal error that ends the app

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then `VisibleText`: no text on screen reaches the terminal as a control sequence."""
        return [*super().get_line_filters(), VISIBLE_TEXT]

    def _handle_exception(self, error: Exception) -> None:
        self._error_name = type(error).__name__
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual prints a traceback with local variables on exit; a served tab's stderr goes to the server's log,
        so there it is one line, naming only the kind of error."""
        if not self.served_tab:
            super()._fatal_error()
            return
        self._exit_renderables.append(Text(f"synic serve: a tab ended by an internal error ({self._error_name}); no traceback is kept"))
        self._close_messages_no_wait()


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
