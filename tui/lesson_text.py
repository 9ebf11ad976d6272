"""The lesson panel's Markdown: title, intro, the step just played and its narrative, the outro."""

from __future__ import annotations

import re

from rich.text import Text

from synic_core.formatting import cpu_ranges
from synic_core.lesson import Lesson

PRESENTER_HINT = "Presenter mode: P to leave. Keys as usual; playback is animated."
_INLINE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*|`(.+?)`")


def lesson_markdown(lesson: Lesson, pos: int) -> str:
    """`pos` = steps played so far (0 = only the intro)."""
    n = len(lesson.steps)
    lines = [f"## {lesson.title}", "", f"*{lesson.partition} · mshv {lesson.mshv} · {lesson.hypervisor}* — step **{pos}/{n}**", ""]
    if pos == 0:
        lines += [lesson.intro, "", f"Press **>** to play step 1: `{lesson.steps[0].action}`."]
    else:
        step = lesson.steps[pos - 1]
        cpus = " on every online CPU"
        if step.cpus:
            cpus = f" on CPU{'s' if len(step.cpus) > 1 else ''} {cpu_ranges(step.cpus)}"
        lines += [f"**{pos}. `{step.action}`**{cpus}", "", step.note, ""]
        if pos < n:
            lines.append(f"Press **>** for step {pos + 1}: `{lesson.steps[pos].action}`; **<** goes back.")
        else:
            lines += [
                "---",
                "",
                lesson.outro or "End of the lesson.",
                "",
                "Keep exploring from here with any key, or press **L** for another lesson.",
            ]
    return "\n".join(lines)


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
