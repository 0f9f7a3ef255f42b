"""Goods in transit to Japan's firms: a ring buffer of arrivals by week."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from model.config.seeds.parameters import Licensing, Logistics

ORIGINS = ("china", "nonchina", "leakage", "embedded")
CHINA, NONCHINA, LEAKAGE, EMBEDDED = range(len(ORIGINS))


def pipeline_weeks(licensing: Licensing, logistics: Logistics) -> int:
    """Slots of the arrivals ring: the longest lead time (with the longest customs hold) + 1."""
    longest = max(
        logistics.china_transit_weeks + licensing.max_customs_hold_weeks,
        logistics.nonchina_lead_weeks,
        logistics.spot_lead_weeks + logistics.leakage_extra_weeks,
    )
    return math.ceil(longest) + 1


class CustomsHolds(NamedTuple):
    """Customs on China-origin cargo, per material: an inspected shipment is held
    min(ceil(X), max_weeks) weeks, X lognormal(log_median_weeks, sigma), on top of transit."""

    inspected_share: np.ndarray
    log_median_weeks: np.ndarray
    sigma: float
    max_weeks: float
    transit_weeks: int


class Pipeline:
    """Shipments in transit, by arrival week, per firm and material (and national by origin)."""

    def __init__(self, n_firms: int, n_materials: int, horizon: int) -> None:
        self.horizon = int(horizon)
        self.arrivals = np.zeros((self.horizon, n_firms, n_materials))
        self.by_origin = np.zeros((self.horizon, len(ORIGINS), n_materials))
        self.in_transit = np.zeros((n_firms, n_materials))
        self.shipped = np.zeros((len(ORIGINS), n_materials))  # departures this week

    def start_week(self) -> None:
        self.shipped[:] = 0.0

    def ship(self, week: int, origin: int, qty: np.ndarray, delay: int) -> np.ndarray:
        """Ship `qty` (firms x materials) arriving `delay` weeks from now (delay >= 1).

        Returns the national total shipped per material.
        """
        slot = (week + self._check(delay)) % self.horizon
        total = _ship_to_slot(self.arrivals[slot], self.in_transit, qty)
        self.by_origin[slot, origin] += total
        self.shipped[origin] += total
        return total

    def ship_held(
        self,
        week: int,
        origin: int,
        qty: np.ndarray,
        customs: CustomsHolds,
        rng: np.random.Generator,
        holds: np.ndarray,
        draws: np.ndarray,
    ) -> np.ndarray:
        """Ship `qty` through customs (`holds` gets each cell's hold in weeks); returns the
        national total shipped per material. Departures are not added to `shipped`."""
        if customs.transit_weeks < 1 or customs.transit_weeks + customs.max_weeks >= self.horizon:
            raise ValueError(f"shipment delay outside [1, {self.horizon - 1}] weeks")
        arrivals = Arrivals(self.arrivals, self.by_origin, self.in_transit)
        return _ship_through_customs(arrivals, week, origin, qty, customs, rng, holds, draws)

    def deliver(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """This week's arrivals (firms x materials) and their national split by origin."""
        slot = week % self.horizon
        arrived = self.arrivals[slot].copy()
        by_origin = self.by_origin[slot].copy()
        self.arrivals[slot] = 0.0
        self.by_origin[slot] = 0.0
        _subtract(self.in_transit, arrived)
        return arrived, by_origin

    def _check(self, delay: int) -> int:
        delay = int(delay)
        if not 1 <= delay < self.horizon:
            raise ValueError(f"shipment delay {delay} outside [1, {self.horizon - 1}] weeks")
        return delay


class Arrivals(NamedTuple):
    """The pipeline's arrays that a shipment adds to."""

    by_firm: np.ndarray  # arrival slot x firms x materials
    by_origin: np.ndarray  # arrival slot x origins x materials
    in_transit: np.ndarray  # firms x materials


@njit(cache=True)
def _ship_through_customs(arrivals, week, origin, qty, customs, rng, holds, draws):  # pragma: no cover
    """Each shipped cell (row-major) is inspected with its material's share; an inspected one
    is held as `CustomsHolds` says. All inspection draws come first, then all hold draws (as
    two vectors of draws would). Arrives after transit plus hold; returns the totals shipped."""
    n_firms, n_mat = qty.shape
    flat, held = qty.ravel(), holds.ravel()
    horizon = arrivals.by_firm.shape[0]
    n = 0
    for i in range(flat.size):
        held[i] = 0.0
        if flat[i] > 0:
            draws[0, n] = rng.random()
            n += 1
    for k in range(n):
        draws[1, k] = rng.standard_normal()
    k = 0
    for i in range(flat.size):
        if not flat[i] > 0:
            continue
        m = i % n_mat
        if draws[0, k] < customs.inspected_share[m]:
            length = np.exp(customs.log_median_weeks[m] + customs.sigma * draws[1, k])
            held[i] = min(np.ceil(length), customs.max_weeks)
        slot = (week + customs.transit_weeks + np.int64(held[i])) % horizon
        arrivals.by_firm[slot, i // n_mat, m] += flat[i]
        arrivals.by_origin[slot, origin, m] += flat[i]
        k += 1
    total = np.zeros(n_mat)
    for f in range(n_firms):
        for m in range(n_mat):
            arrivals.in_transit[f, m] += qty[f, m]
            total[m] += qty[f, m]
    return total


@njit(cache=True)
def _ship_to_slot(slot, in_transit, qty):  # pragma: no cover - compiled
    """slot += qty; in_transit += qty; return qty summed over firms (in firm order)."""
    n_firms, n_mat = qty.shape
    total = np.zeros(n_mat)
    for f in range(n_firms):
        for m in range(n_mat):
            slot[f, m] += qty[f, m]
            total[m] += qty[f, m]
            in_transit[f, m] += qty[f, m]
    return total


@njit(cache=True)
def _subtract(values, minus):  # pragma: no cover - compiled
    n_rows, n_cols = values.shape
    for i in range(n_rows):
        for j in range(n_cols):
            values[i, j] -= minus[i, j]
