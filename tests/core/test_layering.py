"""The core never imports textual, not even on the headless CLI paths."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_core_import_does_not_load_textual() -> None:
    mods = _modules_after("import synic_core, synic_core.scenario, synic_core.report")
    assert not {m for m in mods if m == "textual" or m.startswith(("textual.", "tui"))}


def test_headless_run_does_not_load_textual() -> None:
    mods = _modules_after("from synic_core.cli import main\nmain(['run', 'l1vh-v4-kexec', '--json'])")
    assert "textual" not in mods


def test_the_installed_synic_keeps_run_json_light() -> None:
    """`synic` is tui.cli: its front ends import textual only when they run."""
    mods = _modules_after("from tui.cli import main\nmain(['run', 'l1vh-v4-kexec', '--json'])")
    assert "textual" not in mods and "rich" not in mods


def test_no_ui_import_in_core_sources() -> None:
    """Not even lazily: the dashboard passes its front ends to the core CLI (tui/cli.py)."""
    pattern = re.compile(r"^\s*(from|import)\s+(textual\w*|tui)\b", re.M)
    offenders = [
        f"{path.name}: {m.group(0).strip()}" for path in (ROOT / "synic_core").rglob("*.py") for m in pattern.finditer(path.read_text())
    ]
    assert offenders == []
