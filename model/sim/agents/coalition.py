"""The US/G7 coalition: salience, formation, tariff threat, co-finance, stockpile sharing, WTO."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from model.catalogue.units import DAYS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.stockpile import Stockpile

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel
    from model.sim.policy import PolicyState


class Coalition(Agent):
    """The US/G7 coalition (one agent).

    Salience of China's coercion accumulates as visibility x severity (with decay). When it
    passes the formation threshold the coalition forms and then: threatens tariffs (pressure
    on China ramping up while a measure is in force), co-finances non-China capacity, hands
    Japan a shared stockpile, backs Japan, and files a WTO case against formal measures only.
    """

    def __init__(self, model: GreyzoneModel, spec: ModelSpec) -> None:
        super().__init__(model)
        self.enabled = spec.coalition.enabled
        self.rules = spec.seeds.coalition_policy
        self.demand = spec.seeds.materials.japan_demand_t
        self.salience = 0.0
        self.formed_week: int | None = None
        self.pressure = 0.0
        self.wto_filed_week: int | None = None
        self.stockpile = Stockpile(spec.seeds.stockpile, np.zeros_like(self.demand), 0.0, refills=False)

    @property
    def formed(self) -> bool:
        return self.formed_week is not None

    @property
    def backing(self) -> float:
        return self.rules.backing_strength if self.formed else 0.0

    @property
    def cofinance_share(self) -> float:
        return self.rules.cofinance_share if self.formed else 0.0

    @property
    def wto_ruling_week(self) -> int | None:
        if self.wto_filed_week is None:
            return None
        return self.wto_filed_week + round(self.rules.wto_ruling_weeks)

    def wto_compliance_due(self, week: int) -> bool:
        """China must comply with a WTO ruling against its formal measure."""
        ruling = self.wto_ruling_week
        return ruling is not None and week >= ruling + round(self.rules.wto_compliance_weeks)

    def act(self, week: int, visibility: float, severity: float, policy: PolicyState) -> None:
        """Accumulate salience; form; act once formed (step 2)."""
        if not self.enabled:
            return
        r = self.rules
        self.salience = self.salience * (1.0 - r.salience_decay) + visibility * severity
        if not self.formed and self.salience >= r.formation_threshold:
            self.formed_week = week
            self.stockpile.fill(r.allied_stockpile_days / DAYS_PER_YEAR * self.demand)
        if not self.formed:
            return
        if policy.active:
            ramp = min(1.0, (week - self.formed_week + 1) / r.tariff_ramp_weeks)
            self.pressure = r.tariff_threat_level * ramp
            if policy.formal and self.wto_filed_week is None:
                self.wto_filed_week = week
        else:
            self.pressure = 0.0
