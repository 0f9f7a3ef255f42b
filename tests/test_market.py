"""Prices: excess demand moves them, bounded and positive; contracts lag; China's price is separate."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.greyzone import GreyzoneModel
from model.sim.market import Market
from tests.conftest import small_spec


def _market() -> tuple[Market, object]:
    spec = small_spec()
    return Market(spec.seeds.market, spec.seeds.materials), spec


def test_excess_demand_raises_prices_within_bounds_set_by_the_reference_price() -> None:
    market, spec = _market()
    p, reference = spec.seeds.market, spec.seeds.materials.reference_price_usd_per_kg
    n = len(market.base)
    for _ in range(2000):
        market.update(np.full(n, 5.0), np.zeros(n))
    assert market.spot == pytest.approx(reference * p.price_cap_multiple)
    for _ in range(4000):
        market.update(np.full(n, -5.0), np.zeros(n))
    assert market.spot == pytest.approx(reference * p.price_floor_multiple)
    assert (market.spot > 0).all() and (market.contract > 0).all()


def test_prices_revert_without_excess_demand_and_contracts_lag_spot() -> None:
    market, spec = _market()
    n = len(market.base)
    market.update(np.full(n, 2.0), np.zeros(n))
    jump = market.spot / market.base
    lag = spec.seeds.market.contract_lag_weeks
    assert market.contract == pytest.approx(market.base + (market.spot - market.base) / lag)
    for _ in range(400):
        market.update(np.zeros(n), np.zeros(n))
    assert jump == pytest.approx(np.exp(2.0 * spec.seeds.market.price_response))
    assert (jump > 1.0).all()
    assert market.spot == pytest.approx(market.base, rel=0.01)


def test_chinas_stock_above_normal_depresses_its_domestic_and_export_prices_only() -> None:
    market, _ = _market()
    n = len(market.base)
    ratio = market.base_export / market.base_domestic
    market.update(np.zeros(n), np.full(n, 4.0))
    assert (market.domestic < market.base_domestic).all()
    assert market.export == pytest.approx(market.domestic * ratio)
    assert market.spot == pytest.approx(market.base)


def test_chinas_export_price_carries_the_licence_wedge_and_ignores_a_spot_spike() -> None:
    market, spec = _market()
    capture = spec.seeds.market.export_price_capture
    wedge = np.maximum(market.base - market.base_domestic, 0.0)
    assert market.base_export == pytest.approx(market.base_domestic + capture * wedge)
    n = len(market.base)
    market.update(np.full(n, 3.0), np.zeros(n))
    assert (market.spot > market.base).all()
    assert market.export == pytest.approx(market.base_export)
    assert (market.circumvention_gap > 0).all()


def test_hoarding_counts_as_excess_demand() -> None:
    model = GreyzoneModel(small_spec(), 0)
    calm = model._world_excess_demand()
    model.firms.target_cover += 10.0
    assert (model._world_excess_demand() > calm).all()
    model.regions.target_cover += 10.0
    assert (model._world_excess_demand() > calm + 0.5).all()
