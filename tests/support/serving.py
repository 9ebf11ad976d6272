"""A `synic serve` process for tests: started on a free port, its URL and token read from its output, stopped after."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str  # with the token
    base: str  # http://host:port
    token: str
    out: list[str]


@contextmanager
def serving(*args: str, cwd: Path | None = None) -> Iterator[Served]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", "0", "--cpus", "2", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        cwd=cwd,
    )
    out: list[str] = []
    try:
        assert proc.stdout is not None
        url = ""
        for line in proc.stdout:  # the URL is printed before the server starts answering
            out.append(line)
            found = re.search(r"(http://\S+/\?token=(\S+))", line)
            if found:
                url = found.group(1)
                break
        assert url, "".join(out)
        parts = urlsplit(url)
        yield Served(proc, url, f"{parts.scheme}://{parts.netloc}", url.split("token=")[1], out)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
