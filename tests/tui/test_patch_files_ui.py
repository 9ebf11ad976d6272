"""A patch file in the dashboard: Settings, ctrl+o, the palette, compare and saving (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input

from synic_core.versions.registry import use
from tui.screens.open import OpenScreen
from tui.screens.settings import SettingsScreen

from .conftest import highlighted_command, make_app, notifications, open_in_dialog, save_as, until

SIZE = (120, 40)
BROKEN = Path(__file__).parents[2] / "examples" / "patches" / "exit-disables-scontrol.toml"
MARKUP_TITLE = 'name = "loud"\ntitle = "[bold red]not markup[/] [link=x]"\nbased_on = "v4"\n'


async def apply_patch_in_settings(app, pilot, text: str) -> None:
    """Type the path into the patch file field and press enter there (it applies, as in the CPU field)."""
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(app.screen, SettingsScreen)
    field = app.screen.query_one("#patch", Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_settings_take_a_patch_file_and_replay_the_steps_under_it() -> None:
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("v", "m", "k"):  # VMBus load, MSHV init, kexec
            await pilot.press(key)
            await pilot.pause()
        assert app.dashboard.session.summary()["fault"] == 0
        await apply_patch_in_settings(app, pilot, str(BROKEN))
        session = app.dashboard.session
        assert session.config.mshv == "exit-disables-scontrol"
        assert [s.action for s in session.history] == ["vmbus_load", "mshv_init", "kexec"]
        assert session.summary()["fault"] > 0  # the dropped guard faults where v4 did not
        assert "exit-disables-scontrol" in str(app.query_one("#status").render())


async def test_a_bad_patch_file_is_one_line_in_settings_and_the_session_stays(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = { masked = 2 }\n')
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await apply_patch_in_settings(app, pilot, str(bad))
        assert isinstance(app.screen, SettingsScreen)
        label = app.screen.query_one("#settings-error")
        shown = "".join(line.text for line in label.render_lines(label.region.reset_offset)).replace(" ", "")
        assert f"{bad}:sequences.mshv_exit[0].fields.masked:expected0..1(1bit),got2".replace(" ", "") in shown  # wrapped, not cut
        await pilot.press("escape")
        await pilot.pause()
        assert app.dashboard.session.config.mshv == "v4" and len(app.dashboard.session.history) == 1


async def test_opening_a_patch_file_replays_the_steps_under_it() -> None:
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await open_in_dialog(app, pilot, str(BROKEN))
        assert not isinstance(app.screen, OpenScreen)
        assert app.dashboard.session.config.mshv == "exit-disables-scontrol"
        assert [s.action for s in app.dashboard.session.history] == ["vmbus_load"]


async def test_a_loaded_version_is_in_the_palette_and_its_title_is_never_markup(tmp_path: Path) -> None:
    path = tmp_path / "loud.toml"
    path.write_text(MARKUP_TITLE)
    use(str(path))
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"MSHV version: loud")
        await until(pilot, lambda: highlighted_command(app).startswith("MSHV version: loud"), "the palette's hit")
        shown = " ".join(str(line.text) for line in app.screen.query("CommandList").first().render_lines(app.screen.region))
        assert "[bold red]not markup[/]" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert app.dashboard.session.config.mshv == "loud"


async def test_saving_a_session_embeds_the_patch_files_version(tmp_path: Path) -> None:
    app = make_app("v4", cpus=2)
    target = tmp_path / "saved.json"
    async with app.run_test(size=SIZE) as pilot:
        await apply_patch_in_settings(app, pilot, str(BROKEN))
        await pilot.press("v")
        await save_as(app, pilot, "ctrl+s", target)
    data = json.loads(target.read_text())
    assert data["mshv"] == "exit-disables-scontrol" and data["mshv_file"] == str(BROKEN.resolve())
    assert data["mshv_version"]["sequences"]["mshv_exit"][-1] == {
        "register": "SCONTROL",
        "kind": "rmw",
        "fields": {"enable": 0},
        "source": "mshv_synic_cpu_exit (the guard dropped)",
    }


async def test_compare_cycles_through_a_loaded_version() -> None:
    name = use(str(BROKEN))
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("v", "m", "k"):
            await pilot.press(key)
            await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        seen = set()
        for _ in range(6):
            seen.add(app.screen.other)  # type: ignore[attr-defined]
            await pilot.press("tab")
            await pilot.pause()
        assert name in seen


async def test_launching_a_saved_session_whose_patch_file_changed_says_so(tmp_path: Path) -> None:
    from synic_core.cli import dashboard_parser
    from synic_core.scenarios.scenario import load_builtin, replay, session_scenario, with_settings
    from tui.app import SynicApp
    from tui.launch import build_session

    patch = tmp_path / "mine.toml"
    patch.write_text('name = "mine"\nbased_on = "v4"\n')
    saved = tmp_path / "saved.json"
    session = replay(with_settings(load_builtin("l1vh-v4-kexec"), {"mshv": str(patch)}, "t"))
    saved.write_text(json.dumps(session_scenario(session).dump()))
    patch.write_text('name = "mine"\nbased_on = "v3"\n')
    notices: list[str] = []
    reopened = build_session(dashboard_parser().parse_args([str(saved)]), notices=notices)
    assert reopened.config.version.manages_shared == "no_vmbus"  # the embedded version, not the edited file
    app = SynicApp(reopened, instant=True, notices=notices, manual_ticks=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = [str(n.message) for n in notifications(app)]
        assert any("changed since the session was saved" in m and f"--mshv {patch}" in m for m in shown), shown
