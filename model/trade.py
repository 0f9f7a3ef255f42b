"""Step 5 of the week: licences are decided and shipments leave, channel by channel.

China: controlled materials go through the licence authority; uncontrolled ones ship
directly. A ban refuses covered orders at once; an export quota caps the week's China
shipments; customs holds delay China-origin cargo. Non-China contracts are served up to
capacity (pro rata when short); spot orders share the spare capacity with third-country
leakage (under a ban) and the stockpile's refill purchases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.agents.china import ExporterBook
from model.agents.firms import Firms, Observations, Orders
from model.config.spec import ModelSpec
from model.licensing import LicenceAuthority
from model.logistics import CHINA, LEAKAGE, NONCHINA, Pipeline
from model.market import Market
from model.policy import PolicyState

WEEKS_PER_YEAR = 52.0


@dataclass
class TradeWeek:
    """National flows of one week, per material (tonnes unless stated)."""

    orders: np.ndarray
    china_shipped: np.ndarray
    nonchina_shipped: np.ndarray
    leakage_shipped: np.ndarray
    refill_bought: np.ndarray
    blocked: np.ndarray
    applications: np.ndarray  # count filed
    approvals: np.ndarray  # count (licensed decisions)
    denials: np.ndarray  # count (licensed decisions, incl. lapses and ban refusals)
    pending: np.ndarray  # count in review
    review_mean: np.ndarray  # weeks, decisions this week (NaN when none)
    review_sd: np.ndarray
    observations: Observations


class Trade:
    """Routes a week's orders through China, non-China contracts, spot and leakage."""

    def __init__(
        self,
        spec: ModelSpec,
        firms: Firms,
        authority: LicenceAuthority,
        pipeline: Pipeline,
        exporters: ExporterBook,
    ) -> None:
        seeds = spec.seeds
        self.lic = seeds.licensing
        self.log = seeds.logistics
        self.firms = firms
        self.authority = authority
        self.pipeline = pipeline
        self.exporters = exporters
        n_firms, n_mat = firms.n_firms, firms.n_materials
        self.licensed = authority.columns
        self.unlicensed = np.flatnonzero(~np.isin(np.arange(n_mat), authority.columns))
        self.china_normal_weekly = (
            seeds.materials.china_share * seeds.materials.japan_demand_t / WEEKS_PER_YEAR
        )
        self.backlog = np.zeros((n_firms, len(self.unlicensed)))

    def china_pipeline(self) -> np.ndarray:
        """China orders not yet shipped, per firm and material (queued, in review, backlog)."""
        pipe = np.zeros((self.firms.n_firms, self.firms.n_materials))
        pipe[:, self.licensed] = self.authority.queued + self.authority.pending_volume()
        pipe[:, self.unlicensed] = self.backlog
        return pipe

    def clear(
        self,
        week: int,
        orders: Orders,
        policy: PolicyState,
        market: Market,
        capacity_weekly: np.ndarray,
        refill: np.ndarray,
        rng: np.random.Generator,
    ) -> TradeWeek:
        firms, pop = self.firms, self.firms.pop
        n_firms, n_mat = firms.n_firms, firms.n_materials
        lc, uc = self.licensed, self.unlicensed
        self.pipeline.start_week()

        # China, licensed materials -------------------------------------------------------------
        auth = self.authority
        auth.enqueue(orders.china[:, lc])
        refused_lic = auth.refuse_banned(policy.banned[lc])
        filing = (week + pop.application_phase) % int(self.lic.application_interval_weeks) == 0
        auth.submit(week, filing, policy, rng)
        probability = auth.approval_probability(policy, pop.exposure, pop.list_status)
        decisions = auth.decide(week, probability, policy, rng)

        # China, uncontrolled materials ship directly unless banned -----------------------------
        direct = orders.china[:, uc] + self.backlog
        banned_uc = policy.banned[uc]
        refused_uc = np.where(banned_uc[None, :], direct, 0.0)
        direct = direct - refused_uc

        # export quota caps the week's China shipments --------------------------------------------
        if policy.quota_factor < 1.0:
            requested = np.zeros(n_mat)
            requested[lc] = auth.approved_volume()
            requested[uc] = direct.sum(axis=0)
            cap = policy.quota_factor * self.china_normal_weekly
            fraction = np.minimum(1.0, np.divide(cap, requested, out=np.ones(n_mat), where=requested > 0))
        else:
            fraction = np.ones(n_mat)
        china_ship = np.zeros((n_firms, n_mat))
        china_ship[:, lc] = auth.release(fraction[lc])
        china_ship[:, uc] = direct * fraction[uc][None, :]
        self.backlog = direct - china_ship[:, uc]

        holds = self._ship_china(week, china_ship, policy, rng)

        # non-China contracts up to capacity ------------------------------------------------------
        contract_demand = orders.nonchina.sum(axis=0)
        fill = np.minimum(
            1.0,
            np.divide(capacity_weekly, contract_demand, out=np.ones(n_mat), where=contract_demand > 0),
        )
        contract = orders.nonchina * fill[None, :]
        self.pipeline.ship(week, NONCHINA, contract, int(self.log.nonchina_lead_weeks))
        spare = np.maximum(capacity_weekly - contract.sum(axis=0), 0.0)

        # spot: spare non-China capacity and leakage, shared with the stockpile's refill ------------
        leakage = self._leakage_supply(policy, market)
        spot_demand = orders.spot.sum(axis=0) + refill
        supply = spare + leakage
        spot_fill = np.minimum(1.0, np.divide(supply, spot_demand, out=np.ones(n_mat), where=spot_demand > 0))
        from_leak = np.divide(leakage, supply, out=np.zeros(n_mat), where=supply > 0)
        spot = orders.spot * spot_fill[None, :]
        self.pipeline.ship(week, NONCHINA, spot * (1.0 - from_leak)[None, :], int(self.log.spot_lead_weeks))
        self.pipeline.ship(
            week,
            LEAKAGE,
            spot * from_leak[None, :],
            int(self.log.spot_lead_weeks + self.log.leakage_extra_weeks),
        )
        refill_bought = refill * spot_fill

        # China's exporters book sales and divert blocked volume home ----------------------------
        blocked = np.zeros((n_firms, n_mat))
        blocked[:, lc] = refused_lic + decisions.denied_qty
        blocked[:, uc] = refused_uc
        diverted = self.exporters.book(china_ship, blocked, market.contract, market.domestic)

        seen = self._observations(refused_lic, decisions, direct, refused_uc, china_ship, holds)
        applications = np.zeros(n_mat)
        applications[lc] = auth.submitted_count
        approvals = np.zeros(n_mat)
        approvals[lc] = decisions.approved.sum(axis=0)
        denials = np.zeros(n_mat)
        denials[lc] = decisions.decided.sum(axis=0) - approvals[lc] + (refused_lic > 0).sum(axis=0)
        pending = np.zeros(n_mat)
        pending[lc] = auth.pending_count()
        review_mean, review_sd = _review_stats(decisions, lc, n_mat)
        return TradeWeek(
            orders=orders.total.sum(axis=0),
            china_shipped=china_ship.sum(axis=0),
            nonchina_shipped=(contract + spot * (1.0 - from_leak)[None, :]).sum(axis=0),
            leakage_shipped=(spot * from_leak[None, :]).sum(axis=0),
            refill_bought=refill_bought,
            blocked=diverted,
            applications=applications,
            approvals=approvals,
            denials=denials,
            pending=pending,
            review_mean=review_mean,
            review_sd=review_sd,
            observations=seen,
        )

    def _ship_china(
        self, week: int, shipped: np.ndarray, policy: PolicyState, rng: np.random.Generator
    ) -> np.ndarray:
        """Send China shipments with transit plus customs holds; return the holds (weeks)."""
        holds = np.zeros_like(shipped)
        nz = np.flatnonzero(shipped > 0)
        if len(nz) == 0:
            return holds
        lic = self.lic
        inspected = rng.random(len(nz)) < policy.inspection_share(lic.customs_base_inspection)
        customs_intensity = policy.intensity if (policy.active and policy.customs_holds) else 0.0
        median = lic.customs_hold_median_weeks * (1.0 + lic.customs_hold_slope * customs_intensity)
        draw = np.exp(np.log(median) + lic.customs_hold_sigma * rng.standard_normal(len(nz)))
        hold = np.where(inspected, np.minimum(np.ceil(draw), lic.max_customs_hold_weeks), 0.0)
        holds.ravel()[nz] = hold
        delay = (int(self.log.china_transit_weeks) + holds).astype(np.int64)
        self.pipeline.ship_varied(week, CHINA, shipped, delay)
        return holds

    def _leakage_supply(self, policy: PolicyState, market: Market) -> np.ndarray:
        """Tonnes per week that can leak to Japan through third countries (banned materials)."""
        if not policy.leakage:
            return np.zeros_like(self.china_normal_weekly)
        gap = np.maximum(market.spot / market.domestic - 1.0, 0.0)
        share = self.log.leakage_max_share * (1.0 - np.exp(-gap / self.log.leakage_gap_scale))
        return np.where(policy.banned, share * self.china_normal_weekly, 0.0)

    def _observations(
        self,
        refused_lic: np.ndarray,
        decisions,
        direct: np.ndarray,
        refused_uc: np.ndarray,
        china_ship: np.ndarray,
        holds: np.ndarray,
    ) -> Observations:
        n_firms, n_mat = self.firms.n_firms, self.firms.n_materials
        lc, uc = self.licensed, self.unlicensed
        decided = np.zeros((n_firms, n_mat))
        approved = np.zeros((n_firms, n_mat))
        reviewed = np.zeros((n_firms, n_mat))
        review_sum = np.zeros((n_firms, n_mat))
        review_sq = np.zeros((n_firms, n_mat))
        decided[:, lc] = decisions.decided + (refused_lic > 0)
        approved[:, lc] = decisions.approved
        reviewed[:, lc] = decisions.reviewed
        review_sum[:, lc] = decisions.review_sum
        review_sq[:, lc] = decisions.review_sq_sum
        ordered_uc = (direct > 0) | (refused_uc > 0)
        decided[:, uc] = ordered_uc
        approved[:, uc] = direct > 0
        shipped = (china_ship > 0).astype(float)
        return Observations(decided, approved, reviewed, review_sum, review_sq, shipped, holds, holds**2)


def _review_stats(decisions, licensed: np.ndarray, n_mat: int) -> tuple[np.ndarray, np.ndarray]:
    count = decisions.reviewed.sum(axis=0)
    mean = np.full(n_mat, np.nan)
    sd = np.full(n_mat, np.nan)
    ok = count > 0
    total = decisions.review_sum.sum(axis=0)
    sq = decisions.review_sq_sum.sum(axis=0)
    m = np.divide(total, count, out=np.zeros_like(total), where=ok)
    v = np.divide(sq, count, out=np.zeros_like(sq), where=ok) - m**2
    mean[licensed[ok]] = m[ok]
    sd[licensed[ok]] = np.sqrt(np.maximum(v[ok], 0.0))
    return mean, sd
