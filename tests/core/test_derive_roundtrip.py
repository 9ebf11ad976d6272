"""Hypothesis: the writes of a fixture in any order derive to ops in that order and `versions show` round-trips the file;
any edit of the source derives or is refused, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synic_core.cli import main
from synic_core.inputs.bad_input import InputError
from synic_core.versions.derive import derive
from synic_core.versions.derive.render import toml, version_of
from synic_core.versions.registry import resolve
from tests.support.kernel_tree import FIXTURES

EXIT_START = "static int mshv_synic_cpu_exit(unsigned int cpu)\n{\n"


def fixture_parts() -> tuple[str, list[str], str]:
    """The merged fixture's exit function cut into its statement groups (blank-line separated)."""
    text = (FIXTURES / "mshv_v4.c").read_text()
    start = text.index(EXIT_START) + len(EXIT_START)
    end = text.index("\treturn 0;\n}", start)
    decls, *pieces = text[start:end].rstrip("\n").split("\n\n")
    groups: list[str] = []
    for piece in pieces:  # a piece inside an open brace belongs to the statement before it
        if groups and groups[-1].count("{") != groups[-1].count("}"):
            groups[-1] += "\n\n" + piece
        else:
            groups.append(piece)
    return text[:start] + decls + "\n\n", groups, text[end:]


HEAD, GROUPS, TAIL = fixture_parts()


def registers_in(group: str) -> list[str]:
    names = {
        "SINT0 + HV_SYNIC_INTERCEPTION": "SINT0",
        "SINT0 + HV_SYNIC_DOORBELL": "SINT5",
        **{f"{r},": r for r in ("SIRBP", "SIEFP", "SIMP", "SCONTROL")},
    }
    out = []
    for line in group.splitlines():
        if "hv_set_non_nested_msr(HV_MSR_" in line:
            out += [reg for text, reg in names.items() if text in line]
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(GROUPS))))
def test_reordered_exit_derives_in_that_order_and_show_round_trips(tmp_path_factory, capsys, order) -> None:
    tree = tmp_path_factory.mktemp("k")
    (tree / "drivers/hv").mkdir(parents=True)
    (tree / "drivers/hv/mshv_synic.c").write_text(HEAD + "\n\n".join(GROUPS[i] for i in order) + "\n\n" + TAIL)
    d = derive(tree, [], resolve("v4"), "v4", "shuffled")
    expected = [reg for i in order for reg in dict.fromkeys(registers_in(GROUPS[i]))]
    assert [op["register"] for op in d.spec["sequences"]["mshv_exit"]] == expected
    path = Path(tree) / "shuffled.toml"
    path.write_text(toml(d))
    capsys.readouterr()
    assert main(["versions", "show", str(path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sequences"]["mshv_exit"] == d.spec["sequences"]["mshv_exit"]
    assert shown["version"]["manages_shared"] == "no_vmbus" and shown["version"]["sirbp_on_l1vh"] == "alloc"


EDITS = [
    "{",
    "}",
    ";",
    "if (x)",
    "else",
    "#ifdef FOO",
    "#endif",
    "return 0;",
    "goto out;",
    "out:",
    "sint.masked = 2;",
    "hv_set_msr(HV_MSR_SIMP, 5);",
    "hv_set_non_nested_msr(",
    "while (1) {",
    "simp.as_uint64 = 7;",
    "bool b = hv_nested;",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from([None, *EDITS])), min_size=1, max_size=4))
def test_edited_source_derives_or_is_refused_never_a_traceback(tmp_path_factory, edits) -> None:
    """Random deletions and insertions in the merged fixture: a patch file, or InputError lines (file:line), nothing else."""
    lines = (FIXTURES / "mshv_v4.c").read_text().split("\n")
    for at, text in edits:
        k = at % len(lines)
        if text is None:
            del lines[k]
        else:
            lines.insert(k, "\t" + text)
    tree = tmp_path_factory.mktemp("k")
    (tree / "drivers/hv").mkdir(parents=True)
    (tree / "drivers/hv/mshv_synic.c").write_text("\n".join(lines))
    try:
        version_of(derive(tree, [], resolve("v4"), "v4"), "fuzzed")
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
