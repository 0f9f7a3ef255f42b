"""The strategic layer: China's two-sided review, Japan's government, the coalition's members, the WTO."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import pytest

from model.config.spec import ModelSpec
from model.sim.agents.china import ChinaGovernment
from model.sim.agents.coalition import Coalition, Member
from model.sim.agents.japan import JapanGovernment
from model.sim.agents.suppliers import SupplyBase
from model.sim.greyzone import GreyzoneModel
from model.sim.outcomes import compute_outcomes
from model.sim.paired import counterfactual_spec, simulate
from model.sim.policy import PolicyState
from tests.conftest import run_model, small_spec


@lru_cache
def _spec(*overrides: str) -> ModelSpec:
    return small_spec(*overrides)


@lru_cache
def _run(*overrides: str) -> GreyzoneModel:
    """A finished model, shared by the tests that read it."""
    return run_model(_spec(*overrides))


@lru_cache
def _host() -> GreyzoneModel:
    """A model to attach agents built by hand to (they read only their spec)."""
    return GreyzoneModel(_spec(), 0)


def _value(outcomes, name: str) -> float:
    rows = outcomes[
        (outcomes["outcome"] == name) & (outcomes["material"].isna() | (outcomes["material"] == "all"))
    ]
    assert len(rows) == 1, name
    return float(rows["value"].iloc[0])


# China's review ----------------------------------------------------------------------------
def _japan(stance: float, conceded_week: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(stance=stance, conceded=conceded_week is not None, conceded_week=conceded_week)


def _coalition(pressure: float = 0.0, wto_due_from: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        pressure=pressure, wto_compliance_due=lambda week: wto_due_from is not None and week >= wto_due_from
    )


def _signals(revenue_loss: float = 0.0, share_loss_points: float = 0.0) -> SimpleNamespace:
    return SimpleNamespace(global_revenue_loss_share=revenue_loss, world_share_loss_points=share_loss_points)


def _china(scenario: str, *overrides: str) -> tuple[ChinaGovernment, ModelSpec]:
    spec = _spec(f"scenario={scenario}", *overrides)
    scheduled = PolicyState.from_scenario(spec.scenario.china, spec.seeds.materials)
    return ChinaGovernment(_host(), spec, scheduled, np.random.default_rng(0)), spec


def _drive(china: ChinaGovernment, weeks, japan, coalition, signals) -> list[float]:
    intensities = []
    for week in weeks:
        china.review(week, japan, coalition, signals)
        intensities.append(china.policy.intensity if china.policy.active else 0.0)
    return intensities


def test_japans_stance_moves_grey_zone_intensity_both_ways_around_neutral() -> None:
    china, spec = _china("ambiguous_curbs")
    r, start, initial = spec.seeds.china_policy, spec.scenario.china.start_week, spec.scenario.china.intensity
    review = round(r.review_weeks)
    weeks = range(start, start + 3 * review + 1)  # three reviews
    neutral = _drive(china, weeks, _japan(r.neutral_stance), _coalition(), _signals())
    assert set(neutral) == {initial}
    assert [e.kind for e in china.events] == ["start"]
    for stance, cause, step in (
        (1.0, "Japan's defiance", r.escalation_rate * (1.0 - r.neutral_stance)),
        (0.0, "Japan's conciliation", -r.conciliation_deescalation * r.neutral_stance),
    ):
        china, _ = _china("ambiguous_curbs")
        moved = _drive(china, weeks, _japan(stance), _coalition(), _signals())
        assert moved[-1] == pytest.approx(initial + 3 * step)
        tunes = [e for e in china.events if e.kind == "tune"]
        assert [e.week for e in tunes] == [start + k * review for k in (1, 2, 3)]  # review weeks only
        assert {e.cause for e in tunes} == {cause}
    assert step < 0  # conciliation lowers it


@pytest.mark.parametrize(
    ("cause", "coalition_share", "revenue_loss", "share_loss_points"),
    [
        ("coalition pressure", 0.5, 0.0, 0.0),
        ("revenue loss", 0.0, 0.2, 0.0),
        ("share loss", 0.0, 0.0, 2.0),
    ],
)
def test_coalition_pressure_revenue_loss_and_share_loss_each_lower_grey_zone_intensity(
    cause, coalition_share, revenue_loss, share_loss_points
) -> None:
    """Japan's stance neutral; one pressure at a time (coalition pressure below China's tolerance)."""
    china, spec = _china("ambiguous_curbs")
    r, start, initial = spec.seeds.china_policy, spec.scenario.china.start_week, spec.scenario.china.intensity
    pressure = coalition_share * china.tolerance
    weeks = range(start, start + round(r.review_weeks) + 1)  # one review
    eased = _drive(
        china,
        weeks,
        _japan(r.neutral_stance),
        _coalition(pressure),
        _signals(revenue_loss, share_loss_points),
    )
    expected = (
        r.coalition_deescalation * coalition_share
        + r.revenue_deescalation * revenue_loss
        + r.share_deescalation * share_loss_points / r.share_loss_scale_points
    )
    assert eased[-1] == pytest.approx(initial - expected)
    assert china.events[-1].kind == "tune" and china.events[-1].cause == cause


def test_gains_in_revenue_or_share_do_not_escalate() -> None:
    china, spec = _china("ambiguous_curbs")
    r, start = spec.seeds.china_policy, spec.scenario.china.start_week
    weeks = range(start, start + 3 * round(r.review_weeks) + 1)
    held = _drive(china, weeks, _japan(r.neutral_stance), _coalition(), _signals(-0.5, -5.0))
    assert set(held) == {spec.scenario.china.intensity}


def test_grey_zone_curbs_fine_tuned_to_zero_are_lifted() -> None:
    china, spec = _china("ambiguous_curbs")
    r, start, initial = spec.seeds.china_policy, spec.scenario.china.start_week, spec.scenario.china.intensity
    review = round(r.review_weeks)
    reviews = math.ceil(initial / (r.conciliation_deescalation * r.neutral_stance) - 1e-9)
    weeks = range(start, start + (reviews + 5) * review + 1)
    _drive(china, weeks, _japan(0.0), _coalition(), _signals())
    lift = china.events[-1]
    assert (lift.kind, lift.cause, lift.instrument) == ("lift", "Japan's conciliation", "none")
    assert lift.week == start + reviews * review == china.lifted_week
    assert not china.policy.active and not china.in_force  # and it does not come back
    assert [e.kind for e in china.events].count("lift") == 1


@pytest.mark.parametrize("formal", ["blanket_ban", "end_use_ban"])
def test_a_formal_measure_is_never_fine_tuned(formal) -> None:
    for stance, signals in ((1.0, _signals()), (0.0, _signals(1.0, 10.0))):
        china, spec = _china(formal)
        start = spec.scenario.china.start_week
        below = 0.9 * china.tolerance
        held = _drive(china, range(start, start + 60), _japan(stance), _coalition(below), signals)
        assert set(held) == {spec.scenario.china.intensity}
        assert [e.kind for e in china.events] == ["start"]


def test_coalition_pressure_at_chinas_tolerance_reverses_a_formal_measure_but_only_eases_curbs() -> None:
    china, spec = _china("blanket_ban")
    start = spec.scenario.china.start_week
    tolerance = china.tolerance
    _drive(china, range(start, start + 30), _japan(0.5), _coalition(0.999 * tolerance), _signals())
    assert china.policy.active
    china, _ = _china("blanket_ban")
    _drive(china, range(start, start + 30), _japan(0.5), _coalition(tolerance), _signals())
    lift = china.events[-1]
    assert (lift.kind, lift.cause, lift.week) == ("lift", "coalition pressure", start + 1)
    grey, spec = _china("ambiguous_curbs")
    r = spec.seeds.china_policy
    review = round(r.review_weeks)
    eased = _drive(
        grey,
        range(start, start + review + 1),
        _japan(r.neutral_stance),
        _coalition(grey.tolerance),
        _signals(),
    )
    assert grey.policy.active  # fine-tuned down, not reversed
    assert eased[-1] == pytest.approx(spec.scenario.china.intensity - r.coalition_deescalation)


def test_a_wto_ruling_ends_a_formal_ban_but_leaves_grey_zone_curbs() -> None:
    due = 60
    china, spec = _china("blanket_ban")
    neutral = spec.seeds.china_policy.neutral_stance
    _drive(
        china,
        range(spec.scenario.china.start_week, 80),
        _japan(neutral),
        _coalition(wto_due_from=due),
        _signals(),
    )
    assert not china.policy.active
    assert (china.events[-1].week, china.events[-1].cause) == (due, "WTO ruling")
    china, spec = _china("ambiguous_curbs")
    _drive(
        china,
        range(spec.scenario.china.start_week, 80),
        _japan(neutral),
        _coalition(wto_due_from=due),
        _signals(),
    )
    assert china.policy.active and china.policy.intensity == spec.scenario.china.intensity


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
    neutral = spec.seeds.china_policy.neutral_stance
    _drive(china, weeks, _japan(neutral, conceded_week=conceded), _coalition(), _signals())
    lift = china.events[-1]
    assert (lift.instrument, lift.cause, lift.week - conceded) == ("none", "Japan conceded", lag)


def test_china_lowers_grey_zone_intensity_at_defaults_in_a_full_run() -> None:
    spec = _spec("scenario=ambiguous_curbs", "run.counterfactual=none")
    lowered = []
    for replication in range(2):
        rep = simulate(spec, replication)
        lowered.append(_value(rep.outcomes, "intensity_lowered"))
        tunes = [e.intensity for e in rep.events if e.kind in ("start", "tune")]
        assert (_value(rep.outcomes, "intensity_lowered") == 1.0) == any(
            b < a for a, b in itertools.pairwise(tunes)
        )
        assert _value(rep.outcomes, "intensity_trough") == pytest.approx(min(tunes))
    assert max(lowered) == 1.0


# Japan's government ----------------------------------------------------------------------
def _japan_government(*overrides: str) -> tuple[JapanGovernment, ModelSpec]:
    spec = _spec(*overrides)
    return JapanGovernment(_host(), spec), spec


def _pain(pct_gdp: float) -> SimpleNamespace:
    return SimpleNamespace(pain_pct_gdp=pct_gdp)


def _backing(backing: float) -> SimpleNamespace:
    return SimpleNamespace(backing=backing)


def _policies(spec: ModelSpec) -> dict[str, PolicyState]:
    n = len(spec.seeds.materials.names)
    controlled = spec.seeds.materials.controlled.copy()
    return {
        "calm": PolicyState.calm(n),
        "grey": PolicyState("ambiguous", 0.5, False, controlled, True, False, False),
        "ban": PolicyState("blanket_ban", 1.0, True, np.ones(n, bool), False, False, False),
        "quota": replace(PolicyState.calm(n), quota_factor=0.6),
    }


def test_japans_stance_moves_gradually_up_with_countermeasures_and_down_with_pain() -> None:
    spec = _spec()
    b = spec.seeds.japan_policy
    calm = _policies(spec)["calm"]
    rng = np.random.default_rng(0)
    paths = {}
    for name, pain, backing in (("backed", 0.0, 1.0), ("hurt", b.pain_scale_pct_gdp, 0.0)):
        japan = JapanGovernment(_host(), spec)
        assert japan.stance == b.defiance_base
        path = []
        for week in range(200):
            japan.act(
                week, 0.0, _pain(pain), calm, _backing(backing), rng
            )  # no visibility: no industrial policy
            path.append(japan.stance)
        paths[name] = np.array(path)
        assert not japan.industrial_policy and not japan.conceded
    up = b.defiance_base + b.stance_countermeasure_weight * 0.5  # (no industrial policy + backing 1) / 2
    down = b.defiance_base - b.stance_pain_weight * 1.0
    for name, target in (("backed", up), ("hurt", down)):
        path = paths[name]
        assert path[0] == pytest.approx(b.defiance_base + (target - b.defiance_base) / b.stance_adjust_weeks)
        gaps = np.abs(path - target)
        assert (np.diff(gaps) < 0).all()  # every week closer, never there at once
        assert gaps[-1] < 1e-6
    assert paths["backed"][0] > b.defiance_base > paths["hurt"][0]


def test_concession_hazard_lower_under_an_announced_measure_falls_with_backing_rises_with_pain() -> None:
    spec = _spec()
    b = spec.seeds.japan_policy
    assert b.political_cost_formal > b.political_cost_informal
    policies = _policies(spec)
    rng = np.random.default_rng(0)

    def hazard(policy: str, pain: float, backing: float) -> float:
        japan = JapanGovernment(_host(), spec)
        japan.act(50, 1.0, _pain(pain), policies[policy], _backing(backing), rng)
        return japan.concession_hazard

    assert hazard("calm", 1.0, 0.0) == 0.0  # nothing to concede to
    assert 0 < hazard("ban", 1.0, 0.0) < hazard("grey", 1.0, 0.0)
    assert hazard("quota", 1.0, 0.0) == hazard("ban", 1.0, 0.0)  # an export quota is announced
    assert hazard("grey", 1.0, 0.0) / hazard("ban", 1.0, 0.0) == pytest.approx(
        (1 - b.political_cost_informal) / (1 - b.political_cost_formal)
    )
    for policy in ("grey", "ban"):
        assert hazard(policy, 0.2, 0.0) < hazard(policy, 1.0, 0.0)
        assert hazard(policy, 1.0, 1.0) < hazard(policy, 1.0, 0.0)


def test_japan_draws_one_random_number_every_week_whatever_happens() -> None:
    """Common random numbers: the politics stream advances alike with and without a measure."""
    policies = _policies(_spec())
    cases = [
        ("calm", (), None),
        ("grey", (), None),
        ("ban", (), None),
        ("grey", (), 3),  # already conceded
        ("grey", ("japan=no_concession",), None),
    ]
    for policy, overrides, conceded in cases:
        japan, _ = _japan_government(*overrides)
        japan.conceded_week = conceded
        rng, reference = np.random.default_rng(7), np.random.default_rng(7)
        for week in range(10):
            japan.act(week, 1.0, _pain(0.5), policies[policy], _backing(0.0), rng)
            reference.random()
        assert rng.random() == reference.random(), (policy, overrides, conceded)


def test_industrial_policy_starts_when_visibility_times_felt_pain_reaches_the_trigger() -> None:
    spec = _spec()
    b = spec.seeds.japan_policy
    calm = _policies(spec)["calm"]
    pain = 0.5 * b.pain_scale_pct_gdp  # felt pain 0.5
    trigger_visibility = b.industrial_policy_trigger / 0.5
    for visibility, starts in ((0.99 * trigger_visibility, False), (1.01 * trigger_visibility, True)):
        japan = JapanGovernment(_host(), spec)
        japan.act(7, visibility, _pain(pain), calm, _backing(0.0), np.random.default_rng(0))
        assert japan.coercion == pytest.approx(visibility * 0.5)
        assert japan.industrial_policy == starts
        assert japan.industrial_policy_week == (7 if starts else None)
    for visibility, pain in ((0.0, 10.0), (1.0, 0.0)):  # pain unseen, or seen but painless
        japan = JapanGovernment(_host(), spec)
        japan.act(7, visibility, _pain(pain), calm, _backing(0.0), np.random.default_rng(0))
        assert not japan.industrial_policy


def test_perceived_coercion_starts_industrial_policy_and_the_subsidy_moves_more_volume() -> None:
    """Industrial policy starts the first week coercion reaches the trigger, and only then pays
    the subsidy. The subsidy alone (co-finance equal) moves more China volume to non-China
    contracts by the horizon. (Under a ban at this size, the first quarter after the start is
    already bounded by free non-China capacity, so it is compared over the run.)"""
    moved = {}
    for subsidy in (0.0, 1.0):
        model = run_model(
            _spec(
                "scenario=blanket_ban",
                f"japan.diversification_subsidy={subsidy}",
                "japan.cofinance_share=0.0",
                "coalition=none",
                "japan.concession=false",
                "run.horizon_weeks=120",
            )
        )
        series = model.recorder.result()
        start = model.japan.industrial_policy_week
        assert start is not None
        coercion = series.scalar["japan_coercion"]
        trigger = model.spec.seeds.japan_policy.industrial_policy_trigger
        assert coercion[start] >= trigger > coercion[:start].max()
        assert model.japan.diversification_subsidy == subsidy
        moved[subsidy] = series.material["diversified_t"][start:].sum()
    assert moved[1.0] > moved[0.0] > 0


EAGER = (
    "seeds.japan_policy.concession_hazard_scale.value=0.1",
    "seeds.japan_policy.political_cost_informal.value=0.3",
    "seeds.japan_policy.political_cost_formal.value=0.3",
    "coalition=none",
    "run.horizon_weeks=120",
)


def test_concession_in_a_full_run_and_the_switch_that_forbids_it() -> None:
    eager = EAGER
    grey = _run("scenario=ambiguous_curbs", *eager)
    ban = _run("scenario=blanket_ban", *eager)
    for model, key in ((grey, "informal_lift_lag_weeks"), (ban, "formal_reversal_lag_weeks")):
        assert model.japan.conceded
        lift = next(e for e in model.china.events if e.kind == "lift")
        assert lift.cause == "Japan conceded"
        assert lift.week - model.japan.conceded_week == round(getattr(model.spec.seeds.china_policy, key))
    never = run_model(_spec("scenario=blanket_ban", *eager, "japan.concession=false"))
    assert not never.japan.conceded
    assert never.china.policy.active


# The coalition's members -----------------------------------------------------------------
def _members(coalition: Coalition) -> dict[str, Member]:
    return {m.name: m for m in coalition.members}


def _draws(model: GreyzoneModel) -> dict[str, tuple]:
    drawn = {m.name: (m.threshold, m.wto_threshold, m.willingness) for m in model.coalition.members}
    return {**drawn, "China": (model.china.tolerance,)}


def test_political_thresholds_are_drawn_per_replication_within_their_ranges() -> None:
    spec = _spec("scenario=ambiguous_curbs")
    first, second = GreyzoneModel(spec, 0), GreyzoneModel(spec, 1)
    assert _draws(first) != _draws(second)
    for model in (first, second):
        for member in model.coalition.members:
            s = member.seeds
            assert s.wto_threshold.low <= member.wto_threshold <= s.wto_threshold.high
            if s.salience_threshold is not None:
                assert s.salience_threshold.low <= member.threshold <= s.salience_threshold.high
        rules = spec.seeds.china_policy.tariff_tolerance
        assert rules.low <= model.china.tolerance <= rules.high
    assert (
        first.coalition.members[0].threshold
        != spec.seeds.coalition_members.members[0].salience_threshold.value
    )


def test_without_draws_every_replication_uses_the_seeded_values() -> None:
    spec = _spec("scenario=ambiguous_curbs", "coalition.draws=false")
    for replication in (0, 1):
        model = GreyzoneModel(spec, replication)
        for member in model.coalition.members:
            s = member.seeds
            assert member.wto_threshold == s.wto_threshold.value
            assert member.threshold == (None if s.salience_threshold is None else s.salience_threshold.value)
            assert member.willingness == (0.0 if s.willingness is None else s.willingness.value)
        assert model.china.tolerance == spec.seeds.china_policy.tariff_tolerance.value


def test_the_same_replication_draws_the_same_thresholds_in_every_scenario() -> None:
    """Common random numbers: scenario and counterfactual meet the same politics."""
    grey = _spec("scenario=ambiguous_curbs")
    specs = [grey, _spec("scenario=blanket_ban"), counterfactual_spec(grey)]
    draws = [_draws(GreyzoneModel(spec, 3)) for spec in specs]
    assert draws[0] == draws[1] == draws[2]
    assert draws[0] != _draws(GreyzoneModel(grey, 4))


def _coalition_spec() -> ModelSpec:
    return _spec("coalition.draws=false")


def _member(name: str, **seed_changes) -> tuple[Member, ModelSpec]:
    spec = _coalition_spec()
    seeds = next(m for m in spec.seeds.coalition_members.members if m.name == name)
    member = Member(_host(), replace(seeds, **seed_changes), np.random.default_rng(0), draws=False)
    return member, spec


def _act(
    member: Member, spec: ModelSpec, week: int, policy: PolicyState, visibility=1.0, severity=1.0
) -> None:
    blocks = np.zeros(len(spec.seeds.regions.names))
    member.act(week, visibility, severity, blocks, policy, spec.seeds.coalition_policy)


def test_a_member_joins_when_its_salience_reaches_its_threshold() -> None:
    member, spec = _member("US")
    grey = _policies(spec)["grey"]
    salience = []
    for week in range(40):
        _act(member, spec, week, grey, visibility=0.5, severity=0.4)
        salience.append(member.salience)
        if member.joined:
            break
    assert member.joined_week == len(salience) - 1
    assert salience[-1] >= member.threshold > salience[-2]
    idle, _ = _member("US")
    for week in range(200):
        _act(idle, spec, week, grey, visibility=0.0)  # invisible: no salience
    assert not idle.joined and idle.salience == 0.0


def test_a_tariff_threat_is_withdrawn_once_its_growing_cost_exceeds_resolve() -> None:
    member, spec = _member("US")
    s, growth = member.seeds, spec.seeds.coalition_policy.threat_cost_growth_weeks
    grey = _policies(spec)["grey"]
    pressures = []
    for week in range(300):
        _act(member, spec, week, grey)  # salience stays far above the threshold: resolve = willingness
        pressures.append(member.pressure)
    standing = np.flatnonzero(np.array(pressures) > 0)
    # threatened while willingness >= threat_cost x (1 + weeks stood / growth)
    weeks = math.floor(growth * (member.willingness / s.threat_cost - 1.0)) + 1
    assert len(standing) == weeks
    assert standing[0] == member.joined_week == member.first_threat_week
    assert (np.diff(standing) == 1).all()  # one spell, then withdrawn for good
    free, _ = _member("US", threat_cost=0.0)
    for week in range(300):
        _act(free, spec, week, grey)
    assert free.pressure == s.tariff_threat and free.threat_weeks == 300 - free.joined_week


def test_a_wto_case_is_filed_only_against_an_announced_measure() -> None:
    policies = _policies(_coalition_spec())
    for policy, files in (("grey", False), ("ban", True), ("quota", True)):
        member, spec = _member("Japan")
        salience = []
        for week in range(100):
            _act(member, spec, week, policies[policy])
            salience.append(member.salience)
        assert max(salience) > member.wto_threshold
        if files:
            first = next(w for w, v in enumerate(salience) if v >= member.wto_threshold)
            assert member.wto_filed_week == first
        else:
            assert member.wto_filed_week is None


def test_japan_files_at_the_wto_alone_never_joins_and_no_coalition_forms_without_another_member() -> None:
    spec = _coalition_spec()
    rules = spec.seeds.coalition_policy
    ban = _policies(spec)["ban"]
    blocks = np.zeros(len(spec.seeds.regions.names))
    coalition = Coalition(_host(), spec, np.random.default_rng(0))
    members = _members(coalition)
    assert members["Japan"].threshold is None and members["Japan"].seeds.tariff_threat == 0.0
    for name in ("US", "EU"):
        members[name].threshold = members[name].wto_threshold = math.inf
    for week in range(60):
        coalition.act(week, 1.0, 1.0, blocks, ban)
    japan = members["Japan"]
    assert japan.wto_filed_week is not None and coalition.wto_filed_week == japan.wto_filed_week
    assert not japan.joined and not coalition.formed and coalition.backing == 0.0
    assert not coalition.wto_compliance_due(japan.wto_filed_week + round(rules.wto_ruling_weeks))
    assert coalition.wto_compliance_due(
        japan.wto_filed_week + round(rules.wto_ruling_weeks) + round(rules.wto_compliance_weeks)
    )
    joined = Coalition(_host(), spec, np.random.default_rng(0))
    for week in range(60):
        joined.act(week, 1.0, 1.0, blocks, ban)
    others = [m.joined_week for m in joined.members if m.name != "Japan" and m.joined]
    assert joined.formed and joined.formed_week == min(others)
    assert coalition.stockpile.stock.sum() == 0 < joined.stockpile.stock.sum()  # shared once formed


def test_coalition_forms_sooner_under_a_visible_ban_at_equal_severity() -> None:
    spec = _coalition_spec()
    policies = _policies(spec)
    blocks = np.zeros(len(spec.seeds.regions.names))
    weeks = {}
    for name, policy, visibility in (("ban", policies["ban"], 1.0), ("grey", policies["grey"], 0.3)):
        coalition = Coalition(_host(), spec, np.random.default_rng(0))
        for week in range(500):
            coalition.act(week, visibility, 0.1, blocks, policy)
            if coalition.formed:
                weeks[name] = week
                break
    assert weeks["ban"] < weeks.get("grey", np.inf)  # the grey zone may never reach the threshold


WTO_COURSE = (
    "japan=no_concession",
    "run.horizon_weeks=260",
    "coalition.draws=false",
    "seeds.coalition_members.members.US.tariff_threat.value=0.3",
)


def test_wto_case_runs_its_course_in_a_full_run() -> None:
    """No concession; the US threat below China's tolerance: the ban ends by the WTO ruling."""
    held = WTO_COURSE
    spec = _spec("scenario=blanket_ban", *held)
    model = _run("scenario=blanket_ban", *held)
    rules = spec.seeds.coalition_policy
    assert model.coalition.wto_filed_week is not None
    expected = (
        model.coalition.wto_filed_week + round(rules.wto_ruling_weeks) + round(rules.wto_compliance_weeks)
    )
    lifts = [e for e in model.china.events if e.kind == "lift"]
    assert [(e.week, e.cause) for e in lifts] == [(expected, "WTO ruling")]
    grey = _run("scenario=ambiguous_curbs", *held)
    assert grey.coalition.wto_filed_week is None
    assert all(e.cause != "WTO ruling" for e in grey.china.events)


