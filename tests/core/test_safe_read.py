"""Hostile files are refused before they are read; hostile numbers and nesting give one line, not a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from synic_core.cli.user_config import load_user_config
from synic_core.inputs import safe_read
from synic_core.inputs.bad_input import InputError
from synic_core.inputs.safe_read import MAX_FILE_BYTES, InputRefused, read_bytes, read_structured
from synic_core.scenarios.lesson import load_lesson
from synic_core.scenarios.scenario import load


def synic(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The headless CLI in a subprocess; a hang is a failure (the timeout is a safety net, not a measurement)."""
    full_env = {**os.environ, "SYNIC_CONFIG": "", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "synic_core", *args], capture_output=True, text=True, timeout=60, env=full_env, stdin=subprocess.DEVNULL
    )


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every byte count the loader's os.read returned."""
    counts: list[int] = []
    real = os.read

    def counting(fd: int, n: int) -> bytes:
        data = real(fd, n)
        counts.append(len(data))
        return data

    monkeypatch.setattr("synic_core.inputs.safe_read.os.read", counting)
    return counts


# -- not a regular file ------------------------------------------------------------------------
def test_a_fifo_is_refused_without_blocking(tmp_path: Path):
    fifo = tmp_path / "scenario.json"
    os.mkfifo(fifo)
    assert_one_line_refusal(synic("run", str(fifo)), str(fifo), "FIFO")


def test_dev_zero_is_refused_without_reading(counted_reads: list[int]):
    with pytest.raises(InputRefused, match="character device"):
        read_bytes("/dev/zero")
    assert counted_reads == []
    assert_one_line_refusal(synic("run", "/dev/zero"), "/dev/zero", "character device")


def test_a_directory_is_refused(tmp_path: Path):
    (tmp_path / "d.json").mkdir()
    assert_one_line_refusal(synic("run", str(tmp_path / "d.json")), "directory")
    with pytest.raises(InputError, match="directory"):
        load(str(tmp_path / "d.json"))


def test_a_socket_is_refused(tmp_path: Path):
    path = tmp_path / "s.json"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        with pytest.raises(InputError, match="socket"):
            load(str(path))


# -- too large ---------------------------------------------------------------------------------
def test_a_100_mb_file_is_refused_before_reading(tmp_path: Path, counted_reads: list[int]):
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(InputError, match="more than the 16,777,216-byte limit"):
        load(str(big))
    assert counted_reads == []
    assert_one_line_refusal(synic("run", str(big)), str(big), "limit")


def test_a_file_is_never_read_past_the_limit(tmp_path: Path, counted_reads: list[int], monkeypatch: pytest.MonkeyPatch):
    """Even when the size check is fooled (a file growing after the check), reading stops at limit + 1 bytes."""
    grown = tmp_path / "grown.json"
    grown.write_bytes(b" " * 10_000)
    monkeypatch.setattr(safe_read, "_check_stat", lambda *args: None)
    with pytest.raises(InputRefused, match="grew while being read"):
        read_bytes(grown, limit=100)
    assert sum(counted_reads) == 101


def test_a_file_at_the_limit_is_read(tmp_path: Path):
    ok = tmp_path / "ok.json"
    ok.write_bytes(b"[1]" + b" " * 97)
    assert read_structured(ok, limit=100) == [1]
    assert MAX_FILE_BYTES == 16 * 1024 * 1024


# -- hostile contents --------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_an_integer_of_5000_digits_is_one_line(tmp_path: Path, suffix: str):
    path = tmp_path / f"s{suffix}"
    digits = "1" * 5000
    path.write_text(f'{{"cpus": {digits}}}' if suffix == ".json" else f"cpus = {digits}\n")
    assert_one_line_refusal(synic("run", str(path)), str(path), "digits")


def test_a_long_but_convertible_integer_is_refused_too(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text(f"cpus = {'9' * 100}\n")
    assert_one_line_refusal(synic("run", str(path)), "digits")


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".json", '{"steps": ' + "[" * 50_000 + "]" * 50_000 + "}"),
        (".json", '{"steps": ' + "[" * 100 + "]" * 100 + "}"),
        (".toml", "steps = " + "[" * 50_000 + "]" * 50_000 + "\n"),
        (".toml", "steps = " + "[" * 100 + "]" * 100 + "\n"),
        (".toml", "[" + ".".join(f"k{i}" for i in range(2000)) + "]\nx = 1\n"),
    ],
    ids=["json-very-deep", "json-deep", "toml-very-deep", "toml-deep", "toml-dotted-tables"],
)
def test_deep_nesting_is_one_line(tmp_path: Path, suffix: str, text: str):
    path = tmp_path / f"s{suffix}"
    path.write_text(text)
    assert_one_line_refusal(synic("run", str(path)), str(path), "nested")


def test_a_lesson_file_goes_through_the_same_checks(tmp_path: Path):
    fifo = tmp_path / "lesson.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        load_lesson(str(fifo))


# -- the user config ---------------------------------------------------------------------------
def test_a_hostile_config_file_gives_the_defaults(config_file):
    config_file(f"cpus = {'1' * 5000}\n")
    loaded = load_user_config()
    assert loaded.problems and "digits" in loaded.problems[0]
    assert loaded.config.cpus == 4
    config_file("keys = " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested" in load_user_config().problems[0]


def test_a_deeply_nested_synic_keys_is_one_problem(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SYNIC_KEYS", '{"a":' * 5000 + "1" + "}" * 5000)
    loaded = load_user_config()
    assert len(loaded.problems) == 1 and "SYNIC_KEYS" in loaded.problems[0] and "nested" in loaded.problems[0]


def test_a_huge_number_in_a_variable_is_one_problem(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SYNIC_CPUS", "1" * 5000)
    loaded = load_user_config()
    assert len(loaded.problems) == 1 and "SYNIC_CPUS" in loaded.problems[0]


def test_synic_config_with_hostile_input_is_one_line_exit_2(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text("keys = " + "[" * 5000 + "]" * 5000 + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "tui", "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYNIC_CONFIG": str(config), "COLUMNS": "300"},
    )
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert "nested" in result.stdout + result.stderr


def test_100000_unknown_key_ids_are_cheap_and_short(config_file):
    """The config is read, refused in a few lines, and the dashboard gets the defaults."""
    from tui.keymap import check_keymap
    from tui.launch import dashboard_config

    keys = {f"nope{i}": "x" for i in range(100_000)}
    config_file("[keys]\n" + "".join(f'{k} = "{v}"\n' for k, v in keys.items()))
    loaded = dashboard_config()
    assert 1 <= len(loaded.problems) <= 12 and "100,000 entries" in loaded.problems[0]
    assert loaded.config.keys == {}
    problems = check_keymap(keys, "config.toml")  # the dashboard's own check, should a table get that far
    assert len(problems) == 6 and "99,995 more" in problems[-1]


def test_json_numbers_that_fit_still_load(tmp_path: Path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"cpus": 4096, "steps": [{"action": "vmbus_load", "cpus": [0, 4095]}]}))
    assert load(str(path)).cpus == 4096
