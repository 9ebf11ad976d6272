"""What the dashboard can write to disk: the session, a Markdown report, JSON, a screenshot.

Every write is atomic (temp file + rename): a failed save leaves the previous file as it was.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from synic_core.atomic import write_atomic
from synic_core.report import run_report
from synic_core.report_md import markdown_report
from synic_core.scenario import session_scenario

if TYPE_CHECKING:
    from .app import SynicApp


@dataclass(frozen=True, slots=True)
class Export:
    kind: str
    title: str
    default: str
    render: Callable[[SynicApp], str]


def _session(app: SynicApp) -> str:
    return json.dumps(session_scenario(app.session, title="saved from SynIC Lab").dump(), indent=2) + "\n"


def _markdown(app: SynicApp) -> str:
    return markdown_report(session_scenario(app.session), app.session)


def _json(app: SynicApp) -> str:
    out = io.StringIO()
    json.dump(run_report(session_scenario(app.session), app.session), out, indent=1)
    return out.getvalue() + "\n"


def _svg(app: SynicApp) -> str:
    return app.export_screenshot(title="SynIC Lab")


EXPORTS = {
    e.kind: e
    for e in (
        Export("session", "Save the session (settings and steps, reopen with synic FILE)", "synic-session.json", _session),
        Export("markdown", "Export a Markdown report", "synic-report.md", _markdown),
        Export("json", "Export the run as JSON (as synic run --json)", "synic-report.json", _json),
        Export("svg", "Export a screenshot (SVG, plus PNG when cairosvg is installed)", "synic-screenshot.svg", _svg),
    )
}


def write_export(app: SynicApp, kind: str, path: Path) -> list[Path]:
    """Write atomically; raises OSError with the reason when the path cannot be written."""
    text = EXPORTS[kind].render(app)
    write_atomic(path, text)
    written = [path]
    if kind == "svg":
        png = _png(text, path.with_suffix(".png"))
        if png:
            written.append(png)
    return written


def _png(svg: str, path: Path) -> Path | None:
    try:
        import cairosvg  # optional: pip install '.[screenshots]'
    except ImportError:
        return None
    data = cairosvg.svg2png(bytestring=svg.encode())
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
