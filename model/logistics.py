"""Goods in transit to Japan's firms: a ring buffer of arrivals by week."""

from __future__ import annotations

import numpy as np

ORIGINS = ("china", "nonchina", "leakage")
CHINA, NONCHINA, LEAKAGE = range(len(ORIGINS))


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

    def ship(self, week: int, origin: int, qty: np.ndarray, delay: int) -> None:
        """Ship `qty` (firms x materials) arriving `delay` weeks from now (delay >= 1)."""
        slot = (week + self._check(delay)) % self.horizon
        self.arrivals[slot] += qty
        self._account(slot, origin, qty)

    def ship_varied(self, week: int, origin: int, qty: np.ndarray, delay: np.ndarray) -> None:
        """Ship `qty` with a delay per firm and material."""
        nz = np.flatnonzero(qty)
        if len(nz) == 0:
            return
        d = delay.ravel()[nz]
        if d.min() < 1 or d.max() >= self.horizon:
            raise ValueError(f"shipment delay outside [1, {self.horizon - 1}] weeks")
        slots = (week + d) % self.horizon
        cells = self.arrivals.shape[1] * self.arrivals.shape[2]
        flat = self.arrivals.reshape(-1)
        flat[slots * cells + nz] += qty.ravel()[nz]
        n_mat = qty.shape[1]
        mats = nz % n_mat
        np.add.at(self.by_origin, (slots, origin, mats), qty.ravel()[nz])
        self.in_transit += qty
        self.shipped[origin] += qty.sum(axis=0)

    def deliver(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """This week's arrivals (firms x materials) and their national split by origin."""
        slot = week % self.horizon
        arrived = self.arrivals[slot].copy()
        by_origin = self.by_origin[slot].copy()
        self.arrivals[slot] = 0.0
        self.by_origin[slot] = 0.0
        self.in_transit -= arrived
        return arrived, by_origin

    def _account(self, slot: int, origin: int, qty: np.ndarray) -> None:
        total = qty.sum(axis=0)
        self.by_origin[slot, origin] += total
        self.in_transit += qty
        self.shipped[origin] += total

    def _check(self, delay: int) -> int:
        delay = int(delay)
        if not 1 <= delay < self.horizon:
            raise ValueError(f"shipment delay {delay} outside [1, {self.horizon - 1}] weeks")
        return delay
