"""Conservation and bounds, every week, every material, every scenario."""

from __future__ import annotations

from model.testing.invariants import series_violations, state_violations


def test_mass_balance_bounds_and_shares_hold_every_week(any_model) -> None:
    assert series_violations(any_model) == []


def test_final_engine_state_is_finite_nonnegative_and_consistent(any_model) -> None:
    assert state_violations(any_model) == []


def test_the_checks_see_a_broken_balance_and_a_negative_stock(scenario_models) -> None:
    model = scenario_models["ambiguous_curbs"]
    series = model.recorder.result()
    saved = series.material["consumption_t"][40].copy(), model.firms.inventory[3, 2]
    try:
        series.material["consumption_t"][40] *= 1.5
        model.firms.inventory[3, 2] = -1.0
        broken = series_violations(model)
        negative = state_violations(model)
    finally:
        series.material["consumption_t"][40], model.firms.inventory[3, 2] = saved
    assert any("firm inventories" in v and "week 40" in v for v in broken)
    assert any("firms.inventory: negative" in v for v in negative)
