"""The coalition and its members (US, EU, Japan at the WTO): salience, joining, tariff threats,
co-finance, stockpile sharing and WTO cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from model.catalogue.units import DAYS_PER_YEAR
from model.config.seeds.parameters import CoalitionPolicy
from model.config.seeds.tables import CoalitionMember
from model.config.spec import ModelSpec
from model.sim.stockpile import Stockpile

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel
    from model.sim.policy import PolicyState


class Member(Agent):
    """One coalition member, with its own threshold and willingness drawn per replication.

    Each week: salience accumulates as visibility x severity (the larger of its weight on
    Japan's shortfall and its own block's shortfall); it joins once salience passes its
    threshold; it files a WTO case against a formal measure once salience passes its WTO
    threshold; a member able to threaten tariffs keeps a threat standing while its resolve
    (willingness x salience over threshold, at most willingness) covers the threat's cost, which
    grows with the weeks the threat has stood.
    """

    def __init__(
        self, model: GreyzoneModel, seeds: CoalitionMember, rng: np.random.Generator, draws: bool
    ) -> None:
        super().__init__(model)
        self.seeds = seeds
        self.name = seeds.name
        # drawn in a fixed order whatever the scenario (common random numbers across cases)
        self.wto_threshold = seeds.wto_threshold.draw(rng, draws)
        self.threshold = (
            None if seeds.salience_threshold is None else seeds.salience_threshold.draw(rng, draws)
        )
        self.willingness = 0.0 if seeds.willingness is None else seeds.willingness.draw(rng, draws)
        self.salience = 0.0
        self.joined_week: int | None = None
        self.wto_filed_week: int | None = None
        self.threat_started: int | None = None
        self.threat_weeks = 0
        self.first_threat_week: int | None = None
        self.pressure = 0.0

    @property
    def joined(self) -> bool:
        return self.joined_week is not None

    def act(
        self,
        week: int,
        visibility: float,
        japan_severity: float,
        block_severity: np.ndarray,
        policy: PolicyState,
        rules: CoalitionPolicy,
    ) -> None:
        s = self.seeds
        own = float(block_severity[s.block]) if s.block is not None else 0.0
        severity = max(s.ally_weight * japan_severity, own)
        self.salience = self.salience * (1.0 - rules.salience_decay) + visibility * severity
        if self.threshold is not None and not self.joined and self.salience >= self.threshold:
            self.joined_week = week
        if policy.announced and self.wto_filed_week is None and self.salience >= self.wto_threshold:
            self.wto_filed_week = week
        self.pressure = 0.0
        if s.tariff_threat <= 0.0 or not self.joined or not policy.in_force:
            self.threat_started = None
            return
        resolve = self.willingness * min(1.0, self.salience / self.threshold)
        cost = s.threat_cost * (1.0 + self.threat_weeks / rules.threat_cost_growth_weeks)
        if resolve < cost:
            self.threat_started = None
            return
        if self.threat_started is None:
            self.threat_started = week
            if self.first_threat_week is None:
                self.first_threat_week = week
        self.threat_weeks += 1
        self.pressure = s.tariff_threat * min(1.0, (week - self.threat_started + 1) / rules.tariff_ramp_weeks)


class Coalition(Agent):
    """The coalition (one agent over its members).

    It has formed once a member other than Japan has joined; then it co-finances non-China
    capacity, hands Japan a shared stockpile and backs Japan (the joined members' backing).
    Pressure on China is the sum of the members' standing tariff threats. A WTO case against a
    formal measure is ruled `wto_ruling_weeks` after the first filing (any member's, Japan's alone
    included) and must be complied with `wto_compliance_weeks` later.
    """

    def __init__(self, model: GreyzoneModel, spec: ModelSpec, rng: np.random.Generator) -> None:
        super().__init__(model)
        self.enabled = spec.coalition.enabled
        self.rules = spec.seeds.coalition_policy
        self.demand = spec.seeds.materials.japan_demand_t
        self.members = [
            Member(model, seeds, rng, spec.coalition.draws) for seeds in spec.seeds.coalition_members.members
        ]
        self.formed_week: int | None = None
        self.pressure = 0.0
        self.wto_filed_week: int | None = None
        self.stockpile = Stockpile(spec.seeds.stockpile, np.zeros_like(self.demand), 0.0, refills=False)

    @property
    def formed(self) -> bool:
        return self.formed_week is not None

    @property
    def salience(self) -> float:
        """The highest salience among members."""
        return max((m.salience for m in self.members), default=0.0)

    @property
    def backing(self) -> float:
        return min(1.0, sum(m.seeds.backing for m in self.members if m.joined))

    @property
    def cofinance_share(self) -> float:
        return self.rules.cofinance_share if self.formed else 0.0

    @property
    def threatening(self) -> bool:
        return any(m.pressure > 0 for m in self.members)

    @property
    def first_threat_week(self) -> int | None:
        weeks = [m.first_threat_week for m in self.members if m.first_threat_week is not None]
        return min(weeks) if weeks else None

    @property
    def wto_ruling_week(self) -> int | None:
        if self.wto_filed_week is None:
            return None
        return self.wto_filed_week + round(self.rules.wto_ruling_weeks)

    def wto_compliance_due(self, week: int) -> bool:
        """China must comply with a WTO ruling against its formal measure."""
        ruling = self.wto_ruling_week
        return ruling is not None and week >= ruling + round(self.rules.wto_compliance_weeks)

    def act(
        self,
        week: int,
        visibility: float,
        japan_severity: float,
        block_severity: np.ndarray,
        policy: PolicyState,
    ) -> None:
        """Members update salience and act; the coalition forms and acts once one joins (step 2)."""
        if not self.enabled:
            return
        r = self.rules
        for member in self.members:
            member.act(
                week,
                visibility,
                japan_severity,
                block_severity,
                policy,
                r,
            )
        if not self.formed and any(m.joined for m in self.members):
            self.formed_week = week
            self.stockpile.fill(r.allied_stockpile_days / DAYS_PER_YEAR * self.demand)
        filed = [m.wto_filed_week for m in self.members if m.wto_filed_week is not None]
        if self.wto_filed_week is None and filed:
            self.wto_filed_week = min(filed)
        self.pressure = sum(m.pressure for m in self.members)
