"""China's domestic industry: the absorber of blocked exports, and China's mass balance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from model.catalogue.units import WEEKS_PER_YEAR
from model.config.seeds.parameters import Market as MarketParams
from model.config.seeds.tables import Materials

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel


class ChinaIndustry(Agent):
    """China's producers and users of rare earths, aggregated per material.

    Production = domestic use + exports + stock change, every week. Production runs at its
    normal level (domestic demand plus normal exports) less the stock above normal worked off
    over `china_production_adjust_weeks`; domestic use responds to the domestic price. Exports
    China could not ship (blocked, denied, held back) therefore pile up as stock, which
    depresses the domestic price (Market) until production and use absorb it.
    """

    def __init__(
        self,
        model: GreyzoneModel,
        params: MarketParams,
        materials: Materials,
        normal_exports_t: np.ndarray,
    ) -> None:
        super().__init__(model)
        self.params = params
        self.domestic_weekly = materials.china_domestic_demand_t / WEEKS_PER_YEAR
        self.normal_exports = normal_exports_t.copy()
        self.normal_production = self.domestic_weekly + normal_exports_t
        self.excess_stock = np.zeros_like(self.domestic_weekly)  # t above normal (may be < 0)
        self.production = self.normal_production.copy()
        self.domestic_use = self.domestic_weekly.copy()
        self.exports = normal_exports_t.copy()

    def reset_normal(self, normal_exports_t: np.ndarray) -> None:
        """Take the settled exports of the spin-up as normal, with stock at its normal level."""
        self.normal_exports = normal_exports_t.copy()
        self.normal_production = self.domestic_weekly + normal_exports_t
        self.excess_stock = np.zeros_like(self.domestic_weekly)

    def settle(self, exports_t: np.ndarray, domestic_price_multiple: np.ndarray) -> None:
        """Book a week's exports (t per material): production, domestic use and the stock change."""
        p = self.params
        self.exports = exports_t
        self.production = np.maximum(
            self.normal_production - self.excess_stock / p.china_production_adjust_weeks, 0.0
        )
        self.domestic_use = self.domestic_weekly * np.power(
            domestic_price_multiple, -p.china_domestic_elasticity
        )
        self.excess_stock = self.excess_stock + self.production - self.domestic_use - exports_t

    @property
    def excess_stock_weeks(self) -> np.ndarray:
        """Stock above normal in weeks of domestic use."""
        return self.excess_stock / self.domestic_weekly
