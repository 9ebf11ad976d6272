"""Ctrl-C on `synic trace -` (a live trace_pipe): the report of what was read, exit 130, no traceback; usage errors."""

from __future__ import annotations

import fcntl
import io
import os
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from synic_core.cli import main
from tests.support.traces import exported

ROOT = Path(__file__).resolve().parents[2]


def unread(fd: int) -> int:
    """Bytes still waiting in a pipe (FIONREAD on its read end)."""
    return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0])


def test_ctrl_c_on_a_live_pipe_reports_and_exits_130() -> None:
    read_end, write_end = os.pipe()
    command = [sys.executable, "-m", "synic_core", "trace", "-", "--quiet"]
    child = subprocess.Popen(command, stdin=read_end, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    os.write(write_end, exported("l1vh-v4-kexec").encode())  # the pipe stays open: more could come, as from trace_pipe
    while unread(read_end):  # the child has taken every byte and waits for more
        os.sched_yield()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    os.close(read_end)
    os.close(write_end)
    assert child.returncode == 130 and b"Traceback" not in err, err
    assert b"read 318 lines" in out and b"56 SynIC writes on CPUs 0-3" in out
    assert b"stopped by Ctrl-C after line 318: this report covers the trace up to there" in out


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_on_standard_input_gets_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", Tty())
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["trace", "-"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "synic: -: standard input is a terminal; pipe a trace in (trace-cmd report | synic trace -) or name a file"
    ]


def test_an_option_a_subcommand_lacks_names_that_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lessons", "--json"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err == "synic lessons: unrecognized arguments: --json; see synic lessons --help\n"


def test_standard_input_judges_its_first_writes_and_counts_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """An endless trace_pipe keeps bounded memory: the writes after the first STREAM_WRITES_KEPT are counted per CPU."""
    from synic_core.traces import parse

    monkeypatch.setattr(parse, "STREAM_WRITES_KEPT", 20)
    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(exported("l1vh-v4-kexec").encode())))
    monkeypatch.setattr(sys, "stdin", stdin)
    trace = parse.parse_trace("-")
    assert len(trace.writes) == 20 and trace.stats.writes == 56 and sum(trace.stats.not_kept.values()) == 36
    assert sorted(trace.stats.not_kept) == [0, 1, 2, 3]
