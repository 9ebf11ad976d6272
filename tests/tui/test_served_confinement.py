"""Served mode: a shared file's own paths (mshv, based_on, mshv_file) stay in `--files DIR`; errors quote nothing from files.

A scenario in DIR whose `mshv` is an absolute path outside it, and a patch file whose `based_on`
climbs out of it, are refused with one line naming the field; nothing of the outside files reaches
the screen or the visitor's downloads. A file name holding an escape sequence is shown escaped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from synic_core import Session
from synic_core.versions.confinement import confined
from synic_core.versions.registry import forget_loaded, session_config
from tui.app import SynicApp
from tui.screens.open import OpenScreen
from tui.serve.files import Serving

SIZE = (120, 40)
SECRET = "OUTSIDE-SECRET-TITLE"


def outside_patch(path: Path) -> Path:
    path.write_text(f'name = "outside"\ntitle = "{SECRET}"\nbased_on = "v4"\n')
    return path


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """DIR with a scenario naming a patch file outside by absolute path, one naming it by ../, and a patch file based on it."""
    outside = outside_patch(tmp_path / "outside.toml")
    root = tmp_path / "class"
    root.mkdir()
    scenario = {"partition": "l1vh", "cpus": 2, "steps": [{"action": "vmbus_load"}]}
    (root / "absolute.json").write_text(json.dumps(scenario | {"mshv": str(outside)}))
    (root / "climbs.json").write_text(json.dumps(scenario | {"mshv": "../outside.toml"}))
    (root / "named.json").write_text(json.dumps(scenario | {"mshv": "outside", "mshv_file": str(outside)}))
    (root / "based.toml").write_text('name = "based"\nbased_on = "../outside.toml"\n')
    (root / "inside.toml").write_text('name = "inside"\ntitle = "Inside"\nbased_on = "v4"\n')
    (root / "uses-inside.json").write_text(json.dumps(scenario | {"mshv": "inside.toml"}))
    (root / "evil\x1b[2J.json").write_text(json.dumps(scenario | {"mshv": "v4"}))
    return root


@pytest.fixture
def deliveries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []

    def deliver(self: App[Any], path_or_file: Any, **kw: Any) -> str:
        sent.append(path_or_file.read())
        return "key"

    monkeypatch.setattr(App, "deliver_text", deliver)
    return sent


def served_app(files: Path) -> SynicApp:
    forget_loaded()
    return SynicApp(Session(session_config(mshv="patch5-only")), instant=True, manual_ticks=True, serving=Serving(files))


def screen_text(app: SynicApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("*") if hasattr(w, "render"))


@pytest.mark.parametrize(
    ("name", "field"), [("absolute.json", "mshv"), ("climbs.json", "mshv"), ("named.json", "mshv_file"), ("based.toml", "based_on")]
)
async def test_a_path_out_of_the_shared_directory_is_refused_naming_the_field(
    shared: Path, name: str, field: str, deliveries: list[str]
) -> None:
    app = served_app(shared)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OpenScreen)
        dialog.submit(name, Path(name))
        await pilot.pause()
        assert app.screen is dialog  # refused, the session on screen kept
        message = str(dialog.query_one(".path-message").render())
        assert f"{field}: refused" in message and name in message
        shown = screen_text(app)
        assert SECRET not in shown and str(shared.parent) not in shown and "outside.toml" not in message
        await pilot.press("escape", "ctrl+s", "J")
        await pilot.pause()
    assert deliveries and not any(SECRET in d or str(shared.parent) in d for d in deliveries)


async def test_a_patch_file_inside_the_shared_directory_still_opens(shared: Path, deliveries: list[str]) -> None:
    app = served_app(shared)
    with confined(shared):  # as `synic serve`'s tab process is (tui/launch.py)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+o")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, OpenScreen)
            dialog.submit("uses-inside.json", Path("uses-inside.json"))
            await pilot.pause()
            assert app.screen is app.dashboard and app.dashboard.session.config.mshv == "inside"
            await pilot.press("ctrl+s")
            await pilot.pause()
    saved = json.loads(deliveries[-1])
    assert saved["mshv_file"] == "inside.toml"  # the download names no path of the server


async def test_a_file_name_with_an_escape_sequence_is_shown_escaped(shared: Path) -> None:
    app = served_app(shared)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        shown = screen_text(app)
        assert "evil\\x1b[2J.json" in shown and "\x1b" not in shown


async def test_an_endless_based_on_chain_is_a_line_in_the_dialog_and_writes_nothing(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for i in range(400):
        (shared / f"c{i}.toml").write_text(f'name = "c{i}"\nbased_on = "c{i + 1}.toml"\n')
    (shared / "c400.toml").write_text('name = "c400"\nbased_on = "v4"\n')
    app = served_app(shared)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OpenScreen)
        dialog.submit("c0.toml", Path("c0.toml"))
        await pilot.pause()
        assert app.screen is dialog
        assert "a chain of more than 32 patch files" in str(dialog.query_one(".path-message").render())
    assert not (tmp_path / "state").exists() and not (tmp_path / "home").exists()


def boom() -> None:
    secret = "secret local value"
    raise RuntimeError(secret)


async def test_an_internal_error_in_a_served_tab_leaves_one_line_and_no_file(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = served_app(shared)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            app.call_later(boom)
            await pilot.pause()
    err = capfd.readouterr().err
    assert "synic serve: a tab ended by an internal error (RuntimeError)" in err
    assert "secret" not in err and "Traceback" not in err
    assert app.rescued is None and not (tmp_path / "state").exists()
