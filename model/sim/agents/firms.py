"""Japan's firms: struct-of-arrays state and vectorised rules, with a Mesa Agent per firm.

All rules act on arrays of firms x materials. `JapaneseFirm` is a Mesa Agent that reads
and writes its own row (sector, list status, inventory), so AgentSet queries see individual
firms; the dashboard reads the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from mesa import Agent
from numba import njit

from model.catalogue.units import KG_PER_TONNE, WEEKS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.kernels import col_sums, ratio
from model.sim.licensing import whole_week_moments
from model.sim.population import LIST_NAMES, Population

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel

REVIEW_PERIOD_WEEKS = 1.0  # firms review orders once per model step
LEARNING_TABLE = 64  # precomputed learning weights for up to this many outcomes a week


# Records of arrays (firms x materials) that the compiled kernels take whole.
class Beliefs(NamedTuple):
    """What each firm expects of its China supply."""

    p_hat: np.ndarray  # expected approval probability
    review_hat: np.ndarray  # expected review time (weeks)
    review_var: np.ndarray  # its perceived variance
    hold_hat: np.ndarray  # expected customs hold (weeks)
    hold_var: np.ndarray  # its perceived variance


class Sourcing(NamedTuple):
    """Each firm's supply split (shares of its orders; china + nonchina + spot = 1)."""

    china: np.ndarray
    nonchina: np.ndarray  # under contract with non-China producers
    spot: np.ndarray
    diversified: np.ndarray  # the part of nonchina moved there from China


class LeadTimes(NamedTuple):
    """Lead times that do not depend on beliefs (weeks)."""

    review_wait: np.ndarray  # per material: half the filing interval (licensed materials)
    china_transit: float
    nonchina: float
    spot: float
    review_period: float  # orders are reviewed once per step
    safety_z: float  # safety stock on the China lane, in perceived lead-time standard deviations


class ContractTerms(NamedTuple):
    """Offtake terms: the take-or-pay minimum and the price response that scales volumes."""

    take_or_pay: float  # least share of the contracted volume a firm takes each week
    use_factor: np.ndarray  # per material: use per unit output over normal (contracts are for normal use)


class Reversion(NamedTuple):
    """When diversified volume may return to China: calm risk and an expired offtake term."""

    risk_threshold: float
    rate: float  # share of diversified volume moved back per review
    week: int
    term_weeks: int
    signed_week: np.ndarray  # firms x materials: week the cell's last offtake was signed


class RiskState(NamedTuple):
    """Perceived risk, its smoothed value, its normal level and the excess over normal."""

    risk: np.ndarray
    smoothed: np.ndarray
    normal: np.ndarray
    excess: np.ndarray


class RiskRules(NamedTuple):
    lead_time_scale_weeks: float
    memory_weeks: float
    tolerance: float


class StockPosition(NamedTuple):
    """What a firm holds and has coming (firms x materials, tonnes)."""

    inventory: np.ndarray
    in_transit: np.ndarray
    china_pipeline: np.ndarray  # China orders not yet shipped (queued, in review, backlog)


class Cover(NamedTuple):
    """Inventory cover a firm aims at and the most it can hold (firms x materials, weeks of need)."""

    target: np.ndarray  # base cover raised by hoarding
    safety: np.ndarray  # safety stock per unit of China share (the China lane's normal spread)
    maximum: np.ndarray  # working capital: hoarding and safety stock together stay below it


class Orders(NamedTuple):
    """This week's orders by channel (tonnes, firms x materials)."""

    total: np.ndarray
    china: np.ndarray
    nonchina: np.ndarray
    spot: np.ndarray


class Observations(NamedTuple):
    """What firms saw of China this week (firms x materials)."""

    decided: np.ndarray  # China orders decided (approved, denied, refused, lapsed)
    approved: np.ndarray
    reviewed: np.ndarray  # decisions with an observed review time
    review_sum: np.ndarray
    review_sq_sum: np.ndarray
    holds: np.ndarray  # China shipments that left (with a customs delay observed)
    hold_sum: np.ndarray
    hold_sq_sum: np.ndarray


