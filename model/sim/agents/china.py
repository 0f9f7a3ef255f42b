"""China's government (policy and licence authority) and its exporters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from numba import njit

from model.catalogue.units import KG_PER_TONNE
from model.config.spec import ModelSpec
from model.sim.kernels import inner_sum
from model.sim.policy import PolicyState

if TYPE_CHECKING:
    from model.sim.agents.coalition import Coalition
    from model.sim.agents.japan import JapanGovernment
    from model.sim.greyzone import GreyzoneModel
    from model.sim.signals import Signals


@dataclass(frozen=True)
class PolicyEvent:
    """A change of China's policy: when, what, and why."""

    week: int
    instrument: str
    intensity: float
    formal: bool
    cause: str
    kind: str  # start | tune | lift | quota | regime (a quota or regime change is not a lift)


class ChinaGovernment(Agent):
    """China's government: holds the instrument, reviews it, and runs the licence authority.

    `review` comes first every week (schedule step 1). The scenario's instrument comes into
    force at `start_week`. With an adaptive scenario:

    - a grey-zone (informal) instrument is fine-tuned every `review_weeks`, without
      announcement, both ways: up with Japan's stance above `neutral_stance` (defiance), down
      with it below (conciliation), with coalition pressure over China's tolerance, with its
      own export-revenue loss from every destination and with its loss of share of the supply
      outside China; at zero it is dropped; once Japan concedes it is lifted after
      `informal_lift_lag_weeks`;
    - a formal measure keeps its intensity and ends only by formal reversal: after Japan
      concedes (`formal_reversal_lag_weeks`), after a WTO ruling has to be complied with,
      or when coalition pressure reaches China's tolerance (drawn per replication).

    A non-adaptive scenario follows `start_week` / `end_week` only. Every change is logged
    with its week and cause.
    """

    def __init__(
        self, model: GreyzoneModel, spec: ModelSpec, scheduled: PolicyState, rng: np.random.Generator
    ) -> None:
        super().__init__(model)
        china = spec.scenario.china
        self.rules = spec.seeds.china_policy
        self.scheduled = scheduled
        self.adaptive = china.adaptive
        self.start_week = china.start_week
        self.end_week = china.end_week
        self.quota = spec.scenario.export_quota
        self.regime = spec.scenario.global_regime
        self.policy = PolicyState.calm(
            len(scheduled.covered), licensing=self.regime.licensing(-spec.run.spinup_weeks)
        )
        self.in_force = False
        self.lifted_week: int | None = None
        self.events: list[PolicyEvent] = []
        self.tolerance = self.rules.tariff_tolerance.draw(rng, spec.coalition.draws)

    def review(self, week: int, japan: JapanGovernment, coalition: Coalition, signals: Signals) -> None:
        """This week's policy (step 1)."""
        quota = self._quota_factor(week)
        if quota != self.policy.quota_factor:
            self._set(week, replace(self.policy, quota_factor=quota), "export quota change", "quota")
        if self.regime.licensing(week) != self.policy.licensing:
            self._set(week, replace(self.policy, licensing=True), "licence regime begins", "regime")
        tightening = self._global_intensity(week)
        if tightening != self.policy.global_intensity:
            self._set(
                week, replace(self.policy, global_intensity=tightening), "global regime change", "regime"
            )
        starts = week >= self.start_week and self.lifted_week is None and self.scheduled.active
        if not self.in_force and starts and (self.end_week is None or week < self.end_week):
            self.in_force = True
            self._set(
                week,
                replace(
                    self.scheduled,
                    covered=self.scheduled.covered.copy(),
                    quota_factor=quota,
                    global_intensity=tightening,
                    licensing=self.policy.licensing,
                ),
                "scheduled start",
                "start",
            )
            return
        if not self.in_force:
            return
        cause = self._reversal(week, japan, coalition)
        if cause is None and self.adaptive and not self.policy.formal:
            cause = self._fine_tune(week, japan, coalition, signals)
        if cause is not None and cause.startswith("lift:"):
            self.in_force = False
            self.lifted_week = week
            calm = PolicyState.calm(len(self.scheduled.covered), tightening, self.policy.licensing)
            self._set(week, replace(calm, quota_factor=quota), cause.removeprefix("lift:"), "lift")

    def _reversal(self, week: int, japan: JapanGovernment, coalition: Coalition) -> str | None:
        if self.end_week is not None and week >= self.end_week:
            return "lift:scheduled end"
        if not self.adaptive:
            return None
        r = self.rules
        if japan.conceded:
            lag = r.formal_reversal_lag_weeks if self.policy.formal else r.informal_lift_lag_weeks
            if week >= japan.conceded_week + lag:
                return "lift:Japan conceded"
        if self.policy.formal:
            if coalition.wto_compliance_due(week):
                return "lift:WTO ruling"
            if coalition.pressure >= self.tolerance:
                return "lift:coalition pressure"
        return None

    def _fine_tune(
        self, week: int, japan: JapanGovernment, coalition: Coalition, signals: Signals
    ) -> str | None:
        r = self.rules
        if (week - self.start_week) % round(r.review_weeks) != 0 or week == self.start_week:
            return None
        gap = japan.stance - r.neutral_stance
        terms = {
            "Japan's defiance": r.escalation_rate * max(gap, 0.0),
            "Japan's conciliation": -r.conciliation_deescalation * max(-gap, 0.0),
            "coalition pressure": -r.coalition_deescalation * coalition.pressure / self.tolerance,
            "revenue loss": -r.revenue_deescalation * max(0.0, signals.global_revenue_loss_share),
            "share loss": -r.share_deescalation
            * max(0.0, signals.world_share_loss_points)
            / r.share_loss_scale_points,
        }
        intensity = float(np.clip(self.policy.intensity + sum(terms.values()), 0.0, 1.0))
        if intensity == self.policy.intensity:
            return None
        cause = max(terms, key=lambda k: abs(terms[k]))
        if intensity <= 0.0:
            return f"lift:{cause}"
        self._set(
            week, replace(self.policy, intensity=intensity, covered=self.policy.covered.copy()), cause, "tune"
        )
        return None

    def _set(self, week: int, policy: PolicyState, cause: str, kind: str) -> None:
        self.policy = policy
        self.events.append(PolicyEvent(week, policy.instrument, policy.intensity, policy.formal, cause, kind))

    def _global_intensity(self, week: int) -> float:
        g = self.regime
        return g.intensity if _in_window(week, g.start_week, g.end_week) else 0.0

    def _quota_factor(self, week: int) -> float:
        q = self.quota
        return q.factor if _in_window(week, q.start_week, q.end_week) else 1.0


