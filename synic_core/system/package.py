"""The installed synic-lab's version, read from its metadata (one reader for every place that shows it)."""

from __future__ import annotations

from importlib import metadata


def package_version() -> str:
    """`synic --version`, `synic config`, the help screen and crash reports show this."""
    try:
        return metadata.version("synic-lab")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"
