"""`synic explore` on the command line: proofs, the per-CPU-count table, the matrix, and a clean stop
on SIGINT/SIGTERM that leaves no worker process behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synic_core.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_exhaustive_proves_v4_has_no_fault_on_three_cpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--cpus", "3", "--exhaustive"]) == 1  # stale_state after a crash is an error
    out = capsys.readouterr().out
    assert "fixpoint at depth 22: every sequence of any length on 3 CPUs explored (6,543 states, 61,574 transitions)" in out
    assert "hypervisor_fault" in out.split("not reachable by any sequence on 3 CPUs (proved")[1]


def test_exhaustive_json_has_fixpoint_and_diameter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--mshv", "patch5-only", "--cpus", "2", "--exhaustive", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["fixpoint"] is True and data["diameter"] == len(data["levels"]) == 17
    assert data["counterexamples"]["hypervisor_fault"]["length"] == 3
    assert "hypervisor_fault" not in data["unreachable"] and "proof" in data


def test_bounded_run_says_it_is_not_a_proof(capsys: pytest.CaptureFixture[str]) -> None:
    main(["explore", "--cpus", "2", "--depth", "3"])
    out = capsys.readouterr().out
    assert "bounded: not a proof" in out and "not reachable within depth 3" in out
    main(["explore", "--cpus", "2", "--depth", "3", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["fixpoint"] is False and data["diameter"] is None and data["unreachable"] is None


def test_a_deep_bound_that_reaches_the_fixpoint_is_a_proof(capsys: pytest.CaptureFixture[str]) -> None:
    main(["explore", "--cpus", "1", "--depth", "40"])  # more than the 12 steps the explorer used to allow
    assert "fixpoint at depth" in capsys.readouterr().out


def test_per_cpu_count_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--mshv", "patch5-only", "--cpus", "1-3", "--exhaustive", "--jobs", "1"]) == 1
    out = capsys.readouterr().out
    assert "Finding kinds reachable per CPU count" in out
    assert out.count("│ proved (") == 3
    assert "stopped changing at 1 CPU: the same from 1 to 3 CPUs (proved at each fixpoint)" in out
    assert main(["explore", "--cpus", "1-2", "--exhaustive", "--json", "--jobs", "2"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [r["cpus"] for r in data["per_cpus"]] == [1, 2]
    assert all(r["fixpoint"] for r in data["per_cpus"]) and data["per_cpus"][1]["states"] == 495


def test_matrix_with_a_proof_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--all", "--exhaustive", "--cpus", "1"]) == 1
    out = capsys.readouterr().out
    assert "proof" in out and "HF hypervisor_fault" in out
    assert sum(1 for line in out.splitlines() if re.search(r"✓ \d+\s*$", line)) == 40
    assert main(["explore", "--all", "--exhaustive", "--cpus", "1", "--json", "--jobs", "1"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 40 and all(r["fixpoint"] for r in rows)
    p5 = next(r for r in rows if (r["partition"], r["mshv"], r["hypervisor"]) == ("l1vh", "patch5-only", "strict"))
    assert p5["reachable"]["hypervisor_fault"] == 3


def test_memory_limit_is_a_clean_stop_without_proof(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from synic_core.cli import explore_cmd

    monkeypatch.setattr(explore_cmd, "MIN_MEMORY_MB", 1)  # a limit this process is already above: the first check stops it
    code = main(["explore", "--cpus", "3", "--exhaustive", "--max-memory", "1"])
    captured = capsys.readouterr()
    assert code == 2
    assert "no proof: stopped at depth" in captured.out and "memory limit" in captured.err
    assert "Traceback" not in captured.err


# -- stopping ---------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time a process has used, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.serial  # it counts the processes of one run: alone, not beside a parallel suite
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_explore_all_stops_it_and_leaves_no_process(sig: signal.Signals) -> None:
    # the case: a signal to the parent only (not its process group) used to leave the workers running
    proc = subprocess.Popen(
        [sys.executable, "-m", "synic_core", "explore", "--all", "--cpus", "4", "--depth", "10"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: a test run started in the background (`make test &`) ignores SIGINT, and Python then
        # never installs its KeyboardInterrupt handler in the child
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 60  # a guard against hanging, not a measurement
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            workers = _children(proc.pid)
        assert len(workers) == 2, "the two worker processes never started"
        while not all(_cpu_ticks(w) > 0 for w in workers) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)  # until both workers are searching (have used CPU time), however busy the machine is
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    blocked = Path(f"/proc/{os.getpid()}/status").read_text().split("SigBlk:")[1].split()[0]
    assert proc.returncode == 130, (proc.returncode, err[-500:], out[-300:], f"test process SigBlk {blocked}")
    assert "Traceback" not in err
    assert "interrupted" in out and "no result for the others" in out
    deadline = time.monotonic() + 10
    while any(_running(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _running(w)], "a worker outlived synic explore"
