"""Bring your own patch: a version written as a file runs, compares, explores and saves like a built-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synic_core import SessionConfig
from synic_core.cli import main
from synic_core.explore.fast import search
from synic_core.inputs.bad_input import InputError
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.scenarios.scenario import builtin_names, load_builtin, load_file, replay, session_scenario, with_settings
from synic_core.versions.registry import get, known_names, resolve, session_config, use

EXAMPLES = Path(__file__).parents[2] / "examples" / "patches"

ISSUE_EXAMPLE = """\
name = "split-root"
title = "v4 with root logic split out (reviewer's suggestion)"
based_on = "v4"
source = "reply to [PATCH 4/6], 2026-03-30"

[version]
manages_shared = "no_vmbus"
notifier_on = "parent"
sirbp_on_l1vh = "alloc"
vmbus_dependency = true

[[sequences.mshv_exit]]
register = "SINT0"
kind = "rmw"
fields = { masked = 1 }
"""


def write(tmp_path: Path, text: str, name: str = "patch.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def outcome(session) -> tuple[object, ...]:
    """What a user sees of a run: every write and every finding."""
    writes = [(s.index, w.cpu, w.bank, w.component, w.register, w.old, w.new, w.rejected) for s in session.history for w in s.writes]
    return tuple(writes), tuple((f.kind, f.cpu, f.register, f.message) for f in session.findings)


def explorer_answer(config: SessionConfig) -> tuple[object, ...]:
    r = search(config)
    return r.states, r.transitions, r.fixpoint, {k: len(c.steps) for k, c in r.found.items()}


def assert_same_explorer_answers(a: str, b: str) -> None:
    """On every partition and profile, 2 CPUs to the fixpoint: the same states, transitions and shortest findings."""
    for partition in PARTITION_NAMES:
        for hv in PROFILE_NAMES:
            mine = explorer_answer(session_config(partition=partition, mshv=a, hypervisor=hv, cpus=2))
            assert mine == explorer_answer(session_config(partition=partition, mshv=b, hypervisor=hv, cpus=2)), (partition, hv)


# -- the format --------------------------------------------------------------------------------
def test_the_issue_example_loads_and_replaces_only_the_sequence_it_lists(tmp_path: Path) -> None:
    version = resolve(str(write(tmp_path, ISSUE_EXAMPLE)))
    v4 = get("v4")
    assert [op.register for op in version.sequences["mshv_exit"].ops] == ["SINT0"]
    assert version.sequences["mshv_init"] == v4.sequences["mshv_init"]
    assert (version.manages_shared, version.notifier_on, version.vmbus_dependency) == ("no_vmbus", "parent", True)
    # a shorter exit leaves SINT5 unmasked after MSHV cleanup: the model says so
    session = replay(with_settings(load_builtin("l1vh-v4-kexec"), {"mshv": use(str(tmp_path / "patch.toml"))}, "t"))
    assert session.config.version.name == "split-root"


def test_a_json_patch_file_works_too(tmp_path: Path) -> None:
    data = {"name": "json-one", "based_on": "mainline", "version": {"notifier_on": "none"}}
    version = resolve(str(write(tmp_path, json.dumps(data), "p.json")))
    assert version.notifier_on == "none" and version.sequences == get("mainline").sequences


def test_only_based_on_mainline_and_the_notifier_behaves_as_patch5_only() -> None:
    """The issue's check: same findings on every design outcome (built-in scenarios), same explorer answers."""
    mine = use(str(EXAMPLES / "notifier-parent.toml"))
    for name in builtin_names():
        a = replay(with_settings(load_builtin(name), {"mshv": "patch5-only"}, name))
        b = replay(with_settings(load_builtin(name), {"mshv": mine}, name))
        assert outcome(a) == outcome(b), name
    assert_same_explorer_answers("patch5-only", mine)


def test_the_reviewers_split_is_indistinguishable_from_v4() -> None:
    split = use(str(EXAMPLES / "split-root.toml"))
    assert get(split).sequences["mshv_init"] != get("v4").sequences["mshv_init"]  # the order really changed
    assert_same_explorer_answers("v4", split)


