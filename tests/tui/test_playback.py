"""Playback arithmetic without a terminal: speeds, the cap, pause, and what the status line says."""

from __future__ import annotations

from synic_core import Session
from synic_core.versions.registry import session_config
from tui.state.display import Display
from tui.state.playback import MAX_PLAYBACK_SECONDS, SPEEDS, Playback


def _playing(cpus: int) -> Display:
    session = Session(session_config(partition="l1vh", mshv="patch5-only", cpus=cpus))
    session.apply("vmbus_load")
    step = session.apply("mshv_init")
    view = Display(session)
    view.begin(step)
    return view


def test_speed_steps_and_bounds() -> None:
    p = Playback()
    assert p.speed == SPEEDS[3]
    assert p.change_speed(1) and p.speed == SPEEDS[4]
    for _ in range(10):
        p.change_speed(1)
    assert p.speed == SPEEDS[-1] and not p.change_speed(1)
    p.instant = True
    assert p.change_speed(1) and not p.instant  # a speed key leaves instant mode


def test_ticks_play_the_chosen_rate_and_carry_fractions() -> None:
    p = Playback(speed_index=0)  # 2 writes/s
    played = sum(p.tick(0.1, total=10) for _ in range(10))
    assert played == 2  # one second of ticks, fractions carried over


def test_a_long_action_is_capped() -> None:
    view = _playing(4096)
    p = Playback(speed_index=0)
    ticks, played = 0, 0
    while played < view.total:
        played += p.tick(0.1, view.total)
        ticks += 1
    assert ticks * 0.1 <= MAX_PLAYBACK_SECONDS + 0.1
    assert p.label(view).startswith(f"playing {view.total / MAX_PLAYBACK_SECONDS:.0f}/s")  # the real rate, not 2/s


def test_paused_plays_nothing_and_says_so() -> None:
    view = _playing(2)
    p = Playback(paused=True)
    assert p.tick(10.0, view.total) == 0
    assert p.mode(view) == "paused" and p.label(view) == f"paused 0/{view.total}"


def test_time_travel_is_only_what_the_user_rewound() -> None:
    view = _playing(2)
    p = Playback()
    assert p.mode(view) == "playing"  # playing an action is not time travel, though the view is not at the present
    p.travelling = True
    assert p.mode(view) == "travelling"
    p.start()
    assert p.mode(view) == "playing"


def test_the_readme_states_the_presenter_speed_and_the_cap_that_wins() -> None:
    from pathlib import Path

    from tui.state.playback import MAX_PLAYBACK_SECONDS, PRESENTER_SPEED, SPEEDS

    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8").split())
    presenter = readme[readme.index("**Presenter mode.**") :][:400]
    assert f"({SPEEDS[PRESENTER_SPEED]} writes/s;" in presenter
    assert f"in {MAX_PLAYBACK_SECONDS:g} seconds plays faster" in presenter