# Supply-side responses ------------------------------------------------------------------
def test_cofinancing_shortens_build_time_and_lowers_the_hurdle() -> None:
    spec = _spec("seeds.suppliers.expansion.invest_probability.value=1.0")
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
            _spec(
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


def test_allied_stockpile_reaches_japan_once_the_coalition_forms() -> None:
    model = _run("scenario=blanket_ban", *WTO_COURSE)
    series = model.recorder.result()
    formed = int(np.argmax(series.scalar["coalition_formed"] > 0))
    assert model.coalition.formed
    allied = series.material["delivered_allied_stockpile_t"].sum(axis=1)
    assert allied[:formed].sum() == 0 and allied[formed:].sum() > 0


# Events and outcomes ----------------------------------------------------------------------
def test_policy_changes_are_recorded_with_week_and_cause() -> None:
    """In the full runs above: adaptive curbs and a ban, with and without concession."""
    allowed = {
        "scheduled start",
        "scheduled end",
        "export quota change",
        "global regime change",
        "Japan conceded",
        "WTO ruling",
        "coalition pressure",
        "Japan's defiance",
        "Japan's conciliation",
        "revenue loss",
        "share loss",
    }
    kinds = {"start", "tune", "lift", "quota", "regime"}
    models = [
        _run(f"scenario={s}", *runs)
        for s in ("ambiguous_curbs", "blanket_ban")
        for runs in (WTO_COURSE, EAGER)
    ]
    for model in models:
        events = model.china.events
        assert events[0].cause == "scheduled start"
        assert {e.cause for e in events} <= allowed
        assert {e.kind for e in events} <= kinds
        assert [e.week for e in events] == sorted(e.week for e in events)


def test_an_export_quota_change_is_not_a_lift_in_the_2010_replay() -> None:
    spec = _spec("scenario=replay_2010", "run.horizon_weeks=60")
    model = run_model(spec)
    start = spec.scenario.china.start_week
    events = model.china.events
    assert ("quota", start) in [(e.kind, e.week) for e in events]  # the quota comes first, same week
    end = next(e for e in events if e.kind == "lift")
    assert (end.cause, end.week) == ("scheduled end", spec.scenario.china.end_week)
    outcomes = compute_outcomes(model.recorder.result(), spec, events)
    assert _value(outcomes, "lift_week") == end.week - start > 0
    assert _value(outcomes, "measure_lifted") == 1.0


def test_strategic_outcomes_are_reported() -> None:
    outcomes = simulate(_spec("scenario=blanket_ban"), 0).outcomes
    names = set(outcomes["outcome"])
    leverage = {f"leverage_lost_{w}_y{y}" for w in ("tonnes", "value", "world") for y in (1, 3, 5, 10)}
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
        "paired",
        "pressure_26w_yen",
        "pressure_52w_yen",
        "pressure_yen",
        "china_revenue_cost_usd",
        "wto_filed",
        "wto_week",
        "tariff_threat",
        "tariff_threat_week",
        "industrial_policy",
        "industrial_policy_week",
        "intensity_trough",
        "intensity_lowered",
        "visibility_peak",
        "response_lag_weeks",
        "substitution_rate_peak",
        "nonchina_ramp_rate_peak",
        "recovery_weeks",
        "area_lost_share_weeks",
    } | leverage <= names
    assert not {"decoupling_points", "leverage_efficiency"} & names
    assert _value(outcomes, "paired") == 1.0
    assert _value(outcomes, "visibility_peak") == 1.0  # an announced ban
    assert _value(outcomes, "coalition_formed") == 1.0
