"""Japan's government: the JOGMEC national stockpile (strategic rules come later)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from model.config.calibration import Materials
from model.config.parameters import Stockpile

if TYPE_CHECKING:
    from model.model import GreyzoneModel

DAYS_PER_YEAR = 365.0


class JapanGovernment(Agent):
    """Holds the JOGMEC stockpile per material; releases on national shortfall, refills in calm.

    Release: when last week's national shortfall share passes the threshold, up to
    `max_release_share_per_week` of the target stock goes to the firms that were short,
    in proportion to their unmet need. Refill: after `refill_calm_weeks` without shortfall,
    buy `refill_share_per_week` of the target on the spot market until full.
    """

    def __init__(self, model: GreyzoneModel, rules: Stockpile, materials: Materials) -> None:
        super().__init__(model)
        self.rules = rules
        self.target = materials.stockpile_days / DAYS_PER_YEAR * materials.japan_demand_t
        self.stock = self.target * rules.initial_fill_share
        self.initial_stock = self.stock.copy()
        self.calm_weeks = np.full(len(self.target), rules.refill_calm_weeks)
        self.released = np.zeros_like(self.target)
        self.refilled = np.zeros_like(self.target)
        self.refill_order = np.zeros_like(self.target)

    def release(self, last_shortfall: np.ndarray, last_unmet: np.ndarray) -> np.ndarray:
        """Releases to firms this week (firms x materials, tonnes)."""
        r = self.rules
        short = last_shortfall > r.release_shortfall_threshold
        wanted = last_unmet.sum(axis=0)
        amount = np.where(
            short,
            np.minimum.reduce([self.stock, r.max_release_share_per_week * self.target, wanted]),
            0.0,
        )
        share = np.divide(last_unmet, wanted, out=np.zeros_like(last_unmet), where=wanted > 0)
        to_firms = share * amount[None, :]
        self.released = to_firms.sum(axis=0)
        self.stock = self.stock - self.released
        return to_firms

    def plan_refill(self) -> np.ndarray:
        """Tonnes the stockpile wants to buy on the spot market this week."""
        r = self.rules
        calm = self.calm_weeks >= r.refill_calm_weeks
        gap = np.maximum(self.target - self.stock, 0.0)
        self.refill_order = np.where(calm, np.minimum(gap, r.refill_share_per_week * self.target), 0.0)
        return self.refill_order

    def receive_refill(self, tonnes: np.ndarray) -> None:
        self.refilled = tonnes
        self.stock = self.stock + tonnes

    def observe(self, shortfall: np.ndarray) -> None:
        """Count calm weeks per material (no national shortfall)."""
        calm = shortfall <= self.rules.release_shortfall_threshold
        self.calm_weeks = np.where(calm, self.calm_weeks + 1, 0)
