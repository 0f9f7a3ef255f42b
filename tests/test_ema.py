"""greyzone as an EMA Workbench model (model/api/ema.py), driven by EMA's own code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments
from ema_workbench.analysis import feature_scoring, prim

import model as gz
from model.api.ema import INSTRUMENTS
from model.config.spec import build_spec
from model.explore.evaluate import scalar_outcomes
from model.sim.paired import simulate

TINY = ["run.firms=40", "run.horizon_weeks=60", "run.spinup_weeks=8", "run.progress=false"]
SEEDED = {"uncertainty_sampling_kwargs": {"rng": 11}, "lever_sampling_kwargs": {"rng": 12}}
IDS = ["scenario", "policy"]  # EMA numbers its samples with a counter per process


def _inputs(experiments: pd.DataFrame) -> pd.DataFrame:
    return experiments.drop(columns=IDS).astype(object)


def test_sequential_and_multiprocessing_experiments_are_identical_and_prim_runs_on_them() -> None:
    model = gz.ema_model(uncertainties=["licensing.*", "behaviour.*"], overrides=TINY)
    with SequentialEvaluator(model) as evaluator:
        one, one_out = evaluator.perform_experiments(scenarios=8, policies=2, **SEEDED)
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        two, two_out = evaluator.perform_experiments(scenarios=8, policies=2, **SEEDED)
    # 16 x 2 at the default size: benchmarks/ema.py (benchmarks/ema.md)
    assert len(one) == 16 and set(one["instrument"]) <= set(INSTRUMENTS)
    assert _inputs(one).equals(_inputs(two))
    assert one_out.keys() == two_out.keys()
    for name in one_out:
        assert np.array_equal(one_out[name], two_out[name], equal_nan=True), name
    assert one_out["shortfall_all"].shape == (16, 60)
    assert np.ptp(one_out["pressure_52w_tn_yen"]) > 0  # the inputs act
    x = one.drop(columns=[*IDS, "model"])
    y = one_out["pressure_52w_tn_yen"] > np.median(one_out["pressure_52w_tn_yen"])
    box = prim.Prim(x, y, mass_min=0.1).find_box()  # EMA's own PRIM
    assert len(box.peeling_trajectory) > 1
    scores = feature_scoring.get_feature_scores_all(x, {"pressure": one_out["pressure_52w_tn_yen"]})
    assert "instrument" in scores.index


def test_an_experiment_is_the_run_of_its_config() -> None:
    model = gz.ema_model(uncertainties=["licensing.review_median_weeks"], overrides=TINY)
    review = "seeds.licensing.review_median_weeks.value"
    values = {
        "instrument": "blanket_ban",
        "coalition": False,
        "concession": False,
        "scenario.china.intensity": 0.7,
        "japan.stockpile_days": 120.0,
        "japan.diversification_subsidy": 0.2,
        "japan.cofinance_share": 0.1,
        review: 9.0,
    }
    got = model.function(**values)
    overrides = [
        *TINY,
        "coalition=none",
        "japan.concession=false",
        "scenario.china.intensity=0.7",
        "japan.stockpile_days=120.0",
        "japan.diversification_subsidy=0.2",
        "japan.cofinance_share=0.1",
        f"{review}=9.0",
    ]
    expected = scalar_outcomes(simulate(build_spec(gz.compose("blanket_ban", overrides).job), 0).outcomes)
    assert {k: got[k] for k in expected} == pytest.approx(expected, nan_ok=True)
    calm = model.function(**{**values, "instrument": "ambiguous_curbs"})
    assert calm["pressure_52w_tn_yen"] != got["pressure_52w_tn_yen"]  # the instrument lever acts
    assert [u.name for u in model.uncertainties] == ["licensing__review_median_weeks"]
    assert model.uncertainties[0].variable_name == [review]


@pytest.mark.slow  # about 6 s: make test-all
def test_replications_make_a_replicator_model_whose_outcomes_are_replication_means() -> None:
    settings = {
        "uncertainties": ["licensing.review_median_weeks"],
        "levers": ["intensity"],
        "outcomes": ["pressure_52w_tn_yen", "shortfall_Dy"],
        "overrides": TINY,
    }
    model = gz.ema_model(**settings, replications=2)
    experiments, outcomes = perform_experiments(model, scenarios=2, policies=1, **SEEDED)
    assert outcomes["pressure_52w_tn_yen"].shape == (2,) and outcomes["shortfall_Dy"].shape == (2, 60)
    single = gz.ema_model(**settings)
    row = experiments.iloc[0]
    inputs = {"seeds.licensing.review_median_weeks.value": row["licensing__review_median_weeks"]}
    inputs["scenario.china.intensity"] = row["intensity"]
    runs = [single.function(**inputs, replication=r) for r in (0, 1)]
    assert runs[0]["pressure_52w_tn_yen"] != runs[1]["pressure_52w_tn_yen"]
    mean = (runs[0]["pressure_52w_tn_yen"] + runs[1]["pressure_52w_tn_yen"]) / 2
    assert outcomes["pressure_52w_tn_yen"][0] == pytest.approx(mean)
    assert outcomes["shortfall_Dy"][0] == pytest.approx(
        (runs[0]["shortfall_Dy"] + runs[1]["shortfall_Dy"]) / 2
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"levers": ["stockpile"]}, "levers: unknown lever 'stockpile'; did you mean 'stockpile_days'?"),
        ({"outcomes": ["pressure_52w"]}, "outcomes: unknown outcome 'pressure_52w'; did you mean"),
        ({"uncertainties": ["nothing.*"]}, "uncertainties: ['nothing.*'] selects no ranged seed"),
        ({"replications": 0}, "replications: got 0; must be a whole number >= 1"),
        ({"overrides": ["run.firmz=3"]}, "run.firmz: unknown key"),
        ({"scenario": "blanket_ban"}, "scenario: China's instrument is a lever here"),
        ({"overrides": [*TINY, "run.parameters=posterior"]}, "run.parameters: posterior draws"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(arguments: dict, message: str) -> None:
    with pytest.raises(gz.ConfigError) as caught:
        gz.ema_model(**{"overrides": TINY, **arguments})
    assert message in str(caught.value)
