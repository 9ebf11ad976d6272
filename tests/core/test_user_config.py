"""The user config: XDG location, file values, environment overrides, and one-line problems on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from synic_core.cli.user_config import UserConfig, config_path, load_user_config


def test_xdg_config_home_decides_the_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNIC_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "synic-lab" / "config.toml"


def test_without_xdg_the_location_is_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNIC_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    for value in (None, "relative/dir"):  # the XDG spec: a relative path is invalid and ignored
        if value is None:
            monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CONFIG_HOME", value)
        assert config_path() == tmp_path / ".config" / "synic-lab" / "config.toml"


def test_no_file_means_the_built_in_defaults() -> None:
    loaded = load_user_config()
    assert loaded.problems == [] and not loaded.found
    assert loaded.config == UserConfig.model_construct()
    assert (loaded.config.partition, loaded.config.mshv, loaded.config.cpus) == ("l1vh", "v4", 4)


def test_the_file_sets_the_defaults(config_file) -> None:
    path = config_file('partition = "root"\nmshv = "mainline"\ncpus = 16\ntheme = "textual-light"\n[keys]\nkexec = "K,ctrl+k"\n')
    loaded = load_user_config()
    assert loaded.problems == [] and loaded.found
    c = loaded.config
    assert (c.partition, c.mshv, c.hypervisor, c.cpus, c.theme) == ("root", "mainline", "strict", 16, "textual-light")
    assert c.keys == {"kexec": "K,ctrl+k"}
    assert loaded.source_of("cpus") == str(path) and loaded.source_of("hypervisor") == "default"


def test_the_environment_wins_over_the_file(config_file, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file('mshv = "mainline"\ncpus = 16\n[keys]\nkexec = "K"\n')
    monkeypatch.setenv("SYNIC_CPUS", "64")
    monkeypatch.setenv("SYNIC_KEYS__HELP", "f1")
    loaded = load_user_config()
    assert loaded.problems == []
    assert (loaded.config.mshv, loaded.config.cpus) == ("mainline", 64)
    assert loaded.config.keys == {"kexec": "K", "help": "f1"}  # the variable adds to the file's table
    assert loaded.source_of("cpus") == "SYNIC_CPUS"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cpus = 9000", "config.toml: cpus: Input should be less than or equal to 4096 (got 9000)"),
        ("cpus = true", "config.toml: cpus: expected a whole number of CPUs, 1..4096"),
        ('partition = "mars"', "config.toml: partition: Input should be 'root', 'nested_root', 'l1vh' or 'guest'"),
        ('colour = "red"', "config.toml: colour: not a setting (expected partition, mshv, hypervisor, cpus, theme, keys)"),
        ('[keys]\nkexec = "K, ctrl k"', "config.toml: keys: kexec: expected keys separated by commas"),
        ("cpus = ", "config.toml: invalid TOML"),
        ("cpus = 4\ncpus = 5", "config.toml: invalid TOML"),
    ],
)
def test_a_bad_file_gives_one_line_and_the_defaults(config_file, text: str, expected: str) -> None:
    config_file(text)
    loaded = load_user_config()
    assert len(loaded.problems) == 1 and expected in loaded.problems[0], loaded.problems
    assert "\n" not in loaded.problems[0]
    assert loaded.config == UserConfig.model_construct()
    assert loaded.source_of("cpus") == "default (config ignored)"


def test_undecodable_and_unreadable_files_are_problems_too(config_file, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file("").write_bytes(b"cpus = \xff\n")
    assert "expected UTF-8 text" in load_user_config().problems[0]
    monkeypatch.setenv("SYNIC_CONFIG", str(tmp_path))  # a directory
    assert "cannot read the file" in load_user_config().problems[0]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SYNIC_CPUS", "many", "SYNIC_CPUS: cpus: Input should be a valid integer"),
        ("SYNIC_MSHV", "v9", "SYNIC_MSHV: mshv: expected a built-in MSHV version"),
        ("SYNIC_KEYS", "{nope", """SYNIC_KEYS: expected a JSON object of command ids and keys"""),
    ],
)
def test_a_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str) -> None:
    monkeypatch.setenv(variable, value)
    loaded = load_user_config()
    assert loaded.problems and expected in loaded.problems[0], loaded.problems
    assert loaded.config == UserConfig.model_construct()


def test_every_problem_is_reported_not_only_the_first(config_file) -> None:
    config_file('cpus = 0\nmshv = "v9"\n')
    problems = load_user_config().problems
    assert [p.split(": ")[1] for p in problems] == ["mshv", "cpus"]
