"""`synic serve`: a tokenised URL, Host/Origin checks, a session limit, idle ends, one-line start-up errors.

Each server test starts `synic serve --port 0` in its own process group and reads the URL it prints.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from synic_core.cli import subcommand_parser
from tests.support.serving import Served, serving
from tui.serve.command import dashboard_command

FIRST_SCREEN = b"SINT0"  # the grid's column header: the dashboard is up
START_TIMEOUT = 60.0  # process start-up on a busy 2-core machine; a bound, not a measurement


def client() -> aiohttp.ClientSession:
    """Keeps cookies from IP-address hosts, as browsers do (aiohttp's default jar drops them)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def wait_until_up(http: aiohttp.ClientSession, url: str) -> aiohttp.ClientResponse:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return await http.get(url)
        except aiohttp.ClientConnectionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def read_frames(ws: aiohttp.ClientWebSocketResponse, until: bytes) -> bytes:
    frame = b""
    deadline = time.monotonic() + START_TIMEOUT
    while until not in frame and time.monotonic() < deadline:
        msg = await asyncio.wait_for(ws.receive(), timeout=max(1.0, deadline - time.monotonic()))
        if msg.type == aiohttp.WSMsgType.BINARY:
            frame += msg.data
        elif msg.type == aiohttp.WSMsgType.TEXT:
            frame += msg.data.encode()
        else:
            break
    return frame


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", "serve", *args], capture_output=True, text=True, timeout=60)


def assert_one_line_exit_2(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_dashboard_command_carries_the_settings():
    ns = subcommand_parser().parse_args(
        ["serve", "--mshv", "mainline", "--cpus", "8", "--lesson", "nested-root", "--theme", "synic-high-contrast"]
    )
    command = dashboard_command(ns)
    assert command.startswith(sys.executable) and "-m tui" in command
    assert "--mshv mainline" in command and "--cpus 8" in command and "--lesson nested-root" in command
    assert "--theme synic-high-contrast" in command


# -- the door ----------------------------------------------------------------------------------
def test_the_token_opens_the_page_and_the_session_and_nothing_else_does(tmp_path: Path):
    async def scenario(s: Served) -> None:
        async with client() as http:
            resp = await wait_until_up(http, s.base + "/")
            body = await resp.text()
            assert resp.status == 403 and body.count("\n") == 1 and "token" in body
            assert (await http.get(s.base + "/static/js/textual.js")).status == 403
            assert (await http.get(s.base + "/?token=wrong-token-value")).status == 403
        async with client() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(s.base + "/ws")
            assert refused.value.status == 403
        async with client() as http:
            resp = await http.get(s.url)
            page = await resp.text()
            assert resp.status == 200 and "static/js/textual.js" in page
            assert f"ws://{urlsplit(s.base).netloc}/ws" in page
            assert resp.cookies[next(iter(resp.cookies))]["httponly"]
            assert (await http.get(s.base + "/static/js/textual.js")).status == 200  # the cookie carries the token now
            with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
                await http.ws_connect(s.base + "/ws", headers={"Origin": "http://evil.example"})
            assert foreign.value.status == 403
            rebinding = await http.get(s.url, headers={"Host": f"evil.example:{urlsplit(s.base).port}"})
            assert rebinding.status == 403
            async with http.ws_connect(s.base + "/ws?width=100&height=30", headers={"Origin": s.base}) as ws:
                frame = await read_frames(ws, FIRST_SCREEN)
            assert FIRST_SCREEN in frame  # the app rendered its first screen

    with serving(cwd=tmp_path) as s:
        asyncio.run(scenario(s))
    assert list(tmp_path.iterdir()) == []  # the served session wrote nothing into the server's directory


def test_each_tab_process_is_told_it_is_served_and_which_files_it_may_open(tmp_path: Path):
    shared = tmp_path / "class"
    shared.mkdir()

    def environments(pid: int) -> list[str]:
        out: list[str] = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                try:
                    out.append(Path(f"/proc/{child}/environ").read_bytes().decode(errors="replace"))
                except OSError:
                    continue
                out += environments(int(child))
        return out

    async def scenario(s: Served) -> list[str]:
        async with client() as http:
            await wait_until_up(http, s.url)
            async with http.ws_connect(s.base + "/ws?width=100&height=30") as ws:
                await read_frames(ws, FIRST_SCREEN)
                return environments(s.proc.pid)

    with serving("--files", str(shared)) as s:
        envs = asyncio.run(scenario(s))
    assert envs and all("SYNICLAB_SERVED=1\0" in e for e in envs)
    assert all(f"SYNICLAB_FILES={shared.resolve()}\0" in e for e in envs)


def test_one_session_more_than_the_limit_gets_server_full():
    async def scenario(s: Served) -> None:
        async with client() as http:
            await wait_until_up(http, s.url)
            async with http.ws_connect(s.base + "/ws?width=100&height=30") as first:
                await read_frames(first, FIRST_SCREEN)
                with pytest.raises(aiohttp.WSServerHandshakeError) as full:
                    await http.ws_connect(s.base + "/ws")
                assert full.value.status == 503
                page = await http.get(s.base + "/")
                assert page.status == 503 and "Server full" in await page.text()
            deadline = time.monotonic() + START_TIMEOUT  # the first tab closed: its place frees up
            while (await http.get(s.base + "/")).status == 503 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert (await http.get(s.base + "/")).status == 200

    with serving("--max-sessions", "1") as s:
        asyncio.run(scenario(s))


def test_an_idle_session_ends():
    """No input for --idle-timeout: the server closes the websocket with 'going away' and says why."""

    async def scenario(s: Served) -> tuple[object, object]:
        async with client() as http:
            await wait_until_up(http, s.url)
            async with http.ws_connect(s.base + "/ws?width=100&height=30") as ws:
                deadline = time.monotonic() + START_TIMEOUT
                while time.monotonic() < deadline:
                    msg = await asyncio.wait_for(ws.receive(), timeout=START_TIMEOUT)
                    if msg.type == aiohttp.WSMsgType.CLOSE:
                        return msg.data, msg.extra
                    if msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                        break
        return None, None

    with serving("--idle-timeout", "1s") as s:
        assert asyncio.run(scenario(s)) == (aiohttp.WSCloseCode.GOING_AWAY, "idle timeout")


def test_no_token_is_allowed_on_loopback():
    async def scenario(s: Served) -> int:
        async with client() as http:
            return (await wait_until_up(http, s.base + "/")).status

    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", "0", "--no-token"], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        line = next(line for line in proc.stdout if "http://" in line)
        base = line.strip().rstrip("/")
        assert "token" not in base
        assert asyncio.run(scenario(Served(proc, base, base, "", []))) == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_ipv6_builds_correct_urls():
    async def scenario(s: Served) -> str:
        async with client() as http:
            resp = await wait_until_up(http, s.url)
            return await resp.text()

    with serving("--host", "::1") as s:
        assert s.url.startswith("http://[::1]:")
        page = asyncio.run(scenario(s))
    assert f"ws://[::1]:{urlsplit(s.base).port}/ws" in page


# -- refused at start ----------------------------------------------------------------------------
def test_a_public_host_needs_public():
    assert_one_line_exit_2(run_serve("--host", "0.0.0.0", "--port", "0"), "--public")


def test_no_token_is_refused_off_loopback():
    assert_one_line_exit_2(run_serve("--host", "0.0.0.0", "--public", "--no-token", "--port", "0"), "--no-token", "loopback")


def test_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert_one_line_exit_2(run_serve("--port", str(port)), str(port), "in use")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--host", "no-such-host.invalid"], ["--host", "no-such-host.invalid"]),
        (["--theme", "nope"], ["--theme", "nope"]),
        (["--idle-timeout", "soon"], ["--idle-timeout"]),
        (["--token", "short"], ["--token"]),
        (["--files", "/no/such/dir"], ["--files"]),
        (["no-such-scenario"], ["no-such-scenario"]),
    ],
    ids=["host", "theme", "idle", "token", "files", "scenario"],
)
def test_bad_settings_are_one_line(args: list[str], words: list[str]):
    assert_one_line_exit_2(run_serve("--port", "0", *args), *words)


