"""The world market (v2): rest-of-world buyers, one ex-China price, offtakes, circumvention,
embedded content, coverage, China's domestic industry and revenue by destination.

Each test fails when the rule it names is removed.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from model.config.errors import ConfigError
from model.sim.agents.regions import FROM_CHINA, RegionOrders
from model.sim.greyzone import GreyzoneModel
from model.sim.licensing import civil_approval, review_week_shares
from model.sim.policy import PolicyState
from model.sim.pool import PoolDemand, allocate, circumvention_supply
from model.testing.invariants import series_violations, state_violations
from tests.conftest import HELD, SMALL, run_model, small_spec

pytestmark = pytest.mark.xdist_group("world_market")

WORLD = (*SMALL, "run.horizon_weeks=156")


def _spec(*overrides: str):
    return small_spec(*overrides, base=WORLD)


def _series(model: GreyzoneModel):
    return model.recorder.result()


def _col(model: GreyzoneModel, metric: str, material: str) -> np.ndarray:
    series = _series(model)
    return series.material[metric][:, series.materials.index(material)]


@pytest.fixture(scope="session")  # module scope reruns it when xdist interleaves modules
def ban_lifted() -> GreyzoneModel:
    """A ban on Japan from week 4 to week 30, then China reopens (held: no strategy)."""
    return run_model(
        _spec("scenario=blanket_ban", "scenario.china.adaptive=false", "scenario.china.end_week=30", *HELD)
    )


@pytest.fixture(scope="session")  # module scope reruns it when xdist interleaves modules
def baseline() -> GreyzoneModel:
    return run_model(_spec("scenario=baseline", *HELD))


# the pool ---------------------------------------------------------------------------------------
def test_offtakes_come_before_spot_and_japans_priority_before_other_offtakes() -> None:
    one = np.ones(1)
    demand = PoolDemand(
        japan_offtake=6 * one,
        japan_priority=5 * one,
        row_offtake=6 * one,
        japan_spot=2 * one,
        refill=0 * one,
        row_spot=2 * one,
    )
    fill = allocate(10 * one, demand, circumvention=np.zeros(1))
    # Japan: 5 by priority, then the 5 left shared pro rata by the 1 + 6 still asked
    assert fill.japan_offtake[0] * 6 == pytest.approx(5 + 5 / 7)
    assert fill.row_offtake[0] * 6 == pytest.approx(6 * 5 / 7)
    assert fill.spot[0] == 0.0  # nothing left for spot
    spare = allocate(20 * one, demand, circumvention=np.zeros(1))
    assert spare.japan_offtake[0] == spare.row_offtake[0] == 1.0
    assert spare.spot[0] == 1.0  # 8 t spare for 4 t of spot orders
    tight = allocate(14 * one, demand, circumvention=np.zeros(1))
    assert tight.spot[0] == pytest.approx(0.5)  # 2 t spare for 4 t of spot orders


def test_circumvention_fills_only_what_japans_spot_buyers_still_lack() -> None:
    one = np.ones(1)
    demand = PoolDemand(one * 0, one * 0, one * 0, japan_spot=4 * one, refill=2 * one, row_spot=2 * one)
    fill = allocate(4 * one, demand, circumvention=10 * one)
    assert fill.spot[0] == 0.5  # non-China spot shared pro rata, the stockpile's refill too
    assert fill.circumvention_t[0] == pytest.approx(2.0)  # the firms' remaining 2 t, not 10
    assert fill.japan_spot[0] == 1.0


def test_circumvention_rises_with_the_gap_and_falls_with_enforcement() -> None:
    spec = _spec("scenario=end_use_ban")
    logistics, normal = spec.seeds.logistics, np.ones(3)
    calm = PolicyState.calm(3)
    gaps = np.array([0.0, 1.0, 3.0])
    flows = circumvention_supply(logistics, calm, gaps, normal)
    assert flows[0] == 0.0 and 0 < flows[1] < flows[2] <= logistics.leakage_max_share
    covered = np.ones(3, dtype=bool)
    grey = PolicyState("ambiguous", 0.5, False, covered, True, False, False)
    formal = PolicyState("end_use_ban", 0.5, True, covered, False, False, False)
    clause = PolicyState("end_use_ban", 0.5, True, covered, False, False, True)
    levels = [circumvention_supply(logistics, p, gaps, normal)[2] for p in (calm, grey, formal, clause)]
    assert levels[0] > levels[1] > levels[2] > levels[3] > 0


# rest-of-world demand and the world price ----------------------------------------------------------------
def test_rest_of_world_demand_lowers_japans_price_spike() -> None:
    spec = _spec("scenario=blanket_ban", *HELD, "run.horizon_weeks=60")
    regions = spec.seeds.regions
    thin = replace(
        spec, seeds=replace(spec.seeds, regions=replace(regions, demand_t=regions.demand_t * 0.01))
    )
    world, alone = run_model(spec), run_model(thin)
    for material in ("NdPr", "Dy"):
        assert (
            _col(world, "price_multiple", material).max()
            < 0.8 * _col(alone, "price_multiple", material).max()
        )


def test_buyers_outside_japan_turning_to_china_free_non_china_supply_for_japan() -> None:
    held = ("scenario=blanket_ban", *HELD, "run.horizon_weeks=60")
    switching = run_model(_spec(*held))
    fixed = run_model(_spec(*held, "seeds.regions.behaviour.switch_gap_scale.value=1e9"))
    window = slice(10, 40)
    for material in ("NdPr", "Dy"):
        japan = (
            _col(switching, "delivered_nonchina_t", material)[window].sum(),
            _col(fixed, "delivered_nonchina_t", material)[window].sum(),
        )
        world = (
            _col(switching, "row_delivered_china_t", material)[window].sum(),
            _col(fixed, "row_delivered_china_t", material)[window].sum(),
        )
        assert japan[0] > japan[1] and world[0] > world[1]


def test_a_ban_on_japan_keeps_prices_off_their_cap(ban_lifted) -> None:
    spot = _series(ban_lifted).material["price_spot_usd_per_kg"]
    assert (spot < ban_lifted.market.cap).all()


def test_the_price_cap_is_a_multiple_of_the_reference_price_not_the_start() -> None:
    spec = _spec()
    mats, market = spec.seeds.materials, spec.seeds.market
    model = GreyzoneModel(spec)
    assert np.allclose(model.market.cap, market.price_cap_multiple * mats.reference_price_usd_per_kg)
    with pytest.raises(ConfigError, match="price cap"):
        _spec("seeds.materials.Y.reference_price_usd_per_kg.value=1")


# offtakes: take-or-pay and terms ------------------------------------------------------------------------
def test_take_or_pay_keeps_non_china_deliveries_when_china_reopens(ban_lifted) -> None:
    flexible = run_model(
        _spec(
            "scenario=blanket_ban",
            "scenario.china.adaptive=false",
            "scenario.china.end_week=30",
            *HELD,
            "seeds.behaviour.take_or_pay_share.value=0",
        )
    )
    after = slice(40, 100)
    held = _series(ban_lifted).material["delivered_nonchina_t"][after].sum()
    walked = _series(flexible).material["delivered_nonchina_t"][after].sum()
    assert held > 1.02 * walked


def test_chinas_share_after_a_lift_stays_below_its_start(ban_lifted) -> None:
    series = _series(ban_lifted)
    mat = series.material
    china = mat["delivered_china_t"] + mat["delivered_embedded_t"]
    other = mat["delivered_nonchina_t"] + mat["delivered_leakage_t"]
    before = china[:4].sum() / (china[:4] + other[:4]).sum()
    year_after = slice(30, 30 + 52)
    after = china[year_after].sum() / (china[year_after] + other[year_after]).sum()
    assert after < before


# circumvention, coverage, embedded content ----------------------------------------------------------------
def test_circumvention_continues_while_the_price_gap_lasts(ban_lifted) -> None:
    leak = _series(ban_lifted).material["delivered_leakage_t"].sum(axis=1)
    assert leak[:30].sum() > 0
    assert leak[40:80].sum() > 0  # after the lift, while prices are still high
    without = run_model(
        _spec(
            "scenario=blanket_ban",
            "scenario.china.adaptive=false",
            "scenario.china.end_week=30",
            *HELD,
            "seeds.logistics.leakage_max_share.value=0",
        )
    )
    assert _series(without).material["delivered_leakage_t"].sum() == 0


def test_covered_all_changes_a_grey_zone_run() -> None:
    controlled = run_model(_spec("scenario=ambiguous_curbs", *HELD, "run.horizon_weeks=60"))
    every = run_model(
        _spec("scenario=ambiguous_curbs", *HELD, "run.horizon_weeks=60", "scenario.china.covered=all")
    )
    for material in ("NdPr", "CeLa"):  # uncontrolled: only customs holds reach them
        assert not np.allclose(
            _col(controlled, "delivered_china_t", material), _col(every, "delivered_china_t", material)
        )
    assert (
        _col(every, "in_transit_t", "CeLa")[10:30].mean()
        > _col(controlled, "in_transit_t", "CeLa")[10:30].mean()
    )


def test_options_that_would_change_nothing_are_refused() -> None:
    inert = {
        "scenario.china.covered": (
            "scenario=ambiguous_curbs",
            "scenario.china.covered=all",
            "scenario.china.customs_holds=false",
        ),
        "scenario.china.customs_holds": ("scenario=blanket_ban", "scenario.china.customs_holds=true"),
        "scenario.china.entity_lists": ("scenario=ambiguous_curbs", "scenario.china.entity_lists=true"),
        "scenario.global_regime.intensity": ("scenario.global_regime.start_week=10",),
    }
    for key, overrides in inert.items():
        with pytest.raises(ConfigError) as err:
            _spec(*overrides)
        assert err.value.key == key
    with pytest.raises(ConfigError, match="leakage"):
        _spec("+scenario.china.leakage=true")


def test_the_global_regime_slows_rest_of_world_deliveries(baseline) -> None:
    tight = run_model(
        _spec(
            "scenario=baseline",
            *HELD,
            "scenario.global_regime.intensity=0.8",
            "scenario.global_regime.start_week=4",
        )
    )
    assert tight.china.policy.global_intensity == 0.8 and tight.china.policy.instrument == "none"
    for material in ("Dy", "Y"):  # licensed: reviews lengthen, so arrivals from China dip
        normal = _col(baseline, "row_delivered_china_t", material)[10:40]
        slowed = _col(tight, "row_delivered_china_t", material)[10:40]
        assert slowed.min() < 0.9 * normal.mean()
        # the blocks fill the longer pipeline and seek on the spot market what China denies: the
        # ex-China price rises (reviews are spread, so there is no cliff to pause deliveries)
        assert (
            _col(tight, "price_multiple", material).max()
            > 1.5 * _col(baseline, "price_multiple", material).max()
        )
    nd_tight, nd_base = (_col(m, "row_delivered_china_t", "NdPr")[10:40] for m in (tight, baseline))
    assert nd_tight.min() > 0.5 * nd_base.mean()  # uncontrolled: not licensed anywhere


def test_a_lasting_global_tightening_moves_the_blocks_to_non_china_offtakes(baseline) -> None:
    tight = run_model(
        _spec(
            "scenario=baseline",
            *HELD,
            "scenario.global_regime.intensity=0.8",
            "scenario.global_regime.start_week=4",
        )
    )
    for material in ("Dy", "Y"):
        assert (
            _col(tight, "row_china_contract_share", material)[-1]
            < _col(tight, "row_china_contract_share", material)[0] - 0.01
        )
        assert _col(tight, "row_diversified_t", material).sum() > 0
        assert _col(baseline, "row_china_contract_share", material)[-1] == pytest.approx(
            _col(baseline, "row_china_contract_share", material)[0]
        )


def test_rest_of_world_china_volume_arrives_over_the_review_distribution() -> None:
    """Licensed volume of the blocks is reviewed as many applications, spread over the review
    distribution (not all held for one median review); unlicensed volume arrives after transit."""
    spec = _spec("scenario=baseline", *HELD, "run.horizon_weeks=2")
    regions = GreyzoneModel(spec, 0).regions
    materials = list(spec.seeds.materials.names)
    dy, ndpr = materials.index("Dy"), materials.index("NdPr")
    assert regions.licensed[dy] and not regions.licensed[ndpr]
    policy = PolicyState.calm(len(materials), global_intensity=0.5)
    orders = RegionOrders(
        china=np.ones_like(regions.need),
        offtake=np.zeros_like(regions.need),
        spot=np.zeros_like(regions.need),
    )
    before = regions.arrivals[:, FROM_CHINA].sum(axis=1).copy()
    week = 7
    regions.ship(week, orders, policy, np.ones(len(materials)), np.ones(len(materials)))
    added = regions.arrivals[:, FROM_CHINA].sum(axis=1) - before  # slots x materials
    blocks = regions.need.shape[0]
    transit = round(spec.seeds.logistics.china_transit_weeks)
    approval = civil_approval(spec.seeds.licensing, 0.5)
    shares = review_week_shares(spec.seeds.licensing, 0.5)
    slots = (week + transit + 1 + np.arange(len(shares))) % regions.horizon
    np.testing.assert_allclose(added[slots, dy], blocks * approval * shares, atol=1e-12)
    assert (added[slots, dy] > 1e-3 * blocks).sum() >= 5  # spread over weeks, not one median week
    assert added[(week + transit) % regions.horizon, ndpr] == pytest.approx(blocks)
    assert np.count_nonzero(added[:, ndpr]) == 1


def test_a_japan_measure_and_the_global_regime_act_together() -> None:
    overrides = ("scenario=ambiguous_curbs", *HELD, "run.horizon_weeks=60")
    tightening = ("scenario.global_regime.intensity=0.8", "scenario.global_regime.start_week=4")
    both, curbs = run_model(_spec(*overrides, *tightening)), run_model(_spec(*overrides))
    assert both.china.policy.global_intensity == 0.8 and both.china.policy.instrument == "ambiguous"
    assert (
        _col(both, "row_delivered_china_t", "Dy")[10:40].min()
        < 0.9 * _col(curbs, "row_delivered_china_t", "Dy")[10:40].mean()
    )
    assert _col(both, "shortfall", "Dy")[4:60].mean() >= _col(curbs, "shortfall", "Dy")[4:60].mean()


def test_magnets_carry_controls_to_uncontrolled_ndpr(baseline) -> None:
    ban = run_model(_spec("scenario=blanket_ban", *HELD, "run.horizon_weeks=60"))
    curbs = run_model(_spec("scenario=ambiguous_curbs", *HELD, "run.horizon_weeks=60"))
    normal = _col(baseline, "delivered_embedded_t", "NdPr")[20:60].mean()
    assert normal > 0
    assert _col(ban, "delivered_embedded_t", "NdPr")[20:60].max() == 0
    # curbs on Dy/Tb reach the NdPr inside magnets that contain them
    assert _col(curbs, "delivered_embedded_t", "NdPr")[20:60].mean() < 0.95 * normal
    none = run_model(_spec("scenario=baseline", *HELD, "seeds.materials.NdPr.embedded_share.value=0"))
    assert _col(none, "delivered_embedded_t", "NdPr").sum() == 0


# China: domestic industry and revenue by destination -------------------------------------------
def test_blocked_exports_pile_up_in_china_and_depress_its_domestic_price(ban_lifted, baseline) -> None:
    for material in ("Dy", "NdPr"):
        assert _col(ban_lifted, "china_excess_stock_t", material)[10:30].mean() > 0
        assert (
            _col(ban_lifted, "price_china_domestic_usd_per_kg", material)[30]
            < _col(baseline, "price_china_domestic_usd_per_kg", material)[30]
        )


def test_chinas_revenue_from_japan_falls_under_a_ban(ban_lifted, baseline) -> None:
    sc, base = _series(ban_lifted).scalar, _series(baseline).scalar
    assert sc["china_export_revenue_usd"][4:30].sum() < 0.3 * base["china_export_revenue_usd"][4:30].sum()
    assert sc["china_export_revenue_lost_usd"][4:].sum() > 0
    assert (
        base["china_export_revenue_row_usd"][4:30].sum() > 0
    )  # revenue from the rest of the world is booked


def test_the_world_balances_every_week(ban_lifted, baseline) -> None:
    for model in (ban_lifted, baseline):
        assert series_violations(model) == []
        assert state_violations(model) == []
