"""Kernel trees for `synic versions derive` tests, built from the C fixtures written for the project."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "derive"


def kernel_tree(root: Path, mshv: str = "mshv_v4.c", hv: str | None = "hv_split.c", vmbus_drv: bool = True) -> Path:
    """A directory holding drivers/hv/mshv_synic.c (and hv.c, vmbus_drv.c) copied from the fixtures."""
    hv_dir = root / "drivers" / "hv"
    hv_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / mshv, hv_dir / "mshv_synic.c")
    if hv is not None:
        shutil.copy(FIXTURES / hv, hv_dir / "hv.c")
    if vmbus_drv:
        shutil.copy(FIXTURES / "vmbus_drv.c", hv_dir / "vmbus_drv.c")
    return root
