"""Goods in transit to Japan's firms: a ring buffer of arrivals by week."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from model.config.seeds.parameters import Licensing, Logistics
from model.sim.kernels import positive_cells

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

    def ship_varied(self, week: int, origin: int, qty: np.ndarray, delay: np.ndarray) -> None:
        """Ship `qty` with a delay per firm and material."""
        nz = positive_cells(qty)
        if len(nz) == 0:
            return
        d = delay.ravel()[nz]
        if d.min() < 1 or d.max() >= self.horizon:
            raise ValueError(f"shipment delay outside [1, {self.horizon - 1}] weeks")
        slots = (week + d) % self.horizon
        self.shipped[origin] += _ship_cells(
            self.arrivals, self.by_origin, self.in_transit, qty, nz, slots, origin
        )

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
def _ship_cells(arrivals, by_origin, in_transit, qty, cells, slots, origin):  # pragma: no cover - compiled
    n_firms, n_mat = qty.shape
    flat = qty.ravel()
    for i in range(len(cells)):
        f, m = cells[i] // n_mat, cells[i] % n_mat
        arrivals[slots[i], f, m] += flat[cells[i]]
        by_origin[slots[i], origin, m] += flat[cells[i]]
    total = np.zeros(n_mat)
    for f in range(n_firms):
        for m in range(n_mat):
            in_transit[f, m] += qty[f, m]
            total[m] += qty[f, m]
    return total


@njit(cache=True)
def _subtract(values, minus):  # pragma: no cover - compiled
    n_rows, n_cols = values.shape
    for i in range(n_rows):
        for j in range(n_cols):
            values[i, j] -= minus[i, j]
