"""docs/architecture.md places every module of the project: a new file needs its row."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"


def _named(text: str, module: Path) -> bool:
    parent = module.parent.name
    return any(f"`{name}`" in text or f"{name}`" in text for name in (module.name, f"{parent}/{module.name}", f"{parent}/*.py"))


def test_the_architecture_page_places_every_module() -> None:
    text = DOC.read_text("utf-8")
    modules = [p for top in ("synic_core", "tui") for p in (ROOT / top).rglob("*.py") if p.name != "__init__.py" or p.parent.name == "cli"]
    missing = [str(p.relative_to(ROOT)) for p in modules if not _named(text, p)]
    assert missing == []


def test_the_layers_drawn_match_the_contracts() -> None:
    contracts = (ROOT / ".importlinter").read_text("utf-8")
    drawn = DOC.read_text("utf-8")
    blocks = re.findall(r"^containers =\n    (\w+)\nlayers =\n((?:    .+\n)+)", contracts, flags=re.M)
    assert {container for container, _ in blocks} == {"synic_core", "tui"}
    for container, layers in blocks:
        for line in layers.split("\n"):
            for name in line.strip().split(" | "):
                if name and name != "__main__":
                    assert f"{container}.{name}" in drawn or f" {name} " in drawn or f" {name}\n" in drawn, (container, name)
