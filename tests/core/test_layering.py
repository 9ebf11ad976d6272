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


def test_core_import_does_not_load_textual():
    mods = _modules_after("import synic_core, synic_core.scenario, synic_core.report")
    assert not {m for m in mods if m == "textual" or m.startswith(("textual.", "tui"))}


def test_headless_run_does_not_load_textual():
    mods = _modules_after("from synic_core.cli import main\nmain(['run', 'l1vh-v4-kexec', '--json'])")
    assert "textual" not in mods


def test_no_textual_import_in_core_sources():
    """Only the dashboard launcher and `synic config` (key ids live in the dashboard) import tui, lazily."""
    pattern = re.compile(r"^\s*(from|import)\s+(textual|tui)\b", re.M)
    offenders = []
    for path in (ROOT / "synic_core").rglob("*.py"):
        for match in pattern.finditer(path.read_text()):
            line = path.read_text()[match.start():].splitlines()[0].strip()
            if line not in ("from tui.launch import launch", "from tui.config_cmd import show_config"):
                offenders.append(f"{path.name}: {line}")
    assert offenders == []