@dataclass
class Production:
    """National results of this week's production."""

    consumption: np.ndarray  # (materials,)
    need: np.ndarray  # (materials,) at full output
    unmet: np.ndarray  # (materials,)
    value_added_lost: np.ndarray  # (sectors,) yen
    value_added_potential: np.ndarray  # (sectors,) yen


class Firms:
    """Japan's firm population, vectorised over firms x materials."""

    def __init__(self, spec: ModelSpec, pop: Population, licensed: np.ndarray, licensing: bool) -> None:
        seeds = spec.seeds
        self.behaviour = seeds.behaviour
        self.materials = seeds.materials
        self.pop = pop
        self.licensed = licensed  # controlled materials: licensed once the regime has begun
        self.licensing = licensing
        licensed = licensed & licensing  # what needs a licence at the start
        n_firms, n_mat = pop.base_need.shape
        self.n_firms, self.n_materials = n_firms, n_mat
        self.sector_starts = np.array([lines.rows.start for lines in pop.lines], dtype=np.intp)

        lic, log = seeds.licensing, seeds.logistics
        self._filing_wait = lic.application_interval_weeks / 2.0
        self.leads = LeadTimes(
            review_wait=np.where(licensed, lic.application_interval_weeks / 2.0, 0.0),
            china_transit=log.china_transit_weeks,
            nonchina=log.nonchina_lead_weeks,
            spot=log.spot_lead_weeks,
            review_period=REVIEW_PERIOD_WEEKS,
            safety_z=seeds.behaviour.safety_stock_z,
        )

        # orders exclude what arrives inside Chinese magnets and components (model/sim/embedded.py)
        embedded = self.materials.embedded_share * self.materials.china_share
        ordered = 1.0 - embedded
        china_share = self.materials.china_share * (1.0 - self.materials.embedded_share) / ordered
        spot_share = (1.0 - self.materials.china_share) * self.behaviour.spot_share_of_nonchina / ordered
        china = np.repeat(china_share[None, :], n_firms, axis=0)
        spot = np.repeat(spot_share[None, :], n_firms, axis=0)
        self.sourcing = Sourcing(china, 1.0 - china - spot, spot, np.zeros((n_firms, n_mat)))

        # Beliefs start at the moments of the normal (baseline) process, in whole weeks.
        review_mean, review_var = whole_week_moments(
            lic.review_median_weeks, lic.review_sigma, lic.max_review_weeks
        )
        hold_mean, hold_var = whole_week_moments(
            lic.customs_hold_median_weeks, lic.customs_hold_sigma, lic.max_customs_hold_weeks
        )
        s = lic.customs_base_inspection
        self.beliefs = Beliefs(
            p_hat=np.where(licensed, lic.routine_approval, 1.0) * np.ones((n_firms, 1)),
            review_hat=np.where(licensed, review_mean, 0.0) * np.ones((n_firms, 1)),
            review_var=np.where(licensed, review_var, 0.0) * np.ones((n_firms, 1)),
            hold_hat=np.full((n_firms, n_mat), s * hold_mean),
            hold_var=np.full((n_firms, n_mat), s * (hold_var + hold_mean**2) - (s * hold_mean) ** 2),
        )

        self.base_cover = np.repeat(pop.base_cover[:, None], n_mat, axis=1)
        self.max_cover = np.repeat(pop.max_cover[:, None], n_mat, axis=1)
        self.target_cover = self.base_cover.copy()
        self.need = pop.base_need.copy()
        # safety stock is a standing policy set from the normal (starting) beliefs; risk in a crisis
        # raises the target cover instead (hoarding), so the two never count the same risk twice
        self.safety_weeks = _safety_weeks(self.beliefs, self.leads)
        safety = np.minimum(self.sourcing.china * self.safety_weeks, self.max_cover - self.target_cover)
        self.inventory = (self.target_cover + np.maximum(safety, 0.0)) * self.need
        b = self.behaviour
        self.risk_rules = RiskRules(b.risk_lead_time_scale_weeks, b.risk_memory_weeks, b.risk_tolerance)
        risk = np.zeros((n_firms, n_mat))
        _perceived_risk(self.beliefs, self.sourcing.china, self.risk_rules.lead_time_scale_weeks, risk)
        # normal is the risk of the baseline process, the firms' starting beliefs
        self.risk_state = RiskState(risk, risk.copy(), risk.copy(), np.zeros((n_firms, n_mat)))
        self.substitution_start = np.full((n_firms, n_mat), -1, dtype=np.int32)
        self.substituted = np.zeros((n_firms, n_mat))
        self.use_factor = np.ones(n_mat)  # demand response to price, per material
        self.unmet = np.zeros((n_firms, n_mat))
        self.run_rate = [
            np.ones((lines.rows.stop - lines.rows.start, len(lines.names))) for lines in pop.lines
        ]
        self._available = np.ones((n_firms, n_mat))
        self._production_totals = np.zeros((3, n_mat))
        self._potential = np.array([pop.value_added_week[lines.rows].sum() for lines in pop.lines])
        self.orders = Orders(*(np.zeros((n_firms, n_mat)) for _ in range(4)))
        self.signed_week = np.zeros((n_firms, n_mat), dtype=np.int64)  # last offtake signed per cell
        self._desired = np.zeros((n_firms, n_mat))
        self._held_stock = np.zeros((n_firms, n_mat))
        self._extra_stock = np.zeros((n_firms, n_mat))
        self._request = np.zeros((n_firms, n_mat))
        self._budget = self.behaviour.working_capital_share * pop.value_added_week * WEEKS_PER_YEAR
        self._any_started = False
        self._price_responding = False
        self.programmes_started = np.zeros(n_mat)
        self._sector_sizes = np.diff(np.append(self.sector_starts, n_firms)).astype(np.float64)
        rate = self.behaviour.belief_learning_rate
        # 1 - (1 - rate)^n for n = 0..LEARNING_TABLE-1 outcomes, computed as in the update itself
        self._learning_weights = 1.0 - (1.0 - rate) ** np.arange(LEARNING_TABLE, dtype=np.float64)
        self.diversified_this_week = np.zeros(n_mat)
        self.reverted_this_week = np.zeros(n_mat)

    # 4. orders ------------------------------------------------------------------------------
    def follow_licensing(self, licensing: bool) -> None:
        """When the licence regime begins, licensed orders wait for a filing date (half the
        interval on average); beliefs about reviews and approvals are then learned."""
        if licensing == self.licensing:
            return
        self.licensing = licensing
        wait = self._filing_wait if licensing else 0.0
        self.leads = self.leads._replace(review_wait=np.where(self.licensed, wait, 0.0))

    def place_orders(self, in_transit: np.ndarray, china_pipeline: np.ndarray) -> Orders:
        """Order-up-to target cover plus expected lead time: offtakes first, then China and spot.

        Periodic review: the order-up-to level covers the lead time plus one review period
        (a week), so that on-hand stock after use averages the target cover. Offtakes are
        take-or-pay: a firm takes at least `take_or_pay_share` of its contracted volume even
        when it needs less; expected denials go spot.
        """
        out = self.orders
        stock = StockPosition(self.inventory, in_transit, china_pipeline)
        terms = ContractTerms(self.behaviour.take_or_pay_share, self.use_factor)
        cover = Cover(self.target_cover, self.safety_weeks, self.max_cover)
        _orders(stock, self.need, cover, self.beliefs, self.sourcing, self.leads, terms, out)
        return out

    # 8. production -----------------------------------------------------------------------------
    def produce(self) -> Production:
        """Leontief production by product line; record unmet need and value added lost."""
        need = self.need
        available = self._available
        _shortage(self.inventory, need, self.unmet, available)
        consumption = np.zeros_like(need)
        n_sectors = len(self.pop.lines)
        lost = np.zeros(n_sectors)
        va = self.pop.value_added_week
        for s, lines in enumerate(self.pop.lines):
            rows = lines.rows
            run = self.run_rate[s]
            _line_rates(available, rows.start, lines.material_matrix, lines.material_counts, run)
            consumption[rows] = need[rows] * (run @ lines.split)
            lost[s] = va[rows] @ ((1.0 - run) @ lines.va_share)
        totals = self._production_totals
        _consume(self.inventory, consumption, need, self.unmet, totals)
        return Production(
            consumption=totals[0].copy(),
            need=totals[1].copy(),
            unmet=totals[2].copy(),
            value_added_lost=lost,
            value_added_potential=self._potential.copy(),
        )

    # 9. beliefs and adaptation -------------------------------------------------------------------
    def learn(self, seen: Observations) -> None:
        """Update beliefs from own outcomes, then blend with the sector's average."""
        _learn(self.beliefs, seen, self.behaviour.belief_learning_rate, self._learning_weights)
        weight = self.behaviour.peer_weight
        if weight > 0:
            # numpy's pairwise sums per sector, then the sector means as numpy divides them
            sizes = self._sector_sizes[:, None]
            means = Beliefs(*(np.add.reduceat(b, self.sector_starts, axis=0) / sizes for b in self.beliefs))
            _blend_with_peers(self.beliefs, means, weight, self.pop.sector)

    def assess_risk(self, adapt: bool = True) -> None:
        """Perceived risk, smoothed over `risk_memory_weeks`, and its excess over normal.

        Normal is the risk of the baseline process (the firms' starting beliefs); excess
        within `risk_tolerance` of it counts as routine noise.
        """
        _assess_risk(self.beliefs, self.sourcing.china, self.risk_state, self.risk_rules, adapt)

    def hoard(self, contract_price_usd_per_kg: np.ndarray) -> None:
        """Risk above normal raises target cover, capped by max cover and working capital.

        Hoarding responds to smoothed risk, so that one routine denial does not triple stocks.
        """
        b = self.behaviour
        desired, held, extra = self._desired, self._held_stock, self._extra_stock
        _desired_cover(
            self.risk_state.excess,
            self.base_cover,
            self.max_cover,
            self.need,
            b.hoard_sensitivity,
            desired,
            held,
            extra,
        )
        yen_per_tonne = contract_price_usd_per_kg * KG_PER_TONNE * b.usd_jpy
        held_value = held @ yen_per_tonne
        extra_value = extra @ yen_per_tonne
        _retarget(
            desired,
            self.base_cover,
            self.target_cover,
            self._budget,
            held_value,
            extra_value,
            b.cover_adjust_weeks,
        )

    def diversify(
        self,
        week: int,
        free_capacity: np.ndarray,
        subsidy: float = 0.0,
        competing_t: np.ndarray | None = None,
    ) -> np.ndarray:
        """On sourcing reviews, move China volume to non-China offtakes while capacity lasts.

        Free capacity is shared pro rata with `competing_t` (other buyers' requests, t/week);
        returns the share of requests granted per material. A state subsidy (share of the
        non-China premium paid) lowers the bar. Diversified volume returns to China only
        once risk is back to normal and the offtake's term (`offtake_term_weeks`) has run out.
        """
        b = self.behaviour
        competing = np.zeros(self.n_materials) if competing_t is None else competing_t
        reviewing = (week + self.pop.sourcing_phase) % int(b.sourcing_review_weeks) == 0
        self.diversified_this_week[:] = 0.0
        self.reverted_this_week[:] = 0.0
        if not reviewing.any():
            return _granted(free_capacity, competing)
        threshold = b.diversify_risk_threshold + b.premium_risk_weight * b.nonchina_premium * (1.0 - subsidy)
        request = self._request
        need = self.normal_need()  # contracts are signed for normal volumes, not price-cut ones
        requested_t = _diversify_requests(
            reviewing, self.risk_state.excess, self.sourcing.china, need, threshold, b.diversify_rate, request
        )
        ratio = _granted(free_capacity, requested_t + competing)
        granted = (reviewing, request, ratio)
        moved = (self.diversified_this_week, self.reverted_this_week)
        reversion = Reversion(
            b.revert_risk_threshold, b.revert_rate, week, int(b.offtake_term_weeks), self.signed_week
        )
        _diversify_grants(*granted, self.risk_state.excess, need, self.sourcing, reversion, *moved)
        return ratio

    def substitute(self, week: int, contract_multiple: np.ndarray, rng: np.random.Generator) -> None:
        """Start substitution programmes by hazard; completed ones cut intensity after a lag."""
        b, mats = self.behaviour, self.materials
        price_signal = b.substitution_price_weight * np.maximum(contract_multiple - 1.0, 0.0)
        candidates, hazard = _substitution_candidates(
            self.risk_state.excess,
            price_signal,
            self.substitution_start,
            mats.max_substitutable_share,
            self.pop.base_need,
            b.substitution_hazard,
            b.substitution_risk_threshold,
        )
        self.programmes_started[:] = 0.0
        if len(candidates):
            start = candidates[rng.random(len(candidates)) < hazard]
            self.substitution_start.ravel()[start] = week
            self.programmes_started[:] = np.bincount(start % self.n_materials, minlength=self.n_materials)
            self._any_started = self._any_started or len(start) > 0
        self._respond_to_price(contract_multiple)
        if self._any_started or self._price_responding:
            _substitution_progress(
                week,
                self.substitution_start,
                mats.substitution_lag_weeks,
                b.substitution_ramp_weeks,
                mats.max_substitutable_share,
                self.pop.base_need,
                self.substituted,
                self.use_factor,
                self.need,
            )

    def _respond_to_price(self, contract_multiple: np.ndarray) -> None:
        """Use per unit of output drifts towards price ** -elasticity (reversible thrifting)."""
        b = self.behaviour
        target = np.minimum(np.power(contract_multiple, -b.demand_elasticity), 1.0)  # never above normal
        self.use_factor += (target - self.use_factor) / b.demand_adjust_weeks
        self._price_responding = self._price_responding or bool(np.any(self.use_factor != 1.0))

    # helpers --------------------------------------------------------------------------------------
    def normal_need(self) -> np.ndarray:
        """Need at normal use (before the price-driven cut in use), tonnes per week."""
        return self.need / self.use_factor if self._price_responding else self.need

    def committed_nonchina(self) -> np.ndarray:
        """Tonnes per week under non-China contracts at normal use, per material."""
        return col_sums(self.sourcing.nonchina * self.normal_need())


