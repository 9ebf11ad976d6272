"""Save, replay and export: atomic writes, identical findings headless, clear failures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from textual.widgets import Input

from synic_core.cli import main
from synic_core.reports.json_report import finding_groups
from tui.screens.save import SaveScreen

from .conftest import make_app, notifications, save_as

SIZE = (120, 40)


async def test_saved_session_replays_headless_to_identical_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app("patch5-only", cpus=3)
    path = tmp_path / "session.json"
    async with app.run_test(size=SIZE) as pilot:
        for key in ("a", "v", "m", "escape", "down", "o", "up", "k"):
            await pilot.press(key)
            await pilot.pause()
        await save_as(app, pilot, "ctrl+s", path)
        app_findings = finding_groups(app.dashboard.session.findings)
    saved = json.loads(path.read_text())
    assert [s["action"] for s in saved["steps"]] == ["vmbus_load", "mshv_init", "cpu_offline", "kexec"]
    assert main(["run", str(path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["findings"] == app_findings


async def test_saved_session_reopens_in_the_dashboard(tmp_path: Path) -> None:
    from synic_core.cli import dashboard_parser
    from tui.launch import build_session

    app = make_app("mainline")
    path = tmp_path / "s.json"
    async with app.run_test(size=SIZE) as pilot:
        for key in ("a", "v", "m"):
            await pilot.press(key)
            await pilot.pause()
        await save_as(app, pilot, "ctrl+s", path)
    reopened = build_session(dashboard_parser().parse_args([str(path)]))
    assert reopened.findings == app.dashboard.session.findings


@pytest.mark.parametrize(
    ("key", "name", "check"),
    [
        ("E", "report.md", lambda text: "# SynIC Lab report" in text and "hypervisor_fault" in text),
        ("J", "report.json", lambda text: json.loads(text)["summary"]["fault"] == 12),
        ("S", "shot.svg", lambda text: text.startswith("<svg") and "faults&#160;12" in text),
    ],
)
async def test_exports(tmp_path: Path, key, name, check) -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        for k in ("a", "v", "m", "k"):
            await pilot.press(k)
            await pilot.pause()
        await save_as(app, pilot, key, tmp_path / name)
    assert check((tmp_path / name).read_text())


async def test_failed_save_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app("v4")
    path = tmp_path / "session.json"
    path.write_text("previous contents\n")
    async with app.run_test(size=SIZE) as pilot:

        def full_disk(fd):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("synic_core.storage.atomic.os.fsync", full_disk)
        await pilot.press("v")
        await pilot.pause()
        await save_as(app, pilot, "ctrl+s", path, replace=True)
        monkeypatch.undo()
        assert isinstance(app.screen, SaveScreen)  # the dialog stays, with the reason
        text = message(app)
    assert path.read_text() == "previous contents\n"
    assert not [p for p in tmp_path.iterdir() if p.name != "session.json"]  # no temp file left behind
    assert "No space left on device" in text and "unchanged" in text


async def test_save_into_a_missing_directory_says_so(tmp_path: Path) -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await save_as(app, pilot, "ctrl+s", tmp_path / "no" / "such" / "dir" / "s.json")
        text = message(app)
    assert "Could not write" in text and "No such file or directory" in text


async def test_save_into_an_unwritable_directory_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: the tests run as root, which chmod cannot stop."""
    app = make_app("v4")
    path = tmp_path / "session.json"
    path.write_text("previous contents\n")
    real_open = os.open

    def denied(file, flags, *args, **kwargs):
        if flags & os.O_CREAT:  # creating the temporary file beside the target
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *args, **kwargs)

    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr("synic_core.storage.atomic.os.open", denied)
        await save_as(app, pilot, "ctrl+s", path, replace=True)
        text = message(app)
    assert "Permission denied" in text and "unchanged" in text
    assert path.read_text() == "previous contents\n"


def message(app) -> str:
    return str(app.screen.query_one(".path-message").render())


