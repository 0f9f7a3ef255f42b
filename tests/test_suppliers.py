"""Non-China producers: expand above the price hurdle, after a build lag and ramp; capacity is sunk."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.agents.suppliers import NonChinaSupplier, SupplyBase
from model.sim.greyzone import GreyzoneModel
from tests.conftest import small_spec


def _supply(*overrides: str) -> tuple[SupplyBase, object]:
    spec = small_spec(*overrides)
    return SupplyBase(spec.seeds.suppliers, spec.seeds.materials, spec.seeds.regions), spec


def test_no_investment_below_the_hurdle() -> None:
    supply, spec = _supply()
    hurdle = spec.seeds.suppliers.expansion.hurdle_price_multiple
    rng = np.random.default_rng(0)
    for week in range(520):
        supply.advance(week, np.full(supply.initial.shape[1], hurdle * 0.99), rng)
    assert supply.capacity == pytest.approx(supply.initial)
    assert len(supply.project_size_t) == 0


def test_capacity_arrives_after_the_build_lag_ramps_up_and_never_closes() -> None:
    supply, spec = _supply("seeds.suppliers.expansion.invest_probability.value=1.0")
    seeds = spec.seeds.suppliers
    rng = np.random.default_rng(0)
    high = np.full(supply.initial.shape[1], 5.0)
    supply.advance(0, high, rng)
    assert len(supply.project_size_t) > 0
    first_done = supply.project_done.min()
    history = []
    for week in range(1, 700):
        supply.advance(week, high if week < 2 else np.ones_like(high), rng)
        history.append(supply.capacity.copy())
        if week <= first_done:
            assert supply.capacity == pytest.approx(supply.initial)
    history = np.array(history)
    assert (np.diff(history, axis=0) >= -1e-9).all()
    lynas = seeds.names.index("Lynas")
    lag = (
        supply.project_done[supply.project_supplier == lynas]
        - supply.project_start[supply.project_supplier == lynas]
    )
    assert (lag == seeds.build_lag_weeks[lynas]).all()
    ramp = seeds.ramp_weeks[lynas]
    project = int(np.flatnonzero(supply.project_supplier == lynas)[0])
    done, size = supply.project_done[project], supply.project_size_t[project]
    s, m = supply.project_supplier[project], supply.project_material[project]
    halfway = history[int(done + ramp / 2) - 1, s, m] - supply.initial[s, m]
    assert halfway == pytest.approx(size / 2, rel=0.1)


def test_projects_beyond_the_fast_limit_take_the_mine_lag() -> None:
    supply, spec = _supply(
        "seeds.suppliers.expansion.invest_probability.value=1.0",
        "seeds.suppliers.expansion.fast_limit_share_of_demand.value=0.0",
    )
    seeds = spec.seeds.suppliers
    supply.advance(0, np.full(supply.initial.shape[1], 5.0), np.random.default_rng(0))
    lags = supply.project_done - supply.project_start
    assert (lags == seeds.mine_lag_weeks[supply.project_supplier]).all()


def test_suppliers_are_mesa_agents_reading_capacity() -> None:
    model = GreyzoneModel(small_spec(), 0)
    agents = model.agents_by_type[NonChinaSupplier]
    assert sorted(a.name for a in agents) == sorted(model.spec.seeds.suppliers.names)
    lynas = agents.select(lambda a: a.name == "Lynas").to_list()[0]
    assert lynas.capacity_t == pytest.approx(model.spec.seeds.suppliers.capacity_t[lynas.index])
