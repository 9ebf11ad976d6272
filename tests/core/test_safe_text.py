"""Hostile text is shown, never obeyed: escapes, controls and bidi overrides become visible."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from synic_core.reports.safe_text import visible


def test_an_escape_sequence_is_written_out() -> None:
    assert visible("\x1b]0;pwned\x07\x1b[2JTITLE") == "\\x1b]0;pwned\\x07\\x1b[2JTITLE"


def test_c1_controls_and_bidi_overrides_are_written_out() -> None:
    assert visible("a\x9bb\u202ec\u2066d") == "a\\x9bb\\u202ec\\u2066d"


def test_newline_and_tab_are_kept_only_for_layout() -> None:
    assert visible("a\nb\tc") == "a\\x0ab\\x09c"
    assert visible("a\nb\tc", keep_layout=True) == "a\nb\tc"


def test_plain_text_and_other_unicode_are_unchanged() -> None:
    assert visible("SINT0 — Ünïcode ✓") == "SINT0 — Ünïcode ✓"


@given(st.text())
def test_nothing_unsafe_survives(text: str) -> None:
    out = visible(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" for c in out)
