"""The catalogue names every outcome once; what the model computes and what reports read
agree with it."""

from __future__ import annotations

import pytest

from model.catalogue.outcomes import HEADLINE_BY_KEY, HEADLINES, OUTCOMES
from model.explore.evaluate import SCALARS
from model.results.summary import percentile_table
from model.sim.outcomes import compute_outcomes


def test_the_model_computes_exactly_the_catalogued_outcomes(any_model) -> None:
    table = compute_outcomes(any_model.recorder.result(), any_model.spec, any_model.china.events)
    assert set(table["outcome"]) == set(OUTCOMES)


def test_headlines_and_exploration_scalars_name_catalogued_outcomes() -> None:
    assert {h.outcome for h in HEADLINES} <= set(OUTCOMES)
    assert {outcome for outcome, _ in SCALARS.values()} <= set(OUTCOMES)
    assert len(HEADLINE_BY_KEY) == len(HEADLINES)  # keys are unique


def test_summaries_are_keyed_by_headline_not_by_label(scenario_models) -> None:
    model = scenario_models["blanket_ban"]
    table = compute_outcomes(model.recorder.result(), model.spec, model.china.events)
    summary = percentile_table(table)
    assert list(summary["headline"]) == [h.key for h in HEADLINES]
    dy = summary.set_index("headline").loc["peak_shortfall[Dy]"]
    expected = table[(table["outcome"] == "peak_shortfall") & (table["material"] == "Dy")]["value"]
    assert dy["p50"] == pytest.approx(100 * expected.median())
