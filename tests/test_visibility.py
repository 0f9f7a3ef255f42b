"""Visibility of China's coercion (model/sim/evidence.py): announced measures are seen at once, a
grey zone only through lagged reports of denials and delays and published trade statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import numpy as np
import pytest

from model.config.seeds.parameters import Visibility
from model.config.spec import ModelSpec
from model.sim.evidence import Evidence
from model.sim.greyzone import GreyzoneModel
from model.sim.policy import PolicyState
from tests.conftest import run_model, small_spec

NORMAL_DENIAL = 0.05  # routine blocked share of Japan's China orders
NORMAL_LEAD = 10.0  # weeks
NORMAL_IMPORTS = 100.0  # value per week
FIRST_WEEK = -26  # the spin-up's first week
Observation = tuple[float, float, float]  # blocked share, lead time, imports
NORMAL: Observation = (NORMAL_DENIAL, NORMAL_LEAD, NORMAL_IMPORTS)


@lru_cache
def _spec(*overrides: str) -> ModelSpec:
    return small_spec(*overrides)


def _rules() -> Visibility:
    return _spec().seeds.visibility


def _n() -> int:
    return len(_spec().seeds.materials.names)


def _grey() -> PolicyState:
    covered = _spec().seeds.materials.controlled.copy()
    return PolicyState("ambiguous", 0.5, False, covered, True, False, False)


def _evidence(rules: Visibility | None = None) -> Evidence:
    """An Evidence after a calm spin-up, its normal levels set as the model sets them."""
    evidence = Evidence(rules or _rules(), NORMAL_DENIAL, FIRST_WEEK)
    for _ in range(-FIRST_WEEK):
        evidence.observe(*NORMAL)
    evidence.set_normal(13)
    return evidence


def _drive(
    evidence: Evidence,
    weeks: range,
    policy: Callable[[int], PolicyState],
    observed: Callable[[int], Observation],
) -> dict[int, float]:
    """Weekly visibility, in the model's order: visibility is updated (step 2) before the
    week's observations are made (step 6)."""
    seen = {}
    for week in weeks:
        seen[week] = evidence.update(week, policy(week))
        evidence.observe(*observed(week))
    return seen


def _first_visible(seen: dict[int, float]) -> int | None:
    return next((week for week, v in seen.items() if v > 0), None)


def test_an_announced_measure_is_visible_at_once_and_none_is_invisible() -> None:
    n = _n()
    announced = {
        "formal ban": PolicyState("blanket_ban", 1.0, True, np.ones(n, bool), False, False, False),
        "export quota": replace(PolicyState.calm(n), quota_factor=0.6),
        "global regime": PolicyState.calm(n, global_intensity=0.2),
    }
    for name, policy in announced.items():
        assert _evidence().update(0, policy) == 1.0, name  # no evidence needed, first week
    assert _evidence().update(0, PolicyState.calm(n)) == 0.0
    # the grey zone with no evidence yet is invisible
    assert _evidence().update(0, _grey()) == 0.0


def test_without_a_measure_aimed_at_japan_visibility_is_zero_and_the_evidence_decays() -> None:
    rules = _rules()
    assert rules.decay > 0
    evidence = _evidence()
    denied = (NORMAL_DENIAL + rules.denial_scale, NORMAL_LEAD, NORMAL_IMPORTS)
    seen = _drive(evidence, range(0, 30), lambda w: _grey(), lambda w: denied)
    assert seen[29] > 0
    built = evidence.accumulated
    calm = PolicyState.calm(_n())
    after = _drive(evidence, range(30, 40), lambda w: calm, lambda w: denied)
    assert set(after.values()) == {0.0}  # denials go on, but no measure is aimed at Japan
    assert evidence.accumulated == pytest.approx(built * (1.0 - rules.decay) ** 10)


def test_reported_denials_appear_report_lag_weeks_late() -> None:
    """A jump in the blocked share at week w is reported report_lag_weeks later: nothing before
    w + report_lag; the reports of week w are in hand the week after (step 2 precedes step 6)."""
    jump = 10
    denied = (NORMAL_DENIAL + 0.1, NORMAL_LEAD, NORMAL_IMPORTS)

    def observed(week: int) -> Observation:
        return denied if week >= jump else NORMAL

    firsts = {}
    for lag in (8, 2):
        rules = replace(_rules(), report_lag_weeks=lag)
        seen = _drive(_evidence(rules), range(0, 40), lambda w: _grey(), observed)
        assert all(seen[w] == 0.0 for w in range(0, jump + lag))
        assert seen[jump + lag + 1] > 0
        firsts[lag] = _first_visible(seen)
    assert firsts[8] - firsts[2] == 6


