"""One reader for /proc: fields, memory figures and their fallbacks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from synic_core.system import process


def test_a_field_is_read_from_key_value_lines(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nUmask:\t0027\nVmHWM:\t  2048 kB\n", "ascii")
    assert process.proc_field("Umask", str(status)) == "0027"
    assert process.proc_field("VmHWM", str(status)) == "2048 kB"
    assert process.proc_field("Missing", str(status)) is None
    assert process.proc_field("Umask", str(tmp_path / "absent")) is None


def test_memory_figures_fall_back_when_proc_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process, "proc_field", lambda name, path="": None)
    assert process.available_mb() == 4096.0
    assert process.peak_rss_mb() > 0  # from getrusage


def test_the_umask_is_read_without_changing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    old = os.umask(0o037)
    try:
        assert process.umask() == 0o037
        monkeypatch.setattr(process, "proc_field", lambda name, path="": None)
        assert process.umask() == 0o037  # the fallback sets it back
        assert os.umask(0o037) == 0o037
    finally:
        os.umask(old)


def test_memory_figures_are_read_from_this_machine() -> None:
    assert process.rss_mb() > 0 and process.peak_rss_mb() >= process.rss_mb() * 0.5 and process.available_mb() > 0
