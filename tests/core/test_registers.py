"""Register layouts and constants against facts §1–§2."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synic_core.model.registers import REGISTERS, STATE_REGISTERS, registers_in_bank


@pytest.mark.parametrize(
    ("name", "l1", "l0"),
    [
        ("SCONTROL", 0x40000080, 0x40001080),
        ("SVERSION", 0x40000081, 0x40001081),
        ("SIEFP", 0x40000082, 0x40001082),
        ("SIMP", 0x40000083, 0x40001083),
        ("EOM", 0x40000084, 0x40001084),
        ("SINT0", 0x40000090, 0x40001090),
        ("SINT15", 0x4000009F, 0x4000109F),
    ],
)
def test_msr_addresses(name, l1, l0) -> None:
    assert REGISTERS[name].address("l1") == l1
    assert REGISTERS[name].address("l0") == l0


def test_sirbp_has_no_nested_copy() -> None:
    assert REGISTERS["SIRBP"].address("l1") == 0x40000085
    assert "SIRBP" in registers_in_bank("l1")
    assert "SIRBP" not in registers_in_bank("l0")


def test_reset_values() -> None:
    assert REGISTERS["SINT3"].reset == 0x10000
    for name in ("SCONTROL", "SIMP", "SIEFP", "SIRBP"):
        assert REGISTERS[name].reset == 0
    assert "EOM" not in STATE_REGISTERS  # write-only trigger, reads as 0


def test_sint_field_positions_match_the_header() -> None:
    sint = REGISTERS["SINT0"]
    assert sint.field("masked").mask == 0x10000
    assert sint.field("auto_eoi").mask == 0x20000
    assert sint.field("polling").mask == 0x40000
    assert sint.field("as_intercept").mask == 0x80000
    assert sint.field("proxy").mask == 0x100000
    assert sint.field("reserved2").lsb == 21 and sint.field("reserved2").width == 43


def test_example_values_from_the_facts() -> None:
    sint = REGISTERS["SINT0"]
    assert sint.encode({"vector": 0xF3, "auto_eoi": 1}) == 0x200F3
    assert REGISTERS["SINT5"].encode({"vector": 0xF3, "auto_eoi": 1, "as_intercept": 1}) == 0xA00F3
    assert REGISTERS["SINT5"].encode({"vector": 0xF3, "as_intercept": 1}) == 0x800F3
    assert REGISTERS["SIMP"].encode({"enable": 1, "frame": 0x1234}) == 0x1234001


def test_field_too_wide_is_refused() -> None:
    with pytest.raises(ValueError):
        REGISTERS["SINT0"].encode({"vector": 256})


@given(st.sampled_from(STATE_REGISTERS), st.integers(min_value=0, max_value=2**64 - 1))
def test_decode_encode_round_trip(name, value) -> None:
    reg = REGISTERS[name]
    assert reg.encode(reg.decode(value)) == value


@given(st.sampled_from(STATE_REGISTERS), st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_changed_fields_are_exactly_the_differing_ones(name, a, b) -> None:
    reg = REGISTERS[name]
    changed = set(reg.changed_fields(a, b))
    assert changed == {f.name for f in reg.fields if f.get(a) != f.get(b)}
