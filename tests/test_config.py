"""Configs compose and validate (bad configs: tests/test_bad_configs.py)."""

from __future__ import annotations

import pytest

from model.config import build_spec
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
