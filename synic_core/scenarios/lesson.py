"""Guided lessons: a scenario whose every step carries a short narrative (data files, JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import ClassVar, Literal

from synic_core.inputs.bad_input import InputError
from synic_core.scenarios.scenario import Scenario, parse_as, read_file

LESSON_PACKAGE = "synic_core.scenarios.lessons"


@dataclass(kw_only=True)
class Lesson(Scenario):
    """A scenario with an introduction, a closing word, and a note on every step (`scenario_schema.LessonSpec`)."""

    KIND: ClassVar[Literal["scenario", "lesson"]] = "lesson"
    EXPECTED: ClassVar[str] = "a lesson object with title, intro and steps"

    intro: str
    outro: str = ""


def parse_lesson(data: object, source: str, directory: Path | None = None) -> Lesson:
    """A lesson from parsed JSON/TOML; a patch file it names is read relative to `directory`."""
    return parse_as(Lesson, data, source, directory)


def lesson_names() -> list[str]:
    """Built-in lessons in teaching order (file names start with a number)."""
    files = resources.files(LESSON_PACKAGE).iterdir()
    return [f.name.removesuffix(".json") for f in sorted(files, key=lambda f: f.name) if f.name.endswith(".json")]


def short_name(name: str) -> str:
    return name.split("-", 1)[1] if name[:2].isdigit() else name


def load_lesson(name_or_path: str) -> Lesson:
    """A built-in lesson by name (with or without its number), or a lesson file."""
    for name in lesson_names():
        if name_or_path in (name, short_name(name)):
            ref = resources.files(LESSON_PACKAGE) / f"{name}.json"
            return parse_lesson(json.loads(ref.read_text("utf-8")), f"lesson {short_name(name)}")
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".json", ".toml"):
        return parse_lesson(read_file(path), str(path), path.parent)
    known = ", ".join(short_name(n) for n in lesson_names())
    raise InputError(f"{name_or_path}: no such lesson (expected one of {known}, or a lesson file)")
