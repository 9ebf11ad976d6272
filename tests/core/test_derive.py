"""`synic versions derive|check` and `synic explore --tree`: versions read from C fixtures written in the kernel's idioms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.explore.fast import search
from synic_core.versions.derive import DeriveError, derive
from synic_core.versions.derive.render import toml, version_of
from synic_core.versions.registry import register, resolve, session_config
from tests.support.kernel_tree import FIXTURES, kernel_tree
from tests.support.sessions import run


def derived(tree: Path, based_on: str = "v4", patches: list[Path] | None = None, name: str = "derived"):
    return version_of(derive(tree, patches or [], resolve(based_on), based_on, name), "test")


@pytest.mark.parametrize(
    ("fixture", "builtin"), [("mshv_mainline.c", "mainline"), ("mshv_v1.c", "v1"), ("mshv_v3.c", "v3"), ("mshv_v4.c", "v4")]
)
def test_each_shape_derives_to_its_builtin_and_check_exits_0(tmp_path, capsys, fixture, builtin) -> None:
    tree = kernel_tree(tmp_path, fixture)
    assert main(["versions", "check", "--tree", str(tree), builtin]) == 0
    assert "cannot tell them apart" in capsys.readouterr().out
    other = "v4" if builtin != "v4" else "v1"
    assert main(["versions", "check", "--tree", str(tree), other]) == 1


def test_derived_vmbus_and_mshv_sequences_are_the_builtins_op_by_op(tmp_path) -> None:
    v = derived(kernel_tree(tmp_path))
    v4 = resolve("v4")
    for slot in v4.sequences:
        ops = [(o.register, o.kind, o.fields, o.when, o.frame) for o in v.sequences[slot].ops]
        assert ops == [(o.register, o.kind, o.fields, o.when, o.frame) for o in v4.sequences[slot].ops], slot


@pytest.mark.parametrize(
    ("fixture", "builtin"), [("mshv_mainline.c", "mainline"), ("mshv_v1.c", "v1"), ("mshv_v3.c", "v3"), ("mshv_v4.c", "v4")]
)
def test_each_derived_shape_has_its_builtins_explorer_answers(tmp_path, fixture, builtin) -> None:
    """The explorer matrix rows of the derived file equal the built-in's, partition by partition (2 CPUs, to the fixpoint)."""
    name = register(derived(kernel_tree(tmp_path, fixture), builtin, name=f"{builtin}-fixture"))
    for partition in ("root", "nested_root", "l1vh"):
        mine, theirs = (search(session_config(mshv=n, partition=partition, cpus=2)) for n in (name, builtin))
        assert mine.fixpoint and theirs.fixpoint
        assert (mine.states, mine.transitions, {k: len(c.steps) for k, c in mine.found.items()}) == (
            theirs.states,
            theirs.transitions,
            {k: len(c.steps) for k, c in theirs.found.items()},
        ), partition


def test_written_file_names_source_file_function_and_line_and_what_was_taken(tmp_path) -> None:
    tree = kernel_tree(tmp_path / "k")
    out = tmp_path / "d.toml"
    assert main(["versions", "derive", "--tree", str(tree), "--based-on", "v4", "-o", str(out)]) == 0
    text = out.read_text()
    assert "# drivers/hv/mshv_synic.c:56 in mshv_synic_cpu_init" in text  # the SIRBP write of the fixture
    assert "taken from v4, not derived: notifier_on = parent, vmbus_dependency = true" in text
    assert "assumed: ms_hyperv.paravisor_present is false" in text
    assert main(["versions", "diff", "v4", str(out)]) == 0


def test_old_vmbus_shape_clears_scontrol_on_a_crash_and_says_so(tmp_path) -> None:
    d = derive(kernel_tree(tmp_path, "mshv_mainline.c", "hv_old.c", vmbus_drv=False), [], resolve("mainline"), "mainline")
    assert [o["register"] for o in d.spec["sequences"]["vmbus_crash"]] == ["SINT2", "SIMP", "SIEFP", "SCONTROL"]
    assert any("vmbus_crash: hv_synic_disable_regs, named in the idioms table" in n for n in d.notes)
    assert "shape of vmbus_crash: hv_synic_disable_regs writes SINT2, SIMP, SIEFP, SCONTROL" in d.notes


