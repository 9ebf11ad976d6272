"""missing_enable says who cleared the enable bit a live component depends on, or that nobody ever set it."""

from __future__ import annotations

from synic_core.model.findings import Finding
from synic_core.model.session import Session
from synic_core.versions.registry import session_config


def _missing(session: Session) -> list[Finding]:
    return [f for step in session.history for f in step.findings if f.kind == "missing_enable"]


def test_a_cleared_enable_names_the_writer_its_action_and_step() -> None:
    session = Session(session_config(mshv="patch5-only", cpus=2))
    for action in ("vmbus_load", "mshv_init", "mshv_cleanup"):
        session.apply(action)
    found = [f for f in _missing(session) if f.register == "SCONTROL" and f.cpu == 0]
    assert [f.message for f in found] == [
        "VMBus is live on CPU 0 and depends on SCONTROL.enable, which MSHV's mshv_cleanup cleared at step 2."
    ]
    assert found[0].assumption is None  # the model saw the write: no assumption about the hypervisor's pre-enable


def test_an_enable_never_set_says_nobody_enabled_it_and_keeps_its_assumption() -> None:
    session = Session(session_config(mshv="v4", partition="nested_root", cpus=1))
    session.apply("vmbus_load")
    session.apply("mshv_init")
    found = _missing(session)
    assert found and all(f.message.endswith("but nobody enabled it.") for f in found)
    assert all(f.assumption and "model inference" in f.assumption for f in found)
