"""Random-number streams: one per source of chance, so paired runs share their numbers.

A replication's generator builds the firm population, then spawns one stream per component.
A scenario and its counterfactual (same replication) then draw the same licence reviews,
customs holds, substitution starts, investment decisions and political draws for as long as
the two runs ask for the same numbers (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class Streams:
    """Independent generators, one per component that draws."""

    licensing: np.random.Generator  # review times and approval decisions
    customs: np.random.Generator  # inspections and holds
    substitution: np.random.Generator  # firms' substitution programmes
    investment: np.random.Generator  # non-China capacity decisions
    politics: np.random.Generator  # members' thresholds, China's tolerance, Japan's concession

    @classmethod
    def spawn(cls, rng: np.random.Generator) -> Streams:
        """Child streams of `rng`, in a fixed order."""
        return cls(*rng.spawn(len(fields(cls))))
