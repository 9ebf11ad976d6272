"""`--cpus all`'s "from N": the smallest number of CPUs that reaches a kind, exact where the search proves it
(every machine of 1 and 2 CPUs searched exactly, or the smallest machine the channel CPUs allow) and marked
`≤ N`, an upper bound, elsewhere: in the model, the text, the JSON and the matrix rows (docs/explorer.md)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from synic_core.cli import main
from synic_core.cli.explore_every_n import matrix_row
from synic_core.explore.every_n import config_at, every_n
from synic_core.explore.fast import search
from synic_core.versions.registry import session_config

THREE_HOLDERS = session_config(partition="guest", mshv="v4", cpus=4, channel_cpus=(0, 1, 2, 3))


def test_a_kind_first_met_above_the_exact_range_is_an_upper_bound_and_is_one() -> None:
    r = every_n(THREE_HOLDERS, check=False)
    assert r.proved and r.first_n == 4
    assert (r.smallest["refused"], r.smallest_exact("refused"), r.smallest_text("refused")) == (4, True, "4")  # no smaller machine
    assert (r.smallest["stale_state"], r.smallest_exact("stale_state"), r.smallest_text("stale_state")) == (5, False, "≤ 5")
    assert "stale_state" in search(config_at(THREE_HOLDERS, 4), 2).found  # 4 CPUs reach it too: 5 was only a bound


def test_one_and_two_cpus_are_exact_after_a_proof_and_bounds_without_one() -> None:
    guest = every_n(session_config(partition="guest", mshv="v4", cpus=2), check=False)  # a guest's stale state needs 2 CPUs
    l1vh = every_n(session_config(partition="l1vh", mshv="v4", cpus=2), check=False)
    assert guest.proved and guest.smallest == {"stale_state": 2} and guest.smallest_text("stale_state") == "2"
    assert l1vh.proved and l1vh.smallest["stale_state"] == 1 and all(l1vh.smallest_exact(kind) for kind in l1vh.smallest)
    assert replace(guest, stopped="interrupted").smallest_text("stale_state") == "≤ 2"  # N = 1 may not have been searched through
    assert replace(l1vh, stopped="interrupted").smallest_text("stale_state") == "1"  # no machine is smaller


def test_the_cli_marks_the_upper_bound_in_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["explore", "--partition", "guest", "--mshv", "v4", "--cpus", "all", "--channel-cpus", "1-3"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "│ stale_state │ error    │ 2     │ 5    │ ≤ 5    │" in out and "│ refused     │ info     │ 2     │ 4    │ 4      │" in out
    assert "≤ N: an upper bound; exact up to 4 CPUs" in " ".join(out.split())
    assert main([*args, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["smallest_cpus"] == {"stale_state": 5, "refused": 4}
    assert data["smallest_cpus_exact"] == {"stale_state": False, "refused": True}


def test_the_matrix_rows_say_it_too() -> None:
    row = matrix_row(every_n(THREE_HOLDERS, check=False))
    assert row["smallest_cpus"] == {"stale_state": 5, "refused": 4}
    assert row["smallest_cpus_exact"] == {"stale_state": False, "refused": True}
