"""The trace tables agree with the model's tables and the typed vocabulary."""

from __future__ import annotations

from typing import get_args

from synic_core.model.registers import MSR_TABLE
from synic_core.model.vocabulary import ActionHint, Attribution, TraceFormat, TraceLayout
from synic_core.traces.attribute import ATTRIBUTIONS
from synic_core.traces.formats import FORMATS, HINT_FRAMES, HINT_TASKS, LAYOUTS, SLOTS, frame_component
from synic_core.versions.registry import builtin


def test_every_closed_set_matches_its_table() -> None:
    assert set(get_args(Attribution)) == set(ATTRIBUTIONS)
    assert set(get_args(TraceFormat)) == set(FORMATS)
    assert set(get_args(TraceLayout)) == set(LAYOUTS)
    assert set(HINT_FRAMES.values()) | set(HINT_TASKS.values()) == set(get_args(ActionHint))


def test_the_msr_table_has_both_banks_but_no_nested_sirbp() -> None:
    assert MSR_TABLE[0x40000080] == ("l1", "SCONTROL") and MSR_TABLE[0x4000109F] == ("l0", "SINT15")
    assert MSR_TABLE[0x40000085] == ("l1", "SIRBP") and 0x40001085 not in MSR_TABLE
    assert len(MSR_TABLE) == 2 * (6 + 16) - 1
    assert ("l1", "EOM") not in SLOTS and ("l0", "SVERSION") not in SLOTS  # counted, never kept as register changes


def test_every_driver_function_the_sequences_name_attributes_to_its_driver() -> None:
    for seq in builtin("v4").sequences.values():
        for op in seq.ops:
            for fn in op.source.split("→"):
                assert frame_component(fn.strip()) == seq.component, (seq.name, fn)
    assert frame_component("vmbus_isr") == "vmbus" and frame_component("mshv_isr") == "mshv"
    assert frame_component("native_write_msr") is None and frame_component("cpuhp_invoke_callback") is None


def test_a_sint_built_from_zero_matches_only_the_values_it_can_have() -> None:
    from synic_core.traces.attribute import fixed_fields

    sint0 = next(op for op in builtin("v4").sequences["mshv_init"].ops if op.register == "SINT0")
    fixed = dict(fixed_fields(sint0))
    assert fixed["masked"] == 0 and fixed["as_intercept"] == 0 and "vector" not in fixed and "auto_eoi" not in fixed
    mask = next(op for op in builtin("v4").sequences["mshv_exit"].ops if op.register == "SINT0")
    assert dict(fixed_fields(mask)) == {"masked": 1}  # a read-modify-write keeps the rest