def test_trade_statistics_appear_only_after_their_lag_past_the_months_end() -> None:
    """Imports fall from the first week of month 2 (weeks 9-12, the month ending at week 13):
    that month's statistics are published trade_statistics_lag_weeks after week 13."""
    month_start, month_end = 9, 13
    fallen = (NORMAL_DENIAL, NORMAL_LEAD, 0.5 * NORMAL_IMPORTS)

    def observed(week: int) -> Observation:
        return fallen if week >= month_start else NORMAL

    firsts = {}
    for lag in (4, 8):
        rules = replace(_rules(), trade_statistics_lag_weeks=lag)
        evidence = _evidence(rules)
        seen = _drive(evidence, range(0, 40), lambda w: _grey(), observed)
        assert all(seen[w] == 0.0 for w in range(0, month_end + lag))
        assert seen[month_end + lag] > 0
        assert evidence.latest[:2] == (0.0, 0.0)  # only the trade statistics show it
        firsts[lag] = _first_visible(seen)
    assert firsts[8] - firsts[4] == 4


def test_delays_alone_raise_visibility_as_customs_holds_did_in_2010() -> None:
    """Cargo held, not refused: no denials above normal, imports steady, lead time longer."""
    rules = _rules()
    held = (NORMAL_DENIAL, NORMAL_LEAD + rules.delay_scale_weeks / 2, NORMAL_IMPORTS)
    evidence = _evidence()
    seen = _drive(evidence, range(0, 30), lambda w: _grey(), lambda w: held)
    assert seen[29] > 0
    denials, delays, trade = evidence.latest
    assert denials == 0.0 and trade == 0.0 and delays > 0


@pytest.mark.parametrize("removed", ["denials", "delays", "trade statistics"])
def test_each_channel_adds_visibility(removed) -> None:
    """All three channels at half their scale, against the same with one channel back to normal."""
    rules = _rules()
    partial = {
        "denials": NORMAL_DENIAL + rules.denial_scale / 2,
        "delays": NORMAL_LEAD + rules.delay_scale_weeks / 2,
        "trade statistics": NORMAL_IMPORTS * (1.0 - rules.import_drop_scale / 2),
    }
    without = {**partial, removed: dict(zip(partial, NORMAL, strict=True))[removed]}
    week = 12  # all three channels report by now (from week 9), visibility not yet full
    results = {}
    for name, levels in (("all", partial), ("without", without)):
        obs = (levels["denials"], levels["delays"], levels["trade statistics"])
        seen = _drive(_evidence(), range(0, week + 1), lambda w: _grey(), lambda w, o=obs: o)
        results[name] = seen[week]
    assert 0 < results["without"] < results["all"] < 1


def test_visibility_in_the_2010_replay() -> None:
    """The replay's export quota is announced: visible at once from its start. Without the quota
    and with the halt held longer, the customs holds alone make it visible, through delays
    reported report_lag_weeks after the halt began."""
    spec = _spec("scenario=replay_2010", "run.horizon_weeks=40")
    model = run_model(spec)
    visibility = model.recorder.result().scalar["visibility"]
    start, end = spec.scenario.china.start_week, spec.scenario.china.end_week
    assert spec.scenario.export_quota.start_week == start
    assert (visibility[start:end] == 1.0).all()
    assert (visibility[:start] == 0.0).all()

    spec = _spec(
        "scenario=replay_2010",
        "scenario.export_quota.factor=1.0",
        "scenario.export_quota.start_week=null",
        "scenario.china.end_week=60",
        "run.horizon_weeks=40",
    )
    model = GreyzoneModel(spec, 0)
    lag = round(spec.seeds.visibility.report_lag_weeks)
    delays, denials, visibility = {}, {}, {}
    for week in range(start + lag + 6):
        model.step()
        denials[week], delays[week], _ = model.evidence.latest
        visibility[week] = model.evidence.visibility
    reported = range(start + lag + 2, start + lag + 6)
    assert all(delays[w] > 0 for w in reported)
    assert all(denials[w] == 0.0 for w in reported)  # held, not refused
    assert visibility[reported[-1]] > visibility[start + lag]


def test_no_visibility_before_any_evidence_of_the_measure_can_be_observed() -> None:
    """Before the first reports of the measure's weeks (start + report_lag + 1) and the first
    statistics of a month it touched (the start's month end + trade_statistics_lag_weeks), all
    that outsiders can observe predates the measure: it is no evidence of it."""
    spec = _spec("scenario=ambiguous_curbs")
    rules, start = spec.seeds.visibility, spec.scenario.china.start_week
    month = 52 / 12  # trade statistics are monthly
    month_end = int(np.ceil((np.floor(start / month) + 1) * month))  # first week after the start's month
    earliest = min(
        start + round(rules.report_lag_weeks) + 1, month_end + round(rules.trade_statistics_lag_weeks)
    )
    early = {}
    for replication in range(3):
        model = GreyzoneModel(spec, replication)
        seen = []
        for _ in range(earliest):
            model.step()
            seen.append(model.evidence.visibility)
        early[replication] = max(seen[start:])
    assert early == {r: 0.0 for r in early}
