"""Who may use a `synic serve` server: the listening address, its URLs, the token and the Host/Origin checks.

Pure functions (no aiohttp, no textual), so the rules are tested without a server.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Final
from urllib.parse import quote, urlsplit

TOKEN_BYTES: Final = 24
MIN_TOKEN_CHARS: Final = 8
COOKIE_PREFIX: Final = "synic-token-"
LOOPBACK_NAMES: Final = ("localhost", "127.0.0.1", "[::1]")


class AccessError(ValueError):
    """A start-up problem with the address or the token: one line for the command line (exit 2)."""


@dataclass(frozen=True)
class Address:
    """Where the server listens, as resolved once at start."""

    host: str  # as given on the command line
    port: int
    family: int
    sockaddr: tuple[str, int] | tuple[str, int, int, int]
    loopback: bool  # every address the name stands for is a loopback address
    wildcard: bool  # 0.0.0.0 or :: (every interface)
    also: tuple[str, ...] = ()  # more names a request's Host may give (`--allowed-host`, e.g. a proxy's or a DNS alias)

    @property
    def url_host(self) -> str:
        """The host as it appears in a URL: IPv6 literals in brackets."""
        return bracket(self.host)

    def with_port(self, port: int) -> Address:
        """The same address with the port the kernel chose (for --port 0)."""
        return replace(self, port=port)

    def allowing(self, names: Iterable[str]) -> Address:
        """The same address, answering also to these host names (`--allowed-host`)."""
        return replace(self, also=tuple(dict.fromkeys(n.lower().strip("[]") for n in names)))

    def base_urls(self) -> list[str]:
        """The URLs a browser can use to reach the server, the first one the main one."""
        if not self.wildcard:
            return [f"http://{self.url_host}:{self.port}"]
        names = [socket.gethostname(), "127.0.0.1"]
        return [f"http://{bracket(n)}:{self.port}" for n in dict.fromkeys(names)]

    def allowed_hosts(self) -> frozenset[tuple[str, int]]:
        """The (host, port) pairs a request's Host header may name: this address, or on a wildcard bind this machine.

        A wildcard bind (0.0.0.0, ::) answers to this machine's names and addresses only, plus the
        `--allowed-host` names: a foreign name in Host is DNS rebinding or a misdirected request.
        """
        names = {self.host.lower().strip("[]"), *self.also}
        if self.loopback or self.wildcard:
            names |= {n.strip("[]") for n in LOOPBACK_NAMES}
        if not self.loopback:
            names |= set(local_names())
        if self.wildcard:
            names |= set(local_addresses())
        return frozenset((n, self.port) for n in names)


@functools.cache
def local_names() -> tuple[str, ...]:
    """This machine's names, looked up once (getfqdn may ask DNS; requests must not wait for it)."""
    return tuple(dict.fromkeys(n.lower() for n in (socket.gethostname(), socket.getfqdn()) if n))


@functools.cache
def local_addresses() -> tuple[str, ...]:
    """This machine's IP addresses: those its names resolve to, and the ones it would send from (no packet is sent)."""
    found: list[str] = []
    for name in local_names():
        try:
            found += [str(info[4][0]).split("%")[0] for info in socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)]
        except (OSError, UnicodeError):
            continue
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):  # documentation addresses
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))  # a UDP connect only picks the route
                found.append(str(sock.getsockname()[0]).split("%")[0])
        except OSError:
            continue
    return tuple(dict.fromkeys(a.lower() for a in found if a))


def bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def resolve(host: str, port: int) -> Address:
    """Resolve `--host`; AccessError with one line when it is not an address this machine can listen on."""
    if not host or any(c.isspace() for c in host) or "/" in host:
        raise AccessError(f"--host {host!r}: expected an IP address or a host name, e.g. 127.0.0.1 or ::1")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise AccessError(f"--host {host}: not an address this machine can listen on ({getattr(exc, 'strerror', None) or exc})") from None
    ips = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    family, _, _, _, sockaddr = infos[0]
    return Address(
        host=host.strip("[]"),
        port=port,
        family=family,
        sockaddr=sockaddr,  # type: ignore[arg-type]
        loopback=all(ip.is_loopback for ip in ips),
        wildcard=any(ip.is_unspecified for ip in ips),
    )


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def check_token(token: str) -> str:
    if len(token) < MIN_TOKEN_CHARS or not token.isprintable() or any(c.isspace() for c in token):
        raise AccessError(f"--token: expected at least {MIN_TOKEN_CHARS} printable characters without spaces")
    return token


def token_url(base: str, token: str | None) -> str:
    return f"{base}/?token={quote(token, safe='')}" if token else f"{base}/"


def same_token(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def cookie_name(port: int) -> str:
    """Cookies are shared between the ports of one host: the port keeps two servers' tokens apart."""
    return f"{COOKIE_PREFIX}{port}"


def split_host(header: str, default_port: int) -> tuple[str, int] | None:
    """A Host header (or an Origin's netloc) as (lower-case host, port); None when malformed."""
    header = header.strip().lower()
    if not header:
        return None
    try:
        parts = urlsplit(f"http://{header}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.username or parts.password or parts.path:
        return None
    return host, port if port is not None else default_port


def host_allowed(host_header: str | None, address: Address) -> bool:
    """The request names the served address (a foreign Host is DNS rebinding or a misdirected request)."""
    parsed = split_host(host_header or "", 80)
    return parsed is not None and parsed in address.allowed_hosts()


def origin_allowed(origin: str | None, host_header: str | None, address: Address) -> bool:
    """A websocket's Origin must be the served address itself, as the request names it (cross-site websocket hijacking).

    Browsers always send Origin on a websocket; a client without one (a script holding the
    token) is not a browser page and is let through.
    """
    if origin is None:
        return True
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    pair = (parts.hostname, port if port is not None else (443 if parts.scheme == "https" else 80))
    return pair in address.allowed_hosts() and pair == split_host(host_header or "", 80)


def parse_duration(text: str) -> int:
    """ "30m", "90s", "1h", "45" (minutes) -> seconds; ValueError with a readable message otherwise."""
    text = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600}
    unit = units.get(text[-1:], 0)
    number = text[:-1] if unit else text
    if not number.isdigit() or len(number) > 6:
        raise ValueError(f"expected a duration like 30m, 90s or 1h, got {text!r}")
    seconds = int(number) * (unit or 60)
    if not 1 <= seconds <= 7 * 24 * 3600:
        raise ValueError(f"expected a duration between 1s and 7 days, got {text!r}")
    return seconds