def test_patch_mail_turns_the_pre_series_fixture_into_the_merged_version(tmp_path, capsys) -> None:
    tree = kernel_tree(tmp_path, "mshv_mainline.c")
    mail = FIXTURES / "mainline-to-merged.patch"
    assert main(["versions", "check", "--tree", str(tree), "--patch", str(mail), "v4"]) == 0
    assert (tree / "drivers/hv/mshv_synic.c").read_text() == (FIXTURES / "mshv_mainline.c").read_text()  # applied in memory only
    capsys.readouterr()


@pytest.mark.parametrize("mutant", ["mutant-unguarded-scontrol.patch", "mutant-swapped-order.patch"])
def test_mutants_fault_on_l1vh(tmp_path, mutant) -> None:
    v = derived(kernel_tree(tmp_path), patches=[FIXTURES / mutant], name="mutant")
    found = search(session_config(mshv=register(v), partition="l1vh", cpus=2)).found
    assert "hypervisor_fault" in found
    assert "hypervisor_fault" not in search(session_config(mshv="v4", partition="l1vh", cpus=2)).found


def test_missing_mask_mutant_leaves_sint5_unmasked_after_mshv_cleanup(tmp_path) -> None:
    v = derived(kernel_tree(tmp_path), patches=[FIXTURES / "mutant-missing-mask.patch"], name="missing-mask")
    assert [o.register for o in v.sequences["mshv_exit"].ops][:2] == ["SINT0", "SIRBP"]
    s = run("l1vh", register(v), ["vmbus_load", "mshv_init", "mshv_cleanup"], cpus=1)
    assert not s.state.get(0, "l1", "SINT5") & 0x10000  # v4 masks it (bit 16)
    assert run("l1vh", "v4", ["vmbus_load", "mshv_init", "mshv_cleanup"], cpus=1).state.get(0, "l1", "SINT5") & 0x10000


def test_l1vh_only_write_gets_a_per_operation_partition_condition(tmp_path) -> None:
    v = derived(kernel_tree(tmp_path, "mshv_l1vh_only.c"))
    sint5 = next(o for o in v.sequences["mshv_exit"].ops if o.register == "SINT5")
    assert sint5.when == "hv_l1vh_partition"
    name = register(v)
    for partition, masked in (("l1vh", True), ("root", False)):
        s = run(
            partition, name, ["mshv_init", "mshv_cleanup"] if partition == "root" else ["vmbus_load", "mshv_init", "mshv_cleanup"], cpus=1
        )
        assert bool(s.state.get(0, "l1", "SINT5") & 0x10000) is masked, partition


def test_unknowns_are_refused_one_line_each_with_file_and_line(tmp_path, capsys) -> None:
    tree = kernel_tree(tmp_path, "mshv_unknown.c")
    assert main(["versions", "derive", "--tree", str(tree)]) == 2
    lines = capsys.readouterr().err.splitlines()
    hint = ": add it to an idioms file with --idioms FILE or write this row by hand"
    assert lines == [
        f"synic: drivers/hv/mshv_synic.c:63: unknown register 'HV_MSR_SINT0 + HV_SYNIC_TIMER_SINT_INDEX'{hint}",
        f"synic: drivers/hv/mshv_synic.c:77: unknown field 'deadline'{hint}",
        f"synic: drivers/hv/mshv_synic.c:81: unknown condition 'hv_foo()'{hint}",
    ]  # `if (mshv_debug_level > 2)` guards no SynIC write: not reported


