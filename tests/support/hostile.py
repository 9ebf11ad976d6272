"""Hypothesis strategies for hostile files: any JSON tree, and trees shaped like a scenario."""

from __future__ import annotations

from hypothesis import strategies as st

from synic_core.model.actions import ACTION_NAMES

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.text(max_size=12))
json_trees = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)

small_or_bad_int = st.one_of(st.integers(1, 6), st.sampled_from([0, -1, 4097, 10**12]), json_scalars)
steps = st.lists(
    st.fixed_dictionaries(
        {"action": st.one_of(st.sampled_from(ACTION_NAMES), json_scalars)},
        optional={"cpus": st.one_of(st.lists(small_or_bad_int, max_size=4), json_scalars), "note": json_scalars},
    ),
    max_size=5,
)
scenario_shaped = st.fixed_dictionaries(
    {},
    optional={
        "partition": st.one_of(st.sampled_from(["root", "nested_root", "l1vh", "guest"]), json_scalars),
        "cpus": small_or_bad_int,
        "mshv": st.one_of(st.sampled_from(["mainline", "patch5-only", "v1", "v3", "v4"]), json_scalars),
        "hypervisor": st.one_of(st.sampled_from(["strict", "lenient"]), json_scalars),
        "steps": st.one_of(steps, json_scalars),
        "intro": json_scalars,
    },
)
