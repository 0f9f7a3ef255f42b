"""Rest-of-world buyer blocks (EU, US, Korea+Taiwan, other): aggregate state per material.

Each block is a Mesa agent (`RegionBuyer`) reading its row of `Regions`, which holds the
numbers of all blocks as arrays (blocks x materials). The rules are Japan's firms' rules,
aggregated: order up to a target cover; China orders of licensed materials go through the
global licence regime (reviews and denials for every destination; routine denials are
filed again, denials expected beyond routine are sought spot); non-China volume is
bought under take-or-pay offtakes and spot; cover rises with perceived risk (hoarding);
demand falls with price; sustained risk moves China volume to offtakes when capacity is free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from mesa import Agent

from model.catalogue.units import WEEKS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.kernels import col_sums
from model.sim.licensing import civil_approval, review_week_shares
from model.sim.logistics import CHINA, NONCHINA

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel
    from model.sim.policy import PolicyState

FROM_CHINA, FROM_NONCHINA = CHINA, NONCHINA  # the blocks' arrivals by origin (logistics.ORIGINS)


class RegionOrders(NamedTuple):
    """This week's orders of the blocks by channel (t, blocks x materials)."""

    china: np.ndarray
    offtake: np.ndarray
    spot: np.ndarray


class RegionFlows(NamedTuple):
    """What the blocks got this week (t per material, summed over blocks)."""

    china_shipped: np.ndarray
    nonchina_shipped: np.ndarray
    delivered_china: np.ndarray
    delivered_nonchina: np.ndarray


