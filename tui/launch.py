"""Start the dashboard from the `synic` command line (settings, or a scenario file)."""

from __future__ import annotations

import argparse

from synic_core import Session, SessionConfig
from synic_core.lesson import load_lesson
from synic_core.scenario import load, parse_scenario, replay


def build_session(ns: argparse.Namespace) -> Session:
    """A scenario file opens with its steps in the history; flags override its settings."""
    if ns.file:
        scenario = load(ns.file)
        overrides = {k: getattr(ns, k) for k in ("partition", "mshv", "hypervisor", "cpus") if getattr(ns, k)}
        if overrides:
            scenario = parse_scenario(scenario.model_dump() | overrides, f"{ns.file} with command-line settings")
        return replay(scenario, ns.file)
    config = SessionConfig(
        partition=ns.partition or "l1vh", mshv=ns.mshv or "v4", hypervisor=ns.hypervisor or "strict",
        cpus=ns.cpus or 4,
    )
    return Session(config)


def launch(ns: argparse.Namespace) -> int:
    from .app import SynicApp

    lesson = load_lesson(ns.lesson) if getattr(ns, "lesson", None) else None
    session = Session(lesson.config()) if lesson else build_session(ns)
    SynicApp(session, lesson=lesson, theme=ns.theme).run()
    return 0
