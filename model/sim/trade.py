"""Step 5 of the week: licences are decided and shipments leave, channel by channel.

China: controlled materials go through the licence authority; uncontrolled ones ship
directly. A ban refuses covered orders at once; an export quota, and China's export
capacity, cap the week's China shipments; customs holds delay the covered materials'
China-origin cargo. Non-China capacity is the world's (model/sim/pool.py): Japan's
offtakes share it with the rest of the world's (Japan's priority rights first), spot
orders share what is left with every spot buyer, and circumvention through third
countries fills what Japan's spot buyers still lack as far as the price gap pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from model.catalogue.units import WEEKS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.agents.china import ExporterBook
from model.sim.agents.firms import Firms, Observations, Orders
from model.sim.agents.regions import RegionOrders
from model.sim.agents.suppliers import SupplyBase
from model.sim.kernels import cell_sum, col_sums, ratio
from model.sim.licensing import Decisions, LicenceAuthority, median_hold_weeks
from model.sim.logistics import CHINA, LEAKAGE, NONCHINA, CustomsHolds, Pipeline
from model.sim.market import Market
from model.sim.policy import PolicyState
from model.sim.pool import PoolDemand, PoolFill, allocate, circumvention_supply
from model.sim.streams import Streams


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
    reviewed: np.ndarray  # count of decisions with an observed review time (licensed materials)
    review_sd: np.ndarray
    observations: Observations
    pool: PoolFill
    circumvention_reachable: np.ndarray


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
        self.headroom = seeds.market.china_export_headroom
        self.firms = firms
        self.authority = authority
        self.pipeline = pipeline
        self.exporters = exporters
        n_firms, n_mat = firms.n_firms, firms.n_materials
        self.licensed = authority.columns
        self.unlicensed = np.flatnonzero(~np.isin(np.arange(n_mat), authority.columns))
        mats = seeds.materials
        self.china_normal_weekly = mats.china_share * mats.japan_demand_t / WEEKS_PER_YEAR
        # direct (oxide and metal) shipments, without what arrives inside magnets and components
        self.direct_normal_weekly = self.china_normal_weekly * (1.0 - mats.embedded_share)
        self.backlog = np.zeros((n_firms, len(self.unlicensed)))
        # China's export capacity to Japan: an allowance refilled by headroom x normal each week,
        # held up to `china_export_buffer_weeks` of it (lumpy licence batches pass; a surge cannot)
        self._allowance_rate = self.headroom * self.direct_normal_weekly
        self._allowance_max = self._allowance_rate * seeds.market.china_export_buffer_weeks
        self.export_allowance = self._allowance_max.copy()
        self._pipe = np.zeros((n_firms, n_mat))
        self._contract = np.zeros((n_firms, n_mat))
        self._spot_nonchina = np.zeros((n_firms, n_mat))
        self._spot_leak = np.zeros((n_firms, n_mat))
        self._holds = np.zeros((n_firms, n_mat))
        self._draws = np.zeros((2, n_firms * n_mat))  # customs: inspection and hold-length draws
        cells = {name: np.zeros((n_firms, n_mat)) for name in Observations._fields}
        self._seen = Observations(**{**cells, "hold_sum": self._holds})  # the holds themselves

    def china_pipeline(self) -> np.ndarray:
        """China orders not yet shipped, per firm and material (queued, in review, backlog)."""
        pipe = self._pipe
        _china_pipeline(
            self.authority.applications.qty,
            self.authority.queued,
            self.backlog,
            self.licensed,
            self.unlicensed,
            pipe,
        )
        return pipe

    def clear(
        self,
        week: int,
        orders: Orders,
        row_orders: RegionOrders,
        policy: PolicyState,
        market: Market,
        supply: SupplyBase,
        refill: np.ndarray,
        streams: Streams,
    ) -> TradeWeek:
        firms, pop = self.firms, self.firms.pop
        n_firms, n_mat = firms.n_firms, firms.n_materials
        lc, uc = self.licensed, self.unlicensed
        self.pipeline.start_week()

        # China: licensed orders queue for a licence, uncontrolled ones ship unless banned ----------
        auth = self.authority
        refused_lic = np.zeros((n_firms, len(lc)))
        direct = np.zeros((n_firms, len(uc)))
        refused_uc = np.zeros((n_firms, len(uc)))
        _china_orders(
            orders.china, lc, uc, auth.queued, policy.banned, self.backlog, refused_lic, direct, refused_uc
        )
        filing = (week + pop.application_phase) % int(self.lic.application_interval_weeks) == 0
        if not policy.licensing:  # before the regime: no filing dates, orders leave the week they are placed
            filing[:] = True
        auth.submit(week, filing, policy, streams.licensing)
        probability = auth.approval_probability(policy, pop.exposure, pop.list_status)
        decisions = auth.decide(week, probability, policy, streams.licensing)

        # an export quota, and China's export capacity, cap the week's China shipments ------------
        requested = np.zeros(n_mat)
        requested[lc] = auth.approved_volume()
        requested[uc] = col_sums(direct)
        self.export_allowance = np.minimum(self.export_allowance + self._allowance_rate, self._allowance_max)
        cap = self.export_allowance
        if policy.quota_factor < 1.0:
            cap = np.minimum(cap, policy.quota_factor * self.direct_normal_weekly)
        fraction = np.minimum(1.0, ratio(cap, requested, 1.0))
        china_ship = np.zeros((n_firms, n_mat))
        _china_shipments(auth.release(fraction[lc]), direct, fraction, lc, uc, china_ship, self.backlog)
        self.export_allowance = np.maximum(self.export_allowance - col_sums(china_ship), 0.0)
        holds = self._ship_china(week, china_ship, policy, streams.customs)

        # the world's ex-China pool: offtakes, then spot, then circumvention ----------------------
        demand = PoolDemand(
            japan_offtake=col_sums(orders.nonchina),
            japan_priority=supply.japan_priority_weekly,
            row_offtake=col_sums(row_orders.offtake),
            japan_spot=col_sums(orders.spot),
            refill=refill,
            row_spot=col_sums(row_orders.spot),
        )
        reachable = circumvention_supply(self.log, policy, market.circumvention_gap, self.china_normal_weekly)
        fill = allocate(supply.weekly_capacity, demand, reachable)
        contract = self._contract
        _scale_columns(orders.nonchina, fill.japan_offtake, contract)
        self.pipeline.ship(week, NONCHINA, contract, int(self.log.nonchina_lead_weeks))
        spot_nonchina, spot_leak = self._spot_nonchina, self._spot_leak
        _split_spot(orders.spot, fill.japan_spot, fill.from_circumvention, spot_nonchina, spot_leak)
        self.pipeline.ship(week, NONCHINA, spot_nonchina, int(self.log.spot_lead_weeks))
        leakage_shipped = self.pipeline.ship(
            week, LEAKAGE, spot_leak, int(self.log.spot_lead_weeks + self.log.leakage_extra_weeks)
        )
        refill_bought = refill * fill.spot

        # China's exporters book sales and divert blocked volume home ----------------------------
        blocked = np.zeros((n_firms, n_mat))
        _blocked(refused_lic, decisions.denied_qty, refused_uc, lc, uc, blocked)
        diverted = self.exporters.book(china_ship, blocked, market.export_contract, market.domestic)

        seen = self._observations(refused_lic, decisions, direct, refused_uc, china_ship, holds)
        totals = _decision_totals(decisions, refused_lic)
        applications = np.zeros(n_mat)
        applications[lc] = auth.submitted_count
        approvals = np.zeros(n_mat)
        approvals[lc] = totals[1]
        denials = np.zeros(n_mat)
        denials[lc] = totals[0] - approvals[lc] + totals[5]
        pending = np.zeros(n_mat)
        pending[lc] = auth.pending_count()
        review_mean, review_sd = _review_stats(totals[2], totals[3], totals[4], lc, n_mat)
        reviewed = np.zeros(n_mat)
        reviewed[lc] = totals[2]
        return TradeWeek(
            orders=col_sums(orders.total),
            china_shipped=col_sums(china_ship),
            nonchina_shipped=_sum_of_two(contract, spot_nonchina),
            leakage_shipped=leakage_shipped,
            refill_bought=refill_bought,
            blocked=diverted,
            applications=applications,
            approvals=approvals,
            denials=denials,
            pending=pending,
            review_mean=review_mean,
            reviewed=reviewed,
            review_sd=review_sd,
            observations=seen,
            pool=fill,
            circumvention_reachable=reachable,
        )

    def _ship_china(
        self, week: int, shipped: np.ndarray, policy: PolicyState, rng: np.random.Generator
    ) -> np.ndarray:
        """Send China shipments with transit plus customs holds; return the holds (weeks)."""
        lic = self.lic
        median = median_hold_weeks(lic, policy.hold_intensity)
        customs = CustomsHolds(
            inspected_share=policy.inspection_share(lic.customs_base_inspection),
            log_median_weeks=np.log(median),
            sigma=lic.customs_hold_sigma,
            max_weeks=lic.max_customs_hold_weeks,
            transit_weeks=int(self.log.china_transit_weeks),
        )
        holds, draws = self._holds, self._draws
        total = self.pipeline.ship_held(week, CHINA, shipped, customs, rng, holds, draws)
        self.pipeline.shipped[CHINA] += total
        return holds

    def _observations(
        self,
        refused_lic: np.ndarray,
        decisions: Decisions,
        direct: np.ndarray,
        refused_uc: np.ndarray,
        china_ship: np.ndarray,
        holds: np.ndarray,
    ) -> Observations:
        seen = self._seen
        lanes = (self.licensed, self.unlicensed)
        _fill_observations(refused_lic, decisions, direct, refused_uc, china_ship, holds, *lanes, seen)
        return seen


def _review_stats(
    count: np.ndarray, total: np.ndarray, sq: np.ndarray, licensed: np.ndarray, n_mat: int
) -> tuple[np.ndarray, np.ndarray]:
    mean = np.full(n_mat, np.nan)
    sd = np.full(n_mat, np.nan)
    ok = count > 0
    m = np.divide(total, count, out=np.zeros_like(total), where=ok)
    v = np.divide(sq, count, out=np.zeros_like(sq), where=ok) - m**2
    mean[licensed[ok]] = m[ok]
    sd[licensed[ok]] = np.sqrt(np.maximum(v[ok], 0.0))
    return mean, sd


# compiled kernels (numba): same numbers as the numpy they replace ----------------------------------
@njit(cache=True)
def _china_pipeline(qty, queued, backlog, licensed, unlicensed, out):  # pragma: no cover - compiled
    n_firms = out.shape[0]
    for f in range(n_firms):
        for j in range(len(licensed)):
            out[f, licensed[j]] = queued[f, j] + cell_sum(qty, f, j)
        for k in range(len(unlicensed)):
            out[f, unlicensed[k]] = backlog[f, k]


@njit(cache=True)
def _china_orders(
    china, licensed, unlicensed, queued, banned, backlog, refused_lic, direct, refused_uc
):  # pragma: no cover - compiled
    n_firms = china.shape[0]
    for f in range(n_firms):
        for j in range(len(licensed)):
            queued[f, j] += china[f, licensed[j]]
            if banned[licensed[j]]:
                refused_lic[f, j] = queued[f, j]
                queued[f, j] = 0.0
        for k in range(len(unlicensed)):
            value = china[f, unlicensed[k]] + backlog[f, k]
            refused = value if banned[unlicensed[k]] else 0.0
            refused_uc[f, k] = refused
            direct[f, k] = value - refused


@njit(cache=True)
def _china_shipments(
    shipped_licensed, direct, fraction, licensed, unlicensed, china_ship, backlog
):  # pragma: no cover - compiled
    n_firms = china_ship.shape[0]
    for f in range(n_firms):
        for j in range(len(licensed)):
            china_ship[f, licensed[j]] = shipped_licensed[f, j]
        for k in range(len(unlicensed)):
            ship = direct[f, k] * fraction[unlicensed[k]]
            china_ship[f, unlicensed[k]] = ship
            backlog[f, k] = direct[f, k] - ship


@njit(cache=True)
def _scale_columns(values, factor, out):  # pragma: no cover - compiled
    n_rows, n_cols = values.shape
    for i in range(n_rows):
        for j in range(n_cols):
            out[i, j] = values[i, j] * factor[j]


@njit(cache=True)
def _split_spot(spot_orders, spot_fill, from_leak, nonchina, leak):  # pragma: no cover - compiled
    n_rows, n_cols = spot_orders.shape
    for i in range(n_rows):
        for j in range(n_cols):
            served = spot_orders[i, j] * spot_fill[j]
            nonchina[i, j] = served * (1.0 - from_leak[j])
            leak[i, j] = served * from_leak[j]


@njit(cache=True)
def _sum_of_two(a, b):  # pragma: no cover - compiled
    n_rows, n_cols = a.shape
    out = np.zeros(n_cols)
    for i in range(n_rows):
        for j in range(n_cols):
            out[j] += a[i, j] + b[i, j]
    return out


@njit(cache=True)
def _blocked(refused_lic, denied, refused_uc, licensed, unlicensed, out):  # pragma: no cover - compiled
    n_firms = out.shape[0]
    for f in range(n_firms):
        for j in range(len(licensed)):
            out[f, licensed[j]] = refused_lic[f, j] + denied[f, j]
        for k in range(len(unlicensed)):
            out[f, unlicensed[k]] = refused_uc[f, k]


@njit(cache=True)
def _decision_totals(decisions, refused):  # pragma: no cover - compiled
    """Per licensed material: decided, approved, reviewed, review sum, review sum of squares,
    firms refused outright (sums in firm order)."""
    decided, approved, reviewed = decisions.decided, decisions.approved, decisions.reviewed
    review_sum, review_sq = decisions.review_sum, decisions.review_sq_sum
    n_firms, n_mat = decided.shape
    out = np.zeros((6, n_mat))
    for f in range(n_firms):
        for m in range(n_mat):
            out[0, m] += decided[f, m]
            out[1, m] += approved[f, m]
            out[2, m] += reviewed[f, m]
            out[3, m] += review_sum[f, m]
            out[4, m] += review_sq[f, m]
            out[5, m] += 1.0 if refused[f, m] > 0 else 0.0
    return out


@njit(cache=True)
def _fill_observations(
    refused_lic, decisions, direct, refused_uc, china_ship, holds, licensed, unlicensed, seen
):  # pragma: no cover - compiled
    """What each firm saw of China this week (`seen.hold_sum` is `holds` itself)."""
    decided, approved, reviewed = decisions.decided, decisions.approved, decisions.reviewed
    review_sum, review_sq = decisions.review_sum, decisions.review_sq_sum
    seen_decided, seen_approved, seen_reviewed = seen.decided, seen.approved, seen.reviewed
    seen_review_sum, seen_review_sq = seen.review_sum, seen.review_sq_sum
    seen_shipped, seen_hold_sq = seen.holds, seen.hold_sq_sum
    n_firms, n_mat = china_ship.shape
    for f in range(n_firms):
        for j in range(len(licensed)):
            m = licensed[j]
            seen_decided[f, m] = decided[f, j] + (1.0 if refused_lic[f, j] > 0 else 0.0)
            seen_approved[f, m] = approved[f, j]
            seen_reviewed[f, m] = reviewed[f, j]
            seen_review_sum[f, m] = review_sum[f, j]
            seen_review_sq[f, m] = review_sq[f, j]
        for k in range(len(unlicensed)):
            m = unlicensed[k]
            seen_decided[f, m] = 1.0 if (direct[f, k] > 0 or refused_uc[f, k] > 0) else 0.0
            seen_approved[f, m] = 1.0 if direct[f, k] > 0 else 0.0
        for m in range(n_mat):
            seen_shipped[f, m] = 1.0 if china_ship[f, m] > 0 else 0.0
            seen_hold_sq[f, m] = holds[f, m] * holds[f, m]
