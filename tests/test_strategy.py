"""The strategic layer: China's adaptive policy, Japan's government, the coalition, the WTO."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.sim.agents.coalition import Coalition
from model.sim.agents.suppliers import SupplyBase
from model.sim.greyzone import GreyzoneModel
from model.sim.outcomes import compute_outcomes
from model.sim.policy import PolicyState
from tests.conftest import run_model, small_spec


def _japan(stance: float = 0.5, conceded_week: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(stance=stance, conceded=conceded_week is not None, conceded_week=conceded_week)


def _coalition(pressure: float = 0.0, wto_due_from: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        pressure=pressure, wto_compliance_due=lambda week: wto_due_from is not None and week >= wto_due_from
    )


def _signals(revenue_loss: float = 0.0) -> SimpleNamespace:
    return SimpleNamespace(revenue_loss_share=revenue_loss)


def _china(scenario: str, *overrides: str):
    model = GreyzoneModel(small_spec(f"scenario={scenario}", *overrides), 0)
    return model.china, model.spec


def _drive(china, weeks, japan, coalition, signals) -> list[float]:
    intensities = []
    for week in weeks:
        china.review(week, japan, coalition, signals)
        intensities.append(china.policy.intensity if china.policy.active else 0.0)
    return intensities


def test_grey_zone_intensity_responds_to_japans_stance_but_a_formal_ban_does_not() -> None:
    china, spec = _china("ambiguous_curbs")
    rules, start = spec.seeds.china_policy, spec.scenario.china.start_week
    review = round(rules.review_weeks)
    weeks = range(start, start + 10 * review + 1)
    defiant = _drive(china, weeks, _japan(stance=1.0), _coalition(), _signals())
    assert defiant[-1] == pytest.approx(spec.scenario.china.intensity + 10 * rules.escalation_rate)
    china, _ = _china("ambiguous_curbs")
    quiet = _drive(china, weeks, _japan(stance=0.0), _coalition(), _signals())
    assert quiet[-1] == pytest.approx(spec.scenario.china.intensity)
    china, _ = _china("ambiguous_curbs")
    pressed = _drive(china, weeks, _japan(stance=1.0), _coalition(pressure=0.5), _signals())
    assert pressed[-1] < quiet[-1]
    changes = [e for e in china.events if e.cause != "scheduled start"]
    assert changes and all(e.week % review == start % review for e in changes)
    for formal in ("blanket_ban", "end_use_ban"):
        china, spec = _china(formal)
        held = _drive(china, weeks, _japan(stance=1.0), _coalition(pressure=0.5), _signals(revenue_loss=1.0))
        assert set(held) == {spec.scenario.china.intensity}
        assert [e.cause for e in china.events] == ["scheduled start"]


def test_revenue_loss_makes_china_ease_grey_zone_curbs() -> None:
    china, spec = _china("ambiguous_curbs")
    start, review = spec.scenario.china.start_week, round(spec.seeds.china_policy.review_weeks)
    eased = _drive(
        china, range(start, start + 4 * review + 1), _japan(stance=0.0), _coalition(), _signals(1.0)
    )
    assert eased[-1] < spec.scenario.china.intensity
    assert china.events[-1].cause == "revenue loss"


def test_a_wto_ruling_ends_a_formal_ban_but_leaves_grey_zone_curbs() -> None:
    due = 60
    china, spec = _china("blanket_ban")
    _drive(
        china,
        range(spec.scenario.china.start_week, 80),
        _japan(stance=0.0),
        _coalition(wto_due_from=due),
        _signals(),
    )
    assert not china.policy.active
    assert (china.events[-1].week, china.events[-1].cause) == (due, "WTO ruling")
    china, spec = _china("ambiguous_curbs")
    _drive(
        china,
        range(spec.scenario.china.start_week, 80),
        _japan(stance=0.0),
        _coalition(wto_due_from=due),
        _signals(),
    )
    assert china.policy.active and china.policy.intensity == spec.scenario.china.intensity


def test_wto_case_runs_its_course_in_a_full_run() -> None:
    """No concession, tariffs below China's tolerance: the ban ends by the WTO ruling."""
    spec = small_spec(
        "scenario=blanket_ban",
        "japan=no_concession",
        "run.horizon_weeks=260",
        "seeds.coalition_policy.tariff_threat_level.value=0.5",
    )
    model = run_model(spec)
    rules = spec.seeds.coalition_policy
    lift = [e for e in model.china.events if e.instrument == "none"]
    assert model.coalition.wto_filed_week is not None
    expected = (
        model.coalition.wto_filed_week + round(rules.wto_ruling_weeks) + round(rules.wto_compliance_weeks)
    )
    assert [(e.week, e.cause) for e in lift] == [(expected, "WTO ruling")]
    grey = run_model(
        small_spec(
            "scenario=ambiguous_curbs",
            "japan=no_concession",
            "run.horizon_weeks=260",
            "seeds.coalition_policy.tariff_threat_level.value=0.5",
        )
    )
    assert grey.coalition.wto_filed_week is None
    assert all(e.cause != "WTO ruling" for e in grey.china.events)


