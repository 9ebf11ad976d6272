"""The built-in versions are patch files, and they reproduce the model as it was before they were.

`golden/versions_behaviour.json` was taken from the code that still had the versions and sequences
as Python tables (before this change): the fast explorer's answer at 2 CPUs on every partition x
version x profile (states, transitions, fixpoint, shortest length of each reachable kind) and a
fingerprint of every write and finding of every built-in scenario under every version.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from synic_core import Session
from synic_core.explore.fast import search
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.scenarios.scenario import builtin_names, load_builtin, replay, with_settings
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import builtin, session_config

GOLDEN = json.loads((Path(__file__).parent / "golden" / "versions_behaviour.json").read_text())


def fingerprint(session: Session) -> str:
    h = hashlib.sha256()
    for s in session.history:
        for w in s.writes:
            h.update(repr((s.index, w.cpu, w.bank, w.component, w.register, w.old, w.new, w.attempted, w.rejected)).encode())
        for f in s.findings:
            h.update(repr((f.kind, f.cpu, f.register, f.message)).encode())
    return h.hexdigest()[:16]


def test_the_builtins_are_the_files_in_the_package() -> None:
    assert BUILTIN_NAMES == ("mainline", "patch5-only", "v1", "v3", "v4")
    assert all(builtin(name).builtin and builtin(name).name == name for name in BUILTIN_NAMES)


@pytest.mark.parametrize("scenario", builtin_names())
def test_every_builtin_scenario_writes_what_it_wrote_before(scenario: str) -> None:
    for version in BUILTIN_NAMES:
        sc = with_settings(load_builtin(scenario), {"mshv": version}, scenario)
        assert fingerprint(replay(sc)) == GOLDEN["scenarios"][f"{scenario}/{version}"], version


@pytest.mark.parametrize("partition", PARTITION_NAMES)
def test_the_explorer_finds_what_it_found_before(partition: str) -> None:
    for version in BUILTIN_NAMES:
        for hv in PROFILE_NAMES:
            r = search(session_config(partition=partition, mshv=version, hypervisor=hv, cpus=2))
            found = {k: len(c.steps) for k, c in sorted(r.found.items())}
            got = {"states": r.states, "transitions": r.transitions, "fixpoint": r.fixpoint, "found": found}
            assert got == GOLDEN["explore"][f"{partition}/{version}/{hv}"], (version, hv)


def test_the_builtins_pass_the_schema_a_user_file_must_pass() -> None:
    """Built-ins skip the pydantic shape check at run time (start-up); here they get it, and load the same."""
    import tomllib
    from importlib import resources

    from synic_core.versions.files import load_spec, parse_spec
    from synic_core.versions.registry import resolve

    for name in BUILTIN_NAMES:
        data = tomllib.loads((resources.files("synic_core.versions.builtin") / f"{name}.toml").read_text("utf-8"))
        checked = load_spec(parse_spec(data, name), name, None, resolve, ())
        assert checked == builtin(name), name
