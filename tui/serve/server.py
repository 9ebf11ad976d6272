"""The textual-serve server with the doors `synic serve` needs: token, Host/Origin checks, a session limit, idle ends.

textual-serve gives every websocket its own app process. This subclass adds, in one aiohttp
middleware and two handlers:

- every request needs the token (the `token` query parameter once, then a per-port cookie);
  without it: 403 and a one-line page;
- a request must name the served address in `Host` (DNS rebinding), and a websocket must come from
  that address (`Origin`: cross-site websocket hijacking);
- at most `max_sessions` app processes at once; one more tab gets a "server full" page (503);
- a session without input for `idle_timeout` seconds is closed and its process ends.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.typedefs import Handler
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from synic_core.inputs.bad_input import one_line
from tui.serve.access import Address, cookie_name, host_allowed, origin_allowed, same_token

log = logging.getLogger("synic-serve")
STOP_GRACE = 10.0  # seconds an app process gets to quit before it is killed
MAX_TERMINAL = 1000  # columns or rows a browser may ask for


@dataclass(eq=False)
class Live:
    """One browser tab's session."""

    websocket: web.WebSocketResponse
    last_input: float
    service: AppService | None = None
    watchdog: asyncio.Task[None] | None = field(default=None, repr=False)


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",  # no clickjacking through a frame
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",  # the token never leaves in a Referer
    "X-Content-Type-Options": "nosniff",
}


def page(status: int, line: str) -> web.Response:
    """A one-line page: the reason, nothing else (no framework banner, nothing about the server)."""
    return web.Response(status=status, text=line + "\n", content_type="text/plain", headers={"Cache-Control": "no-store"})