def _in_window(week: int, start: int | None, end: int | None) -> bool:
    """Whether a dated setting applies this week (start None: never; end None: to the horizon)."""
    return start is not None and week >= start and (end is None or week < end)


class ChineseExporter(Agent):
    """A Chinese exporter: sells to Japan under the licence rules in force for Japan; its
    sales to the rest of the world are booked for China's exporters as a whole (ExporterBook)."""

    def __init__(self, model: GreyzoneModel, index: int, name: str) -> None:
        super().__init__(model)
        self.index = int(index)
        self.name = name

    @property
    def revenue_usd(self) -> float:
        """Cumulative revenue from direct (oxide and metal) sales to Japan."""
        return float(self.model.exporters.revenue_usd[self.index])

    @property
    def diverted_t(self) -> float:
        """Cumulative tonnes blocked from Japan and sold at home instead."""
        return float(self.model.exporters.diverted_t[self.index])


class ExporterBook:
    """Sales, diversion and revenue of China's exporters by destination (vectorised over exporters).

    Japan-bound sales are booked per exporter (each Japanese firm buys from one); sales to the
    rest of the world, and material re-exported to Japan through third countries, are booked
    for all exporters together. Every sale is valued at China's export contract price.
    """

    def __init__(self, n_exporters: int, customer_exporter: np.ndarray) -> None:
        self.customer_exporter = customer_exporter
        self.n = n_exporters
        self.revenue_usd = np.zeros(n_exporters)
        self.diverted_t = np.zeros(n_exporters)
        self.week_revenue_usd = 0.0  # from Japan
        self.week_row_revenue_usd = 0.0  # from the rest of the world (incl. re-exports to Japan)
        self.week_diverted_revenue_usd = 0.0

    def book_embedded(self, shipped_t: np.ndarray, export_price: np.ndarray) -> None:
        """Add the rare earths Japan imports inside Chinese magnets and components (t per material)."""
        self.week_revenue_usd += float(shipped_t @ export_price) * KG_PER_TONNE

    def book_world(self, shipped_t: np.ndarray, export_price: np.ndarray) -> None:
        """Book a week's sales to the rest of the world (t per material)."""
        self.week_row_revenue_usd = float(shipped_t @ export_price) * KG_PER_TONNE

    def book(
        self,
        shipped: np.ndarray,
        blocked: np.ndarray,
        export_price: np.ndarray,
        domestic_price: np.ndarray,
    ) -> np.ndarray:
        """Book a week's shipments and blocked volume (firms x materials, tonnes).

        Returns the blocked tonnes per material, diverted to China's domestic market.
        """
        revenue, diverted, diverted_by_material = _book(
            shipped, blocked, export_price, self.customer_exporter, self.n
        )
        self.revenue_usd += revenue
        self.diverted_t += diverted
        self.week_revenue_usd = float(revenue.sum())
        self.week_diverted_revenue_usd = float(diverted_by_material @ domestic_price * KG_PER_TONNE)
        return diverted_by_material


@njit(cache=True)
def _book(shipped, blocked, price, exporter, n_exporters):  # pragma: no cover - compiled
    """Revenue (USD) and blocked tonnes per exporter, blocked tonnes per material."""
    n_firms, n_mat = shipped.shape
    revenue = np.zeros(n_exporters)
    diverted = np.zeros(n_exporters)
    by_material = np.zeros(n_mat)
    row = np.empty(n_mat)
    for f in range(n_firms):
        for m in range(n_mat):
            row[m] = shipped[f, m] * price[m]
            by_material[m] += blocked[f, m]
        revenue[exporter[f]] += inner_sum(row) * KG_PER_TONNE
        diverted[exporter[f]] += inner_sum(blocked[f])
    return revenue, diverted, by_material
