"""Open dialog: a scenario file, a saved session, a lesson file, a built-in scenario or a built-in lesson.

The field suggests the built-in names and completes paths as you type; the built-ins are listed
under it. The file is loaded and replayed before the dialog closes, so a bad file is explained in
place (the same one-line message as `synic run`) and the session on screen is untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.suggester import Suggester
from textual.widgets import Static

from synic_core import Session
from synic_core.inputs.bad_input import InputError, one_line
from synic_core.reports.safe_text import visible
from synic_core.scenarios.lesson import lesson_names, load_lesson, short_name
from synic_core.scenarios.scenario import builtin_names
from tui.screens.path_dialog import PathDialog, path_completion
from tui.state.opening import Opened


def large_machine(text: str, path: Path | None, threshold: int = 256) -> int:
    """The CPU count of a scenario that is slow to replay (0 when it is small, or cannot be told cheaply)."""
    from synic_core.scenarios.scenario import read_file

    try:
        data = read_file(path) if path is not None and path.is_file() else (builtin_data(text) if text in builtin_names() else None)
    except InputError:
        return 0
    cpus = data.get("cpus") if isinstance(data, dict) else None
    return cpus if isinstance(cpus, int) and cpus >= threshold else 0


def slow_to_open(text: str, path: Path | None) -> str:
    """What the dialog says while a worker thread opens this ("" when it opens at once): traces and large machines."""
    from synic_core.traces.reading import looks_like_trace

    if path is not None and path.is_file() and looks_like_trace(path):
        return f"Reading the trace {path.name}…"
    cpus = large_machine(text, path)
    return f"Replaying {cpus} CPUs…" if cpus else ""


def builtin_data(name: str) -> object:
    from synic_core.scenarios.scenario import load

    return load(name).data()


def lesson_choices() -> list[str]:
    """Built-in lessons by their short names, in teaching order."""
    return [short_name(n) for n in lesson_names()]


class OpenSuggester(Suggester):
    """Built-in scenario and lesson names first, then paths (directories and .json/.toml files)."""

    def __init__(self, offered: list[str] | None = None) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.offered = offered
        self.names = offered if offered is not None else [*builtin_names(), *lesson_choices()]

    async def get_suggestion(self, value: str) -> str | None:
        if value:
            for name in self.names:
                if name.startswith(value) and name != value:
                    return name
        return path_completion(value) if self.offered is None else None


def builtins_text(offered: list[str] | None = None) -> Text:
    text = Text()
    text.append("Built-in scenarios: ", style="bold")
    text.append(", ".join(builtin_names()))
    text.append("\nLessons: ", style="bold")
    text.append(", ".join(lesson_choices()))
    shared = [n for n in offered or [] if n not in builtin_names() and n not in lesson_choices()]
    if shared:
        text.append("\nShared files: ", style="bold")
        text.append(", ".join(visible(name) for name in shared))  # a file name may hold an escape sequence
    return text


class OpenScreen(PathDialog[Opened]):
    PROMPT = "File or built-in name (→ completes, enter opens, escape cancels):"

    def __init__(self, title: str, default: str, loader: Callable[[str], Opened], offered: list[str] | None = None) -> None:
        """`offered`: in a served session, the only names that may be opened (no server paths are suggested)."""
        super().__init__(title, default)
        self.loader = loader
        self.offered = offered

    def suggester(self) -> Suggester | None:
        return OpenSuggester(self.offered)

    def more(self) -> ComposeResult:
        yield Static(builtins_text(self.offered), classes="path-builtins")

    def submit(self, text: str, path: Path) -> None:
        if self.offered is not None:
            self._open(lambda: self.loader(text), slow_to_open(text, None))
            return
        self._open(lambda: self._local(text, path), slow_to_open(text, path))

    def _open(self, load: Callable[[], Opened], slow: str) -> None:
        """Reading a trace or replaying a large machine takes seconds: a worker thread does it while the dialog says so."""
        if slow:
            self.show_message(slow, warning=True)
            self.run_worker(lambda: self._load_in_thread(load), thread=True, group="open", exit_on_error=False)
            return
        self._loaded(self._attempt(load))

    @staticmethod
    def _attempt(load: Callable[[], Opened]) -> Opened | InputError:
        """Every error a loader can meet is a line in the dialog: a bad file never ends the session on screen."""
        try:
            return load()
        except InputError as exc:
            return exc
        except Exception as exc:  # a loader bug (a RecursionError too): say so, keep the session
            return InputError(f"cannot open it: an internal error in the loader ({type(exc).__name__})")

    def _load_in_thread(self, load: Callable[[], Opened]) -> None:
        result = self._attempt(load)
        self.app.call_from_thread(self._loaded, result)

    def _loaded(self, result: Opened | InputError) -> None:
        if isinstance(result, InputError):
            self.show_message(one_line(str(result)))
            return
        self.dismiss(result)

    def _local(self, text: str, path: Path) -> Opened:
        if not path.exists() and text in lesson_choices() + lesson_names():
            lesson = load_lesson(text)
            return Opened(Session(lesson.config()), lesson=lesson)
        return self.loader(str(path) if path.exists() else text)
