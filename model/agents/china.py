"""China's government (policy and licence authority) and its exporters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from model.config.settings import ExportQuota
from model.policy import PolicyState

if TYPE_CHECKING:
    from model.model import GreyzoneModel


@dataclass(frozen=True)
class PolicyEvent:
    """A change of China's policy: when, what, and why."""

    week: int
    instrument: str
    intensity: float
    formal: bool
    cause: str


class ChinaGovernment(Agent):
    """Holds the instrument and intensity; here fixed by the scenario's schedule.

    `review` is called first every week (schedule step 1). The scenario's instrument is in
    force from `start_week` until `end_week`; every change is logged with its cause.
    """

    def __init__(
        self,
        model: GreyzoneModel,
        scheduled: PolicyState,
        start_week: int,
        end_week: int | None,
        quota: ExportQuota,
    ) -> None:
        super().__init__(model)
        self.scheduled = scheduled
        self.start_week = start_week
        self.end_week = end_week
        self.quota = quota
        self.policy = PolicyState.calm(len(scheduled.covered))
        self.in_force = False
        self.events: list[PolicyEvent] = []

    def review(self, week: int) -> None:
        """Put the scheduled instrument in or out of force, and the export quota."""
        in_force = week >= self.start_week and (self.end_week is None or week < self.end_week)
        quota = self._quota_factor(week)
        if in_force == self.in_force and quota == self.policy.quota_factor:
            return
        if in_force != self.in_force:
            cause = "scheduled start" if in_force else "scheduled end"
        else:
            cause = "export quota change"
        source = self.scheduled if in_force else PolicyState.calm(len(self.scheduled.covered))
        self.policy = PolicyState(
            source.instrument,
            source.intensity,
            source.formal,
            source.covered.copy(),
            source.customs_holds,
            source.entity_lists,
            source.leakage,
            quota,
        )
        self.in_force = in_force
        self.events.append(
            PolicyEvent(week, self.policy.instrument, self.policy.intensity, self.policy.formal, cause)
        )

    def _quota_factor(self, week: int) -> float:
        q = self.quota
        if q.factor >= 1.0 or q.start_week is None:
            return 1.0
        if week >= q.start_week and (q.end_week is None or week < q.end_week):
            return q.factor
        return 1.0


class ChineseExporter(Agent):
    """A Chinese exporter: sells to its Japanese customers under the licence rules."""

    def __init__(self, model: GreyzoneModel, index: int, name: str) -> None:
        super().__init__(model)
        self.index = int(index)
        self.name = name

    @property
    def revenue_usd(self) -> float:
        """Cumulative export revenue from Japan."""
        return float(self.model.exporters.revenue_usd[self.index])

    @property
    def diverted_t(self) -> float:
        """Cumulative tonnes blocked from Japan and sold at home instead."""
        return float(self.model.exporters.diverted_t[self.index])


class ExporterBook:
    """Sales, diversion and revenue of China's exporters (vectorised over exporters)."""

    def __init__(self, n_exporters: int, customer_exporter: np.ndarray) -> None:
        self.customer_exporter = customer_exporter
        self.n = n_exporters
        self.revenue_usd = np.zeros(n_exporters)
        self.diverted_t = np.zeros(n_exporters)
        self.week_revenue_usd = 0.0
        self.week_diverted_revenue_usd = 0.0

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
        value = (shipped * export_price[None, :]).sum(axis=1) * 1000.0
        revenue = np.bincount(self.customer_exporter, weights=value, minlength=self.n)
        diverted = np.bincount(self.customer_exporter, weights=blocked.sum(axis=1), minlength=self.n)
        self.revenue_usd += revenue
        self.diverted_t += diverted
        diverted_by_material = blocked.sum(axis=0)
        self.week_revenue_usd = float(revenue.sum())
        self.week_diverted_revenue_usd = float(diverted_by_material @ domestic_price * 1000.0)
        return diverted_by_material
