"""Embedded content: Japan's imports of Chinese magnets and components, by the rare earths they carry.

A share of Japan's China supply of each material (`embedded_share` in seeds/materials)
arrives inside Chinese NdFeB magnets and components rather than as oxide or metal. A magnet
is one product: it needs a licence when any element it carries is licensed (the 4 Apr 2025
controls covered magnets containing the controlled elements), a ban on any covered element
stops it, and customs holds on any of them delay it. So "NdPr is uncontrolled" does not
make Japan's magnet supply safe. The importers are aggregate: approvals are the expected
share (no draw per shipment), reviews the median review time at the current intensity.
Approved volume waits out its review here, then ships to the firms that buy from China,
pro rata to their China volume, through the arrivals pipeline (origin "embedded").
"""

from __future__ import annotations

import numpy as np

from model.catalogue.units import WEEKS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.agents.firms import Firms
from model.sim.kernels import col_sums
from model.sim.licensing import civil_approval, median_hold_weeks, median_review_weeks
from model.sim.logistics import EMBEDDED, Pipeline
from model.sim.policy import PolicyState


class EmbeddedImports:
    """Japan's importers of Chinese magnets and components (national, per material carried)."""

    def __init__(self, spec: ModelSpec, licensed: np.ndarray, start_week: int, licensing: bool) -> None:
        seeds = spec.seeds
        mats = seeds.materials
        self.lic, self.log = seeds.licensing, seeds.logistics
        self.normal = mats.embedded_share * mats.china_share * mats.japan_demand_t / WEEKS_PER_YEAR
        self.carried = self.normal > 0
        self.licensed = bool((licensed & self.carried).any())  # once the regime has begun
        self._licensing_at_start = licensing
        self.slots = int(self.lic.max_review_weeks) + 2
        self.queue = np.zeros((self.slots, len(self.normal)))  # approved, leaving China in week w
        self.shipped = np.zeros_like(self.normal)
        self.blocked = np.zeros_like(self.normal)  # magnet content refused this week, t per material
        review = self._review_weeks(0.0, licensing)
        for ahead in range(review):  # steady state: one week's volume per week of review
            self.queue[(start_week + ahead) % self.slots] += self.normal * self._approval(0.0, licensing)

    @property
    def transit_weeks(self) -> int:
        return int(self.log.china_transit_weeks)

    def order(self, week: int, policy: PolicyState, need_ratio: np.ndarray) -> None:
        """This week's imports are filed: banned, or approved (in part) and queued for their review."""
        offered = np.where(self.carried, self.normal * need_ratio, 0.0)
        if (policy.banned & self.carried).any():  # a ban also refuses what is still in review
            self.blocked = offered + col_sums(self.queue)
            self.queue[:] = 0.0
            return
        licensing = policy.licensing
        intensity = float(policy.intensity_by_material[self.carried].max()) if self.licensed else 0.0
        approved = offered * self._approval(intensity, licensing)
        self.blocked = offered - approved
        self.queue[(week + self._review_weeks(intensity, licensing)) % self.slots] += approved

    def ship(self, week: int, policy: PolicyState, firms: Firms, pipeline: Pipeline) -> np.ndarray:
        """Volume whose review ends this week leaves for Japan's China buyers; returns t per material."""
        slot = week % self.slots
        leaving = self.queue[slot].copy()
        self.queue[slot] = 0.0
        self.shipped = leaving
        if not leaving.any():
            return leaving
        weights = firms.sourcing.china * firms.need
        totals = col_sums(weights)
        share = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        pipeline.ship(week, EMBEDDED, share * leaving, self.transit_weeks + self._hold_weeks(policy))
        return leaving

    def prefill(self, pipeline: Pipeline, firms: Firms, start: int) -> None:
        """Goods in transit at the start: one week's normal volume per week of transit."""
        weights = firms.sourcing.china * firms.need
        totals = col_sums(weights)
        share = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        weekly = share * (self.normal * self._approval(0.0, self._licensing_at_start))
        for ahead in range(self.transit_weeks):
            slot = (start + ahead) % pipeline.horizon
            pipeline.arrivals[slot] += weekly
            pipeline.by_origin[slot, EMBEDDED] += col_sums(weekly)
            pipeline.in_transit += weekly

    def _approval(self, intensity: float, licensing: bool) -> float:
        """Share approved: none denied before the licence regime begins or with nothing licensed."""
        return float(civil_approval(self.lic, intensity)) if self.licensed and licensing else 1.0

    def _review_weeks(self, intensity: float, licensing: bool) -> int:
        if not (self.licensed and licensing):
            return 0
        return round(min(median_review_weeks(self.lic, intensity), self.lic.max_review_weeks))

    def _hold_weeks(self, policy: PolicyState) -> int:
        """Expected customs hold of a magnet shipment: the strictest hold on any element it carries."""
        lic = self.lic
        strictest = int(np.argmax(np.where(self.carried, policy.hold_intensity, -1.0)))
        inspected = policy.inspection_share(lic.customs_base_inspection)[strictest]
        median = median_hold_weeks(lic, policy.hold_intensity[strictest])
        return round(inspected * min(median, lic.max_customs_hold_weeks))
