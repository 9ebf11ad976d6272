"""Opening a file in the running dashboard: a scenario, a saved session, a lesson or a built-in name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synic_core import Session
from synic_core.scenarios.lesson import Lesson, parse_lesson
from synic_core.scenarios.scenario import load, parse_scenario, read_file, replay
from synic_core.traces.reading import looks_like_trace
from synic_core.versions.files import is_patch_data, read_patch
from synic_core.versions.registry import register, resolve, session_config


@dataclass(frozen=True)
class Opened:
    """What the open dialog hands the app."""

    session: Session  # replayed; for a lesson, its starting state
    path: Path | None = None  # where session saves go back to (None for a built-in or a lesson)
    lesson: Lesson | None = None
    notices: tuple[str, ...] = ()  # e.g. an embedded MSHV version that differs from its patch file now
    version: str | None = None  # a patch file was opened: the version to replay this session's steps under


def open_file(name_or_path: str) -> Opened:
    """A scenario file, a saved session, a lesson file (it has an intro), a real trace or a built-in scenario name.

    A lesson is replayed once here only to check that every step applies, so a broken lesson is
    explained in the open dialog rather than halfway through the class.
    """
    path = Path(name_or_path)
    if not path.is_file():
        return Opened(replay(load(name_or_path), name_or_path))
    if looks_like_trace(path):  # a real trace: read-only, and saves never go back over it
        from synic_core.traces.load import DASHBOARD_WRITES_KEPT, import_trace
        from synic_core.traces.session import TraceSession

        return Opened(TraceSession(import_trace(path, keep=DASHBOARD_WRITES_KEPT)))
    data = read_file(path)
    if is_patch_data(data):
        name = register(read_patch(path, resolve))
        return Opened(Session(session_config(mshv=name)), version=name)
    if isinstance(data, dict) and "intro" in data:
        lesson = parse_lesson(data, str(path), path.parent)
        replay(lesson, str(path))
        return Opened(Session(lesson.config()), lesson=lesson)
    scenario = parse_scenario(data, str(path), path.parent)
    return Opened(replay(scenario, str(path)), path, notices=tuple(scenario.notices))


def served_open(name: str, files: Path | None) -> Opened:
    """What a browser visitor may open: built-in scenarios and lessons, and the files the teacher shared.

    Nothing else on the server is read, not even through the paths a shared file names (`confinement`),
    and a refusal does not say whether such a path exists or quote what a file holds.
    """
    from synic_core.inputs.bad_input import InputError
    from synic_core.scenarios.lesson import lesson_names, load_lesson, short_name
    from synic_core.scenarios.scenario import builtin_names
    from synic_core.versions.confinement import confined
    from tui.serve.files import ServedFileError, list_files, resolve_file, served_message

    name = name.strip()
    if name in builtin_names():
        return Opened(replay(load(name), name))
    if name in lesson_names() or name in [short_name(n) for n in lesson_names()]:
        lesson = load_lesson(name)
        return Opened(Session(lesson.config()), lesson=lesson)
    if files is not None and name in [f.name for f in list_files(files)]:
        try:
            with confined(files):  # the file's own paths (mshv, mshv_file, based_on) stay in the shared directory too
                opened = open_file(str(resolve_file(files, name)))
        except InputError as exc:  # the visitor sees the field and what was expected, never a value or a server path
            raise ServedFileError(served_message(str(exc), files)) from None
        return Opened(opened.session, None, opened.lesson)  # saves go to the browser, never back to the server
    raise InputError(
        f"{name}: not offered here; a served session opens the built-in scenarios and lessons"
        + (" and the shared files listed below" if files is not None else "")
    )
