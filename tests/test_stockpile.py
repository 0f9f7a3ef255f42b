"""JOGMEC stockpile: release on national shortfall, to the firms that are short; refill in calm."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.greyzone import GreyzoneModel
from tests.conftest import HELD, small_spec


def _japan():
    model = GreyzoneModel(small_spec(), 0)
    return model.japan.stockpile, model


def test_no_release_below_the_threshold() -> None:
    japan, model = _japan()
    threshold = model.spec.seeds.stockpile.release_shortfall_threshold
    unmet = np.ones_like(model.firms.need)
    released = japan.release(np.full(len(japan.stock), threshold * 0.9), unmet)
    assert released.sum() == 0
    assert japan.stock == pytest.approx(japan.initial)


def test_release_goes_to_short_firms_in_proportion_and_is_bounded() -> None:
    japan, model = _japan()
    rules = model.spec.seeds.stockpile
    unmet = np.zeros_like(model.firms.need)
    unmet[0] = 1.0
    unmet[1] = 3.0
    released = japan.release(np.full(len(japan.stock), 0.5), unmet)
    total = released.sum(axis=0)
    expected = np.minimum.reduce(
        [japan.initial, rules.max_release_share_per_week * japan.target, unmet.sum(axis=0)]
    )
    assert total == pytest.approx(expected)
    assert released[1] == pytest.approx(3 * released[0])
    assert released[2:].sum() == 0
    assert japan.stock == pytest.approx(japan.initial - total)


def test_refill_only_after_calm_weeks_and_up_to_target() -> None:
    japan, model = _japan()
    rules = model.spec.seeds.stockpile
    japan.stock = japan.target * 0.5
    japan.observe(np.full(len(japan.stock), 0.5))
    assert japan.plan_refill().sum() == 0
    for _ in range(int(rules.refill_calm_weeks)):
        japan.observe(np.zeros(len(japan.stock)))
    order = japan.plan_refill()
    assert order == pytest.approx(np.minimum(rules.refill_share_per_week * japan.target, japan.target * 0.5))


def test_a_ban_draws_the_stockpile_down() -> None:
    ban = GreyzoneModel(small_spec("scenario=blanket_ban", *HELD), 0)
    ban.run()
    stock = ban.recorder.result().material["stockpile_t"]
    assert (stock.min(axis=0) < ban.japan.stockpile.initial - 1e-9).any()
    assert (stock >= -1e-9).all()


@pytest.mark.parametrize("days", [0, 60, 180])
def test_stockpile_days_switch_sets_every_material(days: int) -> None:
    model = GreyzoneModel(small_spec(f"japan=stockpile_{days}"), 0)
    demand = model.spec.seeds.materials.japan_demand_t
    assert model.japan.stockpile.target == pytest.approx(days / 365 * demand)
