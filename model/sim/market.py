"""Prices per material: one world ex-China spot price, contracts, China's export and domestic prices."""

from __future__ import annotations

import numpy as np

from model.config.seeds.parameters import Market as MarketParams
from model.config.seeds.tables import Materials
from model.config.spec import price_bounds


class Market:
    """The ex-China spot price clears the world's ex-China excess demand, bounded; contracts lag spot.

    China's domestic price falls while China's industry holds stock above normal (blocked
    exports it absorbed). China's export price, to every destination, is the domestic price
    times the licence wedge of the regime at the start (licensed exporters then capture
    `export_price_capture` of the gap between the ex-China and domestic prices): it follows
    China's domestic price only, not the ex-China price, since China's exporters are not short
    when a destination is cut off (they hold the blocked volume). A wedge that widens with a
    global tightening is not modelled. Bounds are multiples of each material's reference
    (pre-crisis) price.
    """

    def __init__(self, params: MarketParams, materials: Materials) -> None:
        self.params = params
        self.base = materials.price_usd_per_kg.copy()
        self.base_domestic = materials.china_domestic_price_usd_per_kg.copy()
        self.floor, self.cap = price_bounds(params, materials)
        self.spot = self.base.copy()
        self.contract = self.base.copy()
        self.domestic = self.base_domestic.copy()
        wedge = np.maximum(self.base - self.base_domestic, 0.0)
        self.base_export = self.base_domestic + params.export_price_capture * wedge
        self.export = self.base_export.copy()
        self.export_contract = self.export.copy()
        self.excess = np.zeros_like(self.base)

    @property
    def spot_multiple(self) -> np.ndarray:
        return self.spot / self.base

    @property
    def contract_multiple(self) -> np.ndarray:
        return self.contract / self.base

    @property
    def circumvention_gap(self) -> np.ndarray:
        """Ex-China price over China's export price, relative to that ratio before the shock, - 1."""
        return (self.spot / self.export) / (self.base / self.base_export) - 1.0

    def update(self, world_excess: np.ndarray, china_excess_stock_weeks: np.ndarray) -> None:
        """One week of price moves.

        world_excess: the world's ex-China excess demand, share of its normal weekly demand.
        china_excess_stock_weeks: China's stock above normal, in weeks of its domestic use.
        """
        p = self.params
        self.excess = world_excess
        log_spot = (
            np.log(self.spot)
            + p.price_response * world_excess
            - p.price_reversion * np.log(self.spot / self.base)
        )
        self.spot = np.minimum(np.maximum(np.exp(log_spot), self.floor), self.cap)
        self.contract = self.contract + (self.spot - self.contract) / p.contract_lag_weeks
        log_dom = (
            np.log(self.domestic)
            - p.domestic_price_response * china_excess_stock_weeks
            - p.domestic_price_reversion * np.log(self.domestic / self.base_domestic)
        )
        self.domestic = np.minimum(
            np.maximum(np.exp(log_dom), p.price_floor_multiple * self.base_domestic),
            p.price_cap_multiple * self.base_domestic,
        )
        self.export = self.domestic * (self.base_export / self.base_domestic)
        self.export_contract = (
            self.export_contract + (self.export - self.export_contract) / p.contract_lag_weeks
        )
