"""Every test runs without the developer's own config: no config file, no SYNIC_* variables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from synic_core.versions.registry import forget_loaded


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SYNIC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SYNIC_CONFIG", "")


@pytest.fixture(autouse=True)
def no_loaded_patch_files() -> Iterator[None]:
    """Patch files a test loads are registered process-wide: the next test must not see them."""
    yield
    forget_loaded()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write the user config a test needs; SYNIC_CONFIG points at it."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("SYNIC_CONFIG", str(path))

    def write(text: str) -> Path:
        path.write_text(text, "utf-8")
        return path

    return write


SLOWEST_FIRST = ("test_key_storm.py", "test_wheel.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the two longest tests first so that, on two workers, the rest fills in around them."""
    items.sort(key=lambda item: item.path.name not in SLOWEST_FIRST)
