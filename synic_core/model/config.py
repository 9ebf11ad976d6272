"""Session settings: partition type, MSHV version, hypervisor profile, CPU count and the CPUs holding VMBus channels.

The MSHV version is a value (`MshvVersion`), resolved by the caller: the model never looks a name
up, so a config means the same in every process it is pickled to (an explorer worker, a `spawn`
child). Names are resolved at the edges with `synic_core.versions.registry.session_config`.
"""

from __future__ import annotations

from dataclasses import dataclass

from synic_core.model.partitions import PARTITIONS, Partition
from synic_core.model.profiles import PROFILES, Profile
from synic_core.model.version import MshvVersion
from synic_core.model.vocabulary import PartitionName, ProfileName

MAX_CPUS = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    version: MshvVersion  # compared by content, hashed by name (see __hash__)
    partition: PartitionName = "l1vh"
    cpus: int = 4
    hypervisor: ProfileName = "strict"
    auto_eoi: bool = True  # hv_recommend_using_aeoi() on x86 without the deprecation hint
    channel_cpus: tuple[int, ...] = (0,)
    """The CPUs VMBus channels are bound to (an assumption: real machines spread them; see docs/kernel-facts.md)."""

    def __post_init__(self) -> None:
        if self.partition not in PARTITIONS:
            raise ValueError(f"partition: expected one of {', '.join(PARTITIONS)}, got {self.partition!r}")
        if not isinstance(self.version, MshvVersion):
            raise ValueError(f"mshv: expected a resolved MSHV version, got {self.version!r}")
        if self.hypervisor not in PROFILES:
            raise ValueError(f"hypervisor: expected one of {', '.join(PROFILES)}, got {self.hypervisor!r}")
        if not 1 <= self.cpus <= MAX_CPUS:
            raise ValueError(f"cpus: expected 1..{MAX_CPUS}, got {self.cpus}")
        outside = [c for c in self.channel_cpus if not 0 <= c < self.cpus]
        if outside:
            raise ValueError(f"channel_cpus: CPU {outside[0]} is out of range (expected 0..{self.cpus - 1})")
        if len(set(self.channel_cpus)) != len(self.channel_cpus):
            raise ValueError(f"channel_cpus: a CPU is named twice in {list(self.channel_cpus)}")

    def __hash__(self) -> int:
        return hash((self.version.name, self.partition, self.cpus, self.hypervisor, self.auto_eoi, self.channel_cpus))

    @property
    def mshv(self) -> str:
        """The version's name, as a session, a scenario and the dashboard show it."""
        return self.version.name

    @property
    def partition_spec(self) -> Partition:
        return PARTITIONS[self.partition]

    @property
    def profile_spec(self) -> Profile:
        return PROFILES[self.hypervisor]
