"""`--cpus all` against the explicit searches at N = 1..4 on every configuration, and the 40-row matrix:
minutes, so marked `slow` (run by `make bench`, deselected by `make test`)."""

from __future__ import annotations

import json

import pytest

from synic_core.cli import main
from synic_core.explore.every_n import every_n
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import session_config
from tests.support.every_n import assert_agrees

CONFIGS = [(p, v, h) for p in PARTITION_NAMES for v in BUILTIN_NAMES for h in PROFILE_NAMES]


@pytest.mark.slow
@pytest.mark.parametrize(("partition", "mshv", "hypervisor"), CONFIGS, ids=["-".join(c) for c in CONFIGS])
def test_every_configuration_agrees_up_to_four_cpus(partition: str, mshv: str, hypervisor: str) -> None:
    config = session_config(mshv=mshv, partition=partition, cpus=2, hypervisor=hypervisor)
    assert_agrees(every_n(config, check=False), range(1, 5))


@pytest.mark.slow
def test_the_matrix_has_forty_rows_proved(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--all", "--cpus", "all", "--json", "--jobs", "2"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 40 and all(r["fixpoint"] and r["cpus"] == "all" and r["spurious"] == 0 for r in rows)
    v4 = next(r for r in rows if (r["partition"], r["mshv"], r["hypervisor"]) == ("l1vh", "v4", "strict"))
    assert "hypervisor_fault" not in v4["reachable"] and v4["counterexample_cpus"]["stale_state"] == 2
