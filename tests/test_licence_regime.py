"""A licence regime that begins during the run (the 4 Apr 2025 controls, replayed from a world
without them): before it the controlled materials ship like any other; from it they need a
licence, for Japan's firms, the rest of the world and the magnets that carry them."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.errors import ConfigError
from model.sim.greyzone import GreyzoneModel
from model.sim.paired import counterfactual_spec
from tests.conftest import HELD, run_model, small_spec

BEGINS = 12
REGIME = (
    "scenario=baseline",
    f"scenario.global_regime.licensing_start_week={BEGINS}",
    "run.horizon_weeks=60",
    *HELD,
)


@pytest.fixture(scope="module")
def introduced():
    return run_model(small_spec(*REGIME))


def _dy(model, metric: str) -> np.ndarray:
    series = model.recorder.result()
    return series.material[metric][:, list(series.materials).index("Dy")]


def test_before_the_regime_controlled_materials_ship_without_review(introduced) -> None:
    applications = _dy(introduced, "applications")
    # no filing dates: every buyer files every week, then only on its dates
    assert applications[:BEGINS].min() > 2.0 * applications[BEGINS + 1 : BEGINS + 20].mean()
    review = _dy(introduced, "review_time_mean_weeks")
    assert np.all(review[:BEGINS] == 0.0)  # decided the week they are filed
    assert np.all(_dy(introduced, "denials")[:BEGINS] == 0.0)  # no routine denials either
    assert review[BEGINS + 8 : BEGINS + 20].mean() > 2.0  # then reviews take weeks


def test_filings_before_the_regime_are_drawn_no_review_time() -> None:
    model = GreyzoneModel(small_spec(*REGIME), 0)
    model.run(BEGINS - 2)
    dy = list(model.spec.seeds.materials.names).index("Dy")
    column = list(model.authority.columns).index(dy)
    assert model.authority.submitted_count[column] > 0
    assert model.authority.submitted_review_mean[column] == 0.0
    assert model.firms.leads.review_wait[dy] == 0.0  # orders leave the week they are placed
    model.run(4)  # the regime has begun: orders wait for a filing date, half the interval on average
    interval = model.spec.seeds.licensing.application_interval_weeks
    assert model.firms.leads.review_wait[dy] == interval / 2.0


def test_when_the_regime_begins_china_deliveries_dip_for_japan_and_the_world(introduced) -> None:
    before = slice(BEGINS - 8, BEGINS)
    dip = slice(BEGINS + 2, BEGINS + 6)  # the first filings are still in review
    shipped = _dy(introduced, "shipped_china_t")
    assert shipped[dip].mean() < 0.3 * shipped[before].mean()
    row = _dy(introduced, "row_delivered_china_t")
    transit = int(introduced.spec.seeds.logistics.china_transit_weeks)
    row_dip = slice(BEGINS + transit + 1, BEGINS + transit + 4)
    assert row[row_dip].mean() < 0.3 * row[before].mean()
    assert shipped[BEGINS + 20 :].mean() > 0.5 * shipped[before].mean()  # licences then flow
    series = introduced.recorder.result()
    magnets = series.material["shipped_embedded_t"][:, list(series.materials).index("NdPr")]
    assert magnets[dip].mean() < 0.3 * magnets[before].mean()  # magnets carry Dy and Tb


def test_the_regime_beginning_is_an_event_and_not_a_lift(introduced) -> None:
    kinds = [(e.week, e.kind, e.cause) for e in introduced.china.events]
    assert kinds == [(BEGINS, "regime", "licence regime begins")]


def test_a_regime_that_predates_the_run_is_in_force_from_the_first_week() -> None:
    model = run_model(small_spec("scenario=baseline", "run.horizon_weeks=30", *HELD))
    assert _dy(model, "review_time_mean_weeks")[4:].min() > 0.0
    assert model.china.events == []


def test_the_counterfactual_of_an_introduced_regime_never_begins_it() -> None:
    spec = small_spec(*REGIME)
    calm = counterfactual_spec(spec)
    assert calm is not None
    assert calm.scenario.global_regime.licensing_start_week == spec.run.horizon_weeks
    model = run_model(calm)
    assert np.all(_dy(model, "review_time_mean_weeks") == 0.0)


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (
            ("scenario=ambiguous_curbs", "scenario.global_regime.licensing_start_week=10"),
            "scenario.china.start_week",
        ),
        (
            (
                "scenario=baseline",
                "scenario.global_regime.licensing_start_week=10",
                "scenario.global_regime.intensity=0.5",
                "scenario.global_regime.start_week=5",
            ),
            "scenario.global_regime.start_week",
        ),
        (
            ("scenario=replay_2010", "scenario.global_regime.licensing_start_week=10"),
            "scenario.global_regime.licensing_start_week",
        ),
    ],
)
def test_a_regime_start_that_would_make_an_option_inert_is_refused(overrides, key) -> None:
    with pytest.raises(ConfigError) as err:
        small_spec(*overrides)
    assert str(err.value).startswith(key)
