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
    mods = _modules_after("import synic_core, synic_core.scenarios.scenario, synic_core.reports.json_report")
    assert not {m for m in mods if m == "textual" or m.startswith(("textual.", "tui"))}


def test_headless_run_does_not_load_textual() -> None:
    mods = _modules_after("from synic_core.cli import main\nmain(['run', 'l1vh-v4-kexec', '--json'])")
    assert "textual" not in mods


def test_the_installed_synic_keeps_run_json_light() -> None:
    """`synic` is tui.cli: its front ends import textual only when they run."""
    mods = _modules_after("from tui.cli import main\nmain(['run', 'l1vh-v4-kexec', '--json'])")
    assert "textual" not in mods and "rich" not in mods


NOT_FOR_RUN_JSON = (
    "textual",
    "rich",
    "tui.app",
    "tui.launch",
    "multiprocessing",
    "concurrent",
    "asyncio",
    "synic_core.explore.reference",
    "synic_core.explore.fast",
    "synic_core.explore.pool",
    "synic_core.cli.explore_cmd",
    "synic_core.cli.run_cmd",
    "synic_core.cli.user_config",
    "pydantic_settings",
    "synic_core.scenarios.lesson",
    "synic_core.scenarios.compare",
    "synic_core.reports.markdown",
    "synic_core.reports.text_grid",
    "synic_core.versions.schema",
    "synic_core.scenarios.schema",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "difflib",
)
"""What `synic run NAME --json` has no use for: the dashboard, the explorer and its processes, tables,
the user config, lessons, other output formats, the schemas and pydantic (built-in scenarios and
versions are read without them: test_scenario_trust and test_builtin_patch_files check every one
against its schema; tomllib is needed: the versions are TOML) and the "did you mean" matcher. Start-up time is
measured in `make bench` (headless_vs_pydantic); this keeps each of them from coming back unnoticed."""


def test_run_json_imports_only_what_it_uses() -> None:
    mods = _modules_after("from tui.cli import main\nmain(['run', 'l1vh-v4-kexec', '--json'])")
    assert "synic_core.model.engine" in mods  # the probe did run the scenario
    assert sorted(m for m in mods if any(m == name or m.startswith(name + ".") for name in NOT_FOR_RUN_JSON)) == []


def test_commands_that_read_no_file_do_not_build_the_scenario_models() -> None:
    for command in ("explain", "ownership"):
        mods = _modules_after(f"from tui.cli import main\nmain([{command!r}])")
        assert "synic_core.cli.tables" in mods and not {"pydantic", "synic_core.scenarios.scenario"} & mods, command


def test_the_model_package_loads_its_parts_when_used() -> None:
    """`import synic_core` (as every submodule import does) does not load the engine, the session or pydantic."""
    mods = _modules_after("import synic_core.model.registers")
    assert not {"synic_core.model.engine", "synic_core.model.session", "synic_core.model.config", "pydantic"} & mods
    assert "synic_core.model.session" in _modules_after("from synic_core import Session")


def test_no_ui_import_in_core_sources() -> None:
    """Not even lazily: the dashboard passes its front ends to the core CLI (tui/cli.py)."""
    pattern = re.compile(r"^\s*(from|import)\s+(textual\w*|tui)\b", re.M)
    offenders = [
        f"{path.name}: {m.group(0).strip()}" for path in (ROOT / "synic_core").rglob("*.py") for m in pattern.finditer(path.read_text())
    ]
    assert offenders == []


NOT_FOR_TRACE = (
    "textual",
    "pydantic",
    "importlib.metadata",
    "hashlib",
    "synic_core.cli.run_cmd",
    "synic_core.scenarios.compare",
    "rich.table",
)
"""What `synic trace FILE --check` has no use for: the package metadata (read only where the version is shown: about
35 ms of imports), hashlib (a version's fingerprint), `synic run`'s module and its tables, the schemas. `make bench` times the command
(trace_check_vs_split_loop), where start-up is part of the measure."""


def test_trace_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    trace = tmp_path / "t.txt"
    trace.write_text("# tracer: nop\n  cpuhp/0-20  [000] ....  1.000001: write_msr: 40000080, value 1\n")
    command = f"main(['trace', {str(trace)!r}, '--check', '--quiet'])"
    mods = _modules_after(f"from tui.cli import main\ntry:\n    {command}\nexcept SystemExit:\n    pass")
    assert "synic_core.traces.check" in mods  # the probe did judge the trace
    assert sorted(m for m in mods if any(m == name or m.startswith(name + ".") for name in NOT_FOR_TRACE)) == []
