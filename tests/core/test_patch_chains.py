"""based_on chains: read without recursion, at most 32 files, "modified" said once; confinement refuses paths out of DIR."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from synic_core.inputs.bad_input import InputError
from synic_core.versions.confinement import REFUSED, confined
from synic_core.versions.files import MAX_CHAIN, read_patch
from synic_core.versions.registry import resolve


def chain(folder: Path, depth: int, titled: bool = False) -> Path:
    """c0.toml based on c1.toml ... based on v4: `depth` files."""
    for i in range(depth):
        base = f"c{i + 1}.toml" if i + 1 < depth else "v4"
        (folder / f"c{i}.toml").write_text(f'name = "c{i}"\nbased_on = "{base}"\n' + (f'title = "T{i}"\n' if titled else ""))
    return folder / "c0.toml"


def test_a_1000_deep_chain_is_one_line_and_exit_2(tmp_path: Path) -> None:
    top = chain(tmp_path, 1000)
    done = subprocess.run([sys.executable, "-m", "synic_core", "versions", "show", str(top)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert f"a chain of more than {MAX_CHAIN} patch files (c0.toml → c1.toml → c2.toml → …" in lines[0]


def test_a_chain_of_the_limit_loads_and_says_modified_once(tmp_path: Path) -> None:
    version = resolve(str(chain(tmp_path, MAX_CHAIN)))
    assert version.name == "c0"
    assert version.title.count("modified") == 1


def test_a_mistake_deep_in_a_chain_names_the_files_that_led_there(tmp_path: Path) -> None:
    chain(tmp_path, 3)
    (tmp_path / "c2.toml").write_text('name = "c2"\nbased_on = "v4"\n[version]\nnotifier_on = "sometimes"\n')
    with pytest.raises(InputError) as err:
        resolve(str(tmp_path / "c0.toml"))
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'c0.toml'}: based_on: ") and "c1.toml: based_on: " in message and "notifier_on" in message


def test_a_cycle_is_still_named(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('name = "a"\nbased_on = "b.toml"\n')
    (tmp_path / "b.toml").write_text('name = "b"\nbased_on = "a.toml"\n')
    with pytest.raises(InputError, match=r"forms a cycle \(a.toml → b.toml → a.toml\)"):
        resolve(str(tmp_path / "a.toml"))


@pytest.mark.parametrize("based_on", ["../outside.toml", "OUTSIDE", "~/outside.toml", "link.toml"])
def test_confined_based_on_stays_in_the_directory(tmp_path: Path, based_on: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    outside = tmp_path / "outside.toml"
    outside.write_text('name = "outside"\ntitle = "SECRET"\nbased_on = "v4"\n')
    root = tmp_path / "dir"
    root.mkdir()
    (root / "link.toml").symlink_to(outside)
    (root / "p.toml").write_text(f'name = "p"\nbased_on = "{based_on.replace("OUTSIDE", str(outside))}"\n')
    assert read_patch(root / "p.toml", resolve).title == "SECRET, modified"  # on a terminal, the path is followed
    with confined(root), pytest.raises(InputError) as err:
        read_patch(root / "p.toml", resolve)
    assert str(err.value).endswith(f"based_on: {REFUSED}") and "SECRET" not in str(err.value)


def test_confined_without_a_directory_only_built_ins(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text('name = "p"\nbased_on = "v4"\n')
    with confined(None):
        assert resolve("v4").name == "v4"
        with pytest.raises(InputError, match=REFUSED):
            resolve("p.toml", tmp_path)


def test_a_long_sequence_is_shown_and_diffed_as_lines(tmp_path: Path) -> None:
    op = '[[sequences.mshv_exit]]\nregister = "SINT0"\nkind = "rmw"\nfields = {{ masked = 1 }}\nsource = "fn_{i}"\n'
    path = tmp_path / "long.toml"
    path.write_text('name = "long"\nbased_on = "v4"\n' + "".join(op.format(i=i) for i in range(600)))
    shown = subprocess.run([sys.executable, "-m", "synic_core", "versions", "show", str(path)], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "   599  SINT0 rmw {masked=1}  fn_599" in shown.stdout
    diffed = subprocess.run([sys.executable, "-m", "synic_core", "versions", "diff", "v4", str(path)], capture_output=True, text=True)
    assert diffed.returncode == 1 and diffed.stdout.count("+SINT0 rmw {masked=1}") >= 599  # v4 has one already


def test_a_served_session_never_looks_for_the_patch_file_it_was_saved_from(tmp_path: Path) -> None:
    from synic_core.scenarios.scenario import parse_scenario
    from synic_core.versions.registry import embedding

    patch = tmp_path / "p.toml"
    patch.write_text('name = "p"\ntitle = "SECRET"\nbased_on = "v4"\n')
    data = {"cpus": 2, "steps": [], **embedding(read_patch(patch, resolve))}
    patch.write_text('name = "p"\ntitle = "changed"\nbased_on = "v3"\n')
    assert parse_scenario(dict(data), "saved.json").notices  # on a terminal: "p.toml changed since the session was saved"
    root = tmp_path / "dir"
    root.mkdir()
    with confined(root):
        assert parse_scenario(dict(data), "saved.json").notices == []  # served: no file outside is read or named
