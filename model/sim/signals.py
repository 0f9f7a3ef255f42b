"""What governments observe each week: Japan's pain, the severity and visibility of curbs,
China's revenue loss. Trailing windows over recorded weeks; read at the start of a week."""

from __future__ import annotations

import numpy as np

from model.catalogue.units import KG_PER_TONNE, WEEKS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.policy import PolicyState


class Signals:
    """Trailing observations, updated at the end of each recorded week."""

    def __init__(
        self, spec: ModelSpec, normal_china_weekly_t: np.ndarray, export_price_usd_per_kg: np.ndarray
    ) -> None:
        seeds = spec.seeds
        self.japan_window = int(seeds.japan_policy.signal_window_weeks)
        self.china_window = int(seeds.china_policy.revenue_window_weeks)
        size = max(self.japan_window, self.china_window)
        self.gdp_yen = seeds.economy.gdp_yen
        self.price_weight = seeds.materials.price_usd_per_kg
        materials = seeds.materials
        normal_value = normal_china_weekly_t * materials.price_usd_per_kg
        routine_denied = np.where(materials.controlled, 1.0 - seeds.licensing.routine_approval, 0.0)
        self.normal_denial = float(routine_denied @ normal_value / normal_value.sum())
        self.denial_scale = seeds.japan_policy.visibility_denial_scale
        self.normal_revenue = float(normal_china_weekly_t @ export_price_usd_per_kg) * KG_PER_TONNE
        self._va_lost = np.zeros(size)
        self._ordered = np.zeros(size)
        self._blocked = np.zeros(size)
        self._revenue = np.full(size, self.normal_revenue)
        self.count = 0
        self.severity = 0.0

    def update(
        self,
        va_lost_yen: float,
        china_shipped_t: np.ndarray,
        blocked_t: np.ndarray,
        export_revenue_usd: float,
        unmet: np.ndarray,
        need: np.ndarray,
    ) -> None:
        """Add one week's observations (tonnes per material where arrays)."""
        slot = self.count % len(self._va_lost)
        self._va_lost[slot] = va_lost_yen
        self._blocked[slot] = blocked_t @ self.price_weight
        self._ordered[slot] = (blocked_t + china_shipped_t) @ self.price_weight
        self._revenue[slot] = export_revenue_usd
        self.count += 1
        value_need = need @ self.price_weight
        self.severity = float(unmet @ self.price_weight / value_need) if value_need > 0 else 0.0

    def set_normal_revenue(self, usd_per_week: float) -> None:
        """China's normal weekly revenue from Japan: what the settled spin-up earned at starting prices."""
        self.normal_revenue = float(usd_per_week)
        self._revenue[:] = self.normal_revenue

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
        return float(100.0 * lost.mean() * WEEKS_PER_YEAR / self.gdp_yen)

    @property
    def excess_denial_rate(self) -> float:
        """Value share of Japan's China orders blocked (denied, lapsed, refused) above normal."""
        ordered = self._last(self._ordered, self.japan_window).sum()
        if ordered <= 0:
            return 0.0
        blocked = self._last(self._blocked, self.japan_window).sum()
        return max(0.0, float(blocked / ordered) - self.normal_denial)

    @property
    def revenue_loss_share(self) -> float:
        """China's export revenue shortfall against normal, over its window (negative: a gain)."""
        revenue = self._last(self._revenue, self.china_window)
        if len(revenue) == 0 or self.normal_revenue <= 0:
            return 0.0
        return float(1.0 - revenue.mean() / self.normal_revenue)

    def visibility(self, policy: PolicyState) -> float:
        """How evident China's coercion is: 1 for a formal measure, denial evidence otherwise."""
        if not policy.active:
            return 0.0
        if policy.formal:
            return 1.0
        return min(1.0, self.excess_denial_rate / self.denial_scale)
