"""The rules behind `synic serve`'s door (Host, Origin, token, durations) and its read-only `--files` directory."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tui.serve.access import AccessError, check_token, host_allowed, origin_allowed, parse_duration, resolve, token_url
from tui.serve.files import (
    ServedFileError,
    check_files_dir,
    files_dir,
    is_served,
    list_files,
    resolve_file,
    served_environment,
)


def test_loopback_accepts_its_own_names_and_nothing_else():
    a = resolve("127.0.0.1", 8000)
    assert a.loopback and not a.wildcard
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST:8000"):
        assert host_allowed(host, a), host
    refused: list[str | None] = ["evil.example:8000", "127.0.0.1:8001", "127.0.0.1", "", None, "user@127.0.0.1:8000", "127.0.0.1:8000/x"]
    for bad in refused:
        assert not host_allowed(bad, a), bad


def test_origin_must_be_the_served_address():
    a = resolve("127.0.0.1", 8000)
    assert origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000", a)
    assert origin_allowed("http://localhost:8000", "localhost:8000", a)
    assert origin_allowed(None, "127.0.0.1:8000", a)  # not a browser page
    for origin in ("http://evil.example", "http://127.0.0.1:8001", "null", "file://", "http://127.0.0.1.evil.example:8000", "ws://x:1"):
        assert not origin_allowed(origin, "127.0.0.1:8000", a), origin


def test_a_wildcard_host_checks_origin_against_host():
    a = resolve("0.0.0.0", 8000).allowing(["teacher.lan"])
    assert a.wildcard and not a.loopback
    assert host_allowed("teacher.lan:8000", a)
    assert origin_allowed("http://teacher.lan:8000", "teacher.lan:8000", a)
    assert not origin_allowed("http://evil.example", "teacher.lan:8000", a)
    assert not origin_allowed("http://teacher.lan:8000", None, a)


def test_ipv6_urls_have_brackets():
    a = resolve("::1", 8000)
    assert a.loopback and a.base_urls() == ["http://[::1]:8000"]
    assert token_url(a.base_urls()[0], "t/k n") == "http://[::1]:8000/?token=t%2Fk%20n"
    assert host_allowed("[::1]:8000", a)


def test_bad_hosts_and_tokens_are_refused():
    with pytest.raises(AccessError, match="--host"):
        resolve("no-such-host.invalid", 8000)
    with pytest.raises(AccessError, match="--host"):
        resolve("a b", 8000)
    with pytest.raises(AccessError, match="--token"):
        check_token("short")
    assert check_token("long-enough-token") == "long-enough-token"


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("90s", 90), ("1h", 3600), ("45", 2700), (" 2M ", 120)])
def test_durations(text: str, seconds: int):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "soon", "-5m", "1d", "9999999999h"])
def test_bad_durations(text: str):
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


# -- the served flag and the --files directory ------------------------------------------------
def test_the_served_environment_round_trips(tmp_path: Path):
    env = served_environment(tmp_path)
    assert is_served(env) and files_dir(env) == tmp_path
    assert not is_served({}) and files_dir({}) is None
    assert files_dir({"SYNICLAB_FILES": str(tmp_path)}) is None  # only a served tab has a files directory
    assert served_environment(None) == {"SYNICLAB_SERVED": "1"}


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    root = tmp_path / "class"
    (root / "week1").mkdir(parents=True)
    (root / "a.json").write_text("{}")
    (root / "week1" / "b.toml").write_text("")
    (root / "notes.txt").write_text("not a scenario")
    (root / ".hidden.json").write_text("{}")
    secret = tmp_path / "secret.json"
    secret.write_text('{"token": "s3cret"}')
    (root / "escape.json").symlink_to(secret)
    (root / "out").symlink_to(tmp_path)
    (root / "inside.json").symlink_to(root / "a.json")
    os.mkfifo(root / "pipe.json")
    return root


def test_list_files_shows_scenario_files_inside_only(shared: Path):
    assert [f.name for f in list_files(shared)] == ["a.json", "inside.json", "week1/b.toml"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../secret.json", "not a file of the shared directory"),
        ("/etc/passwd", "not a file of the shared directory"),
        ("escape.json", "leads outside"),
        ("out/secret.json", "leads outside"),
        ("week1", "not a regular file"),
        ("pipe.json", "FIFO"),
        ("notes.txt", "expected a .json or .toml"),
        ("missing.json", "no such file"),
        ("", "not a file of the shared directory"),
        ("a.json\x00", "not a file of the shared directory"),
    ],
)
def test_resolve_file_refuses_everything_else(shared: Path, name: str, why: str):
    with pytest.raises(ServedFileError, match=why):
        resolve_file(shared, name)


def test_resolve_file_gives_the_real_path(shared: Path):
    assert resolve_file(shared, "week1/b.toml") == (shared / "week1" / "b.toml").resolve()
    assert resolve_file(shared, "inside.json") == (shared / "a.json").resolve()


def test_the_files_directory_must_exist(tmp_path: Path):
    assert check_files_dir(tmp_path) == tmp_path.resolve()
    with pytest.raises(ServedFileError, match="no such directory"):
        check_files_dir(tmp_path / "nope")
    (tmp_path / "f").write_text("")
    with pytest.raises(ServedFileError, match="expected a directory"):
        check_files_dir(tmp_path / "f")


def test_a_wildcard_address_allows_this_machine_and_named_hosts_only():
    a = resolve("0.0.0.0", 8000).allowing(["Class.Example"])
    assert host_allowed("127.0.0.1:8000", a) and host_allowed("localhost:8000", a) and host_allowed("class.example:8000", a)
    assert host_allowed(f"{socket.gethostname()}:8000", a)
    for bad in ("evil.example:8000", "class.example:9000", "", None, "127.0.0.1:8000@evil"):
        assert not host_allowed(bad, a), bad
    assert not origin_allowed("http://evil.example:8000", "evil.example:8000", a)
    assert origin_allowed("http://class.example:8000", "class.example:8000", a)


def test_a_visitor_sees_no_file_value_and_no_server_path(tmp_path: Path):
    from tui.serve.files import served_message

    message = (
        f"{tmp_path}/class/p.toml: based_on: /etc/secret.toml: name: 'topsecret' is a built-in version; "
        "sequences.mshv_exit[0].fields.vector: expected a whole number or one of VECTOR, AEOI, got 'VECTR'"
    )
    shown = served_message(message, tmp_path)
    assert shown.startswith("class/p.toml: based_on: …: name: '…' is a built-in version")
    assert "topsecret" not in shown and "VECTR" not in shown and "/etc" not in shown and str(tmp_path) not in shown
    assert "expected a whole number or one of VECTOR, AEOI, got …" in shown
