"""The installed `synic` command: the core's headless CLI plus the front ends that need textual.

The core cannot import the dashboard, so the dashboard hands it these; each imports textual only
when it runs, which keeps `synic run --json` on the light path.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from synic_core.cli import FrontEnd
from synic_core.cli import main as headless_main


def dashboard(ns: argparse.Namespace) -> int:
    from tui.launch import launch

    return launch(ns)


def serve(ns: argparse.Namespace) -> int:
    from tui.serve.command import serve as serve_dashboard

    return serve_dashboard(ns)


def config(ns: argparse.Namespace) -> int:
    from synic_core.cli.console import console
    from tui.config_cmd import show_config

    return show_config(console(), ns.keys, ns.template, ns.themes)


def trace(ns: argparse.Namespace) -> int:
    """`synic trace FILE`: the headless report, or with --dashboard the trace played in the dashboard."""
    if not ns.dashboard:
        from synic_core.cli import trace_cmd

        return trace_cmd.run(ns)
    from tui.launch import launch_trace

    return launch_trace(ns)


FRONT_ENDS: dict[str, FrontEnd] = {"dashboard": dashboard, "serve": serve, "config": config, "trace": trace}


def main(argv: Sequence[str] | None = None) -> int:
    return headless_main(argv, FRONT_ENDS)