def _granted(free_capacity: np.ndarray, requested_t: np.ndarray) -> np.ndarray:
    """Share of requested volume that free capacity can grant, per material (at most 1)."""
    return np.minimum(ratio(np.maximum(free_capacity, 0.0), requested_t, 1.0), 1.0)


@njit(cache=True)
def _learn(beliefs, seen, rate, weights):  # pragma: no cover - compiled
    """Beliefs move toward own outcomes: weight 1 - (1 - rate)^n for n outcomes."""
    p_hat = beliefs.p_hat
    n_firms, n_mat = p_hat.shape
    for f in range(n_firms):
        for m in range(n_mat):
            count = seen.decided[f, m]
            if count > 0:
                weight = _weight(count, rate, weights)
                p_hat[f, m] += weight * (seen.approved[f, m] / count - p_hat[f, m])
            reviewed = seen.reviewed[f, m]
            if reviewed > 0:
                weight = _weight(reviewed, rate, weights)
                total, sq_total = seen.review_sum[f, m], seen.review_sq_sum[f, m]
                hat, var = beliefs.review_hat, beliefs.review_var
                _update_moments(hat, var, f, m, reviewed, total, sq_total, weight)
            holds = seen.holds[f, m]
            if holds > 0:
                weight = _weight(holds, rate, weights)
                total, sq_total = seen.hold_sum[f, m], seen.hold_sq_sum[f, m]
                _update_moments(beliefs.hold_hat, beliefs.hold_var, f, m, holds, total, sq_total, weight)


