"""Guided lessons: a scenario whose every step carries a short narrative (data files, JSON)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from pydantic import Field, ValidationError

from .input_errors import describe_validation_error
from .scenario import Scenario, ScenarioError, Step, read_file

LESSON_PACKAGE = "synic_core.lessons"


class LessonStep(Step):
    note: str = Field(min_length=1, description="what this step shows, in a sentence or three")


class Lesson(Scenario):
    intro: str = Field(min_length=1)
    outro: str = ""
    steps: list[LessonStep] = Field(min_length=1)  # type: ignore[assignment]


def parse_lesson(data: object, source: str, directory: Path | None = None) -> Lesson:
    """A lesson from parsed JSON/TOML; a patch file it names is read relative to `directory`."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a lesson object with title, intro and steps, got {type(data).__name__}")
    try:
        lesson = Lesson.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {describe_validation_error(exc)}") from None
    lesson.bind_version(source, directory)
    return lesson


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
    raise ScenarioError(f"{name_or_path}: no such lesson (expected one of {known}, or a lesson file)")