def test_coalition_forms_sooner_under_a_visible_ban_at_equal_severity() -> None:
    spec = small_spec()
    n = len(spec.seeds.materials.names)
    formal = PolicyState("blanket_ban", 1.0, True, np.ones(n, bool), True, False, True)
    informal = PolicyState(
        "ambiguous", 1.0, False, spec.seeds.materials.controlled.copy(), True, False, False
    )
    weeks = {}
    for name, policy, visibility in (("ban", formal, 1.0), ("grey", informal, 0.3)):
        coalition = Coalition(GreyzoneModel(spec, 0), spec)
        for week in range(500):
            coalition.act(week, visibility, 0.1, policy)
            if coalition.formed:
                weeks[name] = week
                break
    assert weeks["ban"] < weeks.get("grey", np.inf)  # the grey zone may never reach the threshold


def test_visibility_is_full_for_formal_measures_and_evidence_based_otherwise(strategic_models) -> None:
    model = strategic_models["ambiguous_curbs"]
    signals = model.signals
    n = len(model.spec.seeds.materials.names)
    formal = PolicyState("end_use_ban", 0.3, True, np.ones(n, bool), False, True, False)
    informal = PolicyState("ambiguous", 0.5, False, np.ones(n, bool), True, False, False)
    assert signals.visibility(formal) == 1.0
    assert signals.visibility(PolicyState.calm(n)) == 0.0
    expected = min(1.0, signals.excess_denial_rate / model.spec.seeds.japan_policy.visibility_denial_scale)
    assert signals.visibility(informal) == pytest.approx(expected)
    series = model.recorder.result().scalar
    start = model.spec.scenario.china.start_week
    assert 0 < series["visibility"][start + 8 : start + 40].mean() < 1


def test_cofinancing_shortens_build_time_and_lowers_the_hurdle() -> None:
    spec = small_spec("seeds.suppliers.expansion.invest_probability.value=1.0")
    seeds = spec.seeds.suppliers
    lag_cut = spec.seeds.japan_policy.cofinance_lag_cut
    price = np.full(len(spec.seeds.materials.names), 1.05)  # below the hurdle
    plain = SupplyBase(seeds, spec.seeds.materials, spec.seeds.regions)
    plain.advance(0, price, np.random.default_rng(0))
    assert len(plain.project_size_t) == 0
    backed = SupplyBase(seeds, spec.seeds.materials, spec.seeds.regions)
    backed.advance(0, price, np.random.default_rng(0), cofinance=1.0, lag_cut=lag_cut)
    assert len(backed.project_size_t) > 0
    lynas = seeds.names.index("Lynas")
    lags = (backed.project_done - backed.project_start)[backed.project_supplier == lynas]
    assert (lags == round(seeds.build_lag_weeks[lynas] * (1 - lag_cut))).all()
    assert (lags < seeds.build_lag_weeks[lynas]).all()


def test_public_cofinance_brings_capacity_sooner_in_a_full_run() -> None:
    results = {}
    for levers in ("no_subsidy", "high_subsidy"):
        model = run_model(
            small_spec(
                "scenario=blanket_ban",
                f"japan={levers}",
                "coalition=none",
                "japan.concession=false",
                "run.horizon_weeks=200",
            )
        )
        supply = model.supply
        results[levers] = (np.mean(supply.project_done - supply.project_start), supply.added_capacity().sum())
    assert results["high_subsidy"][0] < results["no_subsidy"][0]
    assert results["high_subsidy"][1] > results["no_subsidy"][1]


@pytest.mark.parametrize(
    ("scenario", "lag_key"),
    [("ambiguous_curbs", "informal_lift_lag_weeks"), ("blanket_ban", "formal_reversal_lag_weeks")],
)
def test_concession_ends_the_measure_quickly_under_curbs_and_with_a_lag_under_a_ban(
    scenario, lag_key
) -> None:
    china, spec = _china(scenario)
    conceded = spec.scenario.china.start_week + 10
    lag = round(getattr(spec.seeds.china_policy, lag_key))
    weeks = range(spec.scenario.china.start_week, conceded + 60)
    _drive(china, weeks, _japan(stance=0.0, conceded_week=conceded), _coalition(), _signals())
    lift = china.events[-1]
    assert (lift.instrument, lift.cause, lift.week - conceded) == ("none", "Japan conceded", lag)


