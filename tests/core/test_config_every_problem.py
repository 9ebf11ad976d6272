"""Every bad setting gets its line: the settings that passed the core's checks stay checkable by the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from synic_core.cli.user_config import load_user_config


@pytest.fixture
def no_file(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("SYNIC_CPUS", "SYNIC_THEME", "SYNIC_PARTITION", "SYNIC_MSHV", "SYNIC_HYPERVISOR", "SYNIC_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNIC_CONFIG", "")
    return monkeypatch


def test_a_bad_variable_leaves_the_others_checkable(no_file: pytest.MonkeyPatch) -> None:
    no_file.setenv("SYNIC_CPUS", "abc")
    no_file.setenv("SYNIC_THEME", "nope")
    no_file.setenv("SYNIC_KEYS__KEXEC", "K")
    loaded = load_user_config()
    assert [p.split(":")[0] for p in loaded.problems] == ["SYNIC_CPUS"]
    assert loaded.config.theme is None and loaded.config.cpus == 4  # the config in force: the defaults
    assert (loaded.to_check.theme, loaded.to_check.keys, loaded.to_check.cpus) == ("nope", {"kexec": "K"}, 4)
    assert loaded.origin("theme") == "SYNIC_THEME" and loaded.source_of("theme") == "default (config ignored)"
    more = loaded.with_problems(["SYNIC_THEME: theme: no such theme"])
    assert more.to_check.theme == "nope" and len(more.problems) == 2


def test_two_bad_variables_two_lines(no_file: pytest.MonkeyPatch) -> None:
    no_file.setenv("SYNIC_CPUS", "abc")
    no_file.setenv("SYNIC_PARTITION", "x")
    loaded = load_user_config()
    assert sorted(p.split(":")[0] for p in loaded.problems) == ["SYNIC_CPUS", "SYNIC_PARTITION"]


def test_the_file_and_the_environment_both_count(no_file: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('cpus = "many"\ntheme = "from-file"\npartition = "root"\n')
    no_file.setenv("SYNIC_CONFIG", str(path))
    no_file.setenv("SYNIC_PARTITION", "guest")
    loaded = load_user_config()
    assert len(loaded.problems) == 1 and loaded.problems[0].startswith(f"{path}: cpus")
    assert (loaded.to_check.theme, loaded.to_check.partition) == ("from-file", "guest")
    assert loaded.origin("theme") == str(path)


def test_without_problems_the_config_in_force_is_checked(no_file: pytest.MonkeyPatch) -> None:
    no_file.setenv("SYNIC_THEME", "textual-light")
    loaded = load_user_config()
    assert not loaded.problems and loaded.to_check is loaded.config and loaded.to_check.theme == "textual-light"
