"""The dashboard's files: opening (a scenario, a saved session, a lesson, a patch file, a trace), saving and
exporting through a dialog, and, when served to a browser, downloads instead (nothing is written on the server).
"""

from __future__ import annotations

import io
from pathlib import Path

from synic_core import Session
from synic_core.scenarios.scenario import builtin_names
from synic_core.storage.save_guard import SaveGuard
from synic_core.traces.session import TraceSession
from tui.screens.dashboard_base import DashboardBase
from tui.screens.open import lesson_choices
from tui.serve.files import Serving, list_files
from tui.state.describe import opened_trace
from tui.state.exports import EXPORTS, Exported, export_paths, write_export
from tui.state.opening import Opened, open_file, served_open

OPEN_TITLE = "Open a scenario, a saved session, a lesson, a patch file, a real trace (write_msr text) or a built-in scenario by name"
NOT_SAVED = (
    "A real trace cannot be saved as a session: only the steps guessed from its writes would be kept, under a guessed "
    "MSHV version, and they would not replay to the same findings. Reopen the trace file itself (ctrl+o), or export "
    "the report: E (Markdown) or J (JSON)."
)
"""What ctrl+s says in a trace session (the footer and the palette show save disabled there)."""
BACKGROUND_EXPORTS: frozenset[Exported] = frozenset({"json", "markdown"})  # reports of a large machine take seconds


def not_written(path: Path, exc: OSError) -> str:
    return f"Could not write {path}: {exc.strerror or exc}. Any previous file is unchanged."


