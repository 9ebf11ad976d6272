"""How the headless commands print a finding and which colour each severity and component gets (rich styles)."""

from __future__ import annotations

from rich.text import Text

from synic_core.model.findings import Finding
from synic_core.model.partitions import title

SEVERITY_STYLE = {"info": "cyan", "warning": "yellow", "error": "bold red", "fault": "bold white on red"}
COMPONENT_STYLE = {"vmbus": "blue", "mshv": "dark_orange", "reset": "dim", "hypervisor": "magenta"}


def finding_block(f: Finding, count: int, cpus: str, message: str) -> Text:
    where = f"{f.register}.{f.field}" if f.register and f.field else (f.register or "")
    text = Text()
    text.append(f"{f.severity:<8}", SEVERITY_STYLE[f.severity])
    text.append(f" {f.kind}", "bold")
    text.append(f"  step {f.step}" + (f"  CPU{'s' if count > 1 else ''} {cpus}" if cpus else ""))
    if where:
        text.append(f"  {where}")
    if f.component:
        text.append(f"  by {title(f.component)}")
    if f.owner:
        text.append(f"  owner {title(f.owner)}")
    text.append(f"\n    {message}\n")
    text.append(f"    models: {f.cites}\n", "dim")
    if f.assumption:
        text.append(f"    assumption: {f.assumption}\n", "italic yellow")
    return text
