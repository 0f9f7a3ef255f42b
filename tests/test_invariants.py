"""Conservation and bounds, every week, every material, every scenario."""

from __future__ import annotations

import numpy as np

TOL = 1e-7
SIGNED = {"excess_demand", "china_export_revenue_lost_usd", "china_revenue_loss_share"}  # may be < 0


def test_mass_balance_every_week(any_model) -> None:
    model = any_model
    m = model.recorder.result().material
    stockpiles = m["delivered_stockpile_t"] + m["delivered_allied_stockpile_t"]
    delivered = m["delivered_china_t"] + m["delivered_nonchina_t"] + m["delivered_leakage_t"] + stockpiles
    inventory = m["inventory_t"]
    change = np.diff(inventory, axis=0)
    scale = np.maximum(m["need_t"].max(axis=0), 1e-9)
    np.testing.assert_allclose((delivered[1:] - m["consumption_t"][1:] - change) / scale, 0, atol=TOL)
    shipped = m["shipped_china_t"] + m["shipped_nonchina_t"] + m["shipped_leakage_t"]
    transit = np.diff(m["in_transit_t"], axis=0)
    arrived = delivered - stockpiles
    np.testing.assert_allclose((shipped[1:] - arrived[1:] - transit) / scale, 0, atol=TOL)
    stock = np.diff(m["stockpile_t"], axis=0)
    np.testing.assert_allclose(
        (m["stockpile_refill_t"][1:] - m["delivered_stockpile_t"][1:] - stock) / scale, 0, atol=TOL
    )


def test_state_is_finite_nonnegative_and_bounded(any_model) -> None:
    model = any_model
    s = model.recorder.result()
    for group in (s.material, s.sector, s.scalar):
        for name, values in group.items():
            assert np.isfinite(values).all(), name
            if name not in SIGNED:
                assert (values >= -1e-9).all(), name
    shares = (
        "shortfall",
        "china_share_of_supply",
        "china_contract_share",
        "belief_approval_mean",
        "substituted_share",
    )
    for name in shares:
        assert (s.material[name] <= 1 + 1e-9).all(), name
    market = model.spec.seeds.market
    assert (s.material["price_multiple"] <= market.price_cap_multiple + 1e-9).all()
    assert (s.material["price_multiple"] >= market.price_floor_multiple - 1e-9).all()
    firms = model.firms
    for name in ("inventory", "target_cover", "china", "nonchina", "spot", "p_hat", "need"):
        arr = getattr(firms, name)
        assert np.isfinite(arr).all() and (arr >= -1e-9).all(), name
    assert np.allclose(firms.china + firms.nonchina + firms.spot, 1.0)
    assert (model.pipeline.in_transit >= -1e-9).all()
    assert (model.authority.qty >= 0).all()
