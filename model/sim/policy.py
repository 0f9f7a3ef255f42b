"""China's policy state and what it means, material by material."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.config.seeds.tables import Materials
from model.config.settings import INSTRUMENTS, ChinaPolicy


def covered_materials(covered: str | tuple[str, ...], materials: Materials) -> np.ndarray:
    """Boolean mask of the materials an instrument acts on."""
    if covered == "controlled":
        return materials.controlled.copy()
    if covered == "heavy":
        return materials.heavy.copy()
    if covered == "all":
        return np.ones(len(materials.names), dtype=bool)
    return np.isin(np.array(materials.names), np.array(covered))


@dataclass
class PolicyState:
    """The instrument in force this week (instrument 'none' when nothing is)."""

    instrument: str
    intensity: float
    formal: bool
    covered: np.ndarray
    customs_holds: bool
    entity_lists: bool
    leakage: bool
    quota_factor: float = 1.0
    intensity_by_material: np.ndarray = field(init=False)
    banned: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        active = self.instrument != "none"
        self.intensity_by_material = np.where(self.covered & active, self.intensity, 0.0)
        self.banned = self.covered & (self.instrument == "blanket_ban")

    @classmethod
    def calm(cls, n_materials: int) -> PolicyState:
        return cls("none", 0.0, False, np.zeros(n_materials, dtype=bool), False, False, False)

    @classmethod
    def from_scenario(cls, policy: ChinaPolicy, materials: Materials) -> PolicyState:
        return cls(
            instrument=policy.instrument,
            intensity=policy.intensity,
            formal=policy.formal,
            covered=covered_materials(policy.covered, materials),
            customs_holds=policy.customs_holds,
            entity_lists=policy.entity_lists,
            leakage=policy.leakage,
        )

    @property
    def active(self) -> bool:
        return self.instrument != "none"

    @property
    def instrument_code(self) -> int:
        return INSTRUMENTS.index(self.instrument)

    @property
    def lists_enforced(self) -> bool:
        return self.entity_lists and self.instrument == "end_use_ban"

    def inspection_share(self, base_share: float) -> float:
        """Share of China-origin shipments customs inspects."""
        if self.active and self.customs_holds:
            return base_share + (1.0 - base_share) * self.intensity
        return base_share
