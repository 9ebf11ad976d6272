"""A wheel built from the project installs into a fresh venv, and `synic` works there: the styles,
help text, scenarios and lessons are packaged."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True
    )
    wheel = next(tmp_path.glob("synic_lab-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "tui/synic.tcss",
        "tui/help.md",
        "synic_core/scenarios/builtin/l1vh-v4-kexec.json",
        "synic_core/scenarios/lessons/01-ownership-l1vh.json",
        "synic_core/versions/builtin/v4.toml",
        "synic_core/versions/derive/idioms.toml",
    ):
        assert needed in names, needed
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr[-2000:]
    synic = str(venv / "bin" / "synic")
    help_text = subprocess.run([synic, "--help"], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert "usage: synic" in help_text and "--lesson" in help_text
    run = subprocess.run([synic, "run", "l1vh-v4-kexec"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0 and "faults 0  errors 0" in run.stdout
    lessons = subprocess.run([synic, "lessons"], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert "ownership-l1vh" in lessons
    probe = "import tui.app, pathlib; print(pathlib.Path(tui.app.__file__).with_name('synic.tcss').exists())"
    found = subprocess.run([str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert found.stdout.strip() == "True"
