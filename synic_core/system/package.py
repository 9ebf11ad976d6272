"""The installed synic-lab's version, read from its metadata (one reader for every place that shows it)."""

from __future__ import annotations


def package_version() -> str:
    """`synic --version`, `synic config`, the help screen and crash reports show this."""
    from importlib import metadata  # about 35 ms of imports: only where the version is shown

    try:
        return metadata.version("synic-lab")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"
