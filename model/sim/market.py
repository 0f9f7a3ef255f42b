"""Prices per material: ex-China spot and contract prices, and China's domestic price."""

from __future__ import annotations

import numpy as np

from model.catalogue.units import WEEKS_PER_YEAR
from model.config.seeds.parameters import Market as MarketParams
from model.config.seeds.tables import Materials


class Market:
    """Ex-China spot price moves with excess demand, bounded; contracts lag spot.

    China's domestic price is separate: blocked exports diverted home depress it.
    """

    def __init__(self, params: MarketParams, materials: Materials) -> None:
        self.params = params
        self.base = materials.price_usd_per_kg.copy()
        self.base_domestic = materials.china_domestic_price_usd_per_kg.copy()
        self.domestic_weekly_demand = materials.china_domestic_demand_t / WEEKS_PER_YEAR
        self.spot = self.base.copy()
        self.contract = self.base.copy()
        self.domestic = self.base_domestic.copy()
        self.excess = np.zeros_like(self.base)

    @property
    def spot_multiple(self) -> np.ndarray:
        return self.spot / self.base

    @property
    def contract_multiple(self) -> np.ndarray:
        return self.contract / self.base

    def update(self, excess: np.ndarray, diverted_t: np.ndarray) -> None:
        """One week of price moves given excess demand (share of normal weekly demand)."""
        p = self.params
        self.excess = excess
        log_gap = np.log(self.spot / self.base)
        log_spot = np.log(self.spot) + p.price_response * excess - p.price_reversion * log_gap
        self.spot = np.clip(
            np.exp(log_spot), p.price_floor_multiple * self.base, p.price_cap_multiple * self.base
        )
        self.contract = self.contract + (self.spot - self.contract) / p.contract_lag_weeks
        diverted_share = diverted_t / self.domestic_weekly_demand
        log_dom_gap = np.log(self.domestic / self.base_domestic)
        log_dom = (
            np.log(self.domestic)
            - p.domestic_price_response * diverted_share
            - p.domestic_price_reversion * log_dom_gap
        )
        self.domestic = np.clip(
            np.exp(log_dom),
            p.price_floor_multiple * self.base_domestic,
            p.price_cap_multiple * self.base_domestic,
        )
