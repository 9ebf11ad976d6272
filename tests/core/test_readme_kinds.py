"""The README's table says where each finding kind can occur; the explorer checks every claim."""

from __future__ import annotations

import re
from pathlib import Path

from synic_core.explore.where import where_kinds_occur

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_says_where_each_kind_occurs_as_the_explorer_finds() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| \w+ \| [^|]+ \| ([^|]+) \|$", README.read_text("utf-8"), flags=re.M))
    expected = where_kinds_occur()
    assert {kind: rows.get(kind, "").strip() for kind in expected} == expected
