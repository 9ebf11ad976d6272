"""The lesson panel's Markdown: title, intro, the step just played and its narrative, the outro."""

from __future__ import annotations

from synic_core.formatting import cpu_ranges
from synic_core.lesson import Lesson


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
