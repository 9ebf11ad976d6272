"""The lesson panel's Markdown: title, intro, the step just played and its narrative, the outro."""

from __future__ import annotations

import re

from rich.text import Text

from synic_core.reports.formatting import cpus_text
from synic_core.scenarios.lesson import Lesson

PRESENTER_HINT = "Presenter mode: P to leave. Keys as usual; playback is animated."
FOLD_PATHS_LONGER_THAN = 32
_CODE = re.compile(r"(`[^`]*`)")
_CODE_PATH = re.compile(r"`([^`\s]*/)([^`\s/]+)`")  # a path alone in its backticks
_BARE_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)+)([\w.-]*\w)(?![\w/])")  # a path among words
_INLINE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*|`(.+?)`")
_FACTS_ANCHOR = re.compile(r"(docs/kernel-facts\.md)#")  # a lesson's source: "docs/kernel-facts.md#cpu-hotplug-on-x86"


def lesson_markdown(lesson: Lesson, pos: int) -> str:
    """`pos` = steps played so far (0 = only the intro).

    Steps are numbered from 0, as the timeline, the tables and the findings number them ("step 2" is the third).
    """
    n = len(lesson.steps)
    played = f"**{pos}/{n}** step{'s' * (n != 1)} played"
    lines = [f"## {lesson.title}", "", f"*{lesson.partition} · mshv {lesson.mshv} · {lesson.hypervisor}* — {played}", ""]
    if pos == 0:
        lines += [fold_paths(lesson.intro), "", f"Press **>** to play step 0: `{lesson.steps[0].action}`."]
    else:
        step = lesson.steps[pos - 1]
        cpus = " on every online CPU"
        if step.cpus:
            cpus = f" on {cpus_text(step.cpus)}"
        lines += [f"**step {pos - 1}: `{step.action}`**{cpus}", "", fold_paths(step.note), ""]
        if pos < n:
            lines.append(f"Press **>** for step {pos}: `{lesson.steps[pos].action}`; **<** goes back.")
        else:
            lines += [
                "---",
                "",
                fold_paths(lesson.outro or "End of the lesson."),
                "",
                "Keep exploring from here with any key, or press **L** for another lesson.",
            ]
    return "\n".join(lines)


def fold_paths(source: str) -> str:
    """A long path as its file name, then its folder: exit-disables-scontrol.toml (in examples/patches/), in backticks
    when it was; a docs/kernel-facts.md anchor as the page, a space, then #anchor. A narrow panel then wraps between
    words and never cuts a file name in two; a path inside a command in backticks, or a glob, stays as it is (copied whole).
    """
    parts = _CODE.split(_FACTS_ANCHOR.sub(r"\1 #", source))  # odd parts: code spans; an anchor may wrap before its #
    for i, part in enumerate(parts):
        if i % 2:
            m = _CODE_PATH.fullmatch(part)
            if m and "*" not in part and len(m.group(1)) + len(m.group(2)) > FOLD_PATHS_LONGER_THAN:  # a glob stays whole
                parts[i] = f"`{m.group(2)}` (in `{m.group(1)}`)"
        else:
            parts[i] = _BARE_PATH.sub(lambda m: _fold(m.group(1), m.group(2), m.group(0)), part)
    return "".join(parts)


def _fold(folder: str, name: str, whole: str) -> str:
    return f"{name} (in {folder})" if len(folder) + len(name) > FOLD_PATHS_LONGER_THAN else whole


def inline_markdown(source: str) -> Text:
    """A lesson's **bold**, *italic* and `code` as styles; everything else literally (never console markup)."""
    text, pos = Text(), 0
    for m in _INLINE.finditer(source):
        text.append(source[pos : m.start()])
        bold, italic, code = m.groups()
        if bold is not None:
            text.append(bold, "bold")
        elif italic is not None:
            text.append(italic, "italic")
        else:
            text.append(code, "bold")
        pos = m.end()
    text.append(source[pos:])
    return text


def caption(lesson: Lesson | None, pos: int) -> Text:
    """Presenter mode's caption: the lesson's intro, the note of the step just played, then its outro."""
    if lesson is None:
        return Text(PRESENTER_HINT)
    if pos == 0:
        return inline_markdown(f"{lesson.title} — {lesson.intro}")
    n = len(lesson.steps)
    text = inline_markdown(f"{pos}/{n} {lesson.steps[pos - 1].note}")
    if pos >= n:
        text.append("\n")
        text.append_text(inline_markdown(lesson.outro or "End of the lesson."))
    return text