@njit(cache=True, inline="always")
def _weight(count, rate, weights):  # pragma: no cover - compiled
    """1 - (1 - rate)^count, from the table when count is a small whole number."""
    n = int(count)
    if n == count and n < len(weights):
        return weights[n]
    return 1.0 - (1.0 - rate) ** count


@njit(cache=True, inline="always")
def _update_moments(mean, var, f, m, count, total, sq_total, weight):  # pragma: no cover - compiled
    observed = total / count
    observed_sq = sq_total / count
    old = mean[f, m]
    mean[f, m] = old + weight * (observed - old)
    deviation_sq = observed_sq - 2.0 * observed * old + old * old  # mean of (x - old mean)^2
    var[f, m] += weight * (max(deviation_sq, 0.0) - var[f, m])


@njit(cache=True)
def _blend_with_peers(beliefs, means, weight, sector):  # pragma: no cover - compiled
    """belief <- (1 - weight) x belief + weight x the sector's mean belief, for every belief."""
    n_firms, n_mat = beliefs.p_hat.shape
    keep = 1.0 - weight
    for f in range(n_firms):
        s = sector[f]
        for m in range(n_mat):
            beliefs.p_hat[f, m] = beliefs.p_hat[f, m] * keep + weight * means.p_hat[s, m]
            beliefs.review_hat[f, m] = beliefs.review_hat[f, m] * keep + weight * means.review_hat[s, m]
            beliefs.review_var[f, m] = beliefs.review_var[f, m] * keep + weight * means.review_var[s, m]
            beliefs.hold_hat[f, m] = beliefs.hold_hat[f, m] * keep + weight * means.hold_hat[s, m]
            beliefs.hold_var[f, m] = beliefs.hold_var[f, m] * keep + weight * means.hold_var[s, m]


