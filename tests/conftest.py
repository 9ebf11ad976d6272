"""Every test runs without the developer's own config: no config file, no SYNIC_* variables."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SYNIC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SYNIC_CONFIG", "")