def test_the_broken_example_reaches_the_fault_v4_cannot() -> None:
    broken = use(str(EXAMPLES / "exit-disables-scontrol.toml"))
    r = search(session_config(partition="l1vh", mshv=broken, cpus=2))
    assert r.fixpoint and [a for a, _ in r.found["hypervisor_fault"].steps] == ["vmbus_load", "mshv_init", "kexec"]
    assert "hypervisor_fault" not in search(session_config(partition="l1vh", mshv="v4", cpus=2)).found


# -- bad input: one line naming the file, the table path and what was expected --------------------
BAD = {
    "unknown key": ('name = "x"\nbased_on = "v4"\ncolour = 1\n', "colour", "not a key of a patch file (expected name, title"),
    "row value": (
        'name = "x"\nbased_on = "v4"\n[version]\nnotifier_on = "always"\n',
        "version.notifier_on",
        "'hv_root', 'parent' or 'none'",
    ),
    "sequence name": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exitt]]\nregister = "SINT0"\nkind = "rmw"\n',
        "sequences",
        "mshv_exit",
    ),
    "register": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT16"\nkind = "rmw"\n',
        "sequences.mshv_exit[0].register",
        "SINT15",
    ),
    "read-only register": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SVERSION"\nkind = "rmw"\n',
        "[0].register",
        "writable",
    ),
    "field": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = { mask = 1 }\n',
        "sequences.mshv_exit[0].fields.mask",
        "masked",
    ),
    "value too wide": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\n[[sequences.mshv_exit]]\n'
        'register = "SINT5"\nkind = "rmw"\n[[sequences.mshv_exit]]\nregister = "SIMP"\nkind = "rmw"\nfields = { masked = 1 }\n',
        "sequences.mshv_exit[2].fields.masked",
        "expected a field of SIMP",
    ),
    "masked = 2": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = { masked = 2 }\n',
        "sequences.mshv_exit[0].fields.masked",
        "expected 0..1",
    ),
    "frame field": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SIMP"\nkind = "rmw"\nfields = { frame = 5 }\n',
        "fields.frame",
        "frame rule",
    ),
    "condition": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nwhen = "always"\n',
        "when",
        "mshv_manages_shared",
    ),
    "frame rule": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nframe = "mshv_sirbp_disable"\n',
        ".frame",
        "SIMP/SIEFP/SIRBP",
    ),
    "nested bank": (
        'name = "x"\nbased_on = "v4"\n[[sequences.vmbus_init]]\nregister = "SIRBP"\nkind = "rmw"\n',
        "sequences.vmbus_init[0].register",
        "NESTED",
    ),
    "itself": ('name = "x"\nbased_on = "x"\n', "based_on", "names this version itself"),
    "no base": ('name = "x"\n[version]\nnotifier_on = "parent"\n', "version.manages_shared", "required"),
    "bad name": ('name = "My Patch"\nbased_on = "v4"\n', "name", "pattern"),
    "builtin name": ('name = "v4"\nbased_on = "v3"\n', "name", "is a built-in version"),
    "unknown base": ('name = "x"\nbased_on = "v9"\n', "based_on: v9", "expected a built-in MSHV version"),
    "missing base file": ('name = "x"\nbased_on = "nothere.toml"\n', "based_on: ", "nothere.toml: cannot read the file"),
    "symbol typo": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = { vector = "VECTR" }\n',
        "sequences.mshv_exit[0].fields.vector",
        "expected a whole number or one of VECTOR, AEOI, got 'VECTR'",
    ),
    "boolean value": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = { masked = true }\n',
        "fields.masked",
        "expected a whole number",
    ),
    "table given a number": ('name = "x"\nbased_on = "v4"\nversion = 3\n', "version", "valid dictionary (got 3)"),
    "misspelt op key": (
        'name = "x"\nbased_on = "v4"\n[[sequences.mshv_exit]]\nregistr = "SINT0"\nkind = "rmw"\n',
        "[0].registr",
        "not a field of a sequence op (expected one of: register, kind, fields, when, frame, source)",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_patch_files_are_one_line_naming_file_path_and_expectation(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, where, expected = BAD[case]
    path = write(tmp_path, text)
    assert main(["run", "l1vh-v4-kexec", "--mshv", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == "" and len(err.splitlines()) == 1, err
    assert str(path) in err, err  # also when the mistake is reached through based_on
    assert where in err and expected in err, err
    assert "Traceback" not in err and "RowSpec" not in err and ".int" not in err


def test_the_file_a_based_on_leads_to_is_named_with_the_one_that_led_there(tmp_path: Path) -> None:
    write(tmp_path, 'name = "base"\nbased_on = "v4"\n[version]\nnotifier_on = "sometimes"\n', "base.toml")
    child = write(tmp_path, 'name = "child"\nbased_on = "base.toml"\n', "child.toml")
    with pytest.raises(InputError) as caught:
        resolve(str(child))
    assert str(caught.value).startswith(f"{child}: based_on: {tmp_path / 'base.toml'}: version.notifier_on:")


def test_a_patch_file_must_be_toml_or_json(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"ext.yaml: expected a patch file ending in .toml or .json"):
        resolve(str(write(tmp_path, "name: x\n", "ext.yaml")))


def test_a_file_with_a_builtin_name_is_refused_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, 'name = "v4"\nbased_on = "v3"\n')
    for args in (["versions", "show", str(path)], ["versions", "diff", "v4", str(path)], ["versions", str(path)]):
        assert main(args) == 2, args
        assert "'v4' is a built-in version" in capsys.readouterr().err


def test_a_scenario_naming_a_missing_patch_file_says_which_scenario(tmp_path: Path) -> None:
    scenario = write(tmp_path, json.dumps({"mshv": "patches/nope.toml", "steps": []}), "hand.json")
    with pytest.raises(InputError, match=r"hand.json: mshv: .*nope.toml: cannot read the file"):
        load_file(scenario)


def test_an_embedded_version_must_be_the_one_mshv_names(tmp_path: Path) -> None:
    session = replay(with_settings(load_builtin("l1vh-v4-kexec"), {"mshv": str(write(tmp_path, ISSUE_EXAMPLE))}, "t"))
    data = session_scenario(session).dump() | {"mshv": "other"}
    with pytest.raises(InputError, match=r"mshv: names 'other', but the embedded mshv_version is 'split-root'"):
        load_file(write(tmp_path, json.dumps(data), "saved.json"))


def test_run_notes_a_changed_file_only_when_it_replays_the_embedded_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = write(tmp_path, ISSUE_EXAMPLE)
    session = replay(with_settings(load_builtin("l1vh-v4-kexec"), {"mshv": str(patch)}, "t"))
    saved = write(tmp_path, json.dumps(session_scenario(session).dump()), "saved.json")
    write(tmp_path, ISSUE_EXAMPLE.replace("masked = 1", "masked = 0"))
    main(["run", str(saved), "--json"])
    assert f"changed since the session was saved: replaying the version embedded in the session (--mshv {patch}" in capsys.readouterr().err
    main(["run", str(saved), "--json", "--mshv", str(patch)])
    assert "changed since" not in capsys.readouterr().err


def test_a_based_on_cycle_is_refused(tmp_path: Path) -> None:
    write(tmp_path, 'name = "a"\nbased_on = "b.toml"\n', "a.toml")
    write(tmp_path, 'name = "b"\nbased_on = "a.toml"\n', "b.toml")
    with pytest.raises(InputError, match=r"based_on: forms a cycle \(a.toml → b.toml → a.toml\)"):
        resolve(str(tmp_path / "a.toml"))


def test_based_on_another_file_is_read_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path, 'name = "base-one"\nbased_on = "v3"\n[version]\nvmbus_dependency = true\n', "sub/base.toml")
    version = resolve(str(write(tmp_path, 'name = "child"\nbased_on = "base.toml"\n', "sub/child.toml")))
    assert (version.manages_shared, version.vmbus_dependency) == ("bare_metal_root", True)


def test_a_fifo_patch_file_is_refused_without_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    fifo = tmp_path / "patch.toml"
    os.mkfifo(fifo)
    assert main(["versions", "show", str(fifo)]) == 2
    assert "FIFO" in capsys.readouterr().err


# -- names, registry, embedding -------------------------------------------------------------------
def test_two_files_with_one_name_never_shadow_each_other(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = use(str(write(tmp_path, 'name = "mine"\nbased_on = "v4"\n', "a/p.toml")))
    second = use(str(write(tmp_path, 'name = "mine"\nbased_on = "v3"\n', "b/p.toml")))
    assert first == "mine" and second.startswith("mine-") and get(first).manages_shared == "no_vmbus"
    assert get(second).manages_shared == "bare_metal_root" and second in known_names()
    assert use(str(tmp_path / "a" / "p.toml")) == "mine"  # the same file again: the same name


def test_a_saved_session_embeds_the_version_and_replays_without_the_file(tmp_path: Path) -> None:
    patch = write(tmp_path, ISSUE_EXAMPLE)
    session = replay(with_settings(load_builtin("l1vh-v4-kexec"), {"mshv": str(patch)}, "t"))
    saved = write(tmp_path, json.dumps(session_scenario(session).dump()), "saved.json")
    data = json.loads(saved.read_text())
    assert data["mshv"] == "split-root" and data["mshv_file"] == str(patch.resolve())
    assert [op["register"] for op in data["mshv_version"]["sequences"]["mshv_exit"]] == ["SINT0"]
    patch.unlink()
    scenario = load_file(saved)
    assert outcome(replay(scenario)) == outcome(session)
    assert "not there any more" in scenario.notices[0]


def test_a_session_without_its_embedded_version_replays_its_patch_file_and_says_so(tmp_path: Path) -> None:
    patch = write(tmp_path, ISSUE_EXAMPLE)
    session = replay(with_settings(load_builtin("l1vh-v4-kexec"), {"mshv": str(patch)}, "t"))
    data = session_scenario(session).dump()
    del data["mshv_version"]  # e.g. removed by hand to make the file smaller
    saved = write(tmp_path, json.dumps(data), "saved.json")
    scenario = load_file(saved)
    assert outcome(replay(scenario)) == outcome(session)
    assert scenario.notices == [f"split-root is read from {patch.resolve()} as it is now (the session embeds no mshv_version to replay)"]
    assert scenario.dump()["mshv_version"] == session_scenario(session).dump()["mshv_version"]  # saved again in full
    saved.write_text(json.dumps(data | {"mshv": "split-rot"}))
    with pytest.raises(InputError, match=r"saved.json: mshv_file: .* holds the version 'split-root', expected 'split-rot'"):
        load_file(saved)
    patch.unlink()
    saved.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"saved.json: mshv_file: .*patch.toml: cannot read the file"):
        load_file(saved)


def test_replay_says_when_the_file_changed_since_the_save(tmp_path: Path) -> None:
    patch = write(tmp_path, ISSUE_EXAMPLE)
    session = replay(with_settings(load_builtin("l1vh-v4-kexec"), {"mshv": str(patch)}, "t"))
    saved = write(tmp_path, json.dumps(session_scenario(session).dump()), "saved.json")
    assert load_file(saved).notices == []
    write(tmp_path, ISSUE_EXAMPLE.replace("masked = 1", "masked = 0"))
    scenario = load_file(saved)
    assert "changed since the session was saved" in scenario.notices[0]
    assert outcome(replay(scenario)) == outcome(session)  # the embedded version, not the edited file


def test_a_scenario_names_a_patch_file_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "patches").mkdir()
    write(tmp_path, 'name = "rel"\nbased_on = "patch5-only"\n', "patches/rel.toml")
    scenario_text = json.dumps({"partition": "l1vh", "cpus": 2, "mshv": "patches/rel.toml", "steps": [{"action": "vmbus_load"}]})
    scenario = load_file(write(tmp_path, scenario_text, "s.json"))
    assert scenario.config().mshv == "rel" and scenario.mshv_version is not None


# -- the command line ----------------------------------------------------------------------------
def test_versions_lists_shows_and_diffs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["versions", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in listed] == ["mainline", "patch5-only", "v1", "v3", "v4"]
    rules = {"manages_shared": "no_vmbus", "notifier_on": "parent", "sirbp_on_l1vh": "alloc", "vmbus_dependency": True}
    assert listed[4]["version"] == rules
    assert main(["versions", "show", str(EXAMPLES / "split-root.toml"), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"].keys() == listed[4]["version"].keys()  # one key for the rules in both
    assert [op["register"] for op in shown["sequences"]["mshv_init"]][:3] == ["SIMP", "SIEFP", "SCONTROL"]
    assert main(["versions", "diff", "v4", str(EXAMPLES / "exit-disables-scontrol.toml"), "--json"]) == 1  # they differ
    diff = json.loads(capsys.readouterr().out)
    assert diff["rules"] == {} and not diff["same_behaviour"]
    assert diff["sequences"]["mshv_exit"][-2:] == ["-SCONTROL rmw {enable=0} when mshv_manages_shared", "+SCONTROL rmw {enable=0}"]


def test_versions_diff_says_when_two_files_cannot_be_told_apart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["versions", "diff", "patch5-only", str(EXAMPLES / "notifier-parent.toml")]) == 0
    out = capsys.readouterr().out
    assert "the model cannot tell them apart" in out
    assert main(["versions", "diff", "v3", "v4"]) == 1
    out = capsys.readouterr().out
    assert "-  bare_metal_root" in out and "+  no_vmbus" in out


def test_versions_vocabulary_lists_what_a_file_may_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["versions", "--vocabulary", "--json"]) == 0
    vocab = json.loads(capsys.readouterr().out)
    assert set(vocab["version"]["notifier_on"]) == {"hv_root", "parent", "none"}
    assert vocab["registers"]["SINT0"] == ["vector", "masked", "auto_eoi", "polling", "as_intercept", "proxy"]
    assert "SVERSION" not in vocab["registers"] and "EOM" not in vocab["registers"]
    assert set(vocab["sequences"]) == {"vmbus_init", "vmbus_cleanup", "vmbus_crash", "mshv_init", "mshv_exit"}
    assert main(["versions", "--vocabulary"]) == 0
    assert "mshv_sirbp_disable" in capsys.readouterr().out


def test_run_and_compare_take_a_patch_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-v4-kexec", "--mshv", str(EXAMPLES / "exit-disables-scontrol.toml"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["fault"] > 0
    assert main(["run", "l1vh-v4-kexec", "--compare", f"v4,{EXAMPLES / 'split-root.toml'}", "--json"]) == 0
    compared = json.loads(capsys.readouterr().out)["compare"]
    assert compared["differences"] == [] and compared["b"]["label"] == "split-root"
    assert compared["a"]["kinds"] == compared["b"]["kinds"]


def test_explore_takes_a_patch_file_and_all_adds_its_rows(capsys: pytest.CaptureFixture[str]) -> None:
    broken = str(EXAMPLES / "exit-disables-scontrol.toml")
    assert main(["explore", "--mshv", broken, "--exhaustive", "--json", "--jobs", "1"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["fixpoint"] and result["settings"]["mshv"] == "exit-disables-scontrol"
    found = result["counterexamples"]
    assert found["hypervisor_fault"]["scenario"]["mshv_version"]["name"] == "exit-disables-scontrol"
    args = ["explore", "--all", "--depth", "3", "--json", "--jobs", "1", "--mshv", str(EXAMPLES / "split-root.toml")]
    assert main(args) in (0, 1)
    rows = json.loads(capsys.readouterr().out)
    assert {r["mshv"] for r in rows} == {"mainline", "patch5-only", "v1", "v3", "v4", "split-root"}
    by = {(r["partition"], r["mshv"], r["hypervisor"]): r for r in rows}
    for (partition, mshv, hv), row in by.items():
        if mshv == "split-root":
            v4 = by[(partition, "v4", hv)]
            timing = ("mshv", "seconds", "peak_mb")
            assert {k: v for k, v in row.items() if k not in timing} == {k: v for k, v in v4.items() if k not in timing}


def test_several_mshv_without_all_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--mshv", "v3", "--mshv", "v4"]) == 2
    assert "one --mshv per search" in capsys.readouterr().err


def test_the_lesson_embeds_the_example_file_exactly() -> None:
    from synic_core.scenarios.lesson import load_lesson
    from synic_core.versions.files import digest

    lesson = load_lesson("model-your-own-patch")
    assert digest(get(lesson.config().mshv)) == digest(resolve(str(EXAMPLES / "exit-disables-scontrol.toml")))
    assert replay(lesson).summary()["fault"] > 0


@pytest.mark.parametrize("args", [["show", "--json", "v4"], ["show", "v4", "--json"], ["--json", "show", "v4"]])
def test_versions_takes_its_options_before_or_after_the_words(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["versions", *args]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "v4"