def test_concession_in_a_full_run_and_the_switch_that_forbids_it() -> None:
    eager = (
        "seeds.japan_policy.concession_hazard_scale.value=0.1",
        "seeds.japan_policy.political_cost.value=0.3",
        "coalition=none",
        "run.horizon_weeks=120",
    )
    grey = run_model(small_spec("scenario=ambiguous_curbs", *eager))
    ban = run_model(small_spec("scenario=blanket_ban", *eager))
    for model, key in ((grey, "informal_lift_lag_weeks"), (ban, "formal_reversal_lag_weeks")):
        assert model.japan.conceded
        lift = next(e for e in model.china.events if e.instrument == "none")
        assert lift.cause == "Japan conceded"
        assert lift.week - model.japan.conceded_week == round(getattr(model.spec.seeds.china_policy, key))
    never = run_model(small_spec("scenario=blanket_ban", *eager, "japan.concession=false"))
    assert not never.japan.conceded
    assert never.china.policy.active


def test_concession_hazard_rises_with_pain_and_falls_with_backing() -> None:
    model = GreyzoneModel(small_spec("scenario=blanket_ban"), 0)
    japan, rng = model.japan, np.random.default_rng(0)
    policy = PolicyState(
        "blanket_ban", 1.0, True, np.ones(len(model.spec.seeds.materials.names), bool), True, False, True
    )
    hazards = {}
    for pain, backing in ((0.2, 0.0), (1.0, 0.0), (1.0, 1.0)):
        signals = SimpleNamespace(pain_pct_gdp=pain, visibility=lambda p: 1.0)
        japan.conceded_week = None
        japan.act(50, signals, policy, SimpleNamespace(backing=backing, formed=backing > 0), rng)
        hazards[(pain, backing)] = japan.concession_hazard
    assert hazards[(0.2, 0.0)] < hazards[(1.0, 0.0)]
    assert hazards[(1.0, 1.0)] < hazards[(1.0, 0.0)]


def test_perceived_coercion_starts_industrial_policy_and_the_subsidy_speeds_diversification() -> None:
    moved = {}
    for levers in ("no_subsidy", "high_subsidy"):
        model = run_model(
            small_spec(
                "scenario=blanket_ban",
                f"japan={levers}",
                "coalition=none",
                "japan.concession=false",
                "run.horizon_weeks=120",
            )
        )
        series = model.recorder.result()
        assert model.japan.industrial_policy_week is not None
        assert (
            series.scalar["japan_coercion"].max() >= model.spec.seeds.japan_policy.industrial_policy_trigger
        )
        # speed: volume moved in the quarter after industrial policy starts (later, both runs
        # are bounded by the same free non-China capacity)
        start = model.japan.industrial_policy_week
        moved[levers] = series.material["diversified_t"][start : start + 13].sum()
    assert moved["high_subsidy"] > moved["no_subsidy"] > 0


def test_allied_stockpile_reaches_japan_once_the_coalition_forms(strategic_models) -> None:
    model = strategic_models["blanket_ban"]
    series = model.recorder.result()
    formed = int(np.argmax(series.scalar["coalition_formed"] > 0))
    assert model.coalition.formed
    allied = series.material["delivered_allied_stockpile_t"].sum(axis=1)
    assert allied[:formed].sum() == 0 and allied[formed:].sum() > 0


def test_policy_changes_are_recorded_with_week_and_cause(strategic_models) -> None:
    allowed = {
        "scheduled start",
        "scheduled end",
        "export quota change",
        "Japan conceded",
        "WTO ruling",
        "coalition pressure",
        "Japan's defiance",
        "revenue loss",
    }
    for model in strategic_models.values():
        events = model.china.events
        assert events[0].cause == "scheduled start"
        assert {e.cause for e in events} <= allowed
        assert [e.week for e in events] == sorted(e.week for e in events)


def test_strategic_outcomes_are_reported(strategic_models) -> None:
    model = strategic_models["blanket_ban"]
    outcomes = compute_outcomes(model.recorder.result(), model.spec, model.china.events)
    names = set(outcomes["outcome"])
    assert {
        "coalition_formed",
        "coalition_week",
        "japan_conceded",
        "concession_week",
        "measure_lifted",
        "lift_week",
        "china_export_revenue_lost_usd",
        "china_share_y1",
        "china_share_y3",
        "china_share_y5",
        "china_share_y10",
        "decoupling_points",
        "pressure_26w_yen",
        "pressure_52w_yen",
        "leverage_efficiency",
        "response_lag_weeks",
        "substitution_rate_peak",
        "nonchina_ramp_rate_peak",
        "recovery_weeks",
        "area_lost_share_weeks",
    } <= names
    value = dict(
        zip(
            outcomes.loc[outcomes["material"].isna() | (outcomes["material"] == "all"), "outcome"],
            outcomes.loc[outcomes["material"].isna() | (outcomes["material"] == "all"), "value"],
            strict=False,
        )
    )
    assert value["coalition_formed"] == 1.0
    floor = model.spec.run.leverage_floor_points
    lost = value["pressure_52w_yen"] / 1e12
    assert value["leverage_efficiency"] == pytest.approx(lost / max(value["decoupling_points"], floor))
