"""No output mode of the CLI writes a raw escape, bell or bidi override taken from a file, a trace or the environment.

Hostile titles, names, descriptions, notes, kernel sources, file paths and trace task names go
through every mode (`run` table/--trace/--compare/--markdown/--grid/--ftrace/--kvm-trace,
`versions` list/show/diff, `trace` report and --check, `explore`, `lessons`, `config`); each
output must show them escaped (`\\x1b`) and hold no raw ESC, BEL or U+202E.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EVIL = "\x1b]0;pwned\x07\x1b[2J\u202eEVIL"
RAW = ("\x1b", "\x07", "\u202e", "\x9b")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("evil\x1b[2Jdir")
    patch = folder / "evil\x1b[31m.toml"
    patch.write_text(
        f'name = "evil"\ntitle = {json.dumps(EVIL)}\nsource = {json.dumps(EVIL)}\nbased_on = "v4"\n'
        f'[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = {{ masked = 1 }}\nsource = {json.dumps(EVIL + "_fn")}\n'
    )
    scenario = {
        "name": "evil",
        "title": EVIL,
        "description": EVIL,
        "partition": "l1vh",
        "cpus": 2,
        "mshv": patch.name,
        "steps": [{"action": "vmbus_load", "note": EVIL}, {"action": "mshv_init", "note": EVIL}, {"action": "mshv_cleanup"}],
    }
    path = folder / "evil\x1b]0;x\x07.json"
    path.write_text(json.dumps(scenario))
    trace = folder / "trace\x1b[2J.txt"
    exported = synic("run", "l1vh-v4-kexec", "--ftrace").stdout
    trace.write_text(exported.replace("cpuhp/0-20", "\x1b[2Jinsmod\u202e-1234").replace("hv_synic_init", "hv_synic_init\x1b]52;c;aGk=\x07"))
    config = folder / "config.toml"
    config.write_text(f"theme = {json.dumps(EVIL)}\nmshv = {json.dumps(EVIL)}\n")
    return {"patch": patch, "scenario": path, "trace": trace, "config": config, "folder": folder}


def synic(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


MODES = {
    "run table": lambda f: ("run", str(f["scenario"])),
    "run --trace": lambda f: ("run", str(f["scenario"]), "--trace"),
    "run --compare versions": lambda f: ("run", str(f["scenario"]), "--compare", f"{f['patch']},v4"),
    "run --compare profiles": lambda f: ("run", str(f["scenario"]), "--compare", "strict,lenient"),
    "run --markdown": lambda f: ("run", str(f["scenario"]), "--markdown"),
    "run --grid": lambda f: ("run", str(f["scenario"]), "--grid"),
    "run --ftrace": lambda f: ("run", str(f["scenario"]), "--ftrace"),
    "run --kvm-trace": lambda f: ("run", str(f["scenario"]), "--kvm-trace"),
    "run a missing path": lambda f: ("run", str(f["folder"] / "nothere\x1b[2J.json")),
    "versions list": lambda f: ("versions", str(f["patch"])),
    "versions show": lambda f: ("versions", "show", str(f["patch"])),
    "versions diff": lambda f: ("versions", "diff", "v4", str(f["patch"])),
    "trace report": lambda f: ("trace", str(f["trace"])),
    "trace --check": lambda f: ("trace", str(f["trace"]), "--check", "--mshv", str(f["patch"])),
    "explore": lambda f: ("explore", "--mshv", str(f["patch"]), "--depth", "2", "--cpus", "1"),
    "lessons": lambda f: ("lessons",),
    "ownership": lambda f: ("ownership",),
}


BAD_INPUT = {"run a missing path"}
QUIET = {"lessons", "ownership", "explore", "run --grid", "run --kvm-trace"}  # nothing from the files is printed (checked anyway)


@pytest.mark.parametrize("mode", list(MODES))
def test_no_raw_control_text_in_any_output_mode(files: dict[str, Path], mode: str) -> None:
    done = synic(*MODES[mode](files))
    written = done.stdout + done.stderr
    assert "Traceback" not in written, written
    assert not [c for c in RAW if c in written], f"{mode}: raw control text in {written!r}"
    assert done.returncode == (2 if mode in BAD_INPUT else done.returncode in (0, 1) and done.returncode), written
    if mode not in QUIET:
        assert "\\x1b" in written, f"{mode}: the hostile text was not printed (escaped) at all: {written!r}"


def test_the_hostile_title_is_shown_escaped_not_dropped(files: dict[str, Path]) -> None:
    done = synic("run", str(files["scenario"]))
    assert "\\x1b]0;pwned" in done.stdout and "\\x1b[2J\\u202eEVIL" in done.stdout  # (rich drops the bell itself)


def test_config_from_the_environment_and_a_file(files: dict[str, Path]) -> None:
    for args in (("config",), ("config", "--keys"), ("config", "--themes")):
        done = synic(*args, env={"SYNIC_CONFIG": str(files["config"]), "SYNIC_THEME": EVIL, "SYNIC_PARTITION": EVIL})
        written = done.stdout + done.stderr
        assert "Traceback" not in written and not [c for c in RAW if c in written], written


def test_json_keeps_the_exact_string(files: dict[str, Path]) -> None:
    done = synic("run", str(files["scenario"]), "--json")
    assert json.loads(done.stdout)["scenario"]["title"] == EVIL
