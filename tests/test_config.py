"""Configs compose, validate, and refuse bad values with one line naming the key."""

from __future__ import annotations

import pytest

from model.config import ConfigError, build_spec
from model.config.compose import compose_config
from tests.conftest import SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_composes_and_validates(scenario: str) -> None:
    spec = build_spec(compose_config([f"scenario={scenario}"]))
    assert spec.scenario.name == scenario
    assert spec.scenario.description


def test_replay_2010_uses_2010_seeds_and_dates() -> None:
    spec = build_spec(compose_config(["scenario=replay_2010"]))
    assert spec.run.start_date.year == 2010
    assert not spec.seeds.materials.controlled.any()
    assert spec.scenario.export_quota.factor < 1.0


@pytest.mark.parametrize(
    ("overrides", "key", "allowed"),
    [
        (["scenario=nope"], "scenario", "allowed: ambiguous_curbs"),
        (["run.replication=3"], "run.replication", "did you mean 'replications'"),
        (
            ["seeds.licensing.review_median_week.value=3"],
            "seeds.licensing.review_median_week",
            "did you mean",
        ),
        (["seeds.materials.Dy.china_share.value=1.3"], "seeds.materials.Dy.china_share.value", "[0, 1]"),
        (["seeds.suppliers.nonchina.Lynas.capacity_t.NdPr.value=-5"], "capacity_t.NdPr.value", ">= 0"),
        (["seeds.materials.Dy.japan_demand_t.value=-1"], "seeds.materials.Dy.japan_demand_t.value", ">= 0"),
        (["run.horizon_weeks=0"], "run.horizon_weeks", ">= 1"),
        (["run.firms=abc"], "run.firms", "integer"),
        (["scenario.china.instrument=bann"], "scenario.china.instrument", "blanket_ban"),
        (["scenario.china.intensity=2"], "scenario.china.intensity", "[0, 1]"),
        (["scenario.china.covered=[Dy,Xx]"], "scenario.china.covered", "unknown material 'Xx'"),
        (["scenario.china.end_week=2"], "scenario.china.end_week", "> start_week"),
        (["run.start_date=2026-13-01"], "run.start_date", "YYYY-MM-DD"),
        (["seeds.materials.Dy.china_share.value=0.2"], "capacity_t.Dy", "non-China capacity"),
        (["japan=nope"], "japan", "allowed: default, high_subsidy, no_concession"),
        (["japan.cofinance_share=1.5"], "japan.cofinance_share", "[0, 1]"),
        (["japan.stockpile_days=-3"], "japan.stockpile_days", ">= 0"),
        (["coalition.enabled=maybe"], "coalition.enabled", "true or false"),
        (["seeds.coalition_policy.formation_threshold.value=0"], "formation_threshold.value", "> 0"),
        (["scenario.china.adaptive=1"], "scenario.china.adaptive", "true or false"),
    ],
)
def test_bad_values_give_one_line_naming_the_key(overrides, key, allowed) -> None:
    with pytest.raises(ConfigError) as caught:
        build_spec(compose_config(overrides))
    message = str(caught.value)
    assert "\n" not in message
    assert key in message
    assert allowed in message


def test_unknown_seed_key_inside_a_leaf_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"seeds\.licensing\.routine_approval\.valu"):
        build_spec(compose_config(["+seeds.licensing.routine_approval.valu=1"]))


@pytest.mark.parametrize(
    ("overrides", "check"),
    [
        (["japan=stockpile_180"], lambda s: s.japan.stockpile_days == 180),
        (["japan=stockpile_0"], lambda s: s.japan.stockpile_days == 0),
        (["japan=no_concession"], lambda s: not s.japan.concession),
        (
            ["japan=no_subsidy"],
            lambda s: s.japan.diversification_subsidy == 0 and s.japan.cofinance_share == 0,
        ),
        (["japan=high_subsidy"], lambda s: s.japan.diversification_subsidy == 1),
        (["coalition=none"], lambda s: not s.coalition.enabled),
        (
            ["japan=no_concession", "japan.stockpile_days=60"],
            lambda s: not s.japan.concession and s.japan.stockpile_days == 60,
        ),
    ],
)
def test_what_if_switches_compose(overrides, check) -> None:
    assert check(build_spec(compose_config(overrides)))
