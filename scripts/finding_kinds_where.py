"""Print where each finding kind can occur (the README's table column): one line per kind."""

from __future__ import annotations

from synic_core.explore.where import where_kinds_occur

if __name__ == "__main__":
    for kind, where in where_kinds_occur().items():
        print(f"{kind}: {where}")
