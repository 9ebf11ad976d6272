"""Ctrl-C and SIGTERM: one line, exit 130 / 143, no traceback, nothing left half-written.

The signal is sent once the command has installed its SIGTERM handler (read from /proc, no sleep),
while it replays a machine large enough to take many seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synic_core.system.process import proc_field

WAIT_LIMIT = 120.0  # only stops a test that would hang; never a measurement


def catches_sigterm(pid: int) -> bool:
    caught = proc_field("SigCgt", f"/proc/{pid}/status")
    return bool(caught) and bool(int(caught or "0", 16) & (1 << (signal.SIGTERM - 1)))


def wait_for_sigterm_handler(proc: subprocess.Popen[str]) -> None:
    """Poll (with a deadline) until the command has installed its SIGTERM handler: then a signal reaches it."""
    give_up = time.monotonic() + WAIT_LIMIT
    while not catches_sigterm(proc.pid):
        assert proc.poll() is None and time.monotonic() < give_up, "the command ended before it could be signalled"
        time.sleep(0.01)


def big_scenario(folder: Path) -> Path:
    actions = ["vmbus_load", "mshv_init", "mshv_cleanup", "vmbus_unload"]
    path = folder / "big.json"
    steps = [{"action": actions[i % 4]} for i in range(400)]
    path.write_text(json.dumps({"partition": "l1vh", "cpus": 4096, "mshv": "patch5-only", "steps": steps}))
    return path


def as_from_a_terminal() -> None:
    """A child started from a background job inherits SIGINT ignored; a terminal's Ctrl-C reaches the default handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def started(args: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "synic_core", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_from_a_terminal,
    )
    wait_for_sigterm_handler(proc)
    return proc


@pytest.mark.parametrize(("sig", "code", "line"), [(signal.SIGINT, 130, "synic: interrupted"), (signal.SIGTERM, 143, "synic: terminated")])
@pytest.mark.parametrize("mode", [[], ["--json"], ["--markdown"]])
def test_run_stops_cleanly(tmp_path: Path, sig: int, code: int, line: str, mode: list[str]) -> None:
    proc = started(["run", str(big_scenario(tmp_path)), *mode])
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=WAIT_LIMIT)
    assert proc.returncode == code, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == line


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_versions_stop_cleanly(tmp_path: Path, sig: int, code: int) -> None:
    rules = "".join('[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = { masked = 1 }\n' for _ in range(50_000))
    (tmp_path / "many.toml").write_text(f'name = "many"\nbased_on = "v4"\n{rules}')
    proc = started(["versions", "show", str(tmp_path / "many.toml")])
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=WAIT_LIMIT)
    assert proc.returncode == code and "Traceback" not in err, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_trace_from_a_pipe_stops_without_a_traceback(sig: int) -> None:
    exported = subprocess.run([sys.executable, "-m", "synic_core", "run", "l1vh-v4-kexec", "--ftrace"], capture_output=True, text=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "synic_core", "trace", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_from_a_terminal,
    )
    wait_for_sigterm_handler(proc)
    assert proc.stdin is not None
    proc.stdin.write(exported.stdout)
    proc.stdin.flush()  # the pipe stays open: an endless stream, stopped by the signal
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=WAIT_LIMIT)
    assert "Traceback" not in err and proc.returncode in (0, 1, 128 + sig), err


@pytest.mark.parametrize(("raised", "code"), [("KeyboardInterrupt", 130), ("SigTerm", 143)])
def test_an_interrupt_that_passed_through_exec_still_exits_with_its_code(tmp_path: Path, raised: str, code: int) -> None:
    """A Ctrl-C while modules load can land in code dataclasses run with exec(); CPython then marks the interrupt as
    unhandled even though the CLI caught it, and `python -m` would end killed by SIGINT (-2), not with 130/143."""
    (tmp_path / "probe.py").write_text(
        "import argparse, sys\n"
        "from synic_core.cli import SigTerm, guarded\n"
        f"def handler(ns):\n    exec('raise {raised}')\n"
        "sys.exit(guarded(handler, argparse.Namespace(command='run')))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parents[2])])}
    done = subprocess.run([sys.executable, "-m", "probe"], capture_output=True, text=True, env=env, timeout=WAIT_LIMIT, check=False)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
