"""Visibility of China's coercion: what outsiders can observe, each observation with its lag.

Firms and industry associations report denials and delays `report_lag_weeks` late; monthly
trade statistics are published `trade_statistics_lag_weeks` after the month's end. A formal
(announced) measure is visible at once; a grey zone becomes visible as its evidence accumulates
(seeds/visibility).
"""

from __future__ import annotations

import math

import numpy as np

from model.catalogue.units import WEEKS_PER_YEAR
from model.config.seeds.parameters import Visibility
from model.sim.policy import PolicyState

MONTH_WEEKS = WEEKS_PER_YEAR / 12.0  # trade statistics are monthly


class Evidence:
    """Weekly observations (from the spin-up on) and the visibility they add up to."""

    def __init__(self, rules: Visibility, normal_denial: float, first_week: int) -> None:
        self.rules = rules
        self.normal_denial = normal_denial
        self.first_week = first_week
        self.report_lag = round(rules.report_lag_weeks)
        self.blocked_share: list[float] = []
        self.lead_weeks: list[float] = []
        self.imports: list[float] = []
        self.normal_lead = 0.0
        self.normal_imports = 0.0
        self.accumulated = 0.0
        self.visibility = 0.0
        self.since: int | None = None  # index of the first week of the measure now in force
        self.latest = (0.0, 0.0, 0.0)  # this week's evidence: denials, delays, trade statistics

    def observe(self, blocked_share: float, lead_weeks: float, imports_value: float) -> None:
        """Add one week: blocked share of Japan's China orders (value), China lead time (weeks),
        Japan's imports from China (value)."""
        self.blocked_share.append(blocked_share)
        self.lead_weeks.append(lead_weeks)
        self.imports.append(imports_value)

    def set_normal(self, weeks: int) -> None:
        """Normal lead time and imports: the mean of the last `weeks` observed (end of the spin-up)."""
        if self.imports:
            n = min(weeks, len(self.imports))
            self.normal_lead = float(np.mean(self.lead_weeks[-n:]))
            self.normal_imports = float(np.mean(self.imports[-n:]))

    def update(self, week: int, policy: PolicyState) -> float:
        """This week's visibility (read by Japan's government and the coalition's members)."""
        r = self.rules
        if not policy.targets_japan:
            self.since = None
            self.accumulated *= 1.0 - r.decay
            self.latest = (0.0, 0.0, 0.0)
            self.visibility = 1.0 if policy.announced else 0.0
            return self.visibility
        if self.since is None:  # only weeks of this measure are evidence of it
            self.since = self._index(week)
        denials, delays = self._reported(week)
        trade = self._published(week)
        self.latest = (denials, delays, trade)
        evidence = 1.0 - (1.0 - denials) * (1.0 - delays) * (1.0 - trade)
        self.accumulated = self.accumulated * (1.0 - r.decay) + evidence / r.weeks_to_visible
        self.visibility = 1.0 if policy.announced else min(1.0, self.accumulated)
        return self.visibility

    def _index(self, week: int) -> int:
        return week - self.first_week

    def _reported(self, week: int) -> tuple[float, float]:
        """Denials and delays over the month that firms reported `report_lag_weeks` ago (weeks of
        the measure in force only)."""
        end = self._index(week) - self.report_lag
        start = max(0, end - round(MONTH_WEEKS), self.since or 0)
        if end <= start or end > len(self.blocked_share):
            return 0.0, 0.0
        blocked = float(np.mean(self.blocked_share[start:end]))
        lead = float(np.mean(self.lead_weeks[start:end]))
        r = self.rules
        denials = min(1.0, max(0.0, blocked - self.normal_denial) / r.denial_scale)
        delays = min(1.0, max(0.0, lead - self.normal_lead) / r.delay_scale_weeks)
        return denials, delays

    def _published(self, week: int) -> float:
        """The fall in Japan's imports from China in the latest published monthly statistics."""
        month = math.floor((week - self.rules.trade_statistics_lag_weeks) / MONTH_WEEKS) - 1
        lo = self._index(math.ceil(month * MONTH_WEEKS))
        hi = self._index(math.ceil((month + 1) * MONTH_WEEKS))
        lo = max(lo, self.since or 0)  # the part of the month under the measure
        if lo < 0 or hi > len(self.imports) or hi <= lo or self.normal_imports <= 0:
            return 0.0
        drop = 1.0 - float(np.mean(self.imports[lo:hi])) / self.normal_imports
        return min(1.0, max(0.0, drop) / self.rules.import_drop_scale)
