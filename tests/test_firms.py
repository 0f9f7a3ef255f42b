"""Japanese firms: population, beliefs, hoarding, ordering, diversification, substitution, production."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.agents.firms import JapaneseFirm, Observations
from model.sim.greyzone import GreyzoneModel
from model.sim.population import ENTITY_LIST
from tests.conftest import run_model, small_spec


def _model(*overrides: str) -> GreyzoneModel:
    return GreyzoneModel(small_spec(*overrides), 0)


def _observations(model: GreyzoneModel, material: str, approved: bool) -> Observations:
    shape = model.firms.need.shape
    z = np.zeros(shape)
    decided = z.copy()
    decided[:, model.spec.seeds.materials.index(material)] = 1.0
    return Observations(decided, decided * approved, z, z, z, z, z, z)


def _feed(model: GreyzoneModel, material: str, approved: bool, weeks: int) -> None:
    firms = model.firms
    for _ in range(weeks):
        firms.learn(_observations(model, material, approved))
        firms.assess_risk()
        firms.hoard(model.market.contract)


def test_population_matches_sector_totals_and_is_heavy_tailed() -> None:
    model = _model("run.firms=400")
    spec, pop = model.spec, model.firms.pop
    weekly_demand = spec.seeds.materials.japan_demand_t / 52
    assert pop.base_need.sum(axis=0) == pytest.approx(weekly_demand)
    va = np.bincount(pop.sector, weights=pop.value_added_week)
    assert va == pytest.approx(spec.seeds.sectors.value_added_yen / 52)
    biggest = np.argmax(np.bincount(pop.sector))
    sizes = np.sort(pop.size_share[pop.sector == biggest])[::-1]
    assert sizes[: max(1, len(sizes) // 10)].sum() > 0.35  # top 10% hold over a third


def test_firms_are_mesa_agents_reading_their_own_row() -> None:
    model = _model()
    agents = model.agents_by_type[JapaneseFirm]
    assert len(agents) == model.firms.n_firms
    firm = agents.select(lambda a: a.index == 7).to_list()[0]
    assert firm.inventory is not None and np.shares_memory(firm.inventory, model.firms.inventory)
    firm.set_inventory("Dy", 123.0)
    assert model.firms.inventory[7, model.spec.seeds.materials.index("Dy")] == 123.0
    listed = agents.select(lambda a: a.list_status == "entity")
    assert all(a.sector == "defence" for a in listed)
    defence = model.firms.pop.sector == model.spec.seeds.sectors.names.index("defence")
    top = np.argsort(-np.where(defence, model.firms.pop.exposure, -1))[: len(listed)]
    assert set(top) == {a.index for a in listed}
    assert (model.firms.pop.list_status[top] == ENTITY_LIST).all()


def test_hoarding_raises_target_cover_when_denials_rise() -> None:
    model = _model()
    dy = model.spec.seeds.materials.index("Dy")
    base = model.firms.target_cover[:, dy].copy()
    _feed(model, "Dy", approved=True, weeks=20)
    assert model.firms.target_cover[:, dy] == pytest.approx(base)
    _feed(model, "Dy", approved=False, weeks=20)
    buyers = model.firms.sourcing.china[:, dy] > 0
    assert (model.firms.target_cover[buyers, dy] > base[buyers] + 1.0).mean() > 0.9
    assert (model.firms.target_cover[:, dy] <= model.firms.max_cover[:, dy] + 1e-9).all()


def test_hoarding_is_capped_by_working_capital() -> None:
    rich = _model()
    poor = _model("seeds.behaviour.working_capital_share.value=0.0001")
    dy = rich.spec.seeds.materials.index("Dy")
    for model in (rich, poor):
        _feed(model, "Dy", approved=False, weeks=20)
    base = poor.firms.base_cover[:, dy]
    assert poor.firms.target_cover[:, dy] == pytest.approx(base)
    assert rich.firms.target_cover[:, dy].mean() > base.mean() + 1.0


def test_expected_denials_are_sought_on_the_spot_market() -> None:
    model = _model()
    firms = model.firms
    dy = model.spec.seeds.materials.index("Dy")
    firms.beliefs.p_hat[:, dy] = 0.25
    orders = firms.place_orders(model.pipeline.in_transit, model.trade.china_pipeline())
    rest = orders.total[:, dy] - orders.nonchina[:, dy]  # what the offtakes do not cover
    china, spot = firms.sourcing.china[:, dy], firms.sourcing.spot[:, dy]
    ask = rest * china / (china + spot)
    assert orders.china[:, dy] == pytest.approx(ask * 0.25)
    assert orders.spot[:, dy] == pytest.approx(rest - ask * 0.25)
    assert (orders.spot[:, dy] > rest * spot / (china + spot)).all()


def test_offtakes_are_taken_first_and_at_least_their_take_or_pay_share() -> None:
    model = _model()
    firms = model.firms
    committed = firms.sourcing.nonchina * firms.normal_need()
    firms.inventory[:] = 1e9  # no firm needs anything: take-or-pay still takes its minimum
    glut = firms.place_orders(model.pipeline.in_transit, model.trade.china_pipeline())
    top = model.spec.seeds.behaviour.take_or_pay_share
    assert glut.nonchina == pytest.approx(top * committed)
    assert glut.china.max() == 0 and glut.spot.max() == 0
    firms.inventory *= 0.0  # every firm short: offtakes give their full volume, the rest goes elsewhere
    short = firms.place_orders(model.pipeline.in_transit, model.trade.china_pipeline())
    assert short.nonchina == pytest.approx(committed)
    assert (short.china + short.spot).sum() > 0


def test_peers_move_beliefs_of_firms_without_own_news() -> None:
    """Firms that saw nothing move part of the way toward their sector's average belief."""
    for weight in (0.0, 0.3):
        model = _model(f"seeds.behaviour.peer_weight.value={weight}")
        firms = model.firms
        dy = model.spec.seeds.materials.index("Dy")
        seen = _observations(model, "Dy", approved=False)
        seen.decided[1::2] = 0.0  # odd firms hear nothing themselves
        before = firms.beliefs.p_hat[:, dy].copy()
        firms.learn(seen)
        quiet, told = firms.beliefs.p_hat[1::2, dy], firms.beliefs.p_hat[0::2, dy]
        if weight == 0.0:
            assert quiet == pytest.approx(before[1::2])
        else:
            assert (quiet < before[1::2]).all()
            assert quiet.min() > told.max()


