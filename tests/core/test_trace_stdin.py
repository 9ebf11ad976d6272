"""`synic trace -`: a trace piped in (`trace-cmd report | synic trace -`), as a file would be read."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.traces.parse import parse_trace
from synic_core.traces.report import read_summary
from tests.support.traces import save

P5 = "l1vh-patch5-only-kexec"
ROOT = Path(__file__).resolve().parents[2]


def ftrace_of(scenario: str) -> bytes:
    run = subprocess.run([sys.executable, "-m", "synic_core", "run", scenario, "--ftrace"], capture_output=True, check=False, cwd=ROOT)
    assert run.stdout.startswith(b"# tracer:")
    return run.stdout


def test_a_piped_trace_gives_the_report_a_file_gives(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = ftrace_of(P5)
    piped = subprocess.run(
        [sys.executable, "-m", "synic_core", "trace", "-", "--check", "--mshv", "v4", "--json"], input=text, capture_output=True, cwd=ROOT
    )
    assert main(["trace", str(save(tmp_path, text.decode())), "--check", "--mshv", "v4", "--json"]) == piped.returncode == 1
    from_file, from_pipe = json.loads(capsys.readouterr().out), json.loads(piped.stdout)
    assert from_pipe.pop("file") == "standard input" and from_file.pop("file") != "standard input"
    assert from_pipe == from_file and from_pipe["read"]["writes"] == 80


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_on_standard_input_is_refused_not_waited_on(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", Tty())
    assert main(["trace", "-"]) == 2
    assert capsys.readouterr().err.strip() == (
        "synic: -: standard input is a terminal; pipe a trace in (trace-cmd report | synic trace -) or name a file"
    )


class LivePipe(io.RawIOBase):
    """A trace_pipe: lines arrive, then the user presses Ctrl-C while the reader waits for more."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self.data:
            raise KeyboardInterrupt
        n = min(len(buffer), len(self.data), 1000)
        buffer[:n], self.data = self.data[:n], self.data[n:]
        return n


def test_ctrl_c_on_a_live_pipe_reports_what_was_read(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ftrace_of(P5)
    stdin = io.TextIOWrapper(io.BufferedReader(LivePipe(text)))
    monkeypatch.setattr(sys, "stdin", stdin)
    trace = parse_trace("-")
    assert trace.stats.interrupted and len(trace.writes) == 80 and trace.path == "standard input"
    assert trace.stats.bytes == len(text)
    lines = text.count(b"\n")
    assert (
        read_summary(trace.stats, 80, [0, 1, 2, 3])[-1] == f"stopped by Ctrl-C after line {lines}: this report covers the trace up to there"
    )
    assert not stdin.closed  # the dashboard may read keys on it next


def test_ctrl_c_on_a_file_still_stops_the_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synic_core.traces import parse

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(parse, "read_lines", interrupted)
    with pytest.raises(KeyboardInterrupt):
        parse_trace(save(tmp_path, ftrace_of(P5).decode()))


def test_a_binary_trace_dat_on_standard_input_says_how_to_pipe_its_text() -> None:
    piped = subprocess.run(
        [sys.executable, "-m", "synic_core", "trace", "-"], input=b"\x17\x08\x44tracing6" + b"\0" * 64, capture_output=True, cwd=ROOT
    )
    assert piped.returncode == 2
    assert piped.stderr.decode().strip() == (
        "synic: standard input: a binary trace-cmd trace.dat; turn it into text first: trace-cmd report -i trace.dat | synic trace -"
    )


def test_the_dashboard_on_a_piped_trace_needs_a_terminal_for_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from synic_core.inputs.bad_input import InputError
    from tui import launch

    def no_terminal(*args: object) -> int:
        raise OSError("No such device or address")

    monkeypatch.setattr(os, "open", no_terminal)
    with pytest.raises(InputError, match="no terminal to read keys from; save the trace to a file first"):
        launch.keys_from_the_terminal()
