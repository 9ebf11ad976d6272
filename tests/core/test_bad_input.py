"""Bad scenario input: one clear line naming the file and field, exit 2, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from synic_core.cli import main
from tests.support.traces import exported

GOOD = {
    "partition": "l1vh",
    "cpus": 2,
    "mshv": "v4",
    "hypervisor": "strict",
    "steps": [{"action": "vmbus_load"}, {"action": "mshv_init", "cpus": [0, 1]}],
}


def bad(**changes):
    data = json.loads(json.dumps(GOOD))
    data.update(changes)
    return data


CASES = {
    "unknown partition": (bad(partition="l2vh"), "partition", "'root', 'nested_root', 'l1vh' or 'guest'"),
    "unknown version": (bad(mshv="v9"), "mshv", "expected a built-in MSHV version (mainline, patch5-only, v1, v3, v4) or a patch file"),
    "unknown profile": (bad(hypervisor="picky"), "hypervisor", "'strict' or 'lenient'"),
    "unknown action": (bad(steps=[{"action": "vmbus_lod"}]), "steps[0].action", "'vmbus_load'"),
    "zero cpus": (bad(cpus=0), "cpus", "greater than or equal to 1"),
    "too many cpus": (bad(cpus=4097), "cpus", "less than or equal to 4096"),
    "cpus not a number": (bad(cpus="four"), "cpus", "valid integer"),
    "cpu index out of range": (bad(steps=[{"action": "vmbus_load", "cpus": [0, 2]}]), "steps[0].cpus", "out of range (expected 0..1)"),
    "duplicate cpu": (bad(steps=[{"action": "vmbus_load", "cpus": [1, 1]}]), "steps[0].cpus", "listed twice"),
    "offline cpu": (
        bad(steps=[{"action": "cpu_offline", "cpus": [1]}, {"action": "mshv_init", "cpus": [1]}]),
        "steps[1].cpus",
        "CPU 1 is offline (expected an online CPU)",
    ),
    "online cpu brought online": (bad(steps=[{"action": "cpu_online", "cpus": [1]}]), "steps[0].cpus", "already online"),
    "two reboot cpus": (bad(steps=[{"action": "kexec", "cpus": [0, 1]}]), "steps[0].cpus", "exactly one CPU"),
    "unknown field": (bad(speed=3), "speed", "not a field of a scenario (expected one of: name, title, description, partition, cpus,"),
    "not an object": ([1, 2], "", "expected an object"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_json(case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, field, expected = CASES[case]
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    assert main(["run", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == ""
    assert len(err.splitlines()) == 1, err
    assert str(path) in err and field in err and expected in err, err
    assert "Traceback" not in err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "no/such/file.json"]) == 2
    err = capsys.readouterr().err
    assert "no/such/file.json: cannot read the file" in err


def test_unknown_builtin_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "no-such-scenario"]) == 2
    assert "synic run --list" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("suffix", "text", "expected"),
    [
        (".json", '{"partition": "l1vh",', "invalid JSON at line 1"),
        (".toml", 'partition = "l1vh"\ncpus = ', "invalid TOML"),
        (".json", "\udcff", "UTF-8"),
    ],
)
def test_malformed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix, text, expected) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert main(["run", str(path)]) == 2
    assert expected in capsys.readouterr().err


def test_toml_scenarios_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        'partition = "l1vh"\ncpus = 2\nmshv = "patch5-only"\n'
        '[[steps]]\naction = "vmbus_load"\n[[steps]]\naction = "mshv_init"\n'
        '[[steps]]\naction = "kexec"\ncpus = [1]\n'
    )
    assert main(["run", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["fault"] > 0 and out["steps"][2]["cpus"] == [1]


def test_bad_dashboard_options_exit_2_without_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "synic_core", "--partition", "nope"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["run", "l1vh-v4-kexec", "--json"], ["run", "l1vh-v4-kexec"], ["trace", "TRACE", "--check"]])
def test_a_reader_that_goes_away_ends_quietly(args: list[str], tmp_path: Path) -> None:
    """`synic run ... | head`: exit 141 like other Unix tools, no BrokenPipeError traceback (rich's console would exit 1,
    which `synic trace` uses for findings)."""
    trace = tmp_path / "trace.txt"
    trace.write_text(exported("l1vh-v4-kexec"))
    args = [str(trace) if a == "TRACE" else a for a in args]
    proc = subprocess.Popen([sys.executable, "-m", "synic_core", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the child has imported anything, so its first write finds no reader
    err = proc.stderr.read()
    assert proc.wait() == 141 and "Traceback" not in err
