"""Which MSHV versions are built in, and whether a `--mshv` value names a patch file: cheap, nothing parsed.

The command line checks `--mshv` with these before any file is read, so `synic explain` and
`synic ownership` start without the patch-file loader (and pydantic).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BUILTIN_PACKAGE = "synic_core.versions.builtin"


def builtin_names() -> tuple[str, ...]:
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return tuple(sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml")))


BUILTIN_NAMES: tuple[str, ...] = builtin_names()


def looks_like_file(text: str) -> bool:
    return text.endswith((".toml", ".json")) or "/" in text or Path(text).is_file()
