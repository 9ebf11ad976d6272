"""`synic serve` answers on 127.0.0.1, and a websocket session starts the dashboard."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time

import aiohttp

from synic_core.cli import subcommand_parser
from tui.serve_cmd import dashboard_command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dashboard_command_carries_the_settings():
    ns = subcommand_parser().parse_args(
        ["serve", "--mshv", "mainline", "--cpus", "8", "--lesson", "nested-root", "--theme", "synic-high-contrast"]
    )
    command = dashboard_command(ns)
    assert command.startswith(sys.executable) and "-m tui" in command
    assert "--mshv mainline" in command and "--cpus 8" in command and "--lesson nested-root" in command
    assert "--theme synic-high-contrast" in command


async def _get_page_and_first_frame(port: int) -> tuple[str, bytes]:
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + 30
        while True:
            try:
                async with http.get(base + "/") as resp:
                    page = await resp.text()
                    break
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        async with http.ws_connect(base + "/ws?width=100&height=30") as ws:
            frame = b""
            while time.monotonic() < deadline and not (b"faults" in frame and b"VMBus load" in frame):
                msg = await asyncio.wait_for(ws.receive(), timeout=max(1.0, deadline - time.monotonic()))
                if msg.type == aiohttp.WSMsgType.BINARY:
                    frame += msg.data
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    frame += msg.data.encode()
                else:
                    break
    return page, frame


def test_serve_answers_and_starts_the_app():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", str(port), "--cpus", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        page, frame = asyncio.run(_get_page_and_first_frame(port))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "static/js/textual.js" in page and f"ws://127.0.0.1:{port}/ws" in page
    assert b"faults 0  errors 0" in frame and b"VMBus load" in frame  # the app rendered its first screen