def test_diversification_never_exceeds_free_nonchina_capacity() -> None:
    model = _model()
    firms = model.firms
    firms.risk_state.excess[:] = 1.0
    free = np.full(firms.n_materials, 1e-3)
    before = firms.committed_nonchina()
    for week in range(int(model.spec.seeds.behaviour.sourcing_review_weeks)):
        firms.diversify(week, free - (firms.committed_nonchina() - before))
    assert (firms.committed_nonchina() - before <= free + 1e-12).all()
    assert firms.committed_nonchina() - before == pytest.approx(free)
    assert (firms.sourcing.china >= -1e-12).all() and np.allclose(
        firms.sourcing.china + firms.sourcing.nonchina + firms.sourcing.spot, 1.0
    )


def test_committed_nonchina_stays_within_capacity_every_week_of_a_ban() -> None:
    model = GreyzoneModel(small_spec("scenario=blanket_ban"), 0)
    start = model.firms.committed_nonchina() - model.supply.weekly_capacity
    moved = 0.0
    while model.week < model.spec.run.horizon_weeks:
        model.step()
        committed = model.firms.committed_nonchina()
        moved += model.firms.diversified_this_week.sum()
        assert (committed <= model.supply.weekly_capacity + np.maximum(start, 0) + 1e-9).all()
    assert moved > 0


