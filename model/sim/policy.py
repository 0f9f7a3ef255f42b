"""China's policy state and what it means, material by material."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.config.seeds.parameters import Logistics
from model.config.seeds.tables import Materials
from model.config.settings import INSTRUMENTS, ChinaPolicy
from model.config.spec import covered_mask


@dataclass
class PolicyState:
    """The instrument in force this week (instrument 'none' when nothing is)."""

    instrument: str
    intensity: float
    formal: bool
    covered: np.ndarray
    customs_holds: bool
    entity_lists: bool
    third_country_clause: bool
    quota_factor: float = 1.0
    global_intensity: float = 0.0  # the licence regime's tightening for every destination
    licensing: bool = True  # the controlled materials need a licence (the regime has begun)
    intensity_by_material: np.ndarray = field(init=False)
    hold_intensity: np.ndarray = field(init=False)
    banned: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        active = self.instrument != "none"
        targeted = np.where(self.covered & active, self.intensity, 0.0)
        # Japan-bound licensed orders face the stricter of the Japan measure and the global regime
        self.intensity_by_material = np.maximum(targeted, self.global_intensity)
        self.hold_intensity = targeted if self.customs_holds else np.zeros_like(targeted)
        self.banned = self.covered & (self.instrument == "blanket_ban")

    @classmethod
    def calm(cls, n_materials: int, global_intensity: float = 0.0, licensing: bool = True) -> PolicyState:
        none = np.zeros(n_materials, dtype=bool)
        return cls(
            "none",
            0.0,
            False,
            none,
            False,
            False,
            False,
            global_intensity=global_intensity,
            licensing=licensing,
        )

    @classmethod
    def from_scenario(cls, policy: ChinaPolicy, materials: Materials) -> PolicyState:
        return cls(
            instrument=policy.instrument,
            intensity=policy.intensity,
            formal=policy.formal,
            covered=covered_mask(policy.covered, materials),
            customs_holds=policy.customs_holds,
            entity_lists=policy.entity_lists,
            third_country_clause=policy.third_country_clause,
        )

    @property
    def active(self) -> bool:
        """A Japan-targeted instrument is in force."""
        return self.instrument != "none"

    @property
    def targets_japan(self) -> bool:
        """Some measure aimed at Japan is in force: an instrument or an export quota."""
        return self.active or self.quota_factor < 1.0

    @property
    def in_force(self) -> bool:
        """Any measure is in force: aimed at Japan, or the global regime's tightening."""
        return self.targets_japan or self.global_intensity > 0.0

    @property
    def announced(self) -> bool:
        """A measure in force is formal: an announced instrument, an export quota or the global tightening."""
        return (self.active and self.formal) or self.quota_factor < 1.0 or self.global_intensity > 0.0

    @property
    def instrument_code(self) -> int:
        return INSTRUMENTS.index(self.instrument)

    @property
    def lists_enforced(self) -> bool:
        return self.entity_lists and self.instrument == "end_use_ban"

    def inspection_share(self, base_share: float) -> np.ndarray:
        """Share of China-origin shipments customs inspects, per material (holds act on covered ones)."""
        return base_share + (1.0 - base_share) * self.hold_intensity

    def enforcement(self, logistics: Logistics) -> float:
        """China's enforcement against circumvention through third countries, in [0, 1]."""
        if not self.active:
            return logistics.enforcement_base
        level = (
            logistics.enforcement_base
            + logistics.enforcement_intensity * self.intensity
            + logistics.enforcement_formal * self.formal
            + logistics.enforcement_third_country * self.third_country_clause
        )
        return min(level, 1.0)