class GuardedServer(Server):
    def __init__(
        self,
        command: str,
        address: Address,
        token: str | None,
        max_sessions: int,
        idle_timeout: float,
        title: str = "SynIC Lab",
    ) -> None:
        super().__init__(command, host=address.host, port=address.port, title=title, public_url=address.base_urls()[0])
        self.address = address
        self.token = token
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self.sessions: set[Live] = set()
        self.cookie = cookie_name(address.port)

    # -- the door -------------------------------------------------------------------------
    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every response, the refusals and errors included, leaves with the security headers."""
        response = await self._checked(request, handler)
        if not response.prepared:  # a websocket's handshake is sent already
            response.headers.update(SECURITY_HEADERS)
        return response

    async def _checked(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not host_allowed(request.headers.get("Host"), self.address):
            return page(403, "403 Forbidden: this SynIC Lab server answers only at the address `synic serve` printed.")
        from_query = False
        if self.token is not None:
            from_query = same_token(request.query.get("token"), self.token)
            if not (from_query or same_token(request.cookies.get(self.cookie), self.token)):
                return page(403, "403 Forbidden: this SynIC Lab server needs its access token: open the full URL `synic serve` printed.")
        if request.path == "/ws" and not origin_allowed(request.headers.get("Origin"), request.headers.get("Host"), self.address):
            return page(403, "403 Forbidden: a page from another site may not open a SynIC Lab session.")
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # 400, 404, 405, 503 raised by a handler or the router: a one-line page
            return page(exc.status, (exc.text or "").strip().partition("\n")[0] or f"{exc.status} {exc.reason}")
        except Exception as exc:  # one line in the log, never a traceback (a token holder could flood it)
            log.warning("%s %s failed: %s", request.method, request.path, one_line(type(exc).__name__))
            return page(500, "500 Internal Server Error")
        if from_query and self.token is not None and not response.prepared:
            response.set_cookie(self.cookie, self.token, path="/", httponly=True, samesite="Strict")
        return response

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard], client_max_size=64 * 1024)
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        return app

    # -- pages ----------------------------------------------------------------------------
    def full(self) -> bool:
        return len(self.sessions) >= self.max_sessions

    def full_page(self) -> web.Response:
        return page(503, f"503 Server full: all {self.max_sessions} SynIC Lab sessions are in use; try again when someone closes a tab.")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full():
            return self.full_page()
        base = f"{request.scheme}://{request.host}"  # the address the visitor used (Host is checked above)
        context: dict[str, Any] = {
            "font_size": min(max(to_int(request.query.get("fontsize", "16"), 16), 6), 64),
            "app_websocket_url": ("wss:" if request.scheme == "https" else "ws:") + f"//{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    # -- sessions -------------------------------------------------------------------------
    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=64 * 1024)
        if not websocket.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="400 Bad Request: /ws is the dashboard's websocket; open the URL `synic serve` printed.")
        if self.full():
            raise web.HTTPServiceUnavailable(text=self.full_page().text)
        loop = asyncio.get_running_loop()
        live = Live(websocket, loop.time())
        self.sessions.add(live)  # counted before the first await: no two tabs slip past the limit
        try:
            width = min(max(to_int(request.query.get("width", "80"), 80), 10), MAX_TERMINAL)
            height = min(max(to_int(request.query.get("height", "24"), 24), 5), MAX_TERMINAL)
            await websocket.prepare(request)
            live.service = AppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,  # type: ignore[arg-type]  # textual-serve's own call, as in its server
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await live.service.start(width, height)
            live.watchdog = asyncio.create_task(self._watch_idle(live))
            await self._serve_messages(live)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one tab's trouble never stops the server
            log.warning("session ended by an error: %s", error)
        finally:
            self.sessions.discard(live)
            if live.watchdog is not None:
                live.watchdog.cancel()
            await self._stop(live)
        return websocket

    async def _serve_messages(self, live: Live) -> None:
        """The browser's messages, as textual-serve handles them; malformed ones are ignored, input resets the idle clock."""
        service = live.service
        assert service is not None
        loop = asyncio.get_running_loop()
        async for message in live.websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
                kind = envelope[0]
            except (ValueError, TypeError, IndexError, KeyError):
                continue
            if kind == "stdin" and isinstance(envelope[1], str):
                live.last_input = loop.time()
                await service.send_bytes(envelope[1].encode("utf-8"))
            elif kind == "resize" and isinstance(envelope[1], dict):
                size = envelope[1]
                width = min(max(to_int(str(size.get("width")), 80), 10), MAX_TERMINAL)
                height = min(max(to_int(str(size.get("height")), 24), 5), MAX_TERMINAL)
                live.last_input = loop.time()
                await service.set_terminal_size(width, height)
            elif kind == "ping" and isinstance(envelope[1], str):
                await live.websocket.send_json(["pong", envelope[1][:64]])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _watch_idle(self, live: Live) -> None:
        loop = asyncio.get_running_loop()
        while True:
            remaining = live.last_input + self.idle_timeout - loop.time()
            if remaining <= 0:
                log.info("closing a session idle for %.0f s", self.idle_timeout)
                await live.websocket.close(code=WSCloseCode.GOING_AWAY, message=b"idle timeout")
                return
            await asyncio.sleep(remaining)  # an event-loop timer: wakes when the session could first be idle

    async def _stop(self, live: Live) -> None:
        service = live.service
        if service is None:
            return
        try:
            await asyncio.wait_for(service.stop(), STOP_GRACE)
        except (TimeoutError, Exception):
            process = getattr(service, "_process", None)
            if process is not None and process.returncode is None:
                process.kill()

    # -- running --------------------------------------------------------------------------
    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a banner with the command; `synic serve` prints its own lines before binding."""

    def serve(self, debug: bool = False, sock: socket.socket | None = None) -> None:
        self.debug = debug
        logging.basicConfig(level=logging.WARNING, format="synic serve: %(message)s")
        # run_app turns SIGINT and SIGTERM into a graceful exit: every tab's process is told to quit
        web.run_app(self._make_app(), sock=sock, handle_signals=True, print=None, access_log=None)