def test_substitution_acts_only_after_its_lag() -> None:
    spec = small_spec(
        "scenario=blanket_ban",
        "seeds.behaviour.substitution_hazard.value=0.5",
        "seeds.behaviour.substitution_risk_threshold.value=0.0",
        "run.horizon_weeks=200",
    )
    model = GreyzoneModel(spec, 0)
    lag = spec.seeds.materials.substitution_lag_weeks
    ramp = spec.seeds.behaviour.substitution_ramp_weeks
    full = spec.seeds.materials.max_substitutable_share
    saw_partial = saw_full = False
    while model.week < spec.run.horizon_weeks:
        model.step()
        firms, week = model.firms, model.week - 1
        started = firms.substitution_start >= 0
        elapsed = week - firms.substitution_start
        early = started & (elapsed < lag[None, :])
        assert (firms.substituted[early] == 0).all()
        assert (firms.substituted[~started] == 0).all()
        done = started & (elapsed >= lag[None, :] + ramp)
        assert np.allclose(firms.substituted[done], np.broadcast_to(full, firms.substituted.shape)[done])
        assert np.allclose(firms.need, firms.pop.base_need * (1 - firms.substituted) * firms.use_factor)
        saw_partial |= bool((started & ~early & ~done & (firms.substituted > 0)).any())
        saw_full |= bool(done.any())
    assert saw_partial and saw_full


def test_leontief_lines_run_at_the_scarcest_input() -> None:
    model = _model()
    firms, spec = model.firms, model.spec
    names = spec.seeds.materials.names
    auto = spec.seeds.sectors.names.index("automotive")
    lines = firms.pop.lines[auto]
    drive = lines.names.index("electrified_drivetrains")
    f = lines.rows.start
    firms.inventory[:] = firms.need * 10
    dy, nd = names.index("Dy"), names.index("NdPr")
    firms.inventory[f, dy] = firms.need[f, dy] * 0.5
    before = firms.inventory[f].copy()
    production = firms.produce()
    used = before - firms.inventory[f]
    split = lines.split
    assert used[dy] == pytest.approx(firms.need[f, dy] * 0.5)
    assert used[nd] == pytest.approx(firms.need[f, nd] * (1 - 0.5 * split[drive, nd]))
    lost = firms.pop.value_added_week[f] * lines.va_share[drive] * 0.5
    assert production.value_added_lost[auto] == pytest.approx(lost, rel=1e-9)


def test_unlisted_civilians_rarely_lose_output_under_the_end_use_ban() -> None:
    ban = run_model(small_spec("scenario=end_use_ban"))
    base = run_model(small_spec("scenario=baseline"))
    lost = ban.recorder.result().sector["value_added_lost_yen"].sum(axis=0)
    calm = base.recorder.result().sector["value_added_lost_yen"].sum(axis=0)
    defence = ban.spec.seeds.sectors.names.index("defence")
    assert lost[defence] > 5 * max(calm[defence], 1.0)


def test_use_falls_with_price_and_returns_as_it_falls() -> None:
    """Price-driven use: each week use moves towards min(1, price ** -elasticity); none without it."""
    overrides = ("scenario=blanket_ban", "coalition=none", "japan=no_concession", "run.horizon_weeks=160")
    model = GreyzoneModel(small_spec(*overrides, "seeds.behaviour.demand_elasticity.value=0.3"), 0)
    fell = rose = False
    while model.week < model.spec.run.horizon_weeks:
        before = model.firms.use_factor.copy()
        model.step()
        after = model.firms.use_factor
        target = np.minimum((model.market.contract / model.market.base) ** -0.3, 1.0)
        assert (np.abs(after - target) <= np.abs(before - target) + 1e-12).all()
        assert ((after > 0) & (after <= 1.0)).all()
        fell |= bool((after < before - 1e-6).any())
        rose |= bool((after > before + 1e-6).any())
    assert fell and rose and (model.firms.use_factor < 0.95).any()
    firms = model.firms
    assert np.allclose(firms.need, firms.pop.base_need * (1 - firms.substituted) * firms.use_factor)
    still = run_model(small_spec(*overrides, "seeds.behaviour.demand_elasticity.value=0.0"))
    assert (still.firms.use_factor == 1.0).all()
    # the cut in use costs no value added: a ban loses less with the response than without
    lost = model.recorder.result().sector["value_added_lost_yen"].sum()
    lost_still = still.recorder.result().sector["value_added_lost_yen"].sum()
    assert lost < lost_still
