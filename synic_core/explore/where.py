"""Where each finding kind can occur, by exhaustive search on every partition x built-in version x profile.

The README's table of finding kinds quotes it (`python scripts/finding_kinds_where.py` prints it;
tests/core/test_readme_kinds.py checks the README says the same).
"""

from __future__ import annotations

from collections import defaultdict

from synic_core.explore.fast import search
from synic_core.model.findings import KIND_NAMES
from synic_core.model.partitions import PARTITIONS
from synic_core.model.profiles import PROFILES
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import session_config


def where_kinds_occur(cpus: int = 2) -> dict[str, str]:
    """kind -> 'l1vh (mainline, patch5-only; strict only); nested_root (v3, v4)' or 'nowhere'."""
    seen: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    for partition in PARTITIONS:
        for mshv in BUILTIN_NAMES:
            for profile in PROFILES:
                result = search(session_config(partition=partition, mshv=mshv, hypervisor=profile, cpus=cpus))
                for kind in result.found:
                    seen[kind][partition][mshv].add(profile)
    return {kind: _words(seen[kind]) for kind in KIND_NAMES}


def _words(by_partition: dict[str, dict[str, set[str]]]) -> str:
    if not by_partition:
        return "nowhere"
    parts = []
    for partition in PARTITIONS:
        versions = by_partition.get(partition)
        if not versions:
            continue
        names = "every version" if len(versions) == len(BUILTIN_NAMES) else ", ".join(v for v in BUILTIN_NAMES if v in versions)
        profiles = set().union(*versions.values())
        only = "" if len(profiles) == len(PROFILES) else f"; {', '.join(sorted(profiles))} only"
        parts.append(f"{partition} ({names}{only})")
    return "; ".join(parts)