@njit(cache=True)
def _orders(stock, need, cover, beliefs, sourcing, leads, terms, out):  # pragma: no cover - compiled
    """Order up to target cover plus safety stock plus the expected lead time, by channel (see
    Firms.place_orders); target cover plus safety stock stay within the firm's maximum cover."""
    p_hat, china, nonchina, spot = beliefs.p_hat, sourcing.china, sourcing.nonchina, sourcing.spot
    n_firms, n_mat = need.shape
    for f in range(n_firms):
        for m in range(n_mat):
            review = leads.review_wait[m] + beliefs.review_hat[f, m]
            china_lead = review + leads.china_transit + beliefs.hold_hat[f, m]
            lead = china[f, m] * china_lead + nonchina[f, m] * leads.nonchina + spot[f, m] * leads.spot
            position = (
                stock.inventory[f, m] + stock.in_transit[f, m] + p_hat[f, m] * stock.china_pipeline[f, m]
            )
            room = max(cover.maximum[f, m] - cover.target[f, m], 0.0)
            safety = min(china[f, m] * cover.safety[f, m], room)
            target = need[f, m] * (cover.target[f, m] + lead + leads.review_period + safety)
            order = max(target - position, 0.0)
            committed = nonchina[f, m] * need[f, m] / terms.use_factor[m]
            contract = min(max(order, terms.take_or_pay * committed), committed)
            rest = max(order - contract, 0.0)
            open_share = china[f, m] + spot[f, m]
            china_part = china[f, m] / open_share if open_share > 0 else 0.0
            ask = rest * china_part
            to_china = ask * p_hat[f, m]
            out.total[f, m] = contract + rest
            out.china[f, m] = to_china
            out.nonchina[f, m] = contract
            out.spot[f, m] = rest - to_china


