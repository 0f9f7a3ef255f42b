"""Japan's government: perceived coercion, industrial policy, concession, the JOGMEC stockpile."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from model.catalogue.units import DAYS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.stockpile import Stockpile

if TYPE_CHECKING:
    from model.sim.agents.coalition import Coalition
    from model.sim.greyzone import GreyzoneModel
    from model.sim.policy import PolicyState
    from model.sim.signals import Signals


class JapanGovernment(Agent):
    """Japan's government.

    - Perceives coercion = visibility x pain (value added lost, % of GDP, scaled).
    - Once coercion passes the trigger, subsidises diversification and co-finances
      non-China capacity at the levels set in configs/japan (for good).
    - While a measure aimed at Japan is in force, may concede (withdraw the remarks) with a
      weekly hazard that rises with pain and falls with coalition backing and with the political
      cost of conceding, which is higher under an announced measure than a deniable one.
    - Its stance (defiance as China reads it) is a state that moves towards a level raised by
      countermeasures (industrial policy, coalition backing) and lowered by pain.
    - Runs the JOGMEC stockpile (`self.stockpile`).
    """

    def __init__(self, model: GreyzoneModel, spec: ModelSpec) -> None:
        super().__init__(model)
        self.behaviour = spec.seeds.japan_policy
        self.levers = spec.japan
        materials = spec.seeds.materials
        days = (
            materials.stockpile_days
            if self.levers.stockpile_days is None
            else np.full(len(materials.names), self.levers.stockpile_days)
        )
        target = days / DAYS_PER_YEAR * materials.japan_demand_t
        self.stockpile = Stockpile(
            spec.seeds.stockpile, target, spec.seeds.stockpile.initial_fill_share, refills=True
        )
        self.coercion = 0.0
        self.industrial_policy_week: int | None = None
        self.conceded_week: int | None = None
        self.concession_hazard = 0.0
        self.stance = self.behaviour.defiance_base

    @property
    def industrial_policy(self) -> bool:
        return self.industrial_policy_week is not None

    @property
    def conceded(self) -> bool:
        return self.conceded_week is not None

    @property
    def diversification_subsidy(self) -> float:
        return self.levers.diversification_subsidy if self.industrial_policy else 0.0

    @property
    def cofinance_share(self) -> float:
        return self.levers.cofinance_share if self.industrial_policy else 0.0

    def act(
        self,
        week: int,
        visibility: float,
        signals: Signals,
        policy: PolicyState,
        coalition: Coalition,
        rng: np.random.Generator,
    ) -> None:
        """Update perceived coercion, industrial policy, concession and stance (step 3)."""
        b = self.behaviour
        pain = signals.pain_pct_gdp
        felt = min(1.0, pain / b.pain_scale_pct_gdp)
        self.coercion = visibility * felt
        if not self.industrial_policy and self.coercion >= b.industrial_policy_trigger:
            self.industrial_policy_week = week
        self.concession_hazard = 0.0
        draw = rng.random()  # drawn every week: common random numbers across cases
        if policy.targets_japan and not self.conceded and self.levers.concession:
            cost = b.political_cost_formal if policy.announced else b.political_cost_informal
            hazard = (
                b.concession_hazard_scale * pain * (1.0 - cost) / (1.0 + b.backing_weight * coalition.backing)
            )
            self.concession_hazard = float(np.clip(hazard, 0.0, 1.0))
            if draw < self.concession_hazard:
                self.conceded_week = week
        if self.conceded:
            self.stance = 0.0
            return
        countermeasures = (float(self.industrial_policy) + coalition.backing) / 2.0
        target = (
            b.defiance_base + b.stance_countermeasure_weight * countermeasures - b.stance_pain_weight * felt
        )
        target = float(np.clip(target, 0.0, 1.0))
        self.stance += (target - self.stance) / b.stance_adjust_weeks
