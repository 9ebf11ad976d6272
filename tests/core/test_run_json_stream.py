"""`synic run --json` streams: findings grouped as the tables group them, writes only with --trace, memory bounded.

The 4096 CPUs x 100 steps patch5-only file (1.6 million findings spelled out, 3.6 GB peak and 2.4 GB
of JSON before) runs in a subprocess; its peak memory is the child's own rusage (wait4), not timed.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.reports.json_report import run_report, stream_run
from synic_core.scenarios.scenario import load, replay

ACTIONS = ["vmbus_load", "mshv_init", "mshv_cleanup", "vmbus_unload"]


@pytest.mark.parametrize("name", ["l1vh-patch5-only-kexec", "l1vh-v4-kexec", "guest-mshv-refused"])
@pytest.mark.parametrize("writes", [False, True])
def test_the_stream_is_the_report_of_the_replayed_session(name: str, writes: bool) -> None:
    out = io.StringIO()
    code = stream_run(load(name), name, out, writes)
    expected = run_report(load(name), replay(load(name), name), writes)
    assert out.getvalue() == json.dumps(expected) + "\n"
    assert code == int(expected["summary"]["error"] + expected["summary"]["fault"] > 0)


def test_findings_are_grouped_with_cpu_ranges_and_writes_need_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-patch5-only-kexec", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert all("writes" not in s and s["write_count"] > 0 for s in out["steps"] if s["action"] == "vmbus_load")
    keys = [(f["step"], f["kind"], f["bank"], f["register"], f["field"], f["message"]) for f in out["findings"]]
    assert len(keys) == len(set(keys))  # one entry per step x kind x register x message
    assert sum(f["count"] for f in out["findings"]) == sum(out["summary"].values())
    fault = next(f for f in out["findings"] if f["kind"] == "hypervisor_fault")
    assert fault["cpus"] == "0-3" and fault["count"] == 4 and "cpu" not in fault
    assert main(["run", "l1vh-patch5-only-kexec", "--json", "--trace"]) == 1
    traced = json.loads(capsys.readouterr().out)
    assert all(len(s["writes"]) == s["write_count"] for s in traced["steps"])


def test_bad_input_found_halfway_writes_nothing_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"cpus": 2, "steps": [{"action": "vmbus_load"}, {"action": "cpu_online", "cpus": [1]}]}))
    assert main(["run", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "steps[1].cpus" in captured.err


@pytest.mark.serial  # its peak memory is measured: alone, not beside a parallel suite
def test_4096_cpus_by_100_steps_patch5_only_under_500_mb_and_100_mb_of_json(tmp_path: Path) -> None:
    scenario = tmp_path / "big.json"
    steps = [{"action": ACTIONS[i % 4]} for i in range(100)]
    scenario.write_text(json.dumps({"partition": "l1vh", "cpus": 4096, "mshv": "patch5-only", "steps": steps}))
    out = tmp_path / "out.json"
    with out.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "synic_core", "run", str(scenario), "--json"], stdout=sink)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage (getrusage of the child)
        proc.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024
    assert proc.returncode == 1
    assert peak_mb < 500, f"peak {peak_mb:.0f} MB"
    assert out.stat().st_size < 100 * 1024 * 1024
    report = json.loads(out.read_text())
    assert report["summary"]["fault"] > 0 and all(f["cpus"] == "0-4095" for f in report["findings"] if f["kind"] == "hypervisor_fault")