def test_idioms_file_teaches_what_was_unknown(tmp_path) -> None:
    tree = kernel_tree(tmp_path / "k", "mshv_unknown.c")
    extra = tmp_path / "idioms.toml"
    extra.write_text(
        '[registers]\n"HV_MSR_SINT0 + HV_SYNIC_TIMER_SINT_INDEX" = "SINT3"\n'
        '[fields]\ndeadline = "vector"\n[predicates]\n"hv_foo()" = "true"\n'
    )
    with pytest.raises(DeriveError):  # without the file: refused
        derive(tree, [], resolve("v4"), "v4")
    d = derive(tree, [], resolve("v4"), "v4", idioms_file=extra)
    init = d.spec["sequences"]["mshv_init"]
    assert {k: v for k, v in init[3].items() if k != "source"} == {"register": "SINT3", "kind": "rmw", "fields": {"masked": 1}}
    assert init[-1]["register"] == "SCONTROL" and "when" not in init[-1]  # hv_foo() is true everywhere: no condition
    assert init[5]["register"] == "SINT5" and init[5]["fields"]["vector"] == 3  # `sint.deadline = 3` read as the vector


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--tree", "{k}"], "drivers/hv/mshv_synic.c:55: cannot parse the C here: a ')' is missing"),
        (["--tree", "{n}"], "no per-CPU functions found"),
        (["--tree", "{m}", "--patch", str(FIXTURES / "mutant-missing-mask.patch")], "hunk 1 of drivers/hv/mshv_synic.c (line"),
        (["--tree", "{m}", "--patch", str(FIXTURES / "mshv_v4.c")], "no unified diff in this file"),
        (["--tree", "{missing}"], "expected a directory holding drivers/hv/mshv_synic.c"),
        (["--tree", "{m}", "--name", "Bad Name"], "--name 'Bad Name': expected lower-case"),
        (["--tree", "{m}", "--idioms", "{bad_idioms}"], "predicates.hv_foo(): expected one of"),
        ([], "expected --tree DIR"),
        (["--tree", "{wide}"], "drivers/hv/mshv_synic.c:106: 2 does not fit SINT0.masked (1 bit)"),
        (["show", "v4", "--tree", "{m}"], "go with derive or check"),
        (
            ["--tree", "{m}", "--patch", str(FIXTURES / "mutant-swapped-order.patch")],
            "changes drivers/hv/hv.c, which the tree does not hold",
        ),
        (["--tree", "{m}", "-o", "{missing}/out.toml"], "-o: cannot write the patch file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, expected) -> None:
    paths = {
        "k": kernel_tree(tmp_path / "k", "mshv_malformed.c"),
        "n": kernel_tree(tmp_path / "n", "mshv_no_callbacks.c"),
        "m": kernel_tree(tmp_path / "m", "mshv_mainline.c", None, False),
        "missing": tmp_path / "nowhere",
        "bad_idioms": tmp_path / "bad.toml",
        "wide": kernel_tree(tmp_path / "w", "mshv_v4.c", None, False),
    }
    wide = tmp_path / "w/drivers/hv/mshv_synic.c"
    wide.write_text(wide.read_text().replace("\tsint.masked = true;\n", "\tsint.masked = 2;\n", 1))
    (tmp_path / "bad.toml").write_text('[predicates]\n"hv_foo()" = "sometimes"\n')
    words = [] if args[:1] == ["show"] else ["derive"]
    assert main(["versions", *words, *(a.format(**paths) for a in args)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and expected in err and "Traceback" not in err


def test_explore_tree_prints_the_derivation_then_explores(tmp_path, capsys) -> None:
    tree = kernel_tree(tmp_path, "mshv_mainline.c")
    code = main(["explore", "--tree", str(tree), "--patch", str(FIXTURES / "mainline-to-merged.patch"), "--depth", "3"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    head, _, rest = out.partition("synic explore:")
    assert "SIRBP rmw {enable=1} frame mshv_sirbp_enable" in head
    assert "drivers/hv/mshv_synic.c:56 mshv_synic_cpu_init: hv_set_non_nested_msr(HV_MSR_SIRBP, sirbp.as_uint64);" in head
    assert "l1vh / derived" in rest


def test_explore_tree_refuses_unknowns_one_line_each(tmp_path, capsys) -> None:
    assert main(["explore", "--tree", str(kernel_tree(tmp_path, "mshv_unknown.c")), "--depth", "2"]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 3


def test_derived_toml_loads_as_a_patch_file_everywhere(tmp_path) -> None:
    d = derive(kernel_tree(tmp_path / "k"), [], resolve("mainline"), "mainline", "from-tree")
    path = tmp_path / "from-tree.toml"
    path.write_text(toml(d))
    assert main(["versions", "show", str(path)]) == 0
    assert resolve(str(path)).manages_shared == "no_vmbus"


def test_explore_tree_and_mshv_together_are_refused(tmp_path, capsys) -> None:
    assert main(["explore", "--tree", str(kernel_tree(tmp_path)), "--mshv", "v4"]) == 2
    assert "drop --mshv (or --tree)" in capsys.readouterr().err


def test_a_known_early_return_narrows_the_writes_after_it(tmp_path) -> None:
    tree = kernel_tree(tmp_path, "mshv_mainline.c", None, False)
    path = tree / "drivers/hv/mshv_synic.c"
    head = "int mshv_synic_cleanup(unsigned int cpu)\n{\n"
    body_start = path.read_text().index("\tsint.as_uint64", path.read_text().index(head))
    text = path.read_text()
    path.write_text(text[:body_start] + "\tif (hv_l1vh_partition())\n\t\treturn 0;\n\n" + text[body_start:])
    v = derived(tree, "mainline")
    exit_ops = {o.register: o.when for o in v.sequences["mshv_exit"].ops}
    assert exit_ops == dict.fromkeys(("SINT0", "SINT5", "SIRBP"), "hv_root_partition") | dict.fromkeys(
        ("SIEFP", "SIMP", "SCONTROL"), "mshv_manages_shared"
    )
    assert v.manages_shared == "hv_root"  # the exit's guard on the shared registers is exactly hv_root_partition()
    assert all(o.when is None for o in v.sequences["mshv_init"].ops)  # init still programs them everywhere


def test_entry_points_come_from_the_cpuhp_call_when_the_tree_holds_it(tmp_path) -> None:
    tree = kernel_tree(tmp_path, "mshv_mainline.c", None, False)
    shutil.copy(FIXTURES / "mshv_root_main.c", tree / "drivers/hv/mshv_root_main.c")
    d = derive(tree, [], resolve("mainline"), "mainline")
    where = "the callbacks passed to cpuhp_setup_state() at drivers/hv/mshv_root_main.c:18"
    assert f"mshv_init/mshv_exit: mshv_synic_init/mshv_synic_cleanup, {where}" in d.notes
    (tree / "drivers/hv/mshv_root_main.c").unlink()
    assert any("named in the idioms table" in n for n in derive(tree, [], resolve("mainline"), "mainline").notes)


HELPERS = """// SPDX-License-Identifier: MIT
/* Test fixture (not kernel code): the per-CPU init reaches its only write through a chain of helpers. */
static void enable_sctrl(void)
{
	union hv_synic_scontrol sctrl;

	sctrl.as_uint64 = hv_get_non_nested_msr(HV_MSR_SCONTROL);
	sctrl.enable = 1;
	hv_set_non_nested_msr(HV_MSR_SCONTROL, sctrl.as_uint64);
}
CHAIN
int mshv_synic_cpu_init(unsigned int cpu)
{
	step1();
	return 0;
}

int mshv_synic_cpu_exit(unsigned int cpu)
{
	return 0;
}
"""


def helper_chain(n: int) -> str:
    """step1() calls step2() ... step{n}() calls enable_sctrl(): the write is n + 1 calls below the per-CPU function."""
    steps = [f"static void step{i}(void)\n{{\n\t{'enable_sctrl' if i == n else f'step{i + 1}'}();\n}}\n" for i in range(n, 0, -1)]
    return HELPERS.replace("CHAIN", "\n".join(steps))


def test_helpers_are_followed_to_depth_3_and_deeper_writes_are_refused(tmp_path, capsys) -> None:
    tree = kernel_tree(tmp_path / "ok", "mshv_no_callbacks.c", None, False)
    (tree / "drivers/hv/mshv_synic.c").write_text(helper_chain(2))
    d = derive(tree, [], resolve("mainline"), "mainline")
    assert d.spec["sequences"]["mshv_init"][0]["source"].startswith("mshv_synic_cpu_init → step1 → step2 → enable_sctrl (")
    assert d.spec["sequences"]["mshv_exit"] == []
    assert version_of(d, "test").sequences["mshv_exit"].ops == ()  # an empty sequence is written as `mshv_exit = []`
    deep = kernel_tree(tmp_path / "deep", "mshv_no_callbacks.c", None, False)
    (deep / "drivers/hv/mshv_synic.c").write_text(helper_chain(3))
    assert main(["versions", "derive", "--tree", str(deep)]) == 2
    assert "enable_sctrl writes a SynIC MSR 4 calls deep: derive follows helpers to depth 3" in capsys.readouterr().err


def test_code_under_a_branch_that_never_runs_needs_no_idiom(tmp_path) -> None:
    """`if (vmbus_is_confidential()) { err = ...; if (err) goto fail; }`: the model has no confidential VMBus (an assumption, listed)."""
    tree = kernel_tree(tmp_path)
    hv = tree / "drivers/hv/hv.c"
    plain = "\tif (vmbus_is_confidential())\n\t\thv_para_synic_enable_interrupts();\n\telse\n\t\thv_hyp_synic_enable_interrupts();\n"
    odd = (
        "\tif (vmbus_is_confidential()) {\n\t\tunion hv_synic_scontrol sctrl;\n\n\t\tsctrl.as_uint64 = hv_get_msr(HV_MSR_SCONTROL);\n"
        "\t\tif (para_err(cpu))\n\t\t\tsctrl.enable = 1;\n\t\thv_set_msr(HV_MSR_SCONTROL, sctrl.as_uint64);\n"
        "\t} else\n\t\thv_hyp_synic_enable_interrupts();\n"
    )
    hv.write_text(hv.read_text().replace(plain, odd))
    d = derive(tree, [], resolve("v4"), "v4")
    assert [o["register"] for o in d.spec["sequences"]["vmbus_init"]] == ["SIMP", "SIEFP", "SINT2", "SCONTROL"]
    assert "assumed: vmbus_is_confidential() is false: the model has no confidential VMBus" in d.notes


def test_a_file_base_is_named_absolutely_so_the_output_loads_from_anywhere(tmp_path, monkeypatch) -> None:
    base = tmp_path / "bases" / "mine.toml"
    base.parent.mkdir()
    base.write_text('name = "mine"\nbased_on = "v4"\n[version]\nvmbus_dependency = false\n')
    monkeypatch.chdir(base.parent)
    out = tmp_path / "elsewhere" / "d.toml"
    out.parent.mkdir()
    assert main(["versions", "derive", "--tree", str(kernel_tree(tmp_path / "k")), "--based-on", "mine.toml", "-o", str(out)]) == 0
    monkeypatch.chdir(tmp_path)
    v = resolve(str(out))
    assert v.vmbus_dependency is False and v.manages_shared == "no_vmbus"


@pytest.mark.parametrize("before", ["", '\tpr_debug("SynIC init\\n");\n'])
def test_a_write_inside_a_loop_is_refused_also_through_a_helper(tmp_path, capsys, before) -> None:
    """A kernel macro loop parses as a nested function first in a block, else as a call missing its `;`: both are loops."""
    tree = kernel_tree(tmp_path, "mshv_no_callbacks.c", None, False)
    loop = before + "\tfor_each_sint(i) {\n\t\tstep1();\n\t}\n"
    (tree / "drivers/hv/mshv_synic.c").write_text(helper_chain(1).replace("\tstep1();\n\treturn 0;", loop + "\treturn 0;", 1))
    assert main(["versions", "derive", "--tree", str(tree)]) == 2
    assert "a SynIC write inside a loop or switch" in capsys.readouterr().err