@njit(cache=True, inline="always")
def _lead_time_sd(beliefs, f, m):  # pragma: no cover - compiled
    """Perceived spread of the China lane's lead time, refiling after denials included (weeks).

    With approval p a licence takes a geometric number of reviews N (mean 1/p, variance
    (1 - p) / p^2), so Var(lead) = Var(review) / p + (1 - p) / p^2 * review^2 + Var(hold).
    """
    p = max(beliefs.p_hat[f, m], 1e-3)
    review = beliefs.review_hat[f, m]
    variance = beliefs.review_var[f, m] / p + (1.0 - p) / (p * p) * review * review + beliefs.hold_var[f, m]
    return np.sqrt(max(variance, 0.0))


@njit(cache=True)
def _safety_weeks(beliefs, leads):  # pragma: no cover - compiled
    """Safety stock per unit of China share, in weeks of need: z x the China lane's lead-time
    spread under the given (normal) beliefs. Orders hold China share x this, within max cover."""
    n_firms, n_mat = beliefs.p_hat.shape
    out = np.zeros((n_firms, n_mat))
    for f in range(n_firms):
        for m in range(n_mat):
            out[f, m] = leads.safety_z * _lead_time_sd(beliefs, f, m)
    return out


@njit(cache=True)
def _shortage(inventory, need, unmet, available):  # pragma: no cover - compiled
    n_firms, n_mat = need.shape
    for f in range(n_firms):
        for m in range(n_mat):
            unmet[f, m] = max(need[f, m] - inventory[f, m], 0.0)
            share = inventory[f, m] / need[f, m] if need[f, m] > 0 else 1.0
            available[f, m] = min(share, 1.0)


