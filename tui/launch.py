"""Start the dashboard from the `synic` command line (settings, or a scenario file)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from synic_core import Session
from synic_core.cli.user_config import LoadedConfig, UserConfig, load_user_config
from synic_core.inputs.bad_input import InputError
from synic_core.scenarios.lesson import Lesson, load_lesson, parse_lesson
from synic_core.scenarios.scenario import load, read_file, replay, with_settings
from synic_core.storage.crash_report import EXIT_INTERNAL
from synic_core.traces.reading import STDIN
from synic_core.versions.confinement import confine
from synic_core.versions.registry import session_config, use
from tui.keymap import check_keymap
from tui.serve.files import serving_from_environment
from tui.themes import theme_problem

SETTINGS = ("partition", "mshv", "hypervisor", "cpus")


def build_session(ns: argparse.Namespace, defaults: UserConfig | None = None, notices: list[str] | None = None) -> Session:
    """A scenario file opens with its steps in the history; flags override its settings, then the user's defaults.

    What the user should be told about the file (e.g. its patch file changed since the save) is added to `notices`.
    """
    if ns.file:
        scenario = load(ns.file)
        overrides = {k: getattr(ns, k) for k in (*SETTINGS, "channel_cpus") if getattr(ns, k, None)}
        if notices is not None and "mshv" not in overrides:
            notices += scenario.notices
        if overrides:
            scenario = with_settings(scenario, overrides, f"{ns.file} with command-line settings")
        return replay(scenario, ns.file)
    base = defaults or UserConfig.model_construct()
    chosen = {k: getattr(ns, k) or getattr(base, k) for k in SETTINGS}
    chosen["mshv"] = use(chosen["mshv"])  # a patch file is read and checked here
    try:
        return Session(session_config(**chosen, channel_cpus=tuple(getattr(ns, "channel_cpus", None) or (0,))))
    except ValueError as exc:  # channel CPUs beyond --cpus
        raise InputError(f"--{exc}".replace("_", "-", 1)) from None


def dashboard_config() -> LoadedConfig:
    """The user config, with the checks only the dashboard can make (themes, key names); on any problem, defaults."""
    loaded = load_user_config()
    config = loaded.to_check  # also when another setting is bad: every problem gets its line
    problems = check_keymap(config.keys, loaded.origin("keys"))
    bad_theme = config.theme and theme_problem(config.theme, f"{loaded.origin('theme')}: theme")
    if bad_theme:
        problems.append(bad_theme)
    return loaded.with_problems(problems) if problems else loaded


def _lesson_file(name: str | None) -> Lesson | None:
    """`synic LESSON.json` starts the lesson, as `synic --lesson LESSON.json` does."""
    if not name or not Path(name).is_file():
        return None
    data = read_file(Path(name))
    return parse_lesson(data, name, Path(name).parent) if isinstance(data, dict) and "intro" in data else None


def launch_trace(ns: argparse.Namespace) -> int:
    """`synic trace FILE --dashboard`: the imported trace as a read-only session, played write by write."""
    from synic_core.cli.trace_cmd import progress_line
    from synic_core.traces.load import DASHBOARD_WRITES_KEPT, import_trace
    from synic_core.traces.session import TraceSession

    if sys.stderr.isatty() and not ns.quiet:
        print(f"synic: reading {ns.file} (the dashboard plays its first {DASHBOARD_WRITES_KEPT:,} SynIC writes)", file=sys.stderr)
    with progress_line(ns.file, ns.quiet) as progress:
        ti = import_trace(
            ns.file,
            ns.partition,
            ns.mshv,
            ns.hypervisor,
            ns.format,
            progress,
            dmesg=ns.dmesg,
            guest=ns.guest,
            cpus=ns.cpus,
            keep=DASHBOARD_WRITES_KEPT,
        )
    if ns.file == STDIN:
        keys_from_the_terminal()
    ns.file, ns.lesson, ns.theme = None, None, None
    return launch(ns, TraceSession(ti))


def keys_from_the_terminal() -> None:
    """After a trace was read from a pipe, the dashboard reads keys from the terminal (as less and fzf do)."""
    try:
        tty = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        raise InputError("trace - --dashboard: no terminal to read keys from; save the trace to a file first") from None
    os.dup2(tty, 0)
    os.close(tty)


def launch(ns: argparse.Namespace, session: Session | None = None) -> int:
    from tui.app import SynicApp

    bad_theme = ns.theme and theme_problem(ns.theme, "--theme")
    if bad_theme:
        raise InputError(bad_theme)
    loaded = dashboard_config()
    for problem in loaded.problems:
        print(f"synic: config ignored, using the defaults: {problem}", file=sys.stderr)
    lesson = load_lesson(ns.lesson) if getattr(ns, "lesson", None) else _lesson_file(ns.file)
    notices: list[str] = []
    if session is None:
        session = Session(lesson.config()) if lesson else build_session(ns, loaded.config, notices)
    opened = Path(ns.file) if not lesson and ns.file and Path(ns.file).is_file() else None
    serving = serving_from_environment()
    if serving is not None:  # what the teacher named on the command line is loaded; from here on, files stay in --files DIR
        confine(serving.files)
    app = SynicApp(
        session,
        lesson=lesson,
        theme=ns.theme or loaded.config.theme,
        keymap=loaded.config.keys,
        config_problems=loaded.problems,
        notices=notices,
        opened=opened,
        serving=serving,
    )
    app.run()
    if app.rescued is not None or app.return_code not in (0, None):
        where = f"; your session was saved to {app.rescued} (reopen it with synic FILE)" if app.rescued else ""
        print(f"synic: internal error in the dashboard{where}", file=sys.stderr)
        return EXIT_INTERNAL
    return 0
