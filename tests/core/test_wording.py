"""One wording for each thing the product says in several places."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.model.assumptions import all_assumptions
from synic_core.model.findings import KINDS
from synic_core.model.profiles import PROFILES
from synic_core.scenarios.lesson import lesson_names
from tests.support.sessions import run

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def test_a_refused_teardown_carries_the_assumption_explain_prints() -> None:
    faults = [f for f in run("l1vh", "patch5-only").findings if f.kind == "hypervisor_fault"]
    assert faults and {f.assumption for f in faults} == {KINDS["hypervisor_fault"].assumption}
    assert KINDS["hypervisor_fault"].assumption == PROFILES["strict"].assumption
    assert "docs/kernel-facts.md#hypervisor-behaviour" in str(PROFILES["strict"].assumption)


def test_explain_prints_the_findings_assumption(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "hypervisor_fault"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"assumption: {PROFILES['strict'].assumption}" in out


def test_ownership_lists_each_assumption_once() -> None:
    texts = [text for _, text in all_assumptions()]
    assert len(texts) == len(set(texts))
    assert PROFILES["strict"].assumption in texts


def test_readme_does_not_miscount_the_lessons() -> None:
    said = [w for w in re.findall(r"(\w+) guided lessons", README) if w in NUMBERS or w.isdigit()]
    assert all(NUMBERS.get(w, int(w) if w.isdigit() else 0) == len(lesson_names()) for w in said), said


def test_readme_says_png_needs_the_extra() -> None:
    line = next(line for line in README.splitlines() if "`ctrl+s` `E` `J` `S`" in line)
    assert "SVG + PNG" not in line and "synic-lab[screenshots]" in line


def test_a_finding_assumption_is_not_prefixed_with_the_word_the_report_adds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-v4-offline-busy-cpu"]) == 0
    out = capsys.readouterr().out
    assert "assumption: the kernel cannot move the channel itself" in out and "assumption: assumed" not in out


REFUSAL_SPECIFICS = ("device_offline", "hv_synic_cleanup", "-EPERM", "-EBUSY")


def test_the_refused_kind_cites_nothing_specific_and_each_refusal_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert not any(word in KINDS["refused"].cites for word in REFUSAL_SPECIFICS)
    main(["explain", "refused"])
    assert not any(word in capsys.readouterr().out for word in REFUSAL_SPECIFICS)
    (unloaded,) = [f for f in run("l1vh", "v4", ["vmbus_unload"]).findings if f.kind == "refused"]
    assert unloaded.message == "VMBus is not loaded." and not any(word in unloaded.cites for word in REFUSAL_SPECIFICS)
    (root,) = [f for f in run("root", "v4", ["vmbus_load"]).findings if f.kind == "refused"]
    assert "vmbus_drv.c hv_acpi_init" in root.cites
    (guest,) = [f for f in run("guest", "v4", ["mshv_init"]).findings if f.kind == "refused"]
    assert "mshv_root_main.c mshv_parent_partition_init" in guest.cites
