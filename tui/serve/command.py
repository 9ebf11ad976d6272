"""`synic serve`: the dashboard in a browser through textual-serve (one app process per tab), safe to share.

Everything that can be wrong is found before the port is opened and reported in one line (exit 2):
an unknown theme, a bad scenario or lesson, a `--files` that is not a directory, a host that does
not resolve, a non-loopback host without `--public`, `--no-token` off loopback, a port in use.
The URL printed carries the access token (as Jupyter's does); see docs/serving.md.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import shlex
import socket
import sys
from pathlib import Path

from synic_core.inputs.bad_input import InputError
from tui.serve.access import AccessError, Address, check_token, new_token, parse_duration, resolve, token_url
from tui.serve.files import check_files_dir, served_environment


def dashboard_command(ns: argparse.Namespace) -> str:
    """The command each browser tab runs: this Python, the dashboard, the chosen settings."""
    args = [sys.executable, "-m", "tui"]
    for name in ("partition", "mshv", "hypervisor", "cpus", "lesson", "theme"):
        value = getattr(ns, name, None)
        if value is not None:
            args += [f"--{name}", str(value)]
    if getattr(ns, "file", None):
        args.append(str(Path(ns.file).resolve()) if Path(ns.file).exists() else ns.file)
    return shlex.join(args)


def check_start(ns: argparse.Namespace) -> Path | None:
    """What every tab would trip over, checked once before serving; the `--files` directory, resolved."""
    from synic_core.scenarios.lesson import load_lesson
    from synic_core.scenarios.scenario import load
    from tui.themes import theme_problem

    bad_theme = ns.theme and theme_problem(ns.theme, "--theme")
    if bad_theme:
        raise InputError(bad_theme)
    if ns.file:
        load(ns.file)
    if ns.lesson:
        load_lesson(ns.lesson)
    return check_files_dir(ns.files) if getattr(ns, "files", None) else None


def check_access(ns: argparse.Namespace) -> tuple[Address, str | None]:
    """The address to listen on and the token (None with --no-token); AccessError explains a refusal."""
    address = resolve(ns.host, ns.port)
    if not address.loopback and not ns.public:
        raise AccessError(
            f"--host {ns.host}: not a loopback address: anyone who can reach it could use the dashboard; "
            "add --public to serve other machines (see docs/serving.md)"
        )
    if ns.no_token and not address.loopback:
        raise AccessError(f"--no-token: allowed only on a loopback host (127.0.0.1, ::1, localhost), not on {ns.host}")
    if ns.no_token:
        return address, None
    return address, check_token(ns.token) if ns.token else new_token()


def bind(address: Address) -> socket.socket:
    """The listening socket, opened here so that a port in use is one line, not a traceback."""
    sock = socket.socket(address.family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if address.family == socket.AF_INET6 and address.wildcard:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((address.sockaddr[0], address.port, *address.sockaddr[2:]))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise AccessError(f"--port {address.port}: already in use on {address.host} (choose another with --port)") from None
        if exc.errno == errno.EACCES:
            raise AccessError(f"--port {address.port}: not allowed for this user (ports below 1024 need privileges)") from None
        raise AccessError(f"--host {address.host} --port {address.port}: cannot listen there ({exc.strerror or exc})") from None
    return sock


def public_warning(address: Address, ns: argparse.Namespace, files: Path | None) -> str:
    reach = "any machine that can reach this one" if address.wildcard else f"any machine that can reach {address.host}"
    can_open = f"the built-in scenarios and lessons and the files in {files}" if files else "the built-in scenarios and lessons"
    return (
        f"synic serve: warning: --public: {reach} on port {address.port} and has the token gets a SynIC Lab dashboard "
        f"running as user {getpass.getuser()} on this machine (up to {ns.max_sessions} at once); visitors can open "
        f"{can_open}, and their saves and exports go to their own browser. Share the URL only with your class."
    )


def serve(ns: argparse.Namespace) -> int:
    from tui.serve.server import GuardedServer

    files = check_start(ns)
    try:
        idle_seconds = parse_duration(str(ns.idle_timeout))
    except ValueError as exc:
        raise InputError(f"--idle-timeout: {exc}") from None
    try:
        address, token = check_access(ns)
        sock = bind(address)
    except AccessError as exc:
        raise InputError(str(exc)) from None
    address = address.with_port(sock.getsockname()[1])
    os.environ.update(served_environment(files))  # every tab's process inherits them (see tui/served_files.py)
    command = dashboard_command(ns)
    if ns.public:
        print(public_warning(address, ns, files), file=sys.stderr, flush=True)
    urls = [token_url(base, token) for base in address.base_urls()]
    idle = f"{idle_seconds // 60} min" if idle_seconds % 60 == 0 else f"{idle_seconds} s"
    print("SynIC Lab is served at (the token in the URL is the key; share it only with your class):", flush=True)
    for url in urls:
        print(f"    {url}", flush=True)
    print(
        f"Up to {ns.max_sessions} browser tabs at once; a tab idle for {idle} ends. Ctrl-C stops the server. Each tab runs: {command}",
        flush=True,
    )
    GuardedServer(command, address, token, ns.max_sessions, idle_seconds).serve(sock=sock)
    return 0
