"""The headless CLI in a user's hands: clear pointers instead of puzzles, output that pipes well."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.scenarios.lesson import LESSON_PACKAGE, lesson_names


def lesson_file(tmp_path: Path) -> str:
    """A built-in lesson copied to a file, as a user would have one."""
    from importlib import resources

    path = tmp_path / "my-lesson.json"
    path.write_text((resources.files(LESSON_PACKAGE) / f"{lesson_names()[0]}.json").read_text("utf-8"))
    return str(path)


def synic(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "synic_core", *args], capture_output=True, text=True, timeout=120)


def test_a_lesson_given_to_run_points_to_the_dashboard(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = lesson_file(tmp_path)
    assert main(["run", path]) == 2
    err = capsys.readouterr().err
    assert "a lesson file, not a scenario" in err and "Extra inputs" not in err


def test_a_mistyped_subcommand_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rn", "l1vh-v4-kexec"]) == 2
    assert "did you mean 'synic run'" in capsys.readouterr().err


def test_output_formats_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "l1vh-v4-kexec", "--json", "--markdown"])
    assert exit_info.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_run_accepts_the_dashboards_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-patch5-only-kexec", "--mshv", "v4", "--cpus", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scenario"]["mshv"] == "v4" and data["scenario"]["cpus"] == 2 and data["summary"]["fault"] == 0


def test_piped_output_keeps_kernel_function_names_whole() -> None:
    out = synic("run", "l1vh-patch5-only-kexec", "--trace").stdout  # stdout is a pipe here, not a terminal
    assert "hv_synic_init → hv_hyp_synic_enable_regs" in out
    assert "hv_synic_cleanup → hv_hyp_synic_disable_interrupts" in out
    assert max(len(line) for line in out.splitlines()) > 80  # not wrapped at 80 columns


def test_a_lesson_file_opens_as_a_lesson_in_the_dashboard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tui.app import SynicApp
    from tui.cli import main as synic_main

    started: list[SynicApp] = []
    monkeypatch.setattr(SynicApp, "run", lambda self, *a, **k: started.append(self))
    assert synic_main([lesson_file(tmp_path)]) == 0
    assert started and started[0].dashboard._initial_lesson is not None


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["explore", "--mshv", "nosuch"], "synic explore: --mshv: expected a built-in version ("),
        (
            ["explore", "--partition", "foo"],
            "synic explore: --partition: invalid choice 'foo' (expected one of root, nested_root, l1vh, guest)",
        ),
        (["explore", "--channel-cpus", "x"], "synic explore: --channel-cpus: expected CPU numbers"),
        (["run", "l1vh-v4-kexec", "--cpus", "0"], "synic run: --cpus: expected 1..4096 CPUs, got 0"),
        (["trace", "trace.txt", "--from", "abc"], "synic trace: --from: expected a timestamp in seconds, e.g. 101.25, got 'abc'"),
        (["trace", "trace.txt", "--cpu", "abc"], "synic trace: --cpu: expected a whole number 0..4095, got 'abc'"),
        (["serve", "--port", "x"], "synic serve: --port: expected a whole number 0..65535, got 'x'"),
        (["lessons", "nosuch"], "synic lessons: unrecognized arguments: nosuch"),
        (["explain", "nosuch"], "synic explain: kind: invalid choice 'nosuch' (expected one of foreign_write,"),
        (["versions", "--nosuch"], "synic versions: unrecognized arguments: --nosuch"),
        (["--completion", "tcsh"], "synic: --completion: invalid choice 'tcsh' (expected one of bash, zsh, fish)"),
        (["--partition", "nope"], "synic: --partition: invalid choice 'nope' (expected one of root, nested_root, l1vh, guest)"),
    ],
)
def test_a_parser_error_is_one_line_naming_the_help(args: list[str], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    prog = line.split(":", 1)[0]
    assert exit_info.value.code == 2
    assert err.startswith(line) and err.endswith(f"; see {prog} --help\n") and err.count("\n") == 1, err
    assert "usage:" not in err and "argument " not in err
