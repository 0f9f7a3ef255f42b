"""Non-China producers: capacity per material, price-driven expansion, build lags, ramps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from model.catalogue.units import WEEKS_PER_YEAR
from model.config.seeds.tables import Materials, Regions, Suppliers
from model.sim.kernels import col_sums

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel


class SupplyBase:
    """Capacity of all non-China producers (producers x materials, t/yr) and their projects.

    Capacity is the world's outside China: it serves Japan and the rest-of-world blocks
    (model/sim/pool.py). Project sizes and ceilings are shares of the world's ex-China demand.

    A producer reviews every `review_weeks`; where the contract price has stayed above the
    hurdle it may start a project (one at a time per material). Projects within the
    fast limit take the separation build lag, larger ones the mine lag; finished capacity
    ramps up linearly and is sunk: it never closes.
    """

    def __init__(self, suppliers: Suppliers, materials: Materials, regions: Regions) -> None:
        self.seeds = suppliers
        self.expansion = suppliers.expansion
        self.initial = suppliers.capacity_t.copy()
        demand = materials.japan_demand_t + col_sums(regions.demand_t)  # the world outside China
        ceiling = np.where(
            suppliers.recycler[:, None],
            (materials.recycling_potential_share * materials.japan_demand_t)[None, :],
            (self.expansion.max_share_of_demand * demand)[None, :],
        )
        self.ceiling = np.maximum(ceiling, self.initial)
        self.fast_limit = self.expansion.fast_limit_share_of_demand * demand
        self.project_size = self.expansion.project_share_of_demand * demand
        n_sup, n_mat = self.initial.shape
        self.capacity = self.initial.copy()
        self.building = np.zeros((n_sup, n_mat))  # t/yr under construction
        self.project_supplier = np.zeros(0, dtype=np.intp)
        self.project_material = np.zeros(0, dtype=np.intp)
        self.project_size_t = np.zeros(0)
        self.project_start = np.zeros(0, dtype=np.int64)
        self.project_done = np.zeros(0, dtype=np.int64)
        self.project_ramp = np.zeros(0)
        self.started_this_week = np.zeros(n_mat)

    @property
    def weekly_capacity(self) -> np.ndarray:
        """Total capacity per material, tonnes per week."""
        return col_sums(self.capacity) / WEEKS_PER_YEAR

    @property
    def japan_priority_weekly(self) -> np.ndarray:
        """Capacity on which Japan's offtakes have priority rights, tonnes per week per material."""
        return col_sums(self.seeds.japan_priority_share[:, None] * self.capacity) / WEEKS_PER_YEAR

    def advance(
        self,
        week: int,
        contract_multiple: np.ndarray,
        rng: np.random.Generator,
        cofinance: float = 0.0,
        lag_cut: float = 0.0,
    ) -> None:
        """Review investments (on review weeks) and bring finished capacity on stream.

        Public co-finance (a share in [0, 1]) lowers the price hurdle towards the starting
        price and shortens build lags by `lag_cut x cofinance`.
        """
        self.started_this_week[:] = 0.0
        if week % int(self.expansion.review_weeks) == 0:
            self._invest(week, contract_multiple, rng, cofinance, lag_cut)
        self._ramp(week)

    def _invest(
        self,
        week: int,
        contract_multiple: np.ndarray,
        rng: np.random.Generator,
        cofinance: float,
        lag_cut: float,
    ) -> None:
        e = self.expansion
        hurdle = 1.0 + (e.hurdle_price_multiple - 1.0) * (1.0 - cofinance)
        attractive = contract_multiple >= hurdle
        if not attractive.any():
            return
        room = self.ceiling - self.capacity - self.building
        idle = self.building <= 0
        candidate = attractive[None, :] & idle & (room > 1e-9) & (self.project_size > 0)[None, :]
        sup, mat = np.nonzero(candidate)
        if len(sup) == 0:
            return
        go = rng.random(len(sup)) < e.invest_probability
        sup, mat = sup[go], mat[go]
        if len(sup) == 0:
            return
        size = np.minimum(self.project_size[mat], room[sup, mat])
        added = (self.capacity + self.building - self.initial)[sup, mat]
        fast = added < self.fast_limit[mat]
        lag = np.where(fast, self.seeds.build_lag_weeks[sup], self.seeds.mine_lag_weeks[sup])
        lag = np.maximum(1, np.round(lag * (1.0 - lag_cut * cofinance))).astype(np.int64)
        self.building[sup, mat] += size
        self.project_supplier = np.concatenate([self.project_supplier, sup])
        self.project_material = np.concatenate([self.project_material, mat])
        self.project_size_t = np.concatenate([self.project_size_t, size])
        self.project_start = np.concatenate([self.project_start, np.full(len(sup), week)])
        self.project_done = np.concatenate([self.project_done, week + lag])
        self.project_ramp = np.concatenate([self.project_ramp, self.seeds.ramp_weeks[sup]])
        self.started_this_week[:] = np.bincount(mat, weights=size, minlength=len(self.fast_limit))

    def _ramp(self, week: int) -> None:
        if len(self.project_size_t) == 0:
            return
        progress = np.clip((week - self.project_done) / self.project_ramp, 0.0, 1.0)
        online = self.project_size_t * progress
        capacity = self.initial.copy()
        np.add.at(capacity, (self.project_supplier, self.project_material), online)
        building = np.zeros_like(self.building)
        np.add.at(building, (self.project_supplier, self.project_material), self.project_size_t - online)
        self.capacity = capacity
        self.building = building

    def added_capacity(self) -> np.ndarray:
        """Capacity online above the start, per material (t/yr)."""
        return col_sums(self.capacity - self.initial)


class NonChinaSupplier(Agent):
    """A non-China producer (Lynas, MP Materials, ...); its numbers live in `SupplyBase`."""

    def __init__(self, model: GreyzoneModel, index: int, name: str) -> None:
        super().__init__(model)
        self.index = int(index)
        self.name = name

    @property
    def capacity_t(self) -> np.ndarray:
        """Capacity online per material (t/yr)."""
        return self.model.supply.capacity[self.index]
