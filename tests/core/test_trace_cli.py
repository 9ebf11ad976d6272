"""`synic trace` in a user's hands: the done-when of issue 16, JSON, exit codes, text that stays text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from synic_core.cli import main
from tests.support.traces import exported, join, save, split

P5 = "l1vh-patch5-only-kexec"


@pytest.fixture
def p5_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """`synic run l1vh-patch5-only-kexec --ftrace > trace.txt`, as a user would make it."""
    assert main(["run", P5, "--ftrace"]) == 1
    return save(tmp_path, capsys.readouterr().out)


def test_check_against_v4_reports_the_first_divergence_per_cpu(p5_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(p5_trace), "--check", "--mshv", "v4"]) == 1
    out = capsys.readouterr().out
    said = "CPUs 0-3: 20 writes, VMBus 8, MSHV 12; write 5: MSHV wrote SIMP.enable=1; v4 writes SIRBP.enable=1 here (MSHV: "
    assert said + "mshv_synic_cpu_init)" in out
    assert "diverges from v4; the trace shows 12 faulted writes (#GP)" in out


def test_check_against_patch5_only_conforms(p5_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(p5_trace), "--check", "--mshv", "patch5-only"]) == 1  # conforms, but the trace shows faults
    out = capsys.readouterr().out
    assert "CPUs 0-3: 20 writes, VMBus 8, MSHV 12; conforms to patch5-only" in out
    assert "conforms to patch5-only; the trace shows 12 faulted writes (#GP)" in out


def test_a_faultless_conforming_trace_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save(tmp_path, exported("l1vh-v4-kexec"))
    assert main(["trace", str(path), "--check"]) == 0
    assert "conforms to v4" in capsys.readouterr().out


def test_the_plain_import_lists_writes_attributions_and_findings(p5_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(p5_trace), "--writes"]) == 1
    out = capsys.readouterr().out
    assert "attributed: 80 by stack" in out
    assert "    17  101.500650  cpuhp/0          VMBus      stack    SINT2       0x200f3 → 0x300f3  #GP  hv_hyp_synic_disable_regs" in out
    assert "faulted on the machine (#GP in the trace)" in out
    assert "faults 12  errors 32  warnings 12  info 0" in out  # what synic run says about the same scenario


def test_writes_piped_read_as_a_terminal_shows_them_without_colour(p5_trace: Path) -> None:
    """Piped, `--writes` writes plain lines without rendering each through rich: the same text a terminal shows."""
    from io import StringIO

    from synic_core.cli.console import SafeConsole
    from synic_core.cli.trace_cmd import Narrow, print_writes
    from synic_core.traces.load import import_trace

    ti = import_trace(p5_trace)
    terminal = SafeConsole(file=StringIO(), force_terminal=True, color_system=None, width=400)
    piped = SafeConsole(file=StringIO(), force_terminal=False, width=400)
    print_writes(terminal, ti, Narrow())
    print_writes(piped, ti, Narrow())
    shown, written = terminal.file.getvalue(), piped.file.getvalue()  # type: ignore[attr-defined]
    assert terminal.is_terminal and not piped.is_terminal
    assert shown == written and "0x200f3 → 0x300f3  #GP  hv_hyp_synic_disable_regs" in written and written.count("\n") > 80


def test_the_cpus_a_window_leaves_without_a_write_share_one_line(p5_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A window on a trace of many CPUs names the CPUs without a write there in one line a run, not one line each."""
    main(["trace", str(p5_trace), "--from", "100.5", "--to", "100.50006", "--quiet"])  # CPU 0's first writes and CPU 1's first
    out = capsys.readouterr().out
    assert "CPU 0: 4 writes" in out and "CPU 1: 2 writes" in out
    assert "CPUs 2-3: no SynIC write in the trace there" in out and "CPU 2:" not in out


