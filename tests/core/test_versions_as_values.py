"""A config carries its MSHV version as a value: it means the same in any process it reaches."""

from __future__ import annotations

import multiprocessing as mp
import pickle
import shutil
from pathlib import Path

import pytest

from synic_core.explore.fast import search
from synic_core.explore.reference import ExploreResult
from synic_core.model.config import SessionConfig
from synic_core.model.session import Session
from synic_core.versions import registry
from synic_core.versions.registry import session_config, use, with_version

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patches"


def _answer(result: ExploreResult) -> dict[str, int]:
    return {kind: len(c.steps) for kind, c in result.found.items()}


def _search_in_child(config: SessionConfig) -> dict[str, int]:
    return _answer(search(config, 3))


@pytest.fixture
def broken_patch(tmp_path: Path) -> str:
    path = tmp_path / "exit-disables-scontrol.toml"
    shutil.copy(EXAMPLES / path.name, path)
    return use(str(path))


def test_the_explorer_in_a_spawn_child_needs_only_the_config(broken_patch: str) -> None:
    config = session_config(mshv=broken_patch, cpus=2)
    here = _answer(search(config, 3))
    with mp.get_context("spawn").Pool(1) as pool:  # a fresh interpreter: no patch file was read there
        there = pool.apply(_search_in_child, (config,))
    assert there == here
    assert "hypervisor_fault" in here  # the broken example faults: the child really ran the user's version


def test_a_pickled_config_needs_no_registry(broken_patch: str) -> None:
    config = session_config(mshv=broken_patch, cpus=2)
    data = pickle.dumps(config)
    registry.forget_loaded()  # as in a process that never read the file
    copy = pickle.loads(data)
    assert copy == config and copy.version.sequences == config.version.sequences
    Session(copy).apply("vmbus_load")  # runs without looking the name up


def test_a_config_is_equal_by_its_version_content_and_hashable() -> None:
    v4 = session_config(mshv="v4")
    assert v4 == session_config(mshv="v4") and hash(v4) == hash(session_config(mshv="v4"))
    assert with_version(v4, "v3") != v4 and with_version(v4, "v3").mshv == "v3"


def test_the_edge_refuses_an_unknown_name_in_words() -> None:
    with pytest.raises(ValueError, match=r"mshv: expected one of mainline, .* or a patch file, got 'v9'"):
        session_config(mshv="v9")
