"""The README and the docs name modules a newcomer opens: each one named must exist (the package layout moved them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MODULE = re.compile(r"(?<![\w/])((?:synic_core|tui)/[\w/*.-]*\.(?:py|toml|json))")


def named_paths(page: Path) -> list[str]:
    return MODULE.findall(page.read_text(encoding="utf-8"))


def test_the_pages_name_modules() -> None:
    assert "synic_core/model/sequences.py" in named_paths(ROOT / "README.md")  # the pattern finds what it checks


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_module_a_page_names_exists(page: Path) -> None:
    missing = [p for p in named_paths(page) if not (list(ROOT.glob(p)) if "*" in p else (ROOT / p).exists())]
    assert not missing, f"{page.name} names {missing}"
