"""`synic [FILE] [--partition ...]`: what the dashboard opens with, and bad input on the way in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synic_core.cli import dashboard_parser
from tui.app import SynicApp
from tui.cli import main
from tui.launch import build_session


def test_flags_choose_the_settings() -> None:
    ns = dashboard_parser().parse_args(["--partition", "root", "--mshv", "mainline", "--hypervisor", "lenient", "--cpus", "8"])
    s = build_session(ns)
    assert (s.config.partition, s.config.mshv, s.config.hypervisor, s.config.cpus) == ("root", "mainline", "lenient", 8)
    assert s.history == []


def test_mshv_takes_a_patch_file_alone_or_over_a_scenario() -> None:
    patch = str(Path(__file__).parents[2] / "examples" / "patches" / "exit-disables-scontrol.toml")
    s = build_session(dashboard_parser().parse_args(["--mshv", patch, "--cpus", "2"]))
    assert s.config.mshv == "exit-disables-scontrol" and s.config.version.origin == patch
    s = build_session(dashboard_parser().parse_args(["l1vh-v4-kexec", "--mshv", patch]))
    assert s.config.mshv == "exit-disables-scontrol" and s.summary()["fault"] > 0


def test_scenario_file_opens_with_its_steps_in_the_history(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps(
            {
                "partition": "l1vh",
                "mshv": "patch5-only",
                "cpus": 2,
                "steps": [{"action": "vmbus_load"}, {"action": "mshv_init"}, {"action": "kexec"}],
            }
        )
    )
    s = build_session(dashboard_parser().parse_args([str(path)]))
    assert [h.action for h in s.history] == ["vmbus_load", "mshv_init", "kexec"]
    assert s.summary()["fault"] == 6
    s.undo()  # steps opened from a file can be undone like any other
    assert len(s.history) == 2


def test_flags_override_a_scenario_and_are_validated(tmp_path: Path) -> None:
    s = build_session(dashboard_parser().parse_args(["l1vh-patch5-only-kexec", "--mshv", "v4"]))
    assert s.config.mshv == "v4" and s.summary()["fault"] == 0


async def test_opened_scenario_shows_its_findings() -> None:
    s = build_session(dashboard_parser().parse_args(["l1vh-patch5-only-kexec"]))
    app = SynicApp(s)
    async with app.run_test(size=(120, 40)):
        assert "faults 12" in str(app.query_one("#status").render())


def test_dashboard_with_a_bad_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"partition": "mars"}')
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.json: partition:" in err and "Traceback" not in err


def test_synic_starts_the_dashboard(monkeypatch: pytest.MonkeyPatch) -> None:
    started = []
    monkeypatch.setattr(SynicApp, "run", lambda self, *a, **k: started.append(self.dashboard.session.config))
    assert main(["--partition", "guest", "--cpus", "2"]) == 0
    assert started and started[0].partition == "guest" and started[0].cpus == 2