@njit(cache=True)
def _line_rates(available, first, material_matrix, material_counts, run):  # pragma: no cover - compiled
    """A line runs at the minimum over its materials of available / needed (Leontief)."""
    n_rows, n_lines = run.shape
    for i in range(n_rows):
        for k in range(n_lines):
            rate = np.inf
            for j in range(material_counts[k]):
                rate = min(rate, available[first + i, material_matrix[k, j]])
            run[i, k] = rate


@njit(cache=True)
def _consume(inventory, consumption, need, unmet, totals):  # pragma: no cover - compiled
    totals[:] = 0.0
    n_firms, n_mat = need.shape
    for f in range(n_firms):
        for m in range(n_mat):
            totals[0, m] += consumption[f, m]
            totals[1, m] += need[f, m]
            totals[2, m] += unmet[f, m]
            inventory[f, m] = max(inventory[f, m] - consumption[f, m], 0.0)


@njit(cache=True, inline="always")
def _risk(beliefs, china, f, m, lead_time_scale):  # pragma: no cover - compiled
    """China share x (expected denial + lead-time spread / scale), in [0, 1]."""
    spread = np.sqrt(max(beliefs.review_var[f, m] + beliefs.hold_var[f, m], 0.0))
    uncertainty = (1.0 - beliefs.p_hat[f, m]) + spread / lead_time_scale
    return min(max(china[f, m] * uncertainty, 0.0), 1.0)


@njit(cache=True, inline="always")
def _perceived_risk(beliefs, china, lead_time_scale, out):  # pragma: no cover - compiled
    n_firms, n_mat = out.shape
    for f in range(n_firms):
        for m in range(n_mat):
            out[f, m] = _risk(beliefs, china, f, m, lead_time_scale)


@njit(cache=True)
def _assess_risk(beliefs, china, state, rules, adapt):  # pragma: no cover - compiled
    """Perceived risk, smoothed over `memory_weeks`; with `adapt`, its excess over normal
    beyond the tolerance."""
    risk, smoothed = state.risk, state.smoothed
    n_firms, n_mat = risk.shape
    for f in range(n_firms):
        for m in range(n_mat):
            value = _risk(beliefs, china, f, m, rules.lead_time_scale_weeks)
            risk[f, m] = value
            smoothed[f, m] += (value - smoothed[f, m]) / rules.memory_weeks
            if adapt:
                state.excess[f, m] = max(smoothed[f, m] - state.normal[f, m] - rules.tolerance, 0.0)


@njit(cache=True)
def _desired_cover(
    excess, base, most, need, sensitivity, desired, held, extra
):  # pragma: no cover - compiled
    n_firms, n_mat = need.shape
    for f in range(n_firms):
        for m in range(n_mat):
            pressure = min(sensitivity * excess[f, m], 1.0)
            desired[f, m] = base[f, m] + (most[f, m] - base[f, m]) * pressure
            held[f, m] = base[f, m] * need[f, m]
            extra[f, m] = (desired[f, m] - base[f, m]) * need[f, m]


