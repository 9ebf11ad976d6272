"""An internal error is neither bad input (2) nor findings (1): exit 70, one line, a report file."""

from __future__ import annotations

import argparse
import stat
from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.storage.crash_report import EXIT_INTERNAL


def test_an_internal_error_exits_70_with_a_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    def broken(ns: argparse.Namespace) -> int:
        raise KeyError("a bug\nwith a newline")

    assert main(["lessons"], {"lessons": broken}) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (KeyError" in err and "Traceback" not in err
    reports = list((tmp_path / "synic-lab" / "crashes").iterdir())
    assert len(reports) == 1 and str(reports[0]) in err
    text = reports[0].read_text()
    assert "Traceback" in text and "KeyError" in text and "command: synic" in text
    assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600


def test_bad_input_still_exits_2(capsys: pytest.CaptureFixture[str]):
    assert main(["run", "no-such-scenario"]) == 2
    assert "no-such-scenario" in capsys.readouterr().err
