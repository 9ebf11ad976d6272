"""`synic serve`: the dashboard in a browser through textual-serve (one app process per tab)."""

from __future__ import annotations

import argparse
import shlex
import sys


def dashboard_command(ns: argparse.Namespace) -> str:
    """The command each browser tab runs: this Python, the dashboard, the chosen settings."""
    args = [sys.executable, "-m", "tui"]
    for name in ("partition", "mshv", "hypervisor", "cpus", "lesson", "theme"):
        value = getattr(ns, name, None)
        if value is not None:
            args += [f"--{name}", str(value)]
    if getattr(ns, "file", None):
        args.append(ns.file)
    return shlex.join(args)


def serve(ns: argparse.Namespace) -> int:
    from textual_serve.server import Server

    command = dashboard_command(ns)
    print(f"SynIC Lab on http://{ns.host}:{ns.port}  (Ctrl-C stops; each browser tab runs: {command})", flush=True)
    Server(command, host=ns.host, port=ns.port, title="SynIC Lab").serve()
    return 0
