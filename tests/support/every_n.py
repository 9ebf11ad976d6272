"""What `--cpus all` must agree with: the explicit searches at fixed CPU counts, and a patch file that
faults only with two CPUs or more (written here, not shipped)."""

from __future__ import annotations

from synic_core.explore.every_n import EveryNResult, config_at
from synic_core.explore.fast import search
from synic_core.explore.reference import Move, step_from
from synic_core.model.config import SessionConfig
from synic_core.model.findings import explored
from synic_core.model.state import MachineState

NEEDS_TWO_CPUS = """
name = "needs-two-cpus"
title = "test only: a fault that needs a second CPU"
based_on = "v4"
source = "tests/support/every_n.py: not a real patch"

# hv_synic_init with SCONTROL on first, then SINT2's vector cleared while its mask bit is kept: harmless on
# a CPU whose SINT2 is masked (reset, after hv_synic_cleanup or hv_crash_handler). Only a CPU that did
# not crash enters the kdump kernel with SINT2 unmasked, so the fault needs a second CPU.
[[sequences.vmbus_init]]
register = "SCONTROL"
kind = "rmw"
fields = { enable = 1 }
source = "hv_synic_init (test: SynIC on first)"

[[sequences.vmbus_init]]
register = "SINT2"
kind = "rmw"
fields = { vector = 0 }
source = "hv_synic_init (test: vector cleared, mask kept)"

[[sequences.vmbus_init]]
register = "SIMP"
kind = "rmw"
fields = { enable = 1 }
frame = "vmbus_enable"
source = "hv_synic_init"

[[sequences.vmbus_init]]
register = "SIEFP"
kind = "rmw"
fields = { enable = 1 }
frame = "vmbus_enable"
source = "hv_synic_init"

[[sequences.vmbus_init]]
register = "SINT2"
kind = "rmw"
fields = { vector = "VECTOR", masked = 0, auto_eoi = "AEOI" }
source = "hv_synic_init"
"""


def explicit_union(config: SessionConfig, counts: range, any_order: bool = False) -> tuple[dict[str, int], dict[str, int]]:
    """Over the explicit searches at `counts` CPUs (each to its fixpoint): kind -> shortest length, kind -> smallest N."""
    shortest: dict[str, int] = {}
    smallest: dict[str, int] = {}
    for n in counts:
        r = search(config_at(config, n), None, any_order=any_order)
        assert r.fixpoint
        for kind, c in r.found.items():
            shortest[kind] = min(shortest.get(kind, len(c.steps)), len(c.steps))
            smallest.setdefault(kind, n)
    return shortest, smallest


def assert_agrees(result: EveryNResult, counts: range, any_order: bool = False) -> None:
    """`--cpus all` reports exactly the explicit union, with the minimum lengths, and real counterexamples."""
    shortest, smallest = explicit_union(result.config, counts, any_order)
    assert result.proved and result.spurious == 0 and not result.undecided
    assert {k: w.length for k, w in result.found.items()} == shortest
    for kind, n in smallest.items():  # the smallest N is never below the true one, and equal to it where marked exact
        assert result.smallest[kind] >= n
        if result.smallest_exact(kind) and result.smallest[kind] < counts.stop:
            assert result.smallest[kind] == n
    for kind, w in result.found.items():
        assert_replays(result.config_for(kind), w.example.steps, kind)


def assert_replays(config: SessionConfig, steps: tuple[Move, ...], kind: str) -> None:
    """The steps run on the real engine on `config.cpus` CPUs, and the last one finds `kind`."""
    state = MachineState.reset(config.partition_spec, config.cpus, config.channel_cpus)
    for move in steps:
        state, step = step_from(config, state, move)
    assert kind in {f.kind for f in filter(explored, step.findings)}
