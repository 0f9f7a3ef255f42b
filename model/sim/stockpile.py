"""A strategic stockpile per material: releases to short firms, refills in calm times."""

from __future__ import annotations

import numpy as np

from model.config.seeds.parameters import Stockpile as StockpileRules
from model.sim.kernels import col_sums


class Stockpile:
    """Releases when last week's national shortfall passes the threshold, up to a weekly cap,
    to the firms that were short in proportion to their unmet need; refills (if allowed) after
    `refill_calm_weeks` without shortfall by buying on the spot market until full.
    """

    def __init__(self, rules: StockpileRules, target_t: np.ndarray, fill_share: float, refills: bool) -> None:
        self.rules = rules
        self.target = target_t.astype(float)
        self.stock = self.target * fill_share
        self.initial = self.stock.copy()
        self.refills = refills
        self.calm_weeks = np.full(len(self.target), rules.refill_calm_weeks)
        self.released = np.zeros_like(self.target)
        self.refill_order = np.zeros_like(self.target)
        self._nothing: np.ndarray | None = None

    def fill(self, target_t: np.ndarray) -> None:
        """Set a new target and stock it at once (a pool handed over, e.g. by allies)."""
        self.target = target_t.astype(float)
        self.stock = self.target.copy()
        self.initial = self.stock.copy()

    def release(
        self, last_shortfall: np.ndarray, last_unmet: np.ndarray, already: np.ndarray | None = None
    ) -> np.ndarray:
        """Releases to firms this week (firms x materials, tonnes).

        `already`: releases other stockpiles made this week, to be netted off the unmet need.
        """
        r = self.rules
        short = last_shortfall > r.release_shortfall_threshold
        if not short.any():  # nothing to release: same numbers, no work
            self.released = np.zeros_like(self.stock)
            if self._nothing is None or self._nothing.shape != last_unmet.shape:
                self._nothing = np.zeros_like(last_unmet)
            return self._nothing
        if already is not None:
            last_unmet = last_unmet - already
        wanted = col_sums(last_unmet)
        cap = np.minimum.reduce([self.stock, r.max_release_share_per_week * self.target, wanted])
        amount = np.where(short, cap, 0.0)
        share = np.divide(last_unmet, wanted, out=np.zeros_like(last_unmet), where=wanted > 0)
        to_firms = share * amount[None, :]
        self.released = col_sums(to_firms)
        self.stock = self.stock - self.released
        return to_firms

    def plan_refill(self) -> np.ndarray:
        """Tonnes to buy on the spot market this week."""
        if not self.refills:
            self.refill_order = np.zeros_like(self.target)
            return self.refill_order
        r = self.rules
        calm = self.calm_weeks >= r.refill_calm_weeks
        gap = np.maximum(self.target - self.stock, 0.0)
        self.refill_order = np.where(calm, np.minimum(gap, r.refill_share_per_week * self.target), 0.0)
        return self.refill_order

    def receive_refill(self, tonnes: np.ndarray) -> None:
        self.stock = self.stock + tonnes

    def observe(self, shortfall: np.ndarray) -> None:
        """Count calm weeks per material (no national shortfall)."""
        calm = shortfall <= self.rules.release_shortfall_threshold
        self.calm_weeks = np.where(calm, self.calm_weeks + 1, 0)
