"""Every lesson sentence and finding that names a kernel behaviour says where it comes from: a
docs/kernel-facts.md anchor that exists, or the word "assumed"/"assumption" (issue 24)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synic_core.model.findings import KINDS, Finding
from synic_core.scenarios.lesson import Lesson, lesson_names, load_lesson
from synic_core.scenarios.scenario import builtin_names, load_builtin, replay, with_settings
from synic_core.versions.names import BUILTIN_NAMES

FACTS = Path(__file__).parents[2] / "docs" / "kernel-facts.md"
ANCHOR = re.compile(r"docs/kernel-facts\.md#([a-z0-9-]+)")
KERNEL_NAME = re.compile(
    r"\b[a-z][a-z0-9]*_[a-z0-9_]+\(\)"  # a kernel function: hv_synic_cleanup()
    r"|\b(?:hv|mshv|cpuhp|device|register|arch|kernel)_[a-z0-9_]+"  # a kernel symbol: hv_acpi_init, kernel_kexec
    r"|-E[A-Z]{3,}\b|\bnotifier\b"  # an errno, a notifier
)
"""What names a kernel behaviour: a kernel function or symbol (hv_synic_cleanup, kernel_kexec()), an errno, a notifier."""


def anchors() -> set[str]:
    """The anchors GitHub gives the headings of docs/kernel-facts.md."""
    headings = [line.lstrip("#").strip() for line in FACTS.read_text("utf-8").splitlines() if line.startswith("#")]
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


def unsourced(text: str, known: set[str]) -> str | None:
    """Why `text` fails the rule (None when it passes or names no kernel behaviour)."""
    bad = [a for a in ANCHOR.findall(text) if a not in known]
    if bad:
        return f"no heading for #{bad[0]}"
    if KERNEL_NAME.search(text) and not ANCHOR.search(text) and "assum" not in text.lower():
        return "names a kernel behaviour with neither a kernel-facts anchor nor 'assumed'"
    return None


def lesson_texts(lesson: Lesson) -> list[tuple[str, str]]:
    texts = [("intro", lesson.intro), ("outro", lesson.outro)]
    return texts + [(f"steps[{i}].note", s.note) for i, s in enumerate(lesson.steps)]


@pytest.mark.parametrize("name", lesson_names())
def test_every_lesson_sentence_on_the_kernel_names_its_source(name: str) -> None:
    known = anchors()
    problems = [(where, why) for where, text in lesson_texts(load_lesson(name)) if (why := unsourced(text, known))]
    assert not problems, problems


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_scenario_description_on_the_kernel_names_its_source(name: str) -> None:
    assert unsourced(load_builtin(name).description, anchors()) is None


def finding_text(f: Finding) -> str:
    return f"{f.cites} {f.assumption or ''}"


def test_every_finding_kind_names_its_source() -> None:
    known = anchors()
    for kind in KINDS.values():
        text = f"{kind.cites} {kind.assumption or ''}"
        assert ANCHOR.search(text) or "assum" in text.lower(), kind.name
        assert unsourced(text, known) is None, kind.name


@pytest.mark.parametrize("name", builtin_names())
def test_every_finding_of_the_builtin_scenarios_names_its_source(name: str) -> None:
    known = anchors()
    for version in BUILTIN_NAMES:
        for f in replay(with_settings(load_builtin(name), {"mshv": version}, name)).findings:
            text = finding_text(f)
            assert ANCHOR.search(text) or "assum" in text.lower(), (version, f.kind, f.message)
            assert unsourced(text, known) is None, (version, f.kind, text)


def test_the_rule_catches_a_bare_kernel_claim_and_a_dead_anchor() -> None:
    known = anchors()
    assert unsourced("hv_synic_cleanup() refuses the CPU.", known)
    assert unsourced("hv_synic_cleanup() refuses it (docs/kernel-facts.md#no-such-heading).", known)
    assert unsourced("VMBus is loaded first (assumed).", known) is None
    assert unsourced("Press n for the next step.", known) is None
    assert "cpu-hotplug-on-x86" in known