async def test_a_file_replaced_while_open_is_not_overwritten_without_asking(tmp_path: Path) -> None:
    from synic_core.cli import dashboard_parser
    from tui.app import SynicApp
    from tui.launch import build_session

    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"mshv": "mainline", "cpus": 2, "steps": [{"action": "vmbus_load"}]}))
    app = SynicApp(build_session(dashboard_parser().parse_args([str(path)])), instant=True, opened=path)
    async with app.run_test(size=SIZE) as pilot:
        theirs = json.dumps({"mshv": "v4", "cpus": 8, "steps": []}) + "\n"  # a colleague's version lands
        replacement = tmp_path / "theirs.tmp"
        replacement.write_text(theirs)
        replacement.replace(path)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.query_one(Input).value == str(path)  # saving goes back where it came from
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen)
        assert "changed on disk" in message(app) and "Enter again to replace it" in message(app)
        assert path.read_text() == theirs
        await pilot.press("escape")  # keep theirs
        await pilot.pause()
        assert path.read_text() == theirs
        await save_as(app, pilot, "ctrl+s", path, replace=True)  # now replace it on purpose
    assert [s["action"] for s in json.loads(path.read_text())["steps"]] == ["vmbus_load", "mshv_init"]


async def test_saving_again_over_its_own_file_does_not_ask(tmp_path: Path) -> None:
    app = make_app("v4")
    path = tmp_path / "s.json"
    async with app.run_test(size=SIZE) as pilot:
        await save_as(app, pilot, "ctrl+s", path)
        await pilot.press("v")
        await pilot.pause()
        await save_as(app, pilot, "ctrl+s", path)
        assert not isinstance(app.screen, SaveScreen)
    assert len(json.loads(path.read_text())["steps"]) == 1


async def test_an_existing_file_asks_first_and_another_name_does_not(tmp_path: Path) -> None:
    app = make_app("v4")
    taken = tmp_path / "report.md"
    taken.write_text("someone's notes\n")
    async with app.run_test(size=SIZE) as pilot:
        await save_as(app, pilot, "E", taken)
        assert isinstance(app.screen, SaveScreen) and "already exists" in message(app)
        app.screen.query_one(Input).value = str(tmp_path / "other.md")
        await pilot.pause()
        assert message(app) == ""  # editing the name withdraws the question
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SaveScreen)
    assert taken.read_text() == "someone's notes\n"
    assert (tmp_path / "other.md").read_text().startswith("#")


async def test_a_screenshot_without_the_png_extra_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_cairosvg(name: str, *args: object, **kwargs: object) -> object:
        if name == "cairosvg":
            raise ImportError("not installed")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_cairosvg)
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await save_as(app, pilot, "S", tmp_path / "shot.svg")
        assert (tmp_path / "shot.svg").is_file() and not (tmp_path / "shot.png").exists()
        assert any("no PNG" in str(n.message) and "screenshots" in str(n.message) for n in notifications(app))


@pytest.fixture
def fake_cairosvg(monkeypatch: pytest.MonkeyPatch) -> None:
    """PNGs can be made (the screenshots extra), without cairo: the 'PNG' is a fixed byte string."""
    import sys
    import types

    module = types.ModuleType("cairosvg")
    module.svg2png = lambda bytestring: b"new png"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cairosvg", module)


async def test_a_screenshot_asks_before_replacing_the_png_beside_it(tmp_path: Path, fake_cairosvg: None) -> None:
    png = tmp_path / "shot.png"
    png.write_bytes(b"someone's picture")
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await save_as(app, pilot, "S", tmp_path / "shot.svg")  # the SVG is new, the PNG beside it is not
        assert isinstance(app.screen, SaveScreen) and f"{png} already exists" in message(app)
        await pilot.press("escape")  # declined
        await pilot.pause()
        assert not isinstance(app.screen, SaveScreen)
        assert png.read_bytes() == b"someone's picture" and not (tmp_path / "shot.svg").exists()
        await save_as(app, pilot, "S", tmp_path / "shot.svg", replace=True)  # asked again, and this time replaced
        assert not isinstance(app.screen, SaveScreen)
    assert png.read_bytes() == b"new png" and (tmp_path / "shot.svg").read_text().startswith("<svg")


async def test_a_screenshot_written_by_this_session_is_replaced_without_asking(tmp_path: Path, fake_cairosvg: None) -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await save_as(app, pilot, "S", tmp_path / "shot.svg")
        await save_as(app, pilot, "S", tmp_path / "shot.svg")  # both files are the session's own: no question
        assert not isinstance(app.screen, SaveScreen)
    assert (tmp_path / "shot.png").read_bytes() == b"new png"
