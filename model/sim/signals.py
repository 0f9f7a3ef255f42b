"""What governments observe each week: Japan's pain and shortfall, the blocks' shortfalls,
China's export revenue (from Japan and from the world) and China's share of the world's sourcing.
Trailing windows over recorded weeks; read at the start of a week."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from model.catalogue.units import KG_PER_TONNE, WEEKS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.kernels import ratio

PERCENT = 100.0


class WeekSignals(NamedTuple):
    """One recorded week's observations (tonnes per material unless stated)."""

    va_lost_yen: float
    japan_revenue_usd: float  # China's export revenue from Japan
    row_revenue_usd: float  # China's export revenue from the rest of the world
    japan_unmet_t: np.ndarray
    japan_need_t: np.ndarray
    block_unmet_t: np.ndarray  # blocks x materials
    block_need_t: np.ndarray
    world_china_t: np.ndarray  # need outside China (Japan and blocks) sourced from China by contract
    world_total_t: np.ndarray  # all need outside China


class Signals:
    """Trailing observations, updated at the end of each recorded week.

    Shares of supply and shortfalls are weighted by value at the seeded reference prices, so
    that a metric means the same whatever the week's prices.
    """

    def __init__(
        self, spec: ModelSpec, normal_china_weekly_t: np.ndarray, export_price_usd_per_kg: np.ndarray
    ) -> None:
        seeds = spec.seeds
        self.japan_window = int(seeds.japan_policy.signal_window_weeks)
        self.china_window = int(seeds.china_policy.revenue_window_weeks)
        size = max(self.japan_window, self.china_window)
        self.gdp_yen = seeds.economy.gdp_yen
        self.price_weight = seeds.materials.price_usd_per_kg
        self.normal_revenue = float(normal_china_weekly_t @ export_price_usd_per_kg) * KG_PER_TONNE
        self.normal_row_revenue = 0.0
        self.normal_world_share = 0.0
        self._va_lost = np.zeros(size)
        self._revenue = np.full(size, self.normal_revenue)
        self._global_revenue = np.full(size, self.normal_revenue)
        self._world_china = np.zeros(size)
        self._world_total = np.zeros(size)
        self.count = 0
        self.severity = 0.0
        self.block_severity = np.zeros(len(seeds.regions.names))

    def update(self, week: WeekSignals) -> None:
        """Add one week's observations."""
        slot = self.count % len(self._va_lost)
        self._va_lost[slot] = week.va_lost_yen
        self._revenue[slot] = week.japan_revenue_usd
        self._global_revenue[slot] = week.japan_revenue_usd + week.row_revenue_usd
        self._world_china[slot] = week.world_china_t @ self.price_weight
        self._world_total[slot] = week.world_total_t @ self.price_weight
        self.count += 1
        self.severity = _share(week.japan_unmet_t @ self.price_weight, week.japan_need_t @ self.price_weight)
        block_need = week.block_need_t @ self.price_weight
        self.block_severity = ratio(week.block_unmet_t @ self.price_weight, block_need, 0.0)

    def set_normal(
        self,
        japan_revenue_usd: float,
        row_revenue_usd: float,
        world_china_t: np.ndarray,
        world_total_t: np.ndarray,
    ) -> None:
        """Normal levels from the settled spin-up: China's weekly revenue from Japan and from the
        rest of the world at starting prices, and its share of the world's sourcing (value)."""
        self.normal_revenue = float(japan_revenue_usd)
        self.normal_row_revenue = float(row_revenue_usd)
        self._revenue[:] = self.normal_revenue
        self._global_revenue[:] = self.normal_revenue + self.normal_row_revenue
        self.normal_world_share = _share(world_china_t @ self.price_weight, world_total_t @ self.price_weight)

    def _last(self, values: np.ndarray, window: int) -> np.ndarray:
        n = min(window, self.count, len(values))
        idx = (self.count - 1 - np.arange(n)) % len(values)
        return values[idx]

    @property
    def pain_pct_gdp(self) -> float:
        """Japan's value added lost over the window, annualised, % of GDP."""
        lost = self._last(self._va_lost, self.japan_window)
        if len(lost) == 0:
            return 0.0
        return float(PERCENT * lost.mean() * WEEKS_PER_YEAR / self.gdp_yen)

    @property
    def revenue_loss_share(self) -> float:
        """China's export revenue from Japan below normal, over its window (negative: a gain)."""
        return self._loss(self._revenue, self.normal_revenue)

    @property
    def global_revenue_loss_share(self) -> float:
        """China's export revenue from every destination below normal, over its window."""
        return self._loss(self._global_revenue, self.normal_revenue + self.normal_row_revenue)

    @property
    def world_share(self) -> float:
        """China's share (value) of the world's sourcing outside China over its window: the
        contracts buyers hold, so diversification moves it and a blocked shipment does not."""
        china = self._last(self._world_china, self.china_window).sum()
        total = self._last(self._world_total, self.china_window).sum()
        return _share(china, total) if self.count else self.normal_world_share

    @property
    def world_share_loss_points(self) -> float:
        """Points of China's world share lost against normal (other regions diversifying)."""
        return PERCENT * (self.normal_world_share - self.world_share)

    def _loss(self, values: np.ndarray, normal: float) -> float:
        revenue = self._last(values, self.china_window)
        if len(revenue) == 0 or normal <= 0:
            return 0.0
        return float(1.0 - revenue.mean() / normal)


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0
