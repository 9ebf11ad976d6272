"""What the dashboard can write to disk: the session, a Markdown report, JSON, a screenshot.

Every write is atomic (temp file + rename): a failed save leaves the previous file as it was.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Literal

from synic_core import Session
from synic_core.reports.json_report import run_report
from synic_core.reports.markdown import markdown_report
from synic_core.scenarios.scenario import session_scenario
from synic_core.storage.atomic import write_atomic, write_bytes_atomic

Exported = Literal["session", "markdown", "json", "svg"]
Screenshot = Callable[[], str]  # the app's SVG screenshot, taken only when asked for


@dataclass(frozen=True, slots=True)
class Export:
    kind: Exported
    title: str
    default: str
    render: Callable[[Session, Screenshot], str]
    mime_type: str = "text/plain"


def _session(session: Session, _shot: Screenshot) -> str:
    return json.dumps(session_scenario(session, title="saved from SynIC Lab").dump(), indent=2) + "\n"


def _markdown(session: Session, _shot: Screenshot) -> str:
    return markdown_report(session_scenario(session), session)


def _json(session: Session, _shot: Screenshot) -> str:
    out = io.StringIO()
    json.dump(run_report(session_scenario(session), session), out, indent=1)
    return out.getvalue() + "\n"


def _svg(_session: Session, shot: Screenshot) -> str:
    return shot()


EXPORTS: dict[Exported, Export] = {
    e.kind: e
    for e in (
        Export(
            "session", "Save the session (settings and steps, reopen with synic FILE)", "synic-session.json", _session, "application/json"
        ),
        Export("markdown", "Export a Markdown report", "synic-report.md", _markdown, "text/markdown"),
        Export("json", "Export the run as JSON (as synic run --json)", "synic-report.json", _json, "application/json"),
        Export("svg", "Export a screenshot (SVG, plus PNG when cairosvg is installed)", "synic-screenshot.svg", _svg, "image/svg+xml"),
    )
}


def export_paths(kind: Exported, path: Path) -> tuple[Path, ...]:
    """Every file that exporting `kind` to `path` creates or replaces: a screenshot's PNG beside its SVG, when PNGs can be made."""
    if kind == "svg" and _cairosvg() is not None:
        return tuple(dict.fromkeys((path, path.with_suffix(".png"))))
    return (path,)


def write_export(session: Session, kind: Exported, path: Path, screenshot: Screenshot) -> list[Path]:
    """Write atomically; raises OSError with the reason when the path cannot be written."""
    text = EXPORTS[kind].render(session, screenshot)
    write_atomic(path, text)
    written = [path]
    if kind == "svg":
        png = _png(text, path.with_suffix(".png"))
        if png:
            written.append(png)
    return written


def _cairosvg() -> ModuleType | None:
    try:
        import cairosvg  # optional: pip install '.[screenshots]'
    except ImportError:
        return None
    module: ModuleType = cairosvg
    return module


def _png(svg: str, path: Path) -> Path | None:
    cairosvg = _cairosvg()
    if cairosvg is None:
        return None
    write_bytes_atomic(path, cairosvg.svg2png(bytestring=svg.encode()))
    return path