@njit(cache=True)
def _retarget(desired, base, target, budget, held_value, extra_value, adjust):  # pragma: no cover - compiled
    n_firms, n_mat = target.shape
    for f in range(n_firms):
        room = (budget[f] - held_value[f]) / extra_value[f] if extra_value[f] > 0 else 1.0
        room = min(max(room, 0.0), 1.0)
        for m in range(n_mat):
            wanted = base[f, m] + (desired[f, m] - base[f, m]) * room
            target[f, m] += (wanted - target[f, m]) / adjust


@njit(cache=True)
def _diversify_requests(reviewing, excess, china, need, threshold, rate, request):  # pragma: no cover
    n_firms, n_mat = china.shape
    total = np.zeros(n_mat)
    for f in range(n_firms):
        for m in range(n_mat):
            want = reviewing[f] and excess[f, m] > threshold and china[f, m] > 0
            request[f, m] = rate * china[f, m] if want else 0.0
            total[m] += request[f, m] * need[f, m]
    return total


@njit(cache=True)
def _diversify_grants(
    reviewing, request, ratio, excess, need, sourcing, reversion, moved, reverted
):  # pragma: no cover - compiled
    china, nonchina, diversified = sourcing.china, sourcing.nonchina, sourcing.diversified
    n_firms, n_mat = china.shape
    for f in range(n_firms):
        for m in range(n_mat):
            grant = request[f, m] * ratio[m]
            china[f, m] -= grant
            nonchina[f, m] += grant
            diversified[f, m] += grant
            moved[m] += grant * need[f, m]
            if grant > 0:
                reversion.signed_week[f, m] = reversion.week
            expired = reversion.week - reversion.signed_week[f, m] >= reversion.term_weeks
            calm = (
                reviewing[f] and expired and excess[f, m] < reversion.risk_threshold and diversified[f, m] > 0
            )
            back = reversion.rate * diversified[f, m] if calm else 0.0
            china[f, m] += back
            nonchina[f, m] -= back
            diversified[f, m] -= back
            reverted[m] += back * need[f, m]


@njit(cache=True)
def _substitution_candidates(
    excess, price_signal, start, max_share, base_need, hazard_scale, threshold
):  # pragma: no cover - compiled
    n_firms, n_mat = excess.shape
    cells = np.empty(n_firms * n_mat, np.int64)
    hazards = np.empty(n_firms * n_mat)
    n = 0
    for f in range(n_firms):
        for m in range(n_mat):
            hazard = hazard_scale * max(excess[f, m] + price_signal[m] - threshold, 0.0)
            if start[f, m] < 0 and max_share[m] > 0 and base_need[f, m] > 0 and hazard > 0:
                cells[n] = f * n_mat + m
                hazards[n] = hazard
                n += 1
    return cells[:n], hazards[:n]


@njit(cache=True)
def _substitution_progress(
    week, start, lag, ramp, max_share, base_need, substituted, use_factor, need
):  # pragma: no cover
    n_firms, n_mat = need.shape
    for f in range(n_firms):
        for m in range(n_mat):
            if start[f, m] >= 0:
                elapsed = (week - start[f, m]) - lag[m]
                progress = min(max(elapsed / ramp, 0.0), 1.0)
                substituted[f, m] = max_share[m] * progress
            else:
                substituted[f, m] = 0.0
            need[f, m] = base_need[f, m] * (1.0 - substituted[f, m]) * use_factor[m]


class JapaneseFirm(Agent):
    """One Japanese firm; its numbers live in row `index` of the model's `Firms` arrays."""

    def __init__(self, model: GreyzoneModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def _firms(self) -> Firms:
        return self.model.firms

    @property
    def sector(self) -> str:
        return self.model.spec.seeds.sectors.names[self._firms.pop.sector[self.index]]

    @property
    def list_status(self) -> str:
        return LIST_NAMES[self._firms.pop.list_status[self.index]]

    @property
    def inventory(self) -> np.ndarray:
        """This firm's inventory per material (a view of its row)."""
        return self._firms.inventory[self.index]

    def set_inventory(self, material: str, tonnes: float) -> None:
        """Write this firm's inventory of one material (what-if experiments)."""
        if tonnes < 0:
            raise ValueError("inventory must be >= 0")
        self._firms.inventory[self.index, self.model.spec.seeds.materials.index(material)] = tonnes
