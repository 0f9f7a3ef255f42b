"""A seed drawn per replication from its range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Drawn:
    """A seed drawn per replication: triangular over [low, high] with mode `value`."""

    value: float
    low: float
    high: float

    def draw(self, rng: np.random.Generator, ranged: bool) -> float:
        """One draw (or the value itself when `ranged` is false or the range is a point)."""
        if not ranged or self.high <= self.low:
            return self.value
        return float(rng.triangular(self.low, self.value, self.high))