def test_json_carries_writes_actions_findings_and_the_check(p5_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(p5_trace), "--json", "--writes", "--check", "--mshv", "patch5-only"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [a["action"] for a in data["actions"]] == ["vmbus_load", "mshv_init", "kexec"]
    assert len(data["writes"]) == 80 and data["attribution"]["stack"] == 80
    first_fault = next(w for w in data["writes"] if w["faulted"])
    assert {k: first_fault[k] for k in ("cpu", "write", "register", "writer", "attribution", "source", "old", "value", "action")} == {
        "cpu": 0,
        "write": 17,
        "register": "SINT2",
        "writer": "vmbus",
        "attribution": "stack",
        "source": "hv_hyp_synic_disable_regs",
        "old": 0x200F3,
        "value": 0x300F3,
        "action": 2,
    }
    assert data["summary"] == {"info": 0, "warning": 12, "error": 32, "fault": 12}
    assert data["check"]["conforms"] is True and data["check"]["faults"] == 12


def test_file_text_is_never_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header, blocks = split(exported("l1vh-v4-kexec"))
    blocks = [[line.replace("cpuhp/0", "[bold red]x[/]") for line in b] for b in blocks]
    assert main(["trace", str(save(tmp_path, join(header, blocks))), "--writes"]) == 0
    assert "[bold red]x[/]" in capsys.readouterr().out


def test_trace_runs_from_the_installed_entry_point(p5_trace: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "synic_core", "trace", str(p5_trace), "--check", "--mshv", "v4"], capture_output=True, text=True, timeout=120
    )
    assert (
        done.returncode == 1
        and "CPUs 0-3: 20 writes, VMBus 8, MSHV 12; write 5: MSHV wrote SIMP.enable=1" in done.stdout
        and done.stderr == ""
    )


def test_a_bad_format_choice_is_an_argparse_error(p5_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["trace", str(p5_trace), "--format", "perf"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_check_takes_a_patch_file(p5_trace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A trace is checked against a user's version as against a built-in (issue 15 meets issue 16)."""
    patches = Path(__file__).parents[2] / "examples" / "patches"
    assert main(["trace", str(p5_trace), "--check", "--mshv", str(patches / "notifier-parent.toml")]) == 1
    assert "conforms to notifier-parent; the trace shows 12 faulted writes (#GP)" in capsys.readouterr().out
    broken = str(patches / "exit-disables-scontrol.toml")
    assert main(["run", "l1vh-v4-kexec", "--mshv", broken, "--ftrace"]) == 1
    trace = save(tmp_path, capsys.readouterr().out, "broken.txt")
    assert main(["trace", str(trace), "--check", "--mshv", broken]) == 1  # conforms: the faults are in the trace
    assert "conforms to exit-disables-scontrol" in capsys.readouterr().out
    assert main(["trace", str(trace), "--check", "--mshv", "v4"]) == 1
    assert "diverges from v4" in capsys.readouterr().out


def test_before_values_are_marked_as_the_models(p5_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["trace", str(p5_trace), "--writes"])
    assert "the value before each write is the model's" in capsys.readouterr().out
    main(["trace", str(p5_trace), "--json", "--writes"])
    rows = json.loads(capsys.readouterr().out)["writes"]
    assert rows and all(r["old_from_model"] is True for r in rows)


def test_check_replayed_lists_the_cpus_each_action_ran_on(p5_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["trace", str(p5_trace), "--json", "--check", "--mshv", "patch5-only"])
    data = json.loads(capsys.readouterr().out)
    replayed = data["check"]["replayed"]
    assert data["partition"] == "l1vh" and data["partition_from"] == "guessed from the trace: VMBus writes the SynIC"
    assert [r["action"] for r in replayed] == [a["action"] for a in data["actions"]]
    assert [r["cpus"] for r in replayed] == [[0, 1, 2, 3], [0, 1, 2, 3], [0]]  # the model's CPUs, never null


def test_one_of_a_kind_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from synic_core.traces.export import export_text
    from tests.support.sessions import run

    text = export_text(run("l1vh", "patch5-only", cpus=1), layout="trace-cmd")
    header, blocks = split(text)
    blocks = [[line.removesuffix(" #GP") for line in b] for b in blocks]
    blocks[0][0] += " #GP"
    main(["trace", str(save(tmp_path, join(header, blocks))), "--check", "--mshv", "patch5-only"])
    out = capsys.readouterr().out
    assert "1 header line," in out and "on CPU 0" in out and "CPUs 0 " not in out
    assert "the trace shows 1 faulted write (#GP)" in out
