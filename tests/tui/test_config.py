"""The user config in the dashboard: keymaps, themes, defaults for new sessions, `synic config`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synic_core.cli.user_config import load_user_config
from tui.app import SynicApp
from tui.cli import main
from tui.commands import COMMANDS
from tui.keymap import check_keymap, effective_keys
from tui.launch import dashboard_config
from tui.screens.help import keys_markdown

from .conftest import make_app, notifications

SIZE = (120, 40)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[SynicApp]:
    """The apps `synic` would run, without running them."""
    apps: list[SynicApp] = []
    monkeypatch.setattr(SynicApp, "run", lambda self, *a, **k: apps.append(self))
    return apps


def test_command_ids_are_unique_and_every_one_is_in_the_readme() -> None:
    ids = [c.id for c in COMMANDS]
    assert len(ids) == len(set(ids))
    readme = (ROOT / "README.md").read_text("utf-8")
    assert [i for i in ids if f"`{i}`" not in readme] == []


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"kexec": "K,ctrl+k", "help": "f1"}, None),
        ({"kexec": "k"}, None),  # its own key again is no clash
        ({"kexec": "v"}, "'v' would run both vmbus-load and kexec"),
        ({"kexec": "K", "undo": "K"}, "'K' would run both kexec and undo"),
        ({"kexek": "K"}, "keys.kexek: not a command id"),
        ({"kexec": "ctrl+p"}, "keys.kexec: 'ctrl+p' is reserved for the command palette"),
        ({"kexec": "crtl+k"}, "keys.kexec: 'crtl+k' is not a key name"),
        ({"kexec": "pagedn"}, "keys.kexec: 'pagedn' is not a key name"),
        ({"kexec": "hyper+ctrl+x,f12,!"}, None),
        ({"kexec": "?"}, "'question_mark' would run both kexec and help"),
    ],
)
def test_keymaps_are_checked_against_the_whole_command_table(keys: dict[str, str], expected: str | None) -> None:
    problems = check_keymap(keys, "config.toml")
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith("config.toml: ") and expected in problems[0], problems


def test_effective_keys_apply_the_user_keymap() -> None:
    keys = effective_keys({"kexec": "K,?"})
    assert keys["kexec"] == ["K", "question_mark"] and keys["vmbus-load"] == ["v"]


async def test_a_rebound_key_runs_its_command_and_the_old_one_does_not() -> None:
    app = make_app("v4")
    app.user_keys = {"kexec": "K", "help": "f1"}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "m", "k")
        await pilot.pause()
        assert [h.action for h in app.dashboard.session.history] == ["mshv_init"]
        await pilot.press("K")
        await pilot.pause()
        assert [h.action for h in app.dashboard.session.history] == ["mshv_init", "kexec"]
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
    md = keys_markdown(app.user_keys)
    assert "| `K` | kexec the machine" in md and "| `f1` | this help" in md


async def test_config_problems_are_shown_in_the_app() -> None:
    app = SynicApp(make_app().dashboard.session, instant=True, config_problems=["config.toml: cpus: expected 1..4096"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = [n.message for n in notifications(app)]
        assert any("config.toml: cpus: expected 1..4096" in m for m in shown)


def test_synic_opens_with_the_configured_defaults(config_file, started: list[SynicApp]) -> None:
    config_file('partition = "root"\nmshv = "mainline"\ncpus = 16\ntheme = "synic-high-contrast"\n[keys]\nkexec = "K"\n')
    assert main([]) == 0
    app = started[0]
    c = app.dashboard.session.config
    assert (c.partition, c.mshv, c.cpus) == ("root", "mainline", 16)
    assert app._theme_name == "synic-high-contrast" and app.user_keys == {"kexec": "K"}


def test_flags_win_over_the_config(config_file, started: list[SynicApp]) -> None:
    config_file('partition = "root"\ncpus = 16\ntheme = "textual-light"\n')
    assert main(["--cpus", "2", "--theme", "synic-high-contrast"]) == 0
    app = started[0]
    assert (app.dashboard.session.config.partition, app.dashboard.session.config.cpus) == ("root", 2)
    assert app._theme_name == "synic-high-contrast"


def test_a_scenario_file_keeps_its_own_settings(config_file, started: list[SynicApp]) -> None:
    config_file('mshv = "mainline"\ncpus = 16\n')
    assert main(["l1vh-patch5-only-kexec"]) == 0
    assert started[0].dashboard.session.config.mshv == "patch5-only" and started[0].dashboard.session.config.cpus != 16


@pytest.mark.parametrize("text", ['cpus = "lots"\n', 'theme = "neon"\n', '[keys]\nkexec = "v"\n'])
def test_a_bad_config_starts_with_the_defaults_and_says_why(config_file, started, capsys: pytest.CaptureFixture[str], text: str) -> None:
    config_file('partition = "root"\n' + text)
    assert main([]) == 0
    app = started[0]
    assert app.dashboard.session.config.partition == "l1vh" and app.user_keys == {} and app._theme_name is None
    err = capsys.readouterr().err
    assert "synic: config ignored, using the defaults: " in err and "config.toml" in err and "Traceback" not in err
    assert app._config_problems and all("config.toml" in p for p in app._config_problems)


def test_a_bad_theme_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--theme", "neon"]) == 2
    assert "--theme: expected one of" in capsys.readouterr().err


def test_synic_config_reports_and_checks(config_file, capsys: pytest.CaptureFixture[str]) -> None:
    path = config_file('cpus = 16\n[keys]\nkexec = "K"\n')
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert f"Config file: {path} (found)" in out
    assert re.search(r"cpus\s*│ 16\s*│ the file", out) and re.search(r"mshv\s*│ v4\s*│ default", out)
    assert main(["config", "--keys"]) == 0
    out = capsys.readouterr().out
    assert all(c.id in out for c in COMMANDS) and "(yours)" in out
    config_file('[keys]\nkexec = "v"\n')
    assert main(["config"]) == 2
    assert "would run both vmbus-load and kexec" in capsys.readouterr().out


def test_the_readme_example_is_a_valid_config(config_file) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    example = readme.split("## Config", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    config_file(example)
    loaded = dashboard_config()
    assert loaded.problems == []
    assert (loaded.config.partition, loaded.config.cpus, loaded.config.keys["kexec"]) == ("root", 16, "K,ctrl+k")


def test_the_template_is_a_valid_config(config_file, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--template"]) == 0
    config_file(capsys.readouterr().out)
    loaded = dashboard_config()
    assert loaded.problems == [] and loaded.found
    assert loaded.config == load_user_config().config
    assert main(["config", "--themes"]) == 0
    assert "synic-high-contrast" in capsys.readouterr().out.split()


def test_a_bad_theme_gets_its_line_beside_another_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.launch import dashboard_config

    monkeypatch.setenv("SYNIC_CPUS", "abc")
    monkeypatch.setenv("SYNIC_THEME", "nope")
    loaded = dashboard_config()
    assert [p.split(":")[0] for p in loaded.problems] == ["SYNIC_CPUS", "SYNIC_THEME"]
    assert loaded.config.cpus == 4 and loaded.config.theme is None  # the defaults are in force


def test_the_search_key_is_shown_as_a_slash() -> None:
    from tui.commands import key_label

    assert key_label("slash") == "/"