class Regions:
    """All rest-of-world blocks, vectorised over blocks x materials."""

    def __init__(self, spec: ModelSpec, licensed: np.ndarray, start_week: int, licensing: bool) -> None:
        seeds = spec.seeds
        regions, self.rules = seeds.regions, seeds.regions.behaviour
        self.names = regions.names
        self.lic, self.log = seeds.licensing, seeds.logistics
        self.licensed = licensed  # controlled materials: licensed once the regime has begun
        licensed_now = licensed & licensing  # at the start
        self.take_or_pay = seeds.behaviour.take_or_pay_share
        self.term_weeks = int(seeds.behaviour.offtake_term_weeks)
        r = self.rules
        self.normal_need = regions.demand_t / WEEKS_PER_YEAR
        self.need = self.normal_need.copy()
        self.use_factor = np.ones_like(self.need)
        self.china = regions.china_share.copy()
        nonchina = 1.0 - self.china
        self.offtake = nonchina * r.offtake_share_of_nonchina
        self.spot = nonchina - self.offtake
        self.committed = self.offtake * self.normal_need  # take-or-pay volumes, t/week
        self._routine = np.where(licensed, self.lic.routine_approval, 1.0)[None, :]
        self.p_hat = np.where(licensed_now, self.lic.routine_approval, 1.0)[None, :] * np.ones_like(self.need)
        self.target_cover = np.full_like(self.need, r.base_cover_weeks)
        self.inventory = self.target_cover * self.need
        self.delivered_smoothed = self.need.copy()
        self.unmet = np.zeros_like(self.need)
        self.consumption = self.need.copy()
        self.ordered = col_sums(self.need)
        self.risk = self._raw_risk(np.ones(self.need.shape[1]))
        self.normal_risk = self.risk.copy()
        self.excess_risk = np.zeros_like(self.need)
        self.diversified_this_week = np.zeros(self.need.shape[1])
        self.horizon = (
            int(self.log.china_transit_weeks + self.lic.max_review_weeks + self.log.nonchina_lead_weeks) + 1
        )
        self.arrivals = np.zeros((self.horizon, max(FROM_CHINA, FROM_NONCHINA) + 1, *self.need.shape))
        self.signed_week = np.zeros(self.need.shape, dtype=np.int64)  # last offtake signed per cell
        self.moved = np.zeros_like(self.need)  # China share moved to offtakes, still under contract
        self._request = np.zeros_like(self.need)
        self.in_transit = np.zeros_like(self.need)
        self._arrival_shares: dict[tuple[float, bytes], np.ndarray] = {}
        self._prefill(start_week, licensed_now)

    # 4. orders -----------------------------------------------------------------------------------
    def place_orders(self, policy: PolicyState, price_gap: np.ndarray) -> RegionOrders:
        """Order up to target cover plus lead time; offtakes first (take-or-pay), then China and spot.

        Spot buyers turn to China when China's export price is far below the ex-China price:
        a share 1 - exp(-gap / switch_gap_scale) of the spot part goes to China instead, which
        frees non-China material for others (China's exports to third countries in the pool).
        """
        shares = self._china_arrival_shares(policy.global_intensity, self.licensed & policy.licensing)
        china_lead = np.arange(self.horizon) @ shares  # expected weeks from order to arrival
        lead = (
            self.china * china_lead
            + self.offtake * self.log.nonchina_lead_weeks
            + self.spot * self.log.spot_lead_weeks
        )
        target = self.need * (self.target_cover + lead + 1.0)
        order = np.maximum(target - self.inventory - self.in_transit, 0.0)
        offtake = np.clip(order, self.take_or_pay * self.committed, self.committed)
        rest = np.maximum(order - offtake, 0.0)
        open_share = self.china + self.spot
        china_part = np.divide(self.china, open_share, out=np.zeros_like(rest), where=open_share > 0)
        switch = 1.0 - np.exp(-np.maximum(price_gap, 0.0) / self.rules.switch_gap_scale)
        china_part = china_part + (1.0 - china_part) * switch[None, :]
        ask = rest * china_part
        # routine denials are filed again with China; what the blocks expect China to deny beyond
        # routine (a tightening) they seek on the spot market
        to_china = ask * np.minimum(self.p_hat / self._routine, 1.0)
        self.ordered = col_sums(offtake + rest)
        return RegionOrders(china=to_china, offtake=offtake, spot=rest - to_china)

    # 5. shipments ----------------------------------------------------------------------------------
    def ship(
        self,
        week: int,
        orders: RegionOrders,
        policy: PolicyState,
        offtake_fill: np.ndarray,
        spot_fill: np.ndarray,
    ) -> None:
        """China ships under the global regime (licensed: reviewed and partly denied); the world pool
        fills offtakes and spot at the given shares."""
        licensed = self.licensed & policy.licensing  # before the regime begins nothing needs a licence
        approval = np.where(licensed, self._approval(policy.global_intensity), 1.0)
        approved = orders.china * approval[None, :]
        self._ship_spread(
            week, FROM_CHINA, approved, self._china_arrival_shares(policy.global_intensity, licensed)
        )
        offtake = orders.offtake * offtake_fill[None, :]
        spot = orders.spot * spot_fill[None, :]
        n_mat = len(licensed)
        self._ship(week, FROM_NONCHINA, offtake, np.full(n_mat, int(self.log.nonchina_lead_weeks)))
        self._ship(week, FROM_NONCHINA, spot, np.full(n_mat, int(self.log.spot_lead_weeks)))
        rate = self.rules.belief_learning_rate
        asked = orders.china > 0
        self.p_hat = np.where(
            asked & licensed[None, :], self.p_hat + rate * (approval[None, :] - self.p_hat), self.p_hat
        )
        self._week_china = col_sums(approved)
        self._week_nonchina = col_sums(offtake + spot)

    # 6. deliveries and 8. use -------------------------------------------------------------------------
    def deliver(self, week: int, smoothing_weeks: float) -> RegionFlows:
        """This week's arrivals into the blocks' stocks; returns the week's flows (t per material)."""
        slot = week % self.horizon
        arrived = self.arrivals[slot].copy()
        self.arrivals[slot] = 0.0
        total = arrived.sum(axis=0)  # origins x blocks x materials: by block
        self.in_transit -= total
        self.inventory += total
        self.delivered_smoothed += (total - self.delivered_smoothed) / smoothing_weeks
        return RegionFlows(
            self.china_shipped,
            self._week_nonchina,
            col_sums(arrived[FROM_CHINA]),
            col_sums(arrived[FROM_NONCHINA]),
        )

    def use(self) -> None:
        """Use what stock allows; the rest of need is unmet (no value-added detail outside Japan)."""
        use = np.minimum(self.need, self.inventory)
        self.unmet = self.need - use
        self.inventory -= use
        self.consumption = use

    @property
    def china_shipped(self) -> np.ndarray:
        """China's shipments to the blocks this week, t per material."""
        return self._week_china

    def excess_demand_t(self, inventory_adjust_weeks: float) -> np.ndarray:
        """Need plus extra stock wanted minus smoothed deliveries, t/week per material."""
        base = self.rules.base_cover_weeks * self.need
        wanted = np.maximum(
            self.target_cover * self.need - base - np.maximum(self.inventory - base, 0.0), 0.0
        )
        return col_sums(self.need + wanted / inventory_adjust_weeks - self.delivered_smoothed)

    # 9. beliefs and adaptation ----------------------------------------------------------------------------
    def adapt(self, spot_multiple: np.ndarray, contract_multiple: np.ndarray) -> None:
        """Perceived risk (denials, rising prices, shortfalls), hoarding and demand response."""
        r = self.rules
        raw = self._raw_risk(spot_multiple) + np.divide(
            self.unmet, self.need, out=np.zeros_like(self.need), where=self.need > 0
        )
        self.risk += (raw - self.risk) / r.risk_memory_weeks
        self.excess_risk = np.maximum(self.risk - self.normal_risk - r.risk_tolerance, 0.0)
        pressure = np.minimum(r.hoard_sensitivity * self.excess_risk, 1.0)
        desired = r.base_cover_weeks + (r.max_cover_weeks - r.base_cover_weeks) * pressure
        self.target_cover += (desired - self.target_cover) / r.cover_adjust_weeks
        target_use = np.minimum(np.power(contract_multiple, -r.demand_elasticity), 1.0)[None, :]
        self.use_factor += (target_use - self.use_factor) / r.demand_adjust_weeks
        self.need = self.normal_need * self.use_factor

    def diversification_request(self, week: int) -> np.ndarray:
        """China volume (t/week) the blocks want moved to offtakes on this review (0 off review weeks)."""
        r = self.rules
        if week % int(r.sourcing_review_weeks) != 0:
            return np.zeros(self.need.shape[1])
        want = (self.excess_risk > r.diversify_risk_threshold) & (self.china > 0)
        self._request = np.where(want, r.diversify_rate * self.china, 0.0)
        return col_sums(self._request * self.normal_need)

    def diversify(self, week: int, granted_share: np.ndarray) -> None:
        """Move the granted share of the requested China volume to offtakes, signed for
        `offtake_term_weeks`; where risk is back to normal and the term has run out,
        `revert_rate` of the moved volume returns to China (on review weeks)."""
        r = self.rules
        moved = self._request * np.minimum(granted_share, 1.0)[None, :]
        self.signed_week = np.where(moved > 0, week, self.signed_week)
        reviewing = week % int(r.sourcing_review_weeks) == 0
        expired = week - self.signed_week >= self.term_weeks
        calm = reviewing & expired & (self.excess_risk < r.revert_risk_threshold) & (self.moved > 0)
        back = np.where(calm, r.revert_rate * self.moved, 0.0)
        self.china += back - moved
        self.offtake += moved - back
        self.moved += moved - back
        self.committed = self.offtake * self.normal_need
        self.diversified_this_week = col_sums((moved - back) * self.normal_need)
        self._request = np.zeros_like(self.need)

    # helpers ---------------------------------------------------------------------------------------------
    def _approval(self, intensity: float) -> np.ndarray:
        return np.full(len(self.licensed), civil_approval(self.lic, intensity))

    def _china_arrival_shares(self, intensity: float, licensed: np.ndarray) -> np.ndarray:
        """Shares of a week's China volume arriving d = 0..horizon-1 weeks after it ships, per
        material: licensed volume after a review spread over the review distribution
        (`review_week_shares`: many applications, each reviewed as a firm's is), then transit;
        unlicensed volume after transit alone."""
        key = (float(intensity), licensed.tobytes())
        shares = self._arrival_shares.get(key)
        if shares is None:
            transit = round(self.log.china_transit_weeks)
            shares = np.zeros((self.horizon, len(licensed)))
            shares[transit, ~licensed] = 1.0
            if licensed.any():
                review = review_week_shares(self.lic, intensity)
                shares[transit + 1 : transit + 1 + len(review)][:, licensed] = review[:, None]
            self._arrival_shares[key] = shares
        return shares

    def _raw_risk(self, spot_multiple: np.ndarray) -> np.ndarray:
        price = self.rules.price_risk_weight * np.maximum(np.log(spot_multiple), 0.0)[None, :]
        return self.china * (1.0 - self.p_hat) + price

    def _ship(self, week: int, origin: int, qty: np.ndarray, delay: np.ndarray) -> None:
        """Ship `qty` (blocks x materials) arriving `delay[m]` weeks from now, per material."""
        if delay.min() < 1 or delay.max() >= self.horizon:
            raise ValueError(f"rest-of-world shipment delay outside [1, {self.horizon - 1}] weeks")
        materials = np.arange(qty.shape[1])
        self.arrivals[(week + delay) % self.horizon, origin, :, materials] += qty.T
        self.in_transit += qty

    def _ship_spread(self, week: int, origin: int, qty: np.ndarray, shares: np.ndarray) -> None:
        """Ship `qty` (blocks x materials), a share `shares[d, m]` of it arriving d weeks from now."""
        ahead = np.flatnonzero(shares.any(axis=1))
        if ahead[0] < 1:
            raise ValueError(f"rest-of-world shipment delay outside [1, {self.horizon - 1}] weeks")
        self.arrivals[(week + ahead) % self.horizon, origin] += shares[ahead][:, None, :] * qty[None, :, :]
        self.in_transit += qty

    def _prefill(self, start: int, licensed: np.ndarray) -> None:
        """Start in steady state: every lane carries one week's normal volume per week of lead time
        (the China lane: per week still to arrive, at the shares of the arrival distribution)."""
        shares = self._china_arrival_shares(0.0, licensed)
        still_due = shares[::-1].cumsum(axis=0)[::-1]  # share arriving d or more weeks after shipping
        weekly = self.china * self.need
        for ahead in range(self.horizon - 1):
            pipeline = weekly * still_due[ahead + 1][None, :]
            self.arrivals[(start + ahead) % self.horizon, FROM_CHINA] += pipeline
            self.in_transit += pipeline
        approval = np.where(licensed, self._approval(0.0), 1.0)
        for m in range(self.need.shape[1]):
            lanes = (
                (FROM_NONCHINA, self.offtake[:, m] * self.need[:, m], int(self.log.nonchina_lead_weeks)),
                (FROM_NONCHINA, self.spot[:, m] * self.need[:, m], int(self.log.spot_lead_weeks)),
            )
            for origin, weekly, lead in lanes:
                for ahead in range(lead):
                    self.arrivals[(start + ahead) % self.horizon, origin, :, m] += weekly
                    self.in_transit[:, m] += weekly
        self._week_china = col_sums(self.china * self.need) * approval
        self._week_nonchina = col_sums((1.0 - self.china) * self.need)


class RegionBuyer(Agent):
    """A rest-of-world buyer block (EU, US, ...); its numbers live in row `index` of `Regions`."""

    def __init__(self, model: GreyzoneModel, index: int, name: str) -> None:
        super().__init__(model)
        self.index = int(index)
        self.name = name

    @property
    def inventory(self) -> np.ndarray:
        """This block's inventory per material, t."""
        return self.model.regions.inventory[self.index]

    @property
    def china_share(self) -> np.ndarray:
        """China's share of this block's sourcing per material."""
        return self.model.regions.china[self.index]
