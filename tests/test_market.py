"""Prices: excess demand moves them, bounded and positive; contracts lag; China's price is separate."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.greyzone import GreyzoneModel
from model.sim.market import Market
from model.sim.policy import PolicyState
from tests.conftest import small_spec


def _market() -> tuple[Market, object]:
    spec = small_spec()
    return Market(spec.seeds.market, spec.seeds.materials), spec


def test_excess_demand_raises_prices_within_bounds() -> None:
    market, spec = _market()
    p = spec.seeds.market
    n = len(market.base)
    for _ in range(500):
        market.update(np.full(n, 5.0), np.zeros(n))
    assert market.spot == pytest.approx(market.base * p.price_cap_multiple)
    for _ in range(2000):
        market.update(np.full(n, -5.0), np.zeros(n))
    assert market.spot == pytest.approx(market.base * p.price_floor_multiple)
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


def test_diverted_exports_depress_chinas_domestic_price_only() -> None:
    market, _ = _market()
    n = len(market.base)
    market.update(np.zeros(n), market.domestic_weekly_demand * 0.5)
    assert (market.domestic < market.base_domestic).all()
    assert market.spot == pytest.approx(market.base)


def test_hoarding_counts_as_excess_demand() -> None:
    model = GreyzoneModel(small_spec(), 0)
    calm = model._excess_demand()
    model.firms.target_cover += 10.0
    assert (model._excess_demand() > calm + 0.5).all()


def test_leakage_only_under_a_ban_and_grows_with_the_price_gap() -> None:
    model = GreyzoneModel(small_spec("scenario=blanket_ban"), 0)
    materials = model.spec.seeds.materials
    n = len(materials.names)
    ban = PolicyState("blanket_ban", 1.0, True, np.ones(n, bool), True, False, True)
    no_leak = PolicyState("blanket_ban", 1.0, True, np.ones(n, bool), True, False, False)
    curbs = PolicyState("ambiguous", 1.0, False, materials.controlled.copy(), True, False, True)
    market = model.market
    market.spot = market.domestic * 1.0
    assert (model.trade._leakage_supply(ban, market) == 0).all()
    market.spot = market.domestic * 3.0
    some = model.trade._leakage_supply(ban, market)
    market.spot = market.domestic * 10.0
    more = model.trade._leakage_supply(ban, market)
    assert (some > 0).all() and (more > some).all()
    cap = model.spec.seeds.logistics.leakage_max_share * model.trade.china_normal_weekly
    assert (more <= cap + 1e-12).all()
    assert (model.trade._leakage_supply(no_leak, market) == 0).all()
    assert (model.trade._leakage_supply(curbs, market) == 0).all()