class SessionFiles:
    """Open, save, export and download for the dashboard; `saves` guards against overwriting what changed on disk."""

    def __init__(self, screen: DashboardBase, serving: Serving | None) -> None:
        self.screen = screen
        self.serving = serving  # in a visitor's browser: no file of the server is written or offered
        self.saves = SaveGuard()
        if screen.controller.opened is not None:
            self.saves.remember(screen.controller.opened)
        self.quit_after_save = False  # quitting asked to save first: leave once the session is saved

    # -- opening --------------------------------------------------------------------------
    def open(self) -> None:
        from tui.screens.open import OpenScreen

        screen = self.screen
        screen.player.finish()
        if self.serving is not None:
            files = self.serving.files
            offered = [*builtin_names(), *lesson_choices(), *([f.name for f in list_files(files)] if files else [])]
            title = "Open a built-in scenario or lesson" + (", or a file the teacher shared" if files else "")
            screen.app.push_screen(OpenScreen(title, "", lambda name: served_open(name, files), offered), self.opened)
            return
        default = str(screen.controller.opened) if screen.controller.opened else ""
        screen.app.push_screen(OpenScreen(OPEN_TITLE, default, open_file), self.opened)

    def opened(self, opened: Opened | None) -> None:
        screen = self.screen
        if opened is None:
            return
        if opened.lesson is not None:
            screen.lessons.start(opened.lesson)
            screen.controller.opened = None
            title = f"Lesson: {opened.lesson.title or opened.lesson.name or 'from file'}"
            screen.notify(f"{len(opened.lesson.steps)} steps: > plays the next one, < goes back", title=title, markup=False)
            return
        if opened.version is not None:  # a patch file: these steps under its version, as Settings would
            screen.actions.set_setting("mshv", opened.version)
            return
        session, path = opened.session, opened.path
        screen.lessons.leave()
        screen.actions.open_session(session)
        screen.controller.opened = path
        if path is not None:
            self.saves.remember(path)
        self._say_opened(session, path)
        for notice in opened.notices:
            screen.notify(notice, severity="warning", markup=False, timeout=10)

    def say_when_cut(self, session: Session) -> None:
        """A trace the dashboard opened with fewer writes than it holds (`synic trace BIG --dashboard`) says so at once."""
        if isinstance(session, TraceSession) and session.imported.trace.stats.writes > len(session.imported.attributed.order):
            self._say_opened(session, None)

    def _say_opened(self, session: Session, path: Path | None) -> None:
        if isinstance(session, TraceSession):
            title, message = opened_trace(session)
            self.screen.notify(message, title=title, markup=False, timeout=10)
            return
        c = session.config
        self.screen.notify(
            f"{c.partition}, mshv {c.mshv}, {c.hypervisor}, {c.cpus} CPUs, {len(session.history)} steps (z undoes them one by one)",
            title=f"Opened {path or 'built-in scenario'}",
            markup=False,
        )

    # -- quitting -------------------------------------------------------------------------
    def quit(self) -> None:
        """Quit, asking once when steps would be lost (this session's or those of the sessions kept for `z`)."""
        from tui.screens.confirm import ConfirmQuitScreen

        controller, app = self.screen.controller, self.screen.app
        kept_sessions, kept_steps = controller.unsaved_kept
        if not controller.unsaved_steps and not kept_steps:
            app.exit()
            return
        app.push_screen(ConfirmQuitScreen(controller.unsaved_steps, kept_sessions, kept_steps), self._quit_chosen)

    def _quit_chosen(self, choice: str | None) -> None:
        if choice == "quit":
            self.screen.app.exit()
        elif choice == "save":
            self.export("session", then_quit=True)

    # -- saving and exporting -------------------------------------------------------------
    def export(self, kind: Exported, then_quit: bool = False) -> None:
        from tui.screens.save import SaveScreen

        screen, opened = self.screen, self.screen.controller.opened
        if kind == "session" and isinstance(screen.controller.session, TraceSession):
            screen.notify(NOT_SAVED, severity="warning", title="Not saved", markup=False, timeout=10)
            return
        screen.player.finish()
        self.quit_after_save = then_quit
        if self.serving is not None:
            self._download(kind)
            return
        spec = EXPORTS[kind]
        default = str(opened.with_suffix(".json")) if kind == "session" and opened else spec.default
        # a screenshot shows the dashboard as it was when asked for, not the dialog over it
        shot = screen.app.export_screenshot(title="SynIC Lab") if kind == "svg" else ""
        screen.app.push_screen(
            SaveScreen(
                spec.title,
                default,
                lambda path: self.write(kind, path, shot),
                lambda path: self.saves.conflicts(*export_paths(kind, path)),  # a screenshot's PNG too
            )
        )

    def write(self, kind: Exported, path: Path, shot: str = "") -> str | None:
        """The save dialog's writer: None when written, else why not (the dialog shows it and stays open).

        A report of a large machine takes seconds to build: it is written by a worker thread, the
        status line says so, and the result is told when it is done (actions typed meanwhile wait)."""
        controller = self.screen.controller
        if kind in BACKGROUND_EXPORTS and controller.in_background and not controller.computing:
            controller.computing = f"writing {path.name}…"
            self.screen.refresh_status()
            self.screen.run_worker(lambda: self._write_in_thread(kind, path), thread=True, group="export", exit_on_error=False)
            return None
        try:
            written = write_export(controller.session, kind, path, lambda: shot)
        except OSError as exc:
            return not_written(path, exc)
        self._written(kind, path, written)
        return None

    def _write_in_thread(self, kind: Exported, path: Path) -> None:
        try:
            result: list[Path] | OSError = write_export(self.screen.controller.session, kind, path, lambda: "")
        except OSError as exc:
            result = exc
        self.screen.app.call_from_thread(self._written_in_background, kind, path, result)

    def _written_in_background(self, kind: Exported, path: Path, result: list[Path] | OSError) -> None:
        screen = self.screen
        screen.controller.done()
        if isinstance(result, OSError):
            screen.notify(not_written(path, result), severity="error", title="Not saved", timeout=8, markup=False)
        else:
            self._written(kind, path, result)
        screen.refresh_status()
        screen.actions.next_pending()

    def _written(self, kind: Exported, path: Path, written: list[Path]) -> None:
        for done in written:
            self.saves.remember(done)
        no_png = " (no PNG: pip install 'synic-lab[screenshots]' adds one)" if kind == "svg" and len(written) == 1 else ""
        self.screen.notify(f"Wrote {', '.join(map(str, written))}{no_png}", title="Saved", markup=False)
        if kind == "session":
            self._session_saved(path)

    def _download(self, kind: Exported) -> None:
        """Served: the file goes to the visitor's browser as a download; nothing is written on the server."""
        screen, spec = self.screen, EXPORTS[kind]
        shot = screen.app.export_screenshot(title="SynIC Lab") if kind == "svg" else ""
        text = spec.render(screen.controller.session, lambda: shot)
        screen.app.deliver_text(io.StringIO(text), save_filename=spec.default, mime_type=spec.mime_type)
        screen.notify(f"{spec.default} is on its way to your browser as a download.", title="Download", markup=False)
        if kind == "session":
            self._session_saved(None)

    def _session_saved(self, path: Path | None) -> None:
        """The next save offers the same file; nothing is unsaved; a quit that asked to save goes on."""
        self.screen.controller.mark_saved(path)
        if self.quit_after_save:
            self.screen.app.exit()
