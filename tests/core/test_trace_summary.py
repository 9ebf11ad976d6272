"""The answer first: a summary under 100 lines whatever the CPU count; `--writes`, `--cpu`, `--from/--to`; progress."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from synic_core.cli import main, trace_cmd
from synic_core.model.session import Session
from synic_core.traces.export import export_text
from synic_core.versions.registry import session_config
from tests.support.traces import exported, join, save, split, without_gp


@pytest.fixture(scope="module")
def trace_256(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """VMBus load, MSHV init and kexec twice on 256 CPUs, with stacks, as trace-cmd reports them."""
    session = Session(session_config(mshv="v4", partition="l1vh", cpus=256))
    for _ in range(2):
        for action in ("vmbus_load", "mshv_init", "kexec"):
            session.apply(action)
    return save(tmp_path_factory.mktemp("t256"), export_text(session, "ftrace", "trace-cmd"))


def test_the_summary_of_256_cpus_is_short_and_groups_them(trace_256: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(trace_256), "--check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) < 100
    assert "  CPUs 0-255: 28 writes, VMBus 16, MSHV 12; conforms to v4" in out
    assert out[-1] == "conforms to v4"
    assert not any(line.startswith("CPU 7:") for line in out)  # no per-CPU listing by default


def test_writes_lists_every_write_after_the_summary(trace_256: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["trace", str(trace_256), "--writes"])
    out = capsys.readouterr().out
    assert out.count("\nCPU ") == 256 and "CPU 255: 28 writes" in out


def test_cpu_and_time_narrow_the_report(trace_256: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["trace", str(trace_256), "--cpu", "7"])
    out = capsys.readouterr().out
    assert "  CPU 7: 28 writes, VMBus 16, MSHV 12" in out and "CPU 7: 28 writes\n" in out and "CPU 8" not in out
    main(["trace", str(trace_256), "--cpu", "7", "--from", "101.0", "--to", "101.4"])  # the first MSHV init only
    out = capsys.readouterr().out
    listed = out.split("CPU 7: ", 2)[2]
    assert listed.startswith("3 writes") and listed.count(" MSHV ") == 3 and " VMBus " not in listed


def test_a_time_range_that_ends_before_it_starts_is_bad_input(trace_256: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(trace_256), "--from", "102", "--to", "101.5"]) == 2
    err = capsys.readouterr().err
    assert "--from 102 is after --to 101.5 (expected --from TIME at or before --to TIME)" in err and err.count("\n") == 1


def test_task_names_are_printed_visibly_never_as_escapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Any process on the traced machine names itself (prctl PR_SET_NAME): its name reaches no terminal raw."""
    header, blocks = split(exported("l1vh-v4-kexec"))
    blocks = [[line.replace("cpuhp/0", "\x1b[2Jevil") for line in b] for b in blocks]
    assert main(["trace", str(save(tmp_path, join(header, blocks))), "--writes"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[2Jevil" in out


def test_progress_goes_to_a_terminal_for_big_files_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(tmp_path, "x" * 100)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with trace_cmd.progress_line(str(path), quiet=False) as progress:
        assert progress is None  # not a terminal
    monkeypatch.setattr(err, "isatty", lambda: True, raising=False)
    with trace_cmd.progress_line(str(path), quiet=False) as progress:
        assert progress is None  # a small file
    monkeypatch.setattr(trace_cmd, "PROGRESS_FROM_BYTES", 10)
    with trace_cmd.progress_line(str(path), quiet=True) as progress:
        assert progress is None  # --quiet
    with trace_cmd.progress_line(str(path), quiet=False) as progress:
        assert progress is not None
        progress(50 << 20, 123_456)
    assert "reading trace: 50 of 0 MB, 123,456 SynIC writes, " in err.getvalue() and "writes/s" in err.getvalue()


def test_json_lists_the_writes_only_with_writes(trace_256: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    main(["trace", str(trace_256), "--json"])
    brief = json.loads(capsys.readouterr().out)
    assert "writes" not in brief and brief["read"]["writes"] == 256 * 28
    main(["trace", str(trace_256), "--json", "--writes"])
    full = json.loads(capsys.readouterr().out)
    assert len(full["writes"]) == 256 * 28 and {k: v for k, v in full.items() if k != "writes"} == brief


@pytest.fixture
def trace_p5(tmp_path: Path) -> Path:
    """patch5-only's kexec on 4 CPUs as a real kernel traces it (no #GP): 13 groups of findings."""
    header, blocks = split(exported("l1vh-patch5-only-kexec"))
    return save(tmp_path, join(header, without_gp(blocks)[0]))


def test_a_cpu_not_in_the_trace_is_one_line_of_bad_input(trace_p5: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(trace_p5), "--cpu", "9"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "synic: --cpu 9: not in the trace (CPUs 0-3)\n"


def test_the_groups_left_out_are_counted_in_agreement(trace_p5: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(trace_p5), "--mshv", "patch5-only"]) == 1
    out = capsys.readouterr().out
    assert "Findings: 52 findings in 13 groups" in out and "  and 1 more group (4 hypervisor_fault findings)\n" in out