# -- hardening: /ws without an upgrade, wildcard Host, headers on every response ----------------
SECURITY_HEADERS = ("X-Frame-Options", "Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options")


def test_ws_without_upgrade_is_400_one_line_and_the_log_stays_clean():
    async def scenario(s: Served) -> None:
        async with client() as http:
            await wait_until_up(http, s.url)
            for _ in range(3):
                resp = await http.get(s.base + "/ws")
                body = await resp.text()
                assert resp.status == 400 and body.count("\n") == 1 and "websocket" in body
                assert all(h in resp.headers for h in SECURITY_HEADERS)

    with serving() as s:
        asyncio.run(scenario(s))
        s.proc.send_signal(signal.SIGTERM)
        rest, _ = s.proc.communicate(timeout=30)
    log = "".join(s.out) + rest
    assert "Traceback" not in log and "Unhandled" not in log, log


def test_every_response_carries_the_security_headers_errors_included():
    async def scenario(s: Served) -> None:
        async with client() as http:
            await wait_until_up(http, s.base + "/")
            refused = await http.get(s.base + "/")
            assert refused.status == 403 and all(h in refused.headers for h in SECURITY_HEADERS)
            await http.get(s.url)
            for path, status in (("/nothere", 404), ("/", 200), ("/static/js/textual.js", 200), ("/static/nothere.js", 404)):
                resp = await http.get(s.base + path)
                assert resp.status == status, path
                assert all(h in resp.headers for h in SECURITY_HEADERS), (path, resp.headers)
            wrong = await http.post(s.base + "/")
            assert wrong.status == 405 and all(h in wrong.headers for h in SECURITY_HEADERS)

    with serving() as s:
        asyncio.run(scenario(s))


def test_a_wildcard_bind_answers_only_to_this_machine_and_allowed_hosts():
    async def scenario(s: Served) -> None:
        port = urlsplit(s.base).port
        async with client() as http:
            await wait_until_up(http, s.url)
            local = f"http://127.0.0.1:{port}/?token={s.token}"
            assert (await http.get(local)).status == 200
            assert (await http.get(local, headers={"Host": f"class.example:{port}"})).status == 200  # --allowed-host
            foreign = await http.get(local, headers={"Host": f"evil.example:{port}"})
            assert foreign.status == 403 and "evil.example" not in await foreign.text()

    with serving("--host", "0.0.0.0", "--public", "--allowed-host", "class.example") as s:
        asyncio.run(scenario(s))
