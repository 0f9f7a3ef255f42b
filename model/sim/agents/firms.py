"""Japan's firms: struct-of-arrays state and vectorised rules, with a Mesa Agent per firm.

All rules act on arrays of firms x materials. `JapaneseFirm` is a Mesa Agent that reads
and writes its own row, so AgentSet queries and the dashboard see individual firms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from numba import njit

from model.config.spec import ModelSpec
from model.sim.licensing import whole_week_moments
from model.sim.population import Population

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel

WEEKS_PER_YEAR = 52.0
KG_PER_TONNE = 1000.0
LIST_NAMES = ("none", "watch", "entity")
REVIEW_PERIOD_WEEKS = 1.0  # firms review orders once per model step
LEARNING_TABLE = 64  # precomputed learning weights for up to this many outcomes a week


@dataclass
class Orders:
    """This week's orders by channel (tonnes, firms x materials)."""

    total: np.ndarray
    china: np.ndarray
    nonchina: np.ndarray
    spot: np.ndarray


@dataclass
class Observations:
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

    def __init__(self, spec: ModelSpec, pop: Population, licensed: np.ndarray) -> None:
        seeds = spec.seeds
        self.behaviour = seeds.behaviour
        self.materials = seeds.materials
        self.pop = pop
        self.licensed = licensed
        n_firms, n_mat = pop.base_need.shape
        self.n_firms, self.n_materials = n_firms, n_mat
        self.sector_starts = np.array([lines.rows.start for lines in pop.lines], dtype=np.intp)

        lic, log = seeds.licensing, seeds.logistics
        self.review_wait = np.where(licensed, lic.application_interval_weeks / 2.0, 0.0)
        self.china_transit = log.china_transit_weeks
        self.nonchina_lead = log.nonchina_lead_weeks
        self.spot_lead = log.spot_lead_weeks

        china_share = self.materials.china_share
        spot_share = (1.0 - china_share) * self.behaviour.spot_share_of_nonchina
        self.china = np.repeat(china_share[None, :], n_firms, axis=0)
        self.spot = np.repeat(spot_share[None, :], n_firms, axis=0)
        self.nonchina = 1.0 - self.china - self.spot
        self.diversified = np.zeros((n_firms, n_mat))

        # Beliefs start at the moments of the normal (baseline) process, in whole weeks.
        review_mean, review_var = whole_week_moments(
            lic.review_median_weeks, lic.review_sigma, lic.max_review_weeks
        )
        hold_mean, hold_var = whole_week_moments(
            lic.customs_hold_median_weeks, lic.customs_hold_sigma, lic.max_customs_hold_weeks
        )
        s = lic.customs_base_inspection
        self.p_hat = np.where(licensed, lic.routine_approval, 1.0) * np.ones((n_firms, 1))
        self.review_hat = np.where(licensed, review_mean, 0.0) * np.ones((n_firms, 1))
        self.review_var = np.where(licensed, review_var, 0.0) * np.ones((n_firms, 1))
        self.hold_hat = np.full((n_firms, n_mat), s * hold_mean)
        self.hold_var = np.full((n_firms, n_mat), s * (hold_var + hold_mean**2) - (s * hold_mean) ** 2)

        self.base_cover = np.repeat(pop.base_cover[:, None], n_mat, axis=1)
        self.max_cover = np.repeat(pop.max_cover[:, None], n_mat, axis=1)
        self.target_cover = self.base_cover.copy()
        self.need = pop.base_need.copy()
        self.inventory = self.target_cover * self.need
        self.risk = self.perceived_risk()
        self.risk0 = self.risk.copy()
        self.risk_smoothed = self.risk.copy()
        self.excess_risk = np.zeros((n_firms, n_mat))
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
        self._orders = Orders(*(np.zeros((n_firms, n_mat)) for _ in range(4)))
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

    # expectations --------------------------------------------------------------------------
    def expected_lead_time(self) -> np.ndarray:
        """Expected weeks from order to arrival, weighted over supply channels."""
        china_lead = self.review_wait + self.review_hat + self.china_transit + self.hold_hat
        return self.china * china_lead + self.nonchina * self.nonchina_lead + self.spot * self.spot_lead

    def lead_time_spread(self) -> np.ndarray:
        """Perceived standard deviation of China lead times (weeks)."""
        return np.sqrt(np.maximum(self.review_var + self.hold_var, 0.0))

    def perceived_risk(self) -> np.ndarray:
        """China share x (expected denial + lead-time spread / scale), in [0, 1]."""
        uncertainty = (1.0 - self.p_hat) + self.lead_time_spread() / self.behaviour.risk_lead_time_scale_weeks
        return np.clip(self.china * uncertainty, 0.0, 1.0)

    # 4. orders ------------------------------------------------------------------------------
    def place_orders(self, in_transit: np.ndarray, china_pipeline: np.ndarray) -> Orders:
        """Order-up-to target cover plus expected lead time; expected denials go spot.

        Periodic review: the order-up-to level covers the lead time plus one review period
        (a week), so that on-hand stock after use averages the target cover.
        """
        out = self._orders
        _orders(
            self.inventory,
            in_transit,
            self.p_hat,
            china_pipeline,
            self.need,
            self.target_cover,
            self.review_wait,
            self.review_hat,
            self.china_transit,
            self.hold_hat,
            self.china,
            self.nonchina,
            self.spot,
            self.nonchina_lead,
            self.spot_lead,
            REVIEW_PERIOD_WEEKS,
            out.total,
            out.china,
            out.nonchina,
            out.spot,
        )
        return out

    # 6. deliveries ----------------------------------------------------------------------------
    def receive(self, arrivals: np.ndarray) -> None:
        self.inventory += arrivals

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
        _learn(
            self.p_hat,
            self.review_hat,
            self.review_var,
            self.hold_hat,
            self.hold_var,
            seen.decided,
            seen.approved,
            seen.reviewed,
            seen.review_sum,
            seen.review_sq_sum,
            seen.holds,
            seen.hold_sum,
            seen.hold_sq_sum,
            self.behaviour.belief_learning_rate,
            self._learning_weights,
        )
        weight = self.behaviour.peer_weight
        if weight > 0:
            beliefs = (self.p_hat, self.review_hat, self.review_var, self.hold_hat, self.hold_var)
            # numpy's pairwise sums per sector, then the sector means as numpy divides them
            means = [
                np.add.reduceat(b, self.sector_starts, axis=0) / self._sector_sizes[:, None] for b in beliefs
            ]
            _blend_with_peers(*beliefs, *means, weight, self.pop.sector)

    def assess_risk(self, adapt: bool = True) -> None:
        """Perceived risk, smoothed over `risk_memory_weeks`, and its excess over normal.

        Normal is the risk of the baseline process (the firms' starting beliefs); excess
        within `risk_tolerance` of it counts as routine noise.
        """
        b = self.behaviour
        _assess_risk(
            self.p_hat,
            self.review_var,
            self.hold_var,
            self.china,
            self.risk,
            self.risk_smoothed,
            self.risk0,
            self.excess_risk,
            b.risk_lead_time_scale_weeks,
            b.risk_memory_weeks,
            b.risk_tolerance,
            adapt,
        )

    def hoard(self, contract_price_usd_per_kg: np.ndarray) -> None:
        """Risk above normal raises target cover, capped by max cover and working capital.

        Hoarding responds to smoothed risk, so that one routine denial does not triple stocks.
        """
        b = self.behaviour
        desired, held, extra = self._desired, self._held_stock, self._extra_stock
        _desired_cover(
            self.excess_risk,
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

    def diversify(self, week: int, free_capacity: np.ndarray, subsidy: float = 0.0) -> None:
        """On sourcing reviews, move China volume to non-China contracts while capacity lasts.

        A state subsidy (share of the non-China premium paid) lowers the bar.
        """
        b = self.behaviour
        reviewing = (week + self.pop.sourcing_phase) % int(b.sourcing_review_weeks) == 0
        self.diversified_this_week[:] = 0.0
        self.reverted_this_week[:] = 0.0
        if not reviewing.any():
            return
        threshold = b.diversify_risk_threshold + b.premium_risk_weight * b.nonchina_premium * (1.0 - subsidy)
        request = self._request
        need = self.normal_need()  # contracts are signed for normal volumes, not price-cut ones
        requested_t = _diversify_requests(
            reviewing, self.excess_risk, self.china, need, threshold, b.diversify_rate, request
        )
        ratio = np.divide(
            np.maximum(free_capacity, 0.0),
            requested_t,
            out=np.zeros_like(requested_t),
            where=requested_t > 0,
        )
        _diversify_grants(
            reviewing,
            request,
            np.minimum(ratio, 1.0),
            self.excess_risk,
            need,
            self.china,
            self.nonchina,
            self.diversified,
            b.revert_risk_threshold,
            b.revert_rate,
            self.diversified_this_week,
            self.reverted_this_week,
        )

    def substitute(self, week: int, contract_multiple: np.ndarray, rng: np.random.Generator) -> None:
        """Start substitution programmes by hazard; completed ones cut intensity after a lag."""
        b, mats = self.behaviour, self.materials
        price_signal = b.substitution_price_weight * np.maximum(contract_multiple - 1.0, 0.0)
        candidates, hazard = _substitution_candidates(
            self.excess_risk,
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
        return (self.nonchina * self.normal_need()).sum(axis=0)


@njit(cache=True)
def _learn(
    p_hat,
    review_hat,
    review_var,
    hold_hat,
    hold_var,
    decided,
    approved,
    reviewed,
    review_sum,
    review_sq_sum,
    holds,
    hold_sum,
    hold_sq_sum,
    rate,
    weights,
):  # pragma: no cover - compiled
    """Beliefs move toward own outcomes: weight 1 - (1 - rate)^n for n outcomes."""
    n_firms, n_mat = p_hat.shape
    for f in range(n_firms):
        for m in range(n_mat):
            count = decided[f, m]
            if count > 0:
                weight = _weight(count, rate, weights)
                p_hat[f, m] += weight * (approved[f, m] / count - p_hat[f, m])
            if reviewed[f, m] > 0:
                _update_moments(
                    review_hat,
                    review_var,
                    f,
                    m,
                    reviewed[f, m],
                    review_sum[f, m],
                    review_sq_sum[f, m],
                    _weight(reviewed[f, m], rate, weights),
                )
            if holds[f, m] > 0:
                _update_moments(
                    hold_hat,
                    hold_var,
                    f,
                    m,
                    holds[f, m],
                    hold_sum[f, m],
                    hold_sq_sum[f, m],
                    _weight(holds[f, m], rate, weights),
                )


@njit(cache=True)
def _weight(count, rate, weights):  # pragma: no cover - compiled
    """1 - (1 - rate)^count, from the table when count is a small whole number."""
    n = int(count)
    if n == count and n < len(weights):
        return weights[n]
    return 1.0 - (1.0 - rate) ** count


@njit(cache=True)
def _update_moments(mean, var, f, m, count, total, sq_total, weight):  # pragma: no cover - compiled
    observed = total / count
    observed_sq = sq_total / count
    old = mean[f, m]
    mean[f, m] = old + weight * (observed - old)
    deviation_sq = observed_sq - 2.0 * observed * old + old * old  # mean of (x - old mean)^2
    var[f, m] += weight * (max(deviation_sq, 0.0) - var[f, m])


@njit(cache=True)
def _blend_with_peers(b0, b1, b2, b3, b4, m0, m1, m2, m3, m4, weight, sector):  # pragma: no cover - compiled
    """belief <- (1 - weight) x belief + weight x the sector's mean belief, for five beliefs."""
    n_firms, n_mat = b0.shape
    keep = 1.0 - weight
    for f in range(n_firms):
        s = sector[f]
        for m in range(n_mat):
            b0[f, m] = b0[f, m] * keep + weight * m0[s, m]
            b1[f, m] = b1[f, m] * keep + weight * m1[s, m]
            b2[f, m] = b2[f, m] * keep + weight * m2[s, m]
            b3[f, m] = b3[f, m] * keep + weight * m3[s, m]
            b4[f, m] = b4[f, m] * keep + weight * m4[s, m]


@njit(cache=True)
def _orders(
    inventory,
    in_transit,
    p_hat,
    china_pipeline,
    need,
    target_cover,
    review_wait,
    review_hat,
    china_transit,
    hold_hat,
    china,
    nonchina,
    spot,
    nonchina_lead,
    spot_lead,
    review_period,
    total,
    china_out,
    nonchina_out,
    spot_out,
):  # pragma: no cover - compiled
    n_firms, n_mat = need.shape
    for f in range(n_firms):
        for m in range(n_mat):
            china_lead = review_wait[m] + review_hat[f, m] + china_transit + hold_hat[f, m]
            lead = china[f, m] * china_lead + nonchina[f, m] * nonchina_lead + spot[f, m] * spot_lead
            position = inventory[f, m] + in_transit[f, m] + p_hat[f, m] * china_pipeline[f, m]
            target = need[f, m] * (target_cover[f, m] + lead + review_period)
            order = max(target - position, 0.0)
            ask = order * china[f, m]
            to_china = ask * p_hat[f, m]
            total[f, m] = order
            china_out[f, m] = to_china
            nonchina_out[f, m] = order * nonchina[f, m]
            spot_out[f, m] = order * spot[f, m] + (ask - to_china)


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


@njit(cache=True)
def _assess_risk(
    p_hat,
    review_var,
    hold_var,
    china,
    risk,
    smoothed,
    normal,
    excess,
    lead_time_scale,
    memory,
    tolerance,
    adapt,
):  # pragma: no cover - compiled
    n_firms, n_mat = p_hat.shape
    for f in range(n_firms):
        for m in range(n_mat):
            uncertainty = (1.0 - p_hat[f, m]) + np.sqrt(
                max(review_var[f, m] + hold_var[f, m], 0.0)
            ) / lead_time_scale
            value = min(max(china[f, m] * uncertainty, 0.0), 1.0)
            risk[f, m] = value
            smoothed[f, m] += (value - smoothed[f, m]) / memory
            if adapt:
                excess[f, m] = max(smoothed[f, m] - normal[f, m] - tolerance, 0.0)


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
    reviewing,
    request,
    ratio,
    excess,
    need,
    china,
    nonchina,
    diversified,
    revert_threshold,
    revert_rate,
    moved,
    reverted,
):  # pragma: no cover - compiled
    n_firms, n_mat = china.shape
    for f in range(n_firms):
        for m in range(n_mat):
            grant = request[f, m] * ratio[m]
            china[f, m] -= grant
            nonchina[f, m] += grant
            diversified[f, m] += grant
            moved[m] += grant * need[f, m]
            calm = reviewing[f] and excess[f, m] < revert_threshold and diversified[f, m] > 0
            back = revert_rate * diversified[f, m] if calm else 0.0
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
    def value_added_per_week(self) -> float:
        return float(self._firms.pop.value_added_week[self.index])

    @property
    def list_status(self) -> str:
        return LIST_NAMES[self._firms.pop.list_status[self.index]]

    @property
    def military_exposure(self) -> float:
        """Hidden from the firm itself; only China's licence authority uses it."""
        return float(self._firms.pop.exposure[self.index])

    @property
    def inventory(self) -> np.ndarray:
        return self._firms.inventory[self.index]

    @property
    def need(self) -> np.ndarray:
        return self._firms.need[self.index]

    @property
    def cover_weeks(self) -> np.ndarray:
        need = self.need
        return np.divide(self.inventory, need, out=np.zeros_like(need), where=need > 0)

    @property
    def target_cover(self) -> np.ndarray:
        return self._firms.target_cover[self.index]

    @property
    def china_share(self) -> np.ndarray:
        return self._firms.china[self.index]

    @property
    def nonchina_share(self) -> np.ndarray:
        return self._firms.nonchina[self.index]

    @property
    def expected_approval(self) -> np.ndarray:
        return self._firms.p_hat[self.index]

    @property
    def perceived_risk(self) -> np.ndarray:
        return self._firms.risk[self.index]

    @property
    def substituted_share(self) -> np.ndarray:
        return self._firms.substituted[self.index]

    def set_inventory(self, material: str, tonnes: float) -> None:
        """Write this firm's inventory of one material (what-if experiments)."""
        if tonnes < 0:
            raise ValueError("inventory must be >= 0")
        self._firms.inventory[self.index, self.model.spec.seeds.materials.index(material)] = tonnes
